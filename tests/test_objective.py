"""The engine minimises what the quote costs: expected usage fees, escalation, tiers (issue 25)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from planner.money.compare import PlanCache, sweep
from planner.money.costing import assess
from planner.readers.catalog import (
    PURE_PACKING,
    Catalog,
    DiscountTier,
    HostModel,
    Policy,
    Scenario,
    TestPlan,
    UnitModel,
)
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan
from planner.verify.verifier import check_plan


def _vms(n: int, vcpu: int = 4, mem: float = 16.0, sto: float = 100.0) -> Inventory:
    return Inventory(tuple(Workload(name=f"vm{i}", vcpu=vcpu, memory_gib=mem, storage_gb=sto)
                           for i in range(n)), "test")


X = HostModel("X", cores=16, memory_gib=64, storage_gb=1000, monthly_fee=D(100),
              declaration_fee=D(5000), daily_fee=D(200))
Y = HostModel("Y", cores=16, memory_gib=64, storage_gb=1000, monthly_fee=D(150))
ONE_DISASTER = replace(PURE_PACKING, scenario=Scenario(declarations=D(1), disaster_days=D(10)))


def test_low_retainer_high_declaration_fee_loses() -> None:
    """The issue's case: two X cost 2 * (1,200 + 5,000 + 10 * 200) = 16,400; two Y 3,600."""
    cat = Catalog(hosts=(X, Y), term_years=1)
    inv = _vms(8)
    p = plan(inv, cat, ONE_DISASTER, time_limit=5)
    assert p.host_counts() == {"Y": 2}
    assert p.cost == D("3600.00") and p.status == "optimal" and p.lower_bound == p.cost
    a = assess(p, inv, cat, ONE_DISASTER)
    assert a.virtual.total == D("3600.00")
    # physical imaging on its own cheapest model: a Y (1,800) beats an X (8,200) per machine
    assert p.baseline.by_model == {"Y": 8} and p.baseline.cost == D("14400.00")
    assert a.physical.total == D("14400.00")
    # without declarations X is cheaper and is chosen: the objective follows the scenario
    calm = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert calm.host_counts() == {"X": 2} and calm.cost == D("2400.00")


def test_one_more_pc_reaches_the_discount_tier() -> None:
    """18 VMs: nine Big (2 VMs each, 100/month) are the fewest PCs and cost 10,800 a year.

    A 20 % discount from 10 PCs: eight Big and two Small (1 VM, 60/month) are 10 PCs at
    (8 * 100 + 2 * 60) * 12 * 0.8 = 8,832; nine Big and one Small cost 960 * 12 * 0.8 = 9,216
    and any 11 PCs cost more. By hand the optimum is 8,832.
    """
    big = HostModel("Big", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=D(100))
    small = HostModel("Small", cores=4, memory_gib=16, storage_gb=500, monthly_fee=D(60))
    cat = Catalog(hosts=(big, small), term_years=1, discounts=(DiscountTier(10, D(20)),))
    inv = _vms(18, 4, 16.0, 500.0)
    p = plan(inv, cat, PURE_PACKING, time_limit=10)
    assert p.host_counts() == {"Big": 8, "Small": 2}
    assert p.cost == D("8832.00") and p.status == "optimal" and p.lower_bound == p.cost
    assert assess(p, inv, cat, PURE_PACKING).virtual.total == D("8832.00")
    assert sorted(t["min_pcs"] for t in p.stats["tiers"]) == [0, 10]
    # the baseline: 18 Small PCs reach the tier too: 18 * 60 * 12 * 0.8
    assert p.baseline.by_model == {"Small": 18} and p.baseline.cost == D("10368.00")


