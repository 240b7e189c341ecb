"""Pricing and master-LP speed-ups must not change what the engine proves.

The dynamic programs answer most pricing calls instead of the knapsack MILP, and the
dominance exchange columns stabilise the master; the bounds built on them are printed as
proven, so each is checked here against the MILP or against brute force.
"""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from planner.bench.instances import literature
from planner.model.problem import Problem, build_problem
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver.colgen import Pricer, column_generation, dominance_pairs
from planner.solver.heuristics import ffd_multi


def _problem(seed: int, n: int = 12, dims: int = 2) -> Problem:
    rng = random.Random(seed)
    wl = tuple(Workload(f"w{i}", rng.randint(1, 9), float(rng.randint(1, 30)),
                        float(rng.randint(10, 400)) if dims == 3 else 1.0,
                        count=rng.choice([1, 1, 2, 3]))
               for i in range(n))
    cat = Catalog(hosts=(HostModel("S", 12, 40.0, 1000.0 if dims == 3 else 10_000.0),
                         HostModel("L", 20, 64.0, 1500.0 if dims == 3 else 10_000.0)),
                  term_years=1)
    return build_problem(Inventory(wl, "t"), cat, PURE_PACKING)


def _milp(pricer: Pricer, t: int, pi: np.ndarray) -> float:
    saved = pricer._dynamic, pricer._sparse
    pricer._dynamic = lambda *a, **k: None  # type: ignore[method-assign]
    pricer._sparse = lambda *a, **k: None  # type: ignore[method-assign]
    try:
        value, bound, _ = pricer.exact(t, pi, 10.0)
    finally:
        pricer._dynamic, pricer._sparse = saved  # type: ignore[method-assign]
    assert abs(bound - value) < 1e-6
    return value


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dims", [2, 3])
def test_dynamic_programs_agree_with_the_knapsack_milp(seed: int, dims: int) -> None:
    problem = _problem(seed, dims=dims)
    pricer = Pricer(problem)
    rng = np.random.default_rng(seed)
    for _ in range(4):
        pi = rng.random(len(problem.items)) ** 2
        for t, host in enumerate(problem.hosts):
            best = _milp(pricer, t, pi)
            exact = pricer._dynamic(t, pi)
            if exact is not None:
                assert exact[0] == pytest.approx(best, abs=1e-9)
            low = pricer._dynamic(t, pi, "up")
            high = pricer._dynamic(t, pi, "down")
            assert low is not None and high is not None
            assert low[0] <= best + 1e-9 <= high[1] + 2e-9  # heuristic <= optimum <= relaxation
            assert low[2] is not None
            assert all(a <= c for a, c in zip(low[2].load(problem), host.cap, strict=True))
            assert all(k <= problem.items[i].demand for i, k in low[2].content)


def test_coarse_grid_is_used_when_the_exact_table_is_too_large() -> None:
    # capacities of 1,000 in two dimensions with coprime sizes: a million cells
    inst = literature(1, 25, 0, 1, 10.0)
    problem = build_problem(inst.inventory, inst.catalog, inst.policy)
    pricer = Pricer(problem)
    pi = np.linspace(0.1, 1.0, len(problem.items))
    assert pricer._dynamic(0, pi) is None
    best = _milp(pricer, 0, pi)
    low, high = pricer._dynamic(0, pi, "up"), pricer._dynamic(0, pi, "down")
    assert low is not None and high is not None
    assert low[0] <= best + 1e-9 <= high[1] + 1e-9
    assert high[1] <= 1.15 * best  # the relaxation is close enough to prune with


