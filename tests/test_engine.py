from __future__ import annotations

from decimal import Decimal

import pytest

from planner.readers.catalog import PURE_PACKING, Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan
from planner.testing import constructed_instance, same_plan
from planner.verify.verifier import check_plan


@pytest.mark.parametrize(("bins", "seed"), [(3, 1), (6, 2), (10, 3), (15, 4)])
def test_known_optimum_by_construction(bins: int, seed: int) -> None:
    inv, cat, pol, opt = constructed_instance(bins, seed)
    p = plan(inv, cat, pol, time_limit=20)
    assert len(p.hosts) == opt
    assert p.status == "optimal" and p.gap == 0.0
    assert p.lower_bound == Decimal(opt)


def test_lower_bound_never_exceeds_known_optimum() -> None:
    inv, cat, pol, opt = constructed_instance(25, seed=9)
    p = plan(inv, cat, pol, time_limit=3)
    assert p.lower_bound is not None and p.lower_bound <= opt <= len(p.hosts)
    assert p.status in ("optimal", "feasible")
    if p.status == "optimal":
        assert len(p.hosts) == opt


def _wl(name: str, vcpu: int, mem: float, sto: float, **kw: object) -> Workload:
    return Workload(name=name, vcpu=vcpu, memory_gib=mem, storage_gb=sto, **kw)  # type: ignore[arg-type]


PC = HostModel("PC", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=Decimal(10))


def test_anti_affinity_members_on_different_pcs() -> None:
    inv = Inventory((_wl("dc1", 1, 1, 10, anti_affinity="dc"),
                     _wl("dc2", 1, 1, 10, anti_affinity="dc"),
                     _wl("dc3", 1, 1, 10, anti_affinity="dc", count=2)))
    p = plan(inv, Catalog(hosts=(PC,)), PURE_PACKING, time_limit=5)
    assert len(p.hosts) == 4
    assert sorted(len(h.workloads) for h in p.hosts) == [1, 1, 1, 1]


def test_affinity_group_shares_one_pc() -> None:
    inv = Inventory((_wl("db", 4, 16, 100, affinity="erp"), _wl("app", 2, 8, 50, affinity="erp"),
                     _wl("web", 2, 8, 50, affinity="erp"), _wl("other", 6, 20, 10)))
    p = plan(inv, Catalog(hosts=(PC,)), PURE_PACKING, time_limit=5)
    (erp_host,) = [h for h in p.hosts if "db" in h.workloads]
    assert {"db", "app", "web"} <= set(erp_host.workloads)
    assert len(p.hosts) == 2


def test_unplaceable_workload_is_listed_with_reason_and_rest_planned() -> None:
    inv = Inventory((_wl("huge", 4, 64, 100), _wl("ok", 2, 4, 50)))
    p = plan(inv, Catalog(hosts=(PC,)), PURE_PACKING, time_limit=5)
    assert [h.workloads for h in p.hosts] == [["ok"]]
    (u,) = p.unplaced
    assert u.name == "huge"
    assert "memory" in u.reason and "short by 32.0 GiB" in u.reason


def test_contradicting_affinity_rules_are_reported_not_crashed() -> None:
    inv = Inventory((_wl("a", 1, 1, 1, affinity="g", anti_affinity="x"),
                     _wl("b", 1, 1, 1, affinity="g", anti_affinity="x")))
    p = plan(inv, Catalog(hosts=(PC,)), PURE_PACKING, time_limit=5)
    assert not p.hosts and {u.name for u in p.unplaced} == {"a", "b"}
    assert "contradict" in p.unplaced[0].reason


def test_tiers_out_of_scope_are_listed() -> None:
    inv = Inventory((_wl("t1", 1, 1, 1, tier=1), _wl("t4", 1, 1, 1, tier=4, count=2)))
    p = plan(inv, Catalog(hosts=(PC,)), Policy(tiers=(1, 2)), time_limit=5)
    assert [o.name for o in p.out_of_scope] == ["t4#1", "t4#2"]
    assert [h.workloads for h in p.hosts] == [["t1"]]


def test_cheapest_model_mix_and_cost_over_term() -> None:
    small = HostModel("S", cores=4, memory_gib=16, storage_gb=500, monthly_fee=Decimal(10),
                      setup_fee=Decimal(5))
    big = HostModel("L", cores=16, memory_gib=64, storage_gb=2000, monthly_fee=Decimal(30))
    inv = Inventory((_wl("a", 4, 16, 100, count=4),))
    cat = Catalog(hosts=(small, big), term_years=2)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    # 4 small PCs cost 4 × (5 + 10 × 24) = 980; one large costs 720
    assert p.host_counts() == {"L": 1}
    assert p.cost == Decimal(720) and p.status == "optimal"
    assert p.baseline.hosts == 4 and p.baseline.cost == Decimal(980)


def test_units_hold_pcs_and_seats() -> None:
    pc = HostModel("PC", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=Decimal(10))
    unit = UnitModel("U", slots=2, seats=3, monthly_fee=Decimal(100))
    inv = Inventory((_wl("ws", 2, 8, 100, kind="workstation", count=7),))
    cat = Catalog(hosts=(pc,), units=(unit,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert sum(u.seats_used for u in p.units) == 7
    assert len(p.units) == 3  # 7 seats need 3 units of 3 seats
    assert all(h.unit for h in p.hosts)
    assert check_plan(p, inv, cat, PURE_PACKING) == []


def test_vendor_stock_shortage_is_infeasible_not_a_crash() -> None:
    pc = HostModel("PC", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=Decimal(10),
                   available=1)
    inv = Inventory((_wl("a", 8, 8, 10), _wl("b", 8, 8, 10)))
    p = plan(inv, Catalog(hosts=(pc,)), PURE_PACKING, time_limit=5)
    assert p.status == "infeasible" and len(p.hosts) == 1 and len(p.unplaced) == 1
    assert "available" in p.unplaced[0].reason and p.lower_bound is None


def test_time_limit_is_honoured() -> None:
    inv, cat, pol, _ = constructed_instance(60, seed=5)
    p = plan(inv, cat, pol, time_limit=2.0)
    # this instance never closes its gap (with a 30 s limit it runs the whole 30 s), so a
    # limit not honoured shows; the margin absorbs a loaded machine (3.8 s seen at load ~5
    # on 2 cores, where the steps between clock checks stretch)
    assert p.solve_seconds < 2.0 + 5.0
    assert check_plan(p, inv, cat, pol) == []


def test_same_inputs_same_plan() -> None:
    inv, cat, pol, _ = constructed_instance(8, seed=11)
    assert same_plan(plan(inv, cat, pol, time_limit=10), plan(inv, cat, pol, time_limit=10))


def test_growth_and_headroom_shrink_capacity() -> None:
    pol = Policy(cpu_overcommit=1, headroom=0.5, host_reserved_cores=0,
                 host_reserved_memory_gib=0, growth_per_year=0.1)
    inv = Inventory((_wl("a", 2, 4, 10, count=3),))
    cat = Catalog(hosts=(PC,), term_years=2)
    p = plan(inv, cat, pol, time_limit=5)
    # usable 4 vCPU per PC; each copy needs 2 × 1.21 = 2.42 vCPU: one per PC
    assert len(p.hosts) == 3
    assert p.hosts[0].usable["vcpu"] == pytest.approx(4.0)
