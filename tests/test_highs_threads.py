"""Solves in several threads of one process (the dashboard's background plans) do not clash."""

from __future__ import annotations

import threading

import highspy

from planner.solver.highs import INF, fvec, ivec, new_highs, run_interruptible


def _knapsack(seed: int) -> highspy.Highs:
    h = new_highs(5)
    n = 30
    h.addVars(n, fvec([0.0] * n), fvec([1.0] * n))
    for j in range(n):
        h.changeColIntegrality(j, highspy.HighsVarType.kInteger)
    h.changeColsCost(n, ivec(list(range(n))), fvec([-float((j * seed) % 7 + 1)
                                                     for j in range(n)]))
    h.addRow(-INF, 10.0, n, ivec(list(range(n))), fvec([float(j % 5 + 1) for j in range(n)]))
    return h


def test_interruptible_solves_in_parallel_threads() -> None:
    # highspy 1.16 shares its solve locks between instances; new_highs gives each its own
    errors: list[str] = []

    def work(seed: int) -> None:
        try:
            for _ in range(10):
                h = _knapsack(seed)
                assert run_interruptible(h) is False
                assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(s,)) for s in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
