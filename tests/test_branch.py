"""Branch-and-price (planner/solver/branch.py): exact optimum beyond the LP bound, valid bounds."""

from __future__ import annotations

import itertools
import random
import time
import tracemalloc
from decimal import Decimal

import numpy as np
import pytest

from planner.bench.instances import literature
from planner.model.problem import HostType, Item, Problem, build_problem
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver import branch, knapsack
from planner.solver.branch import BranchPricer, BranchSet, branch_and_price, choose_branch
from planner.solver.colgen import column_generation
from planner.solver.compact import solve_compact
from planner.solver.engine import plan
from planner.solver.heuristics import Pattern, portfolio
from planner.solver.highs import INF


def _instance(seed: int, types: int) -> tuple[Inventory, Catalog]:
    """Random small instance: a few PC models with fees, a dozen workload classes."""
    rng = random.Random(seed)
    hosts = tuple(
        HostModel(f"H{k}", rng.randint(6, 16), float(rng.randint(6, 16)), 1000.0,
                  monthly_fee=Decimal(rng.randint(5, 30)) if types > 1 else None)
        for k in range(types))
    wl = tuple(Workload(f"w{j}", rng.randint(1, 7), float(rng.randint(1, 7)), 1.0,
                        count=rng.choice([1, 1, 1, 2, 3]))
               for j in range(rng.randint(5, 12)))
    return Inventory(wl, "bnp"), Catalog(hosts=hosts, term_years=1)


def _problem(seed: int, types: int) -> Problem:
    inv, cat = _instance(seed, types)
    return build_problem(inv, cat, PURE_PACKING)


def _optimum(pr: Problem, upper: float) -> float:
    """The compact MILP's proven optimum (it searches below upper + one tick)."""
    res = solve_compact(pr, [], upper + pr.tick, 60)
    assert res is not None and res.patterns is not None
    assert res.bound >= res.cost - 1e-6
    return res.cost


def _root(pr: Problem) -> tuple[float, list[Pattern], float]:
    pk = portfolio(pr, lambda c: 0, time.monotonic() + 0.2)
    heur = float(sum(pr.hosts[p.host].cost for p in pk.patterns))
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    cg = column_generation(pr, [], pk.patterns[:1], penalty, time.monotonic() + 5, heur)
    return heur, cg.pool, cg.lower_bound


# seeds (of _instance with 2-3 PC models) where the rounded LP bound is below the optimum
GAP_CASES = [(39, 2), (59, 2), (22, 3), (11, 3)]


@pytest.mark.parametrize(("seed", "types"), GAP_CASES)
def test_proves_optimum_above_lp_bound(seed: int, types: int) -> None:
    pr = _problem(seed, types)
    heur, pool, lp = _root(pr)
    opt = _optimum(pr, heur)
    assert pr.round_bound(lp) < opt  # the LP alone cannot prove it: branching is needed
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    # no incumbent given: the search must find the optimum itself, then close the tree
    res = branch_and_price(pr, [], pool, penalty, time.monotonic() + 20, INF)
    assert res is not None and res.proven and res.solution is not None
    assert res.solution.objective == opt
    assert pr.round_bound(res.lower_bound) == opt
    cover = [0] * len(pr.items)
    for p, k in res.solution.patterns:
        assert all(sum(pr.items[i].size[d] * a for i, a in p.content) <= pr.hosts[p.host].cap[d]
                   for d in range(3))
        for i, a in p.content:
            cover[i] += a * k
    assert all(c >= it.demand for c, it in zip(cover, pr.items, strict=True))


@pytest.mark.parametrize(("seed", "types"), GAP_CASES)
def test_bound_valid_when_stopped_early(seed: int, types: int) -> None:
    pr = _problem(seed, types)
    heur, pool, _ = _root(pr)
    opt = _optimum(pr, heur)
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    for seconds in (0.0, 0.05, 0.2):
        res = branch_and_price(pr, [], pool, penalty, time.monotonic() + seconds, heur)
        assert res is not None
        assert pr.round_bound(res.lower_bound) <= opt
        if res.solution is not None:
            assert res.solution.objective >= opt
        if res.proven:
            assert min(heur, res.solution.objective if res.solution else INF) == opt


