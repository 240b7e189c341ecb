"""Solves in several threads of one process (the dashboard's background plans) do not clash."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import highspy

from planner.solver.branch import branch_and_price
from planner.solver.highs import INF, fvec, ivec, new_highs, run_highs, run_interruptible
from tests.test_branch import _problem, _root

T = TypeVar("T")


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


def _in_new_thread(work: Callable[[], T]) -> T:
    """work() in a thread of its own: HiGHS keeps its task scheduler per thread."""
    out: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return out[0]


def _other_code_solves(threads: int) -> None:
    """A solve as code outside the planner runs it: a plain highspy.Highs, its own threads."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.addVar(0.0, INF)
    h.changeColCost(0, -1.0)
    h.addRow(-INF, 5.0, 1, ivec([0]), fvec([2.0]))
    assert h.run() == highspy.HighsStatus.kOk


def test_planner_solve_after_other_highs_code_in_the_same_thread() -> None:
    # The first solve in a thread sizes HiGHS's scheduler; a plain highspy.Highs asks for the
    # machine's threads, and every later planner solve (threads=1) was refused at once.
    def knapsack_after_other() -> float:
        _other_code_solves(2)
        h = _knapsack(3)
        assert run_highs(h) == highspy.HighsStatus.kOk
        assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return float(h.getInfo().objective_function_value)

    def knapsack_alone() -> float:
        h = _knapsack(3)
        run_highs(h)
        return float(h.getInfo().objective_function_value)

    assert _in_new_thread(knapsack_after_other) == _in_new_thread(knapsack_alone) < 0


def test_branch_and_price_after_other_highs_code_in_the_same_thread() -> None:
    # tests/test_cover.py (a plain highspy.Highs) then tests/test_branch.py in one process lost
    # branch-and-price's solution (none, bound 0) on (39, 2): the same search, with and without
    # another solve before it in its thread, proves the same optimum
    pr = _problem(39, 2)
    penalty = float(max(h.cost for h in pr.hosts) + 1)

    def search(other_first: bool) -> tuple[bool, float | None, float]:
        if other_first:
            _other_code_solves(2)
        _, pool, _ = _root(pr)
        res = branch_and_price(pr, [], pool, penalty, time.monotonic() + 20, INF)
        assert res is not None
        objective = None if res.solution is None else float(res.solution.objective)
        return res.proven, objective, pr.round_bound(res.lower_bound)

    alone = _in_new_thread(lambda: search(False))
    assert alone[0] and alone[1] is not None
    assert _in_new_thread(lambda: search(True)) == alone