def test_every_line_is_in_the_objective_and_the_verifier_checks_it() -> None:
    """Escalation, test days, licences, units, a discount and a currency rate, all priced.

    The plan's cost is the assessment's PCs, units and per-PC licence lines; the verifier's
    own closed-form price agrees, and a cost one cent off is caught.
    """
    pc = HostModel("P", cores=8, memory_gib=32, storage_gb=1000, monthly_fee=D(100),
                   setup_fee=D(50), declaration_fee=D(200), daily_fee=D(10))
    unit = UnitModel("U", slots=4, seats=2, monthly_fee=D(300), setup_fee=D(100),
                     declaration_fee=D(1000), daily_fee=D(50))
    cat = Catalog(hosts=(pc,), units=(unit,), currency="EUR", term_years=3,
                  annual_escalation=D("0.03"), discounts=(DiscountTier(2, D(5)),))
    sc = Scenario(currency="USD", rates=(("EUR", D("1.08")),), declarations=D("0.2"),
                  disaster_days=D(21), tests=(TestPlan("parallel", 1, D(2), D(2)),),
                  hypervisor_licence=D(250), hypervisor_subscription=D(10),
                  p2v_server=D(400), image_storage=D(60))
    pol = replace(PURE_PACKING, scenario=sc)
    inv = _vms(5, 4, 16.0, 100.0)
    p = plan(inv, cat, pol, time_limit=5)
    assert p.currency == "USD" and check_plan(p, inv, cat, pol) == []
    a = assess(p, inv, cat, pol)
    per_item = (a.virtual.by("PCs") + a.virtual.by("units") + a.virtual.by("licences"))
    assert abs(per_item - p.cost) <= D("0.05")  # lines rounded one by one, the plan once
    wrong = replace(p, cost=p.cost + D("0.01"))
    assert any("differs from the priced plan" in e for e in check_plan(wrong, inv, cat, pol))


def test_count_mode_catalog_unchanged() -> None:
    """A catalog without fees still counts PCs, whatever the scenario says."""
    bare = Catalog(hosts=(HostModel("B", 16, 64, 1000),), term_years=1)
    p = plan(_vms(8), bare, ONE_DISASTER, time_limit=5)
    assert p.objective == "count" and p.cost == 2 and p.currency == "PCs"


def test_sweep_replans_when_model_costs_change_and_starts_from_the_last_plan() -> None:
    cat = Catalog(hosts=(X, Y), term_years=1, vendor="XY", source="xy.toml")
    inv = _vms(8)
    pol = replace(PURE_PACKING, scenario=Scenario(disaster_days=D(10)))
    cache = PlanCache()
    res = sweep(inv, [cat], pol, {"declarations": [0, 1], "discount_rate": [0, 0.05]},
                time_limit=3, cache=cache)
    # declarations change what X costs: two solves (the second started from the first);
    # the discount rate changes no model cost: re-priced, not solved
    assert cache.solves == 2 and cache.started == 1
    chosen = {r["declarations"]: r["contract"] for r in res.rows if r["varied"] == "declarations"}
    assert chosen == {D(0): "X x2", D(1): "Y x2"}
    assert Policy() == Policy(scenario=Scenario(declarations=D(1)))  # packing rules ignore money


def test_bench_target_inputs_are_drawn_from_real_sizes(tmp_path: Path) -> None:
    """scripts/realdata_inputs.py's builder: sizes of powered-on VMs only, the planner's CSV."""
    from planner.bench.targets import real_sizes, write_inputs
    from planner.readers import load_inventory

    folder = tmp_path / "realdata" / "rvtools_x"
    folder.mkdir(parents=True)
    (folder / "a_vInfo.csv").write_text(
        "VM,Powerstate,Template,CPUs,Memory,Provisioned MB\n"
        "a,poweredOn,False,2,4096,102400\n"
        "b,poweredOff,False,8,65536,10\n"
        "c,poweredOn,False,4,8192,51200\n")
    assert sorted(real_sizes(tmp_path / "realdata")) == [(2, 4.0, 107.4), (4, 8.0, 53.7)]
    path = write_inputs(tmp_path / "realdata", tmp_path / "out", n=30, seed=3)
    inv = load_inventory(path)[0]
    assert inv.total_instances == 30
    assert {(w.vcpu, w.memory_gib) for w in inv.workloads} <= {(2, 4.0), (4, 8.0)}