@pytest.mark.parametrize("pairs", [True, False])
@pytest.mark.parametrize("method", ["grid", "sparse", "tree"])
def test_pricing_with_sets_matches_brute_force(pairs: bool, method: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact pricing vs enumeration: grid DP and sparse DP (joint stages for pairs), tree
    search, indicator MILP (pairs without a DP)."""
    grid = method == "grid"
    if not grid:
        monkeypatch.setattr(branch, "DP_STATES", 0)  # no grid DP
    if method == "tree":
        monkeypatch.setattr(knapsack, "STATE_LIMIT", 0)  # the sparse DP gives up at once
    pr = _problem(0, 3)
    rng = np.random.default_rng(1)
    pricer = BranchPricer(pr)
    n = len(pr.items)
    for trial in range(12):
        t = trial % len(pr.hosts)
        host = pr.hosts[t]
        pi = rng.uniform(0, host.cost / 3, n)
        sets = [(BranchSet(t, ((int(rng.integers(n)), int(rng.integers(1, 3))),)),
                 float(rng.uniform(-host.cost, host.cost))),
                (BranchSet(None, ((int(rng.integers(n)), 1),)),
                 float(rng.uniform(-host.cost, host.cost))),
                (BranchSet(t, ()), float(rng.uniform(-host.cost, 0)))]
        if pairs:
            sets.append((BranchSet(None, ((int(rng.integers(n)), 1),
                                          (int(rng.integers(n)), 1))),
                         float(rng.uniform(-host.cost, host.cost))))
        else:
            assert (pricer._dp(t) is not None) == grid
        value, bound, pat = pricer.exact_sets(t, pi, sets, 5.0)
        ranges = [range(0, min(it.demand, *(host.cap[d] // it.size[d] for d in range(3))) + 1)
                  if pr.fits(it.size, host) else range(1) for it in pr.items]
        best = -INF
        for a in itertools.product(*ranges):
            if any(sum(pr.items[i].size[d] * a[i] for i in range(n)) > host.cap[d]
                   for d in range(3)):
                continue
            p = Pattern(t, tuple((i, k) for i, k in enumerate(a) if k))
            v = float(pi @ np.array(a)) + sum(y for s, y in sets if s.contains(p))
            best = max(best, v)
        assert value == pytest.approx(best, rel=1e-6, abs=1e-6)
        assert bound >= best - 1e-6
        assert pat is not None


def test_choose_branch_finds_fractional_set() -> None:
    pr = _problem(0, 3)
    assert len(pr.items) >= 4
    # eight patterns at 1/2 where every per-type, per-class and pair sum is integral: only
    # the generic fallback (patterns dominating a maximal fractional one) is fractional
    groups = [(0,), (1,), (2,), (3,), (0, 1, 2), (0, 1, 3), (0, 2, 3), (1, 2, 3)]
    x = [(Pattern(0, tuple((i, 1) for i in g)), 0.5) for g in groups]
    s, v = choose_branch(pr, x)
    assert len(s.need) == 3 and v == pytest.approx(0.5)
    assert v == pytest.approx(sum(w for p, w in x if s.contains(p)))
    # a simpler fractional set is preferred when there is one
    s2, v2 = choose_branch(pr, [*x, (Pattern(1, ((0, 1),)), 0.5)])
    assert s2.need == () and v2 != round(v2)


def test_engine_proves_gap_case() -> None:
    inv, cat = _instance(59, 2)
    pr = build_problem(inv, cat, PURE_PACKING)
    heur, _, _ = _root(pr)
    opt = _optimum(pr, heur)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert p.status == "optimal"
    assert p.lower_bound is not None and p.cost == p.lower_bound
    assert float(p.cost) * pr.scale == pytest.approx(opt)


def test_skips_problems_with_units() -> None:
    pr = _problem(0, 3)
    pr.units = [object()]  # type: ignore[list-item]
    assert branch_and_price(pr, [], [], 1.0, time.monotonic() + 1) is None


def test_interrupt_keeps_valid_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C in the middle of the tree: the search returns, marked interrupted, bound valid."""
    pr = _problem(39, 2)
    heur, pool, _ = _root(pr)
    opt = _optimum(pr, heur)
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    real = branch._Search.solve_node
    calls = {"n": 0}

    def stop_at_third(self: branch._Search, *args: object, **kw: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(branch._Search, "solve_node", stop_at_third)
    res = branch_and_price(pr, [], pool, penalty, time.monotonic() + 20, heur)
    assert res is not None and res.interrupted and not res.proven
    assert pr.round_bound(res.lower_bound) <= opt


def test_inconclusive_pricing_never_closes_a_node(monkeypatch: pytest.MonkeyPatch) -> None:
    # A pricing MILP stopped on its time cap returns its start pattern and a valid dual bound,
    # neither a new column nor a proof. An integral master LP at that point is a plan, not the
    # node's optimum: the node must keep its bound (here the optimum packs two copies a PC).
    inv = Inventory((Workload("w", 4, 4.0, 100.0, count=4),), "x")
    cat = Catalog(hosts=(HostModel("H", 8, 8.0, 1000.0, monthly_fee=Decimal(10)),),
                  term_years=1)
    problem = build_problem(inv, cat, PURE_PACKING)
    single = Pattern(0, ((0, 1),))
    monkeypatch.setattr(BranchPricer, "greedy",
                        lambda self, t, pi, seeds=0: [(float(pi[0]), single)])

    def capped(self: BranchPricer, t: int, pi: np.ndarray, sets: object, time_limit: float,
               floor: float = -INF, until: float = INF) -> tuple[float, float, Pattern]:
        return float(pi[0]), 2.0 * float(pi[0]), single  # true best: two copies

    monkeypatch.setattr(BranchPricer, "exact_sets", capped)
    optimum = 2 * problem.hosts[0].cost
    res = branch_and_price(problem, [], [single], float(problem.hosts[0].cost + 1),
                           time.monotonic() + 5.0)
    assert res is not None
    assert res.lower_bound <= optimum
    assert not res.proven


def test_no_exact_pricing_after_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan's time limit holds: once the deadline has passed, a node is left open with the
    # bound it has rather than priced exactly type by type (mc-CT4-n200 ran 0.4 s over).
    problem = _problem(3, 3)
    start = portfolio(problem, lambda c: 0, time.monotonic() + 0.2).patterns
    calls: list[int] = []
    real = BranchPricer.exact_sets

    def counting(self: BranchPricer, t: int, *args: object, **kw: object
                 ) -> tuple[float, float, Pattern | None]:
        calls.append(t)
        return real(self, t, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(BranchPricer, "exact_sets", counting)
    search = branch._Search(problem, start, float(max(h.cost for h in problem.hosts) + 1),
                            time.monotonic() - 1.0, INF)
    out = search.solve_node((), 0.0)
    assert not out.done and out.bound == 0.0
    assert calls == []
    lp = search.lp
    assert lp is not None
    y = np.ones(lp.h.getNumRow())
    farley, clean, _ = search._price(lp, y, y)
    assert calls == [0] and farley == -INF and not clean  # one type priced, then it stops


def test_uncovered_copies_cost_enough_to_prune_nodes() -> None:
    # Branching rows ("at most 41 PCs") can leave a node unable to cover every copy; its LP
    # then covers copies by slack. At one PC's cost per copy such nodes stayed open with weak
    # bounds: mc-CT6-n100-9 took 195 nodes to prove its optimum (49,500, given), now 7.
    inst = literature(6, 100, 9, 1, 10.0, multi=True)
    pr = build_problem(inst.inventory, inst.catalog, inst.policy)
    start = portfolio(pr, lambda c: 0, time.monotonic() + 0.3).patterns
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    cg = column_generation(pr, [], start, penalty, time.monotonic() + 30, INF,
                           pricer=BranchPricer(pr))
    assert cg.lp_optimal
    optimum = 49_500.0 * pr.scale
    assert pr.round_bound(cg.lower_bound) < optimum  # branching is needed
    res = branch_and_price(pr, [], cg.pool, penalty, time.monotonic() + 60, optimum)
    assert res is not None and res.proven and res.solution is None
    assert res.nodes <= 40


@pytest.mark.parametrize("seed", range(100, 130))
def test_proven_optimum_matches_compact_model(seed: int) -> None:
    # No false proofs on random instances with fees: what branch-and-price proves (from no
    # incumbent) is the compact MILP's optimum
    pr = _problem(seed, 2 + seed % 2)
    heur, pool, _ = _root(pr)
    opt = _optimum(pr, heur)
    penalty = float(max(h.cost for h in pr.hosts) + 1)
    res = branch_and_price(pr, [], pool, penalty, time.monotonic() + 20, INF)
    assert res is not None and res.proven and res.solution is not None
    assert res.solution.objective == opt
    assert pr.round_bound(res.lower_bound) == opt


def test_grid_pricing_memory_stays_within_a_few_tables() -> None:
    # One binding dimension of 8,000 cells and a class with 8,000 fitting counts: the
    # candidates of a stage are made one at a time (all at once held ~250 MB here)
    items = [Item("a", (1, 1, 1), [["x"]] * 8000, 0), Item("b", (2, 1, 1), [["x"]] * 5, 0)]
    host = HostType(0, HostModel("H", 8000, 1000.0, 1000.0), (8000, 10**9, 10**9), 100, 1, None)
    pr = Problem(items, [host], [])
    dp = BranchPricer(pr)._dp(0)
    assert dp is not None and dp.shape == (8001,)
    tracemalloc.start()
    got = dp.solve(np.array([1.0, 1.5]), [])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert got is not None
    value, pat = got
    assert value == 8000.0 and dict(pat.content) == {0: 8000}
    assert peak < 20 * 2**20