@pytest.mark.parametrize("cls", [1, 2, 3])
def test_sparse_dp_agrees_with_the_knapsack_milp_on_large_grids(cls: int) -> None:
    """Capacities of 1,000: the reached-loads DP prices exactly where no table fits."""
    inst = literature(cls, 25, 0, 1, 10.0, multi=True)
    problem = build_problem(inst.inventory, inst.catalog, inst.policy)
    pricer = Pricer(problem)
    rng = np.random.default_rng(cls)
    for _ in range(3):
        pi = rng.random(len(problem.items)) * 300.0
        for t, host in enumerate(problem.hosts):
            best = _milp(pricer, t, pi)
            got = pricer._sparse(t, pi, None, math.inf)
            assert got is not None
            value, bound, pattern = got
            assert value == pytest.approx(best, rel=1e-7) and bound >= value
            assert pattern is not None
            assert all(a <= c for a, c in zip(pattern.load(problem), host.cap, strict=True))
            # with a price-out threshold: a column only if it beats it, else a valid bound
            for need in (0.9 * best, 1.1 * best):
                got = pricer._sparse(t, pi, need, math.inf)
                assert got is not None
                value, bound, pattern = got
                assert bound >= best - 1e-6 * best
                assert (pattern is not None) == (best > need)


def test_dominance_pairs_are_a_reduced_strict_order() -> None:
    problem = _problem(3, n=15)
    pairs = dominance_pairs(problem)
    assert pairs
    sizes = [it.size for it in problem.items]
    for big, small in pairs:
        assert big != small
        assert all(a >= b for a, b in zip(sizes[big], sizes[small], strict=True))
    # transitive reduction: no pair is implied by two others
    succ: dict[int, set[int]] = {}
    for big, small in pairs:
        succ.setdefault(big, set()).add(small)
    for a, b in pairs:
        assert not any(b in succ.get(c, set()) for c in succ.get(a, set()))


def _brute_force_bins(sizes: list[tuple[int, int]], cap: int) -> int:
    """Fewest bins by trying every assignment (tiny instances only)."""
    n = len(sizes)
    for k in range(1, n + 1):
        for assign in itertools.product(range(k), repeat=n):
            if assign[0] != 0:
                continue
            load = [[0, 0] for _ in range(k)]
            for (w, v), b in zip(sizes, assign, strict=True):
                load[b][0] += w
                load[b][1] += v
            if all(a <= cap and b <= cap for a, b in load):
                return k
    return n


