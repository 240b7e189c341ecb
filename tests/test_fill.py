"""The sequential exact fill: perfect packings, anti-affinity, vendor stock, determinism."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from planner.bench.instances import constructed
from planner.model.problem import Problem, build_problem
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver import fill
from planner.solver.engine import plan
from planner.solver.fill import _Completions, exact_fill, perfect_search
from planner.solver.heuristics import Packing
from planner.testing import constructed_instance


def _check(problem: Problem, packing: Packing) -> None:
    """Every copy placed once, every PC within capacity, anti groups apart, stock kept."""
    placed = [0] * len(problem.items)
    used = [0] * len(problem.hosts)
    for p in packing.patterns:
        host = problem.hosts[p.host]
        used[p.host] += 1
        assert all(a <= c for a, c in zip(p.load(problem), host.cap, strict=True))
        groups: list[str] = []
        for i, k in p.content:
            placed[i] += k
            groups.extend(list(problem.items[i].anti) * k)
        assert len(groups) == len(set(groups))
    assert placed == [it.demand for it in problem.items]
    for h, u in zip(problem.hosts, used, strict=True):
        assert h.available is None or u <= h.available


def test_perfect_packing_reaches_known_optimum() -> None:
    inv, cat, pol, opt = constructed_instance(12, seed=5)
    problem = build_problem(inv, cat, pol)
    pk = exact_fill(problem, time.monotonic() + 4.0, target=opt * 1000)
    assert pk is not None and not pk.uncovered
    _check(problem, pk)
    assert len(pk.patterns) == opt


def test_triplets_fill_each_pc_exactly() -> None:
    # 2-D triplets filling a 100 x 100 bin exactly (Caprara-Toth class 10 style), shuffled
    rows = [(50, 30), (30, 45), (20, 25), (40, 40), (35, 20), (25, 40), (45, 35), (33, 33),
            (22, 32), (60, 10), (25, 60), (15, 30)]
    rows = [rows[i] for i in (3, 7, 0, 10, 5, 1, 9, 2, 11, 4, 8, 6)]
    inv = Inventory(tuple(Workload(f"w{j}", c, float(m), 1.0) for j, (c, m) in enumerate(rows)))
    cat = Catalog(hosts=(HostModel("BIN", 100, 100.0, 1000.0),), term_years=1)
    problem = build_problem(inv, cat, PURE_PACKING)
    pk = exact_fill(problem, time.monotonic() + 4.0, target=4000)
    assert pk is not None
    _check(problem, pk)
    assert len(pk.patterns) == 4


def test_anti_affinity_and_stock_respected() -> None:
    # eight small copies of one anti-affinity group: eight PCs although two would hold them;
    # the cheap model has stock for three only, so five of the dearer model are needed
    wl = (Workload("db", 1, 1.0, 1.0, count=8, anti_affinity="db"),
          Workload("app", 2, 4.0, 10.0, count=6))
    cat = Catalog(hosts=(HostModel("S", 8, 32.0, 500.0, monthly_fee=Decimal(10), available=3),
                         HostModel("M", 16, 64.0, 1000.0, monthly_fee=Decimal(25))), term_years=1)
    problem = build_problem(Inventory(wl), cat, PURE_PACKING)
    pk = exact_fill(problem, time.monotonic() + 1.0)
    assert pk is not None and not pk.uncovered
    _check(problem, pk)
    assert len(pk.patterns) == 8
    assert sum(1 for p in pk.patterns if problem.hosts[p.host].model.name == "S") <= 3


def test_deterministic() -> None:
    inv, cat, pol, _ = constructed_instance(10, seed=8)
    problem = build_problem(inv, cat, pol)
    a = exact_fill(problem, time.monotonic() + 30.0)
    b = exact_fill(replace(problem), time.monotonic() + 30.0)
    assert a is not None and b is not None
    assert sorted(a.patterns) == sorted(b.patterns)


def test_perfect_search_finds_triplets() -> None:
    # the same triplets: the depth-first search alone packs them into four full PCs
    rows = [(50, 30), (30, 45), (20, 25), (40, 40), (35, 20), (25, 40), (45, 35), (33, 33),
            (22, 32), (60, 10), (25, 60), (15, 30)]
    inv = Inventory(tuple(Workload(f"w{j}", c, float(m), 1.0) for j, (c, m) in enumerate(rows)))
    cat = Catalog(hosts=(HostModel("BIN", 100, 100.0, 1000.0),), term_years=1)
    problem = build_problem(inv, cat, PURE_PACKING)
    pk = perfect_search(problem, 4000.5, time.monotonic() + 4.0)
    assert pk is not None
    _check(problem, pk)
    assert len(pk.patterns) == 4
    # three PCs cannot hold them: the search says so rather than return a worse packing
    assert perfect_search(problem, 3000.5, time.monotonic() + 4.0) is None


def test_engine_reaches_constructed_optimum() -> None:
    # the engine alone (before the exact fill) stopped one PC above this optimum in 10 s
    inst = constructed(50, 3, False, 1, 5.0)
    p = plan(inst.inventory, inst.catalog, inst.policy, time_limit=5.0)
    assert inst.optimum is not None and float(p.cost) == inst.optimum
    assert p.status == "optimal"


def test_restricted_completion_tables_equal_rebuilt_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    # the sequential fill filters one table per PC type as copies are placed instead of
    # rebuilding it: the answers must be the rebuild's, ties and order included
    # thresholds low enough that shrinking tables cross them (pairs and triples switch on)
    monkeypatch.setattr(fill, "MAX_TRIPLING", 40)
    monkeypatch.setattr(fill, "MAX_PAIRING", 120)
    rng = np.random.default_rng(0)
    tight = np.array([True, True, False])
    cap = np.array([20, 30, 1])
    for _ in range(60):
        n = int(rng.integers(5, 60))
        sizes = np.column_stack([rng.integers(1, 12, n), rng.integers(1, 16, n),
                                 np.ones(n, dtype=np.int64)])
        demand = rng.integers(1, 6, n)
        table = _Completions(sizes, np.arange(n), demand, cap, tight)
        for _ in range(4):
            demand = np.maximum(0, demand - rng.integers(0, 3, n))
            cand = np.nonzero(demand)[0]
            table = table.restrict(cand, demand[cand])
            fresh = _Completions(sizes, cand, demand[cand], cap, tight)
            names = ["reps", "keys", "korder", "a", "b", "pkeys", "porder", "tkeys"]
            if len(fresh.tkeys):
                names += ["tp", "tc", "torder"]
            for name in names:
                assert np.array_equal(getattr(table, name), getattr(fresh, name)), name
            anti: list[tuple[str, ...]] = [()] * n
            for first in cand[:3].tolist():
                assert table.completions(first, demand, anti, np.ones(n), 5) == \
                    fresh.completions(first, demand, anti, np.ones(n), 5)
