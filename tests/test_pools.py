"""Shared stocks (``Problem.pools``): a stock-limited PC model's RTO variants share its stock."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import planner
from planner.model.problem import Pool, build_problem
from planner.solver.engine import _Search

INVENTORY = b"""name,vcpu,memory [GiB],storage [GB],kind,source,tier,count
t1,1,1,200,server,virtual,1,4
t3,1,1,100,server,virtual,3,1
"""
#: P restores fast and costs 100 a month, one in stock; Q is the same PC at 150, no limit
CATALOG = b"""vendor = "Quick DR"
currency = "USD"
term_years = 1
[[host]]
name = "P"
cores = 8
memory = "64 GiB"
storage = "1000 GB"
monthly_fee = 100
restore_rate = "100 GB/h"
boot_minutes = 0
delivery_hours = 0
available = 1
[[host]]
name = "Q"
cores = 8
memory = "64 GiB"
storage = "1000 GB"
monthly_fee = 150
restore_rate = "100 GB/h"
boot_minutes = 0
delivery_hours = 0
"""
#: only tier 3 has an RTO (4.5 h: 450 GB restored per PC): deadlines not nested, so every
#: PC model comes in variants by the RTO tiers a PC holds
POLICY = b"""cpu_overcommit = 1.0
headroom = 0
host_reserved_cores = 0
host_reserved_memory = "0 GiB"
tiers = [1, 2, 3]
[rto]
3 = "4.5 h"
"""


def _inputs() -> tuple[planner.Inventory, planner.Catalog, planner.Policy]:
    inv, _ = planner.load_inventory("pool.csv", data=INVENTORY)
    return (inv, planner.load_catalog("pool.toml", data=CATALOG),
            planner.load_policy("pool-policy.toml", data=POLICY))


def _brute_force(storage: list[tuple[int, float]], fee: dict[str, int],
                 stock: dict[str, int | None]) -> int:
    """The cheapest monthly fee of any assignment of workloads to PCs meeting tier 3's RTO.

    Every workload (tier, GB) goes to one of at most n PCs, each of some model; a PC holds
    1,000 GB, and one holding the tier-3 workload restores tier 1 first, then tier 3, at
    100 GB/h from hour 0: all of it by 4.5 h, i.e. at most 450 GB on that PC.
    """
    n = len(storage)
    best = 10 ** 9
    models = sorted(fee)
    for pcs in product(range(n), repeat=n):
        used = sorted(set(pcs))
        load = {p: sum(storage[i][1] for i in range(n) if pcs[i] == p) for p in used}
        if any(v > 1000 for v in load.values()):
            continue
        if any(pcs[i] == p and storage[i][0] == 3 and load[p] > 450
               for i in range(n) for p in used):
            continue
        for kinds in product(models, repeat=len(used)):
            if any(s is not None and kinds.count(m) > s for m, s in stock.items()):
                continue
            best = min(best, sum(fee[m] for m in kinds))
    return best


def test_rto_variants_of_a_stock_limited_model_share_its_stock_exactly() -> None:
    inv, cat, pol = _inputs()
    r = planner.plan_meeting_rto(inv, cat, pol, time_limit=8)
    # hand and brute force: 4 x t1 (800 GB) on one PC, t3 alone on another; one P in stock,
    # so P + Q = 250 a month, 3,000 over the year
    work = [(1, 200.0)] * 4 + [(3, 100.0)]
    assert _brute_force(work, {"P": 100, "Q": 150}, {"P": 1, "Q": None}) == 250
    assert r.meets and r.proven and r.exact
    assert r.plan.status == "optimal" and r.plan.cost == 3000 and r.plan.lower_bound == 3000
    assert sorted(h.model for h in r.plan.hosts) == ["P", "Q"]
    assert "stricter than needed" not in r.method


def test_the_engine_keeps_a_shared_stock_that_per_variant_stock_would_break() -> None:
    """The RTO problem's P variants share P's stock of 1 (a pool). Without the pool, each
    variant's own stock of 1 admits two P (2,400), a plan the vendor cannot deliver."""
    inv, cat, pol = _inputs()
    rto = replace(pol, rto_packing="latest")
    pr = build_problem(inv, cat, rto)
    p_types = tuple(h.index for h in pr.hosts if h.model.name == "P")
    assert len(p_types) == 2 and pr.pools == (Pool(p_types, 1),)
    assert all(pr.hosts[t].available == 1 for t in p_types)
    pooled = _Search(inv, cat, rto, 8.0, None, problem=pr)
    pooled.run()
    plan = pooled.result(verify=True)
    assert plan.status == "optimal" and plan.cost == 3000
    assert plan.host_counts() == {"P": 1, "Q": 1}
    loose = _Search(inv, cat, rto, 8.0, None, problem=replace(pr, pools=()))
    loose.run()
    broken = loose.result(verify=False)
    assert broken.cost == 2400 and broken.host_counts() == {"P": 2}
    problems = planner.check_plan(broken, inv, cat, rto)
    assert any("exceed the 1 available" in x for x in problems), problems


def test_room_counts_the_pool_and_a_freed_pc() -> None:
    inv, cat, pol = _inputs()
    pr = build_problem(inv, cat, replace(pol, rto_packing="latest"))
    a, b = pr.pools[0].types
    used = [0] * len(pr.hosts)
    assert pr.room(a, used) and pr.room(b, used)
    used[a] = 1
    assert not pr.room(b, used) and not pr.room(a, used)
    assert pr.room(b, used, freed=a)  # replacing the P of one variant by the other
    assert pr.over_pool(used) is None
    used[b] = 1
    assert pr.over_pool(used) == pr.pools[0]