@pytest.mark.parametrize("seed", range(5))
def test_lp_bound_with_exchange_columns_never_exceeds_the_optimum(seed: int) -> None:
    rng = random.Random(seed)
    sizes = [(rng.randint(2, 7), rng.randint(2, 7)) for _ in range(7)]
    wl = tuple(Workload(f"w{i}", w, float(v), 1.0) for i, (w, v) in enumerate(sizes))
    cat = Catalog(hosts=(HostModel("B", 10, 10.0, 100.0),), term_years=1)
    problem = build_problem(Inventory(wl, "t"), cat, PURE_PACKING)
    start = ffd_multi(problem, 0).patterns
    upper = float(sum(problem.hosts[p.host].cost for p in start))
    with_cuts = column_generation(problem, [], start, 3 * upper, 1e18, float("inf"))
    plain = column_generation(problem, [], start, 3 * upper, 1e18, float("inf"),
                              dual_cuts=False)
    optimum = _brute_force_bins(sizes, 10) * problem.hosts[0].cost
    assert with_cuts.lower_bound <= optimum + 1e-6
    assert with_cuts.lp_optimal and plain.lp_optimal
    assert with_cuts.lp_value == pytest.approx(plain.lp_value, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
def test_volume_duals_price_no_pattern_out(seed: int) -> None:
    # the starting centre of the stabilised column generation must be a feasible dual
    from planner.solver.colgen import build_master, volume_duals

    problem = _problem(seed, dims=3)
    _, rows = build_master(problem, [], 1e9)
    y = volume_duals(problem, rows)
    assert y is not None and float(np.asarray(rows.rhs) @ y) > 0
    pricer = Pricer(problem)
    pi = y[rows.cover]
    for t, host in enumerate(problem.hosts):
        assert _milp(pricer, t, pi) <= host.cost * (1 + 1e-9)


def _many_small(seed: int, n: int = 40) -> Problem:
    """Many small copies (20-40 on a PC) in three dimensions, a few in anti-affinity pairs."""
    rng = random.Random(seed)
    wl = tuple(Workload(f"w{i}", rng.choice([1, 2, 2, 4]), float(rng.choice([2, 4, 8, 12])),
                        float(rng.randint(20, 300)), count=rng.choice([1, 1, 2, 5]),
                        anti_affinity=f"g{i % 3}" if i < 6 else "")
               for i in range(n))
    cat = Catalog(hosts=(HostModel("M", 32, 128.0, 4000.0), HostModel("L", 64, 256.0, 7000.0)),
                  term_years=1)
    return build_problem(Inventory(wl, "t"), cat, PURE_PACKING)


@pytest.mark.parametrize("seed", range(4))
def test_rounded_lp_patterns_fit_and_come_close_to_the_best(seed: int) -> None:
    """The LP-rounding heuristic: fitting patterns, true values, near the MILP's optimum."""
    problem = _many_small(seed)
    pricer = Pricer(problem)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        pi = rng.random(len(problem.items)) * np.array([sum(it.size) for it in problem.items])
        for t, host in enumerate(problem.hosts):
            best = _milp(pricer, t, pi)
            got = pricer.rounded(t, pi, seeds=3)
            assert got
            for value, pattern in got:
                assert pattern.host == t
                assert value == pytest.approx(sum(pi[i] * k for i, k in pattern.content))
                assert all(a <= c for a, c in zip(pattern.load(problem), host.cap,
                                                  strict=True))
                assert all(0 < k <= problem.items[i].demand for i, k in pattern.content)
                groups = [g for i, k in pattern.content for g in problem.items[i].anti
                          for _ in range(k)]
                assert len(groups) == len(set(groups))  # one member of a group per PC
                assert value <= best + 1e-6 * best
            # the greedy order alone is often 10-30 % below on such patterns
            assert max(v for v, _ in got) >= 0.9 * best


def test_exact_pricing_stays_exact_when_the_coarse_tables_are_skipped() -> None:
    """After the coarse tables fail to decide, later calls go to the MILP: still exact."""
    inst = literature(1, 25, 0, 1, 10.0)
    problem = build_problem(inst.inventory, inst.catalog, inst.policy)
    pricer = Pricer(problem)
    rng = np.random.default_rng(7)
    for skip in (0, 8):
        for _ in range(4):
            pi = rng.random(len(problem.items)) * 10.0
            best = _milp(pricer, 0, pi)
            for need in (0.999 * best, 1.001 * best):
                pricer._coarse_skip[0] = skip  # 8: the tables are skipped, as after a miss
                value, bound, pattern = pricer.exact(0, pi, 10.0, need)
                assert value <= best + 1e-6 * best <= bound + 2e-6 * best
                # a column when one prices out; none claimed where none can
                assert (pattern is not None and value > need) == (best > need * (1 + 1e-6))


def test_lp_rounding_only_where_pricing_goes_past_the_exact_tables() -> None:
    """Cheap exact pricing (tables, reached loads) keeps its rounds; large grids get rounding."""
    for cls in (1, 6):
        inst = literature(cls, 50, 0, 1, 10.0)
        problem = build_problem(inst.inventory, inst.catalog, inst.policy)
        assert not Pricer(problem).rounds(0)
    small = _many_small(0, n=40)  # reached-loads DP applies (40 classes, no units)
    assert not any(Pricer(small).rounds(t) for t in range(len(small.hosts)))
    many = _many_small(1, n=260)  # past SPARSE_CLASSES, capacities of thousands
    assert len(many.items) > 200
    assert all(Pricer(many).rounds(t) for t in range(len(many.hosts)))
