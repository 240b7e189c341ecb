"""Packing into the capacity bound's fleet: many small workloads reach the bound."""

from __future__ import annotations

import random
from decimal import Decimal

from planner.bench.instances import mix_inventory, sample_catalog, sample_policy
from planner.bench.mixes import DEFAULT_MIX
from planner.bounds import capacity_plan
from planner.catalog import PURE_PACKING, Catalog, HostModel
from planner.engine import plan
from planner.fleet import pack_fleet
from planner.inventory import Inventory, Workload
from planner.problem import build_problem
from planner.verify import check_plan


def _catalog() -> Catalog:
    # the large model is the cheapest per vCPU, the small one per GiB: the best fleet mixes
    return Catalog(hosts=(HostModel("S", 8, 64.0, 2000.0, monthly_fee=Decimal(60)),
                          HostModel("L", 32, 96.0, 2000.0, monthly_fee=Decimal(150))),
                   term_years=1, currency="USD")


def _small_workloads(seed: int, n: int) -> Inventory:
    rng = random.Random(seed)
    wl = tuple(Workload(f"vm{i:03d}", rng.choice([1, 1, 2]), float(rng.choice([2, 4, 8])),
                        float(rng.randint(10, 60))) for i in range(n))
    return Inventory(wl, "small")


def test_fleet_packing_places_every_copy_and_respects_capacity() -> None:
    problem = build_problem(_small_workloads(1, 120), _catalog(), PURE_PACKING)
    _, counts = capacity_plan(problem)
    assert counts is not None
    for rule in ("dot", "align"):
        pk = pack_fleet(problem, counts, rule)
        placed = {i: 0 for i in range(len(problem.items))}
        for p in pk.patterns:
            assert all(a <= c for a, c in zip(p.load(problem), problem.hosts[p.host].cap,
                                              strict=True))
            for i, k in p.content:
                placed[i] += k
        assert not pk.uncovered
        assert all(placed[i] == it.demand for i, it in enumerate(problem.items))


def test_fleet_too_small_spills_to_extra_pcs() -> None:
    problem = build_problem(_small_workloads(2, 60), _catalog(), PURE_PACKING)
    pk = pack_fleet(problem, [1, 0])
    assert not pk.uncovered
    assert sum(k for p in pk.patterns for _, k in p.content) == \
        sum(it.demand for it in problem.items)


def test_realistic_mix_is_proven_optimal_with_a_mix_of_models() -> None:
    # VM sizes drawn from the built-in mix (real VM size data): the capacity bound's fleet
    # holds them, so the plan is proven optimal
    cat, pol = sample_catalog(), sample_policy()
    inv = mix_inventory(150, 2, DEFAULT_MIX, cat, pol)
    result = plan(inv, cat, pol, time_limit=5.0)
    assert check_plan(result, inv, cat, pol) == []
    assert result.status == "optimal" and result.lower_bound == result.cost
    assert len({h.model for h in result.hosts}) >= 2
