"""The count bound (issue 25): PC and unit counts that meet the capacity rows and the pattern
values column generation has priced, and the lift to costs fleets can add up to.

Each bound is printed as proven, so each is checked against an optimum proven otherwise
(the compact MILP) on small generated instances, on the real classes and on rounded-down ones.
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from planner.model.problem import Problem, build_problem, compress
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver.bounds import capacity_bound, capacity_plan, capacity_rows, lift
from planner.solver.colgen import column_generation
from planner.solver.compact import solve_compact
from planner.solver.heuristics import ffd_multi


def _catalog(*hosts: tuple[str, int, int]) -> Catalog:
    """PC models (name, cores, monthly fee) with ample memory and storage, a one-year term."""
    return Catalog(hosts=tuple(HostModel(n, c, 256.0, 10_000.0, monthly_fee=Decimal(fee))
                               for n, c, fee in hosts), term_years=1)


def _optimum(problem: Problem) -> float:
    start = ffd_multi(problem, 0)
    upper = float(sum(problem.hosts[p.host].cost for p in start.patterns)) + 1
    res = solve_compact(problem, [], upper, 30.0)
    assert res is not None and res.patterns is not None and res.bound >= res.cost - 1e-6
    return float(res.cost)


def _count_bound(problem: Problem, real: Problem | None = None) -> tuple[float, float]:
    """Column generation's bound with the count rows (of ``real``'s sizes), and its LP value."""
    start = ffd_multi(problem, 0).patterns
    penalty = float(max(h.cost for h in problem.hosts) + 1)
    cg = column_generation(problem, [], start, penalty, float("inf"), float("inf"),
                           capacity=capacity_rows(real or problem))
    return cg.lower_bound, cg.lp_value


def test_count_bound_reaches_an_optimum_the_lp_and_capacity_bounds_miss() -> None:
    # five 6-core VMs; S holds one (10 cores, 101 a month), L two (13 cores, 190 a month):
    # optimum 2 L + 1 S = 481 a month; LP 2.5 L = 475; capacity 30 cores = 3 S = 303
    inv = Inventory(tuple(Workload(f"w{i}", 6, 1.0, 1.0) for i in range(5)), "t")
    pr = build_problem(inv, _catalog(("S", 10, 101), ("L", 13, 190)), PURE_PACKING)
    per_month = 12 * pr.scale
    bound, lp = _count_bound(pr)
    assert _optimum(pr) == pytest.approx(481 * per_month)
    assert capacity_bound(pr) == pytest.approx(303 * per_month)
    assert lp == pytest.approx(475 * per_month)
    assert pr.round_bound(bound) == pytest.approx(481 * per_month)


@pytest.mark.parametrize("seed", [0, 2, 3, 4, 5, 9])
def test_count_bound_never_exceeds_the_optimum(seed: int) -> None:
    rng = random.Random(seed)
    inv = Inventory(tuple(Workload(f"w{i}", rng.randint(1, 9), float(rng.randint(4, 60)),
                                   float(rng.randint(10, 900)), count=rng.choice([1, 1, 2, 3]))
                          for i in range(9)), "t")
    cat = Catalog(hosts=(HostModel("S", 12, 64.0, 1000.0, monthly_fee=Decimal(100)),
                         HostModel("L", 20, 128.0, 2000.0, monthly_fee=Decimal(170))),
                  term_years=1)
    pr = build_problem(inv, cat, PURE_PACKING)
    opt = _optimum(pr)
    bound, _ = _count_bound(pr)
    assert pr.round_bound(bound) <= opt + 1e-6
    assert pr.round_bound(bound) >= capacity_bound(pr) - 1e-6
    # rounded down onto a few classes, with the real sizes' capacity rows: still a bound
    merged = compress(pr, 3)
    assert merged is not None
    low_bound, _ = _count_bound(merged[1], real=pr)
    assert pr.round_bound(low_bound) <= opt + 1e-6
    assert lift(pr, bound) <= opt + 1e-6


def test_lift_takes_a_bound_to_the_next_cost_a_fleet_can_have() -> None:
    # PCs of 7 and 10 a month, two cores each, eight one-core VMs: at least 4 PCs
    inv = Inventory(tuple(Workload(f"w{i}", 1, 1.0, 1.0) for i in range(8)), "t")
    pr = build_problem(inv, _catalog(("A", 2, 7), ("B", 2, 10)), PURE_PACKING)
    m = 12 * pr.scale
    assert capacity_plan(pr)[0] == pytest.approx(28 * m)
    # fleets of four or more cost 28, 31, 34, 35, 37, ...: 32 lifts to 34, 34 stays
    assert lift(pr, 32 * m) == pytest.approx(34 * m)
    assert lift(pr, 34 * m) == pytest.approx(34 * m)
    assert lift(pr, 35.5 * m) == pytest.approx(37 * m)


def test_engine_with_units_proves_the_count_bound_in_its_early_lp() -> None:
    # the case above carried by a mobile unit (4 slots, 1,000 a month): the capacity bound's
    # fleet (3 S) cannot hold the VMs; the early LP's count bound is the optimum (2 L + 1 S
    # + 1 unit), which its dive finds
    from planner.readers.catalog import UnitModel
    from planner.solver.engine import plan

    inv = Inventory(tuple(Workload(f"w{i}", 6, 1.0, 1.0) for i in range(5)), "t")
    base = _catalog(("S", 10, 101), ("L", 13, 190))
    cat = Catalog(hosts=tuple(HostModel(h.name, h.cores, h.memory_gib, h.storage_gb, slots=1,
                                        monthly_fee=h.monthly_fee) for h in base.hosts),
                  units=(UnitModel("U", 4, monthly_fee=Decimal(1000)),), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=10.0)
    assert p.status == "optimal"
    assert p.cost == Decimal(12 * 1481)
    assert p.stats["early_lp_bound"] == pytest.approx(12 * 1481)
    assert p.stats["capacity_bound"] == pytest.approx(12 * 1303)
