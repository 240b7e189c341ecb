"""The recovery timeline (hand-computed cases), the RTO check, --enforce-rto, the test programme."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.model.plan import Baseline, Plan, PlannedHost, PlannedUnit
from planner.model.problem import build_problem
from planner.money.costing import assess
from planner.money.programme import programme
from planner.present.charts import timeline_figure
from planner.readers.catalog import (
    DEFAULT_TESTS,
    PURE_PACKING,
    Catalog,
    HostModel,
    UnitModel,
    parse_catalog,
    parse_policy,
    parse_scenario,
)
from planner.readers.inventory import Inventory, Workload
from planner.recovery.enforce import impossible_targets, plan_meeting_rto
from planner.recovery.timeline import timeline
from planner.verify.verifier import check_rto

# delivery 2 h, 100 GB/h, boot 6 min = 0.1 h: every time below is exact by hand
P = HostModel("P", cores=8, memory_gib=64, storage_gb=1000, monthly_fee=D(100),
              delivery_hours=2.0, restore_rate_gb_h=100.0, boot_minutes=6.0)


def _w(name: str, tier: int, gb: float, affinity: str = "") -> Workload:
    return Workload(name, 1, 1.0, gb, tier=tier, affinity=affinity)


def _plan(hosts: list[tuple[str, list[str], str | None]],
          units: list[PlannedUnit] | None = None) -> Plan:
    return Plan("feasible", D(0), None, None, "USD",
                [PlannedHost(i, "P", u, ws, {}, {}) for i, ws, u in hosts], units or [], [], [],
                Baseline(0, 0, D(0)), 0.0, 1)


def test_two_pcs_with_staggered_restores_and_a_missed_rto() -> None:
    inv = Inventory((_w("a", 1, 200), _w("b", 2, 100), _w("c", 1, 50), _w("d", 2, 300)))
    cat = Catalog(hosts=(P,), term_years=1)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.0), (2, 6.0)))
    plan = _plan([("pc-1", ["a", "b", "c"], None), ("pc-2", ["d"], None)])
    tl = timeline(plan, inv, cat, pol)
    run = {w.name: w.running_at for w in tl.workloads}
    # pc-1: tier 1 first, smaller first: c 2->2.5, a 2.5->4.5, then b 4.5->5.5; +0.1 boot
    assert run["c"] == pytest.approx(2.6)
    assert run["a"] == pytest.approx(4.6)
    assert run["b"] == pytest.approx(5.6)
    assert run["d"] == pytest.approx(5.1)  # pc-2: 2 + 3 + 0.1
    t1, t2 = tl.tier(1), tl.tier(2)
    assert t1 is not None and t2 is not None
    assert t1.back_at == pytest.approx(4.6) and t1.miss == pytest.approx(0.6)
    assert t1.meets is False and t1.late == 1  # a; c runs at 2.6 h
    assert t2.late == 0 and tl.late == 1
    assert t2.back_at == pytest.approx(5.6) and t2.meets is True and t2.miss == 0.0
    assert [t.tier for t in tl.misses] == [1]
    # the independent verifier finds the same miss, on the same PC
    assert check_rto(plan, inv, cat, pol) == ["pc-1: tier 1 runs at 4.6 h, after its RTO of 4 h"]


def test_a_late_unit_sets_the_delivery_of_the_pcs_it_carries() -> None:
    inv = Inventory((_w("e", 1, 100), _w("f", 1, 100)))
    cat = Catalog(hosts=(P,), units=(UnitModel("U", slots=2, delivery_hours=10.0),),
                  term_years=1)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 11.0),))
    plan = _plan([("pc-1", ["e"], "unit-1"), ("pc-2", ["f"], None)],
                 [PlannedUnit("unit-1", "U", ["pc-1"], 0, 1)])
    tl = timeline(plan, inv, cat, pol)
    run = {w.name: w.running_at for w in tl.workloads}
    assert run["e"] == pytest.approx(11.1)  # unit on site at 10 h, not the PC's own 2 h
    assert run["f"] == pytest.approx(3.1)
    t1 = tl.tier(1)
    assert t1 is not None and t1.miss == pytest.approx(0.1)
    assert check_rto(plan, inv, cat, pol) == ["pc-1: tier 1 runs at 11.1 h, after its RTO of "
                                              "11 h"]


def test_an_affinity_group_restores_as_one_block_at_its_most_critical_tier() -> None:
    inv = Inventory((_w("x", 1, 100, "app"), _w("y", 3, 100, "app"), _w("z", 2, 50)))
    cat = Catalog(hosts=(P,), term_years=1)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.1), (2, 4.5), (3, 5.0)))
    tl = timeline(_plan([("pc-1", ["z", "y", "x"], None)]), inv, cat, pol)
    run = {w.name: w.running_at for w in tl.workloads}
    # the group (200 GB, tier 1) 2 -> 4, both members run at 4.1; then z 4 -> 4.5, 4.6
    assert run["x"] == pytest.approx(4.1) and run["y"] == pytest.approx(4.1)
    assert run["z"] == pytest.approx(4.6)
    assert [(t.tier, t.meets) for t in tl.tiers] == [(1, True), (2, False), (3, True),
                                                     (4, None)][:3]
    t2 = tl.tier(2)
    assert t2 is not None and t2.miss == pytest.approx(0.1)
    assert check_rto(_plan([("pc-1", ["z", "y", "x"], None)]), inv, cat, pol) == [
        "pc-1: tier 2 runs at 4.6 h, after its RTO of 4.5 h"]


def test_a_workstation_runs_once_its_staff_seat_is_on_site() -> None:
    ws = [Workload("ws1", 1, 1.0, 100.0, kind="workstation", tier=1),
          Workload("ws2", 1, 1.0, 100.0, kind="workstation", tier=2), _w("a", 1, 50)]
    inv = Inventory(tuple(ws))
    cat = Catalog(hosts=(P,), units=(UnitModel("U", slots=1, seats=1, delivery_hours=3.0),
                                     UnitModel("S", slots=0, seats=2, delivery_hours=10.0)),
                  term_years=1)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 5.0), (2, 8.0)), workstation_seats=True)
    plan = _plan([("pc-1", ["ws2", "ws1", "a"], "unit-1")],
                 [PlannedUnit("unit-1", "U", ["pc-1"], 1, 1),
                  PlannedUnit("unit-2", "S", [], 1, 0)])
    tl = timeline(plan, inv, cat, pol)
    by = {w.name: w for w in tl.workloads}
    # pc-1 on site with unit-1 at 3 h: a 3 -> 3.5 (runs 3.6), ws1 3.5 -> 4.5, ws2 4.5 -> 5.5
    assert by["a"].running_at == pytest.approx(3.6) and by["a"].seat_at is None
    # seats on site: one at 3 h (unit-1), one at 10 h (unit-2); tier 1's workstation takes
    # the first, so ws1 runs when booted (4.6 h), ws2 waits for unit-2's seat until 10 h
    assert (by["ws1"].seat_unit, by["ws1"].seat_at) == ("unit-1", 3.0)
    assert by["ws1"].running_at == pytest.approx(4.6)
    assert (by["ws2"].seat_unit, by["ws2"].seat_at) == ("unit-2", 10.0)
    assert by["ws2"].booted_at == pytest.approx(5.6) and by["ws2"].running_at == 10.0
    t1, t2 = tl.tier(1), tl.tier(2)
    assert t1 is not None and t2 is not None
    assert t1.meets is True and t1.back_at == pytest.approx(4.6)
    assert t2.back_at == 10.0 and t2.miss == pytest.approx(2.0) and t2.late == 1
    assert tl.pcs[0].done_at == 10.0
    assert check_rto(plan, inv, cat, pol) == ["pc-1: tier 2 runs at 10 h, after its RTO of 8 h"]
    # without staff seats the workstations run once restored: tier 2 at 5.6 h meets 8 h
    free = dataclasses.replace(pol, workstation_seats=False)
    t2 = timeline(plan, inv, cat, free).tier(2)
    assert t2 is not None and t2.back_at == pytest.approx(5.6) and t2.meets
    assert check_rto(plan, inv, cat, free) == []
    # the chart's bar ends at the boot; the wait for the seat is in the hover text
    fig = timeline_figure(tl, pol)
    tier2 = next(t for t in fig.data if t.name == "tier 2")
    assert tier2.x[0] == pytest.approx(1.1) and "unit-2" in tier2.customdata[0][2]


def test_timeline_figure_has_a_row_per_pc_tiers_and_rto_lines() -> None:
    inv = Inventory((_w("a", 1, 200), _w("b", 2, 100), _w("d", 2, 300)))
    cat = Catalog(hosts=(P,), term_years=1)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.0), (2, 6.0)))
    tl = timeline(_plan([("pc-1", ["a", "b"], None), ("pc-2", ["d"], None)]), inv, cat, pol)
    fig = timeline_figure(tl, pol)
    names = [t.name for t in fig.data]
    assert names == ["waiting for delivery", "tier 1", "tier 2"]
    assert set(fig.data[2].y) == {"pc-1", "pc-2"}
    assert len(fig.layout.shapes) == 2  # one RTO line per tier with a target
    assert "[h]" in fig.layout.xaxis.title.text


def _enforce_case() -> tuple[Inventory, Catalog]:
    # four tier-1 workloads of 200 GB fit one PC (800 of 1000 GB) but restore in 8 h there
    fast = dataclasses.replace(P, delivery_hours=0.0, boot_minutes=0.0)
    inv = Inventory((Workload("t1", 1, 1.0, 200.0, tier=1, count=4),
                     Workload("t3", 1, 1.0, 100.0, tier=3)))
    return inv, Catalog(hosts=(fast,), term_years=1)


def test_enforce_rto_meets_the_target_and_costs_no_less() -> None:
    inv, cat = _enforce_case()
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.5),))
    r = plan_meeting_rto(inv, cat, pol, time_limit=10)
    free = timeline(r.unconstrained, inv, cat, pol)
    assert len(r.unconstrained.hosts) == 1 and [t.tier for t in free.misses] == [1]
    assert r.meets and r.timeline.misses == []
    assert check_rto(r.plan, inv, cat, pol) == []
    # 450 GB before the deadline per PC: at most two of the 200 GB workloads on each
    assert len(r.plan.hosts) == 2
    assert r.plan.cost >= r.unconstrained.cost
    t1 = r.timeline.tier(1)
    assert t1 is not None and t1.back_at == pytest.approx(4.0)
    assert r.impossible == []
    # without --enforce-rto the RTO changes nothing: same plan as with no targets
    assert r.unconstrained.cost == D(1200)


def test_enforce_rto_names_the_workload_that_cannot_meet_its_target() -> None:
    inv, cat = _enforce_case()
    inv = Inventory((*inv.workloads, Workload("big", 1, 1.0, 600.0, tier=1)))
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.5),))
    msgs = impossible_targets(inv, cat, pol)
    assert len(msgs) == 1 and msgs[0].startswith("big (tier 1) cannot run by the tier's RTO "
                                                 "of 4.5 h")
    assert "600 GB at 100 GB/h" in msgs[0]
    r = plan_meeting_rto(inv, cat, pol, time_limit=10)
    assert r.impossible == msgs
    placed = {n for h in r.plan.hosts for n in h.workloads}
    assert "big" in placed  # never dropped: planned, its tier reported as missing the target
    assert [t.tier for t in r.timeline.misses] == [1]


@pytest.mark.parametrize(("data", "field"), [
    ({"rto": {"1": "-4 h"}}, "rto.1"),
    ({"rto": {"1": "4 GB"}}, "rto.1"),
    ({"rto": {"7": "4 h"}}, "rto.7"),
    ({"rto": {"2": "2 year"}}, "rto.2"),
    ({"rto": "4 h"}, "rto"),
    ({"approval": [{"role": "CFO"}]}, "approval[1].name"),
])
def test_bad_rto_values_name_the_file_and_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as e:
        parse_policy(data, "policy.toml")
    assert e.value.file == "policy.toml" and e.value.field == field


@pytest.mark.parametrize(("key", "value"), [
    ("restore_rate", "400 GB"), ("restore_rate", "fast"), ("restore_rate", "400 / h"),
    ("restore_rate", 400), ("boot_minutes", "ten"), ("delivery_hours", -1),
])
def test_bad_timeline_values_in_a_catalog_name_the_field(key: str, value: object) -> None:
    host = {"name": "P", "cores": 8, "memory": "64 GiB", "storage": "1 TB", key: value}
    with pytest.raises(InputError) as e:
        parse_catalog({"host": [host]}, "quote.toml")
    assert e.value.file == "quote.toml" and e.value.field == f"host[1].{key}"


def test_timeline_inputs_are_read_with_units() -> None:
    cat = parse_catalog({"host": [{"name": "P", "cores": 8, "memory": "64 GiB",
                                   "storage": "1 TB", "restore_rate": "1 Gbit/s",
                                   "boot_minutes": "90 s", "delivery_hours": "1 day"}],
                         "unit": [{"name": "U", "slots": 2, "delivery_hours": 36}]})
    h = cat.hosts[0]
    assert h.restore_rate_gb_h == pytest.approx(450.0)
    assert h.boot_minutes == pytest.approx(1.5) and h.delivery_hours == pytest.approx(24.0)
    assert cat.units[0].delivery_hours == 36.0
    pol = parse_policy({"rto": {"1": "90 min", "2": 8}})
    assert pol.rto == ((1, 1.5), (2, 8.0))


def test_default_test_programme_and_its_cost_per_year() -> None:
    assert parse_scenario({}).tests == DEFAULT_TESTS
    assert {t.kind for t in DEFAULT_TESTS} == {"checklist", "simulation"}
    sc = parse_scenario({"tests": {"parallel": {"per_year": 1, "pc_days": 2, "unit_days": 1},
                                   "checklist": {"per_year": 2}}})
    host = dataclasses.replace(P, daily_fee=D(10))
    cat = Catalog(hosts=(host,), units=(UnitModel("U", slots=4, daily_fee=D(50),
                                                  monthly_fee=D(1)),),
                  term_years=2, included_test_days=D(1), test_day_fee=D(100),
                  annual_escalation=D("0.1"))
    inv = Inventory((_w("a", 1, 200), _w("b", 2, 100)))
    plan = _plan([("pc-1", ["a", "b"], "unit-1")], [PlannedUnit("unit-1", "U", ["pc-1"], 0, 1)])
    pol = dataclasses.replace(PURE_PACKING, scenario=sc)
    a = assess(plan, inv, cat, pol)
    pr = programme(a)
    assert [(r.year, r.kind, r.count) for r in pr.rows] == [
        (1, "checklist", 2), (1, "parallel", 1), (2, "checklist", 2), (2, "parallel", 1)]
    par = pr.rows[1]
    assert par.pcs == {"P": 1} and par.units == {"U": 1} and pr.rows[0].pcs == {}
    # one parallel test: 2 PC days x 10 + 1 unit day x 50 + 2 days x 100 test-day fee
    assert par.cost_per_test == D("270.00")
    # year 1: PC 20 + unit 50 + (2 - 1 included) x 100 = 170; year 2 escalated by 10 %
    assert pr.cost_by_year == {1: D("170.00"), 2: D("187.00")}
    assert pr.total == a.virtual.by(kind="test")
    assert pr.warnings == []
    empty = programme(assess(plan, inv, cat, dataclasses.replace(
        PURE_PACKING, scenario=parse_scenario({"tests": {}}))))
    assert empty.warnings[0].startswith("no plan test in year 1")


def test_a_test_of_some_tiers_uses_and_costs_only_their_pcs_and_units() -> None:
    sc = parse_scenario({"tests": {
        "checklist": {"per_year": 1},
        "parallel": {"per_year": 1, "pc_days": 2, "unit_days": 1, "tiers": [1]},
        "full_interruption": {"per_year": 1, "pc_days": 3, "unit_days": 3}}})
    assert [t.tiers for t in sc.tests] == [None, (1,), None]
    host = dataclasses.replace(P, daily_fee=D(10))
    cat = Catalog(hosts=(host,), units=(UnitModel("U", slots=1, daily_fee=D(50)),),
                  term_years=1)
    inv = Inventory((_w("a", 1, 200), _w("b", 2, 100), _w("c", 2, 100)))
    plan = _plan([("pc-1", ["a", "b"], "unit-1"), ("pc-2", ["c"], "unit-2")],
                 [PlannedUnit("unit-1", "U", ["pc-1"], 0, 1),
                  PlannedUnit("unit-2", "U", ["pc-2"], 0, 1)])
    # physical imaging: one PC per workload (tier 1: one, tier 2: two) in two units
    plan.baseline = Baseline(3, 2, D(0), {"P": 3}, units_by_model={"U": 2},
                             by_tier={1: {"P": 1}, 2: {"P": 2}})
    a = assess(plan, inv, cat, dataclasses.replace(PURE_PACKING, scenario=sc))
    pr = programme(a)
    rows = {r.kind: r for r in pr.rows}
    assert rows["checklist"].pcs == {} and rows["checklist"].scope == "no recovery equipment"
    # the parallel test of tier 1: pc-1 (it holds a) and unit-1 carrying it, not pc-2
    par = rows["parallel"]
    assert par.pcs == {"P": 1} and par.units == {"U": 1}
    assert par.scope == "the PCs holding tier 1 workloads and the units carrying them"
    assert par.cost_per_test == D("70.00")  # 2 days x 10 + 1 day x 50
    full = rows["full_interruption"]
    assert full.pcs == {"P": 2} and full.units == {"U": 2}
    assert full.cost_per_test == D("360.00")  # 2 x 3 x 10 + 2 x 3 x 50
    assert pr.cost_by_year == {1: D("430.00")} and a.virtual.by(kind="test") == D("430.00")
    # physical imaging's parallel test: the tier-1 PC, and a third of its two units rounded
    # up (1); full interruption: 3 PCs x 3 x 10 + 2 units x 3 x 50
    assert a.physical.per_test["parallel"] == D("70.00")
    assert a.physical.by(kind="test") == D("70.00") + D("390.00")
    # a test of tiers no PC holds uses nothing
    none = parse_scenario({"tests": {"parallel": {"per_year": 1, "pc_days": 2, "tiers": [4]}}})
    pr4 = programme(assess(plan, inv, cat, dataclasses.replace(PURE_PACKING, scenario=none)))
    assert pr4.rows[0].pcs == {} and pr4.total == 0
    with pytest.raises(InputError) as e:
        parse_scenario({"tests": {"parallel": {"per_year": 1, "tiers": [7]}}})
    assert e.value.field == "scenario.tests.parallel.tiers"


@st.composite
def _rto_cases(draw: Any) -> tuple[Inventory, Catalog, Any]:
    hosts = tuple(HostModel(f"H{i}", cores=16, memory_gib=128, storage_gb=draw(
        st.sampled_from([500.0, 1000.0, 2000.0])), monthly_fee=D(draw(st.integers(50, 150))),
        delivery_hours=draw(st.sampled_from([0.0, 1.0, 2.5])),
        restore_rate_gb_h=draw(st.sampled_from([50.0, 100.0, 250.0])),
        boot_minutes=draw(st.sampled_from([0.0, 6.0, 15.0])))
        for i in range(draw(st.integers(1, 2))))
    units: tuple[UnitModel, ...] = ()
    if draw(st.booleans()):
        units = (UnitModel("U", slots=4, seats=4, monthly_fee=D(10),
                           delivery_hours=draw(st.sampled_from([1.0, 3.0]))),)
        if draw(st.booleans()):  # a cheaper, slower unit: for PCs and seats whose targets allow
            units += (UnitModel("S", slots=4, seats=8, monthly_fee=D(4),
                                delivery_hours=draw(st.sampled_from([6.0, 12.0]))),)
    rows = []
    for i in range(draw(st.integers(1, 8))):
        rows.append(Workload(f"w{i}", draw(st.integers(1, 4)), float(draw(st.integers(1, 16))),
                             float(draw(st.integers(10, 400))), tier=draw(st.integers(1, 3)),
                             count=draw(st.integers(1, 3)),
                             affinity=draw(st.sampled_from(["", "", "", "app"])),
                             kind=draw(st.sampled_from(["server", "server", "workstation"]))))
    rto = tuple(sorted({t: float(draw(st.integers(3, 20))) for t in
                        draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))}.items()))
    return (Inventory(tuple(rows)), Catalog(hosts=hosts, units=units, term_years=1),
            dataclasses.replace(PURE_PACKING, rto=rto, workstation_seats=bool(units)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rto_cases())
def test_enforced_plans_meet_every_target_they_guarantee(case: Any) -> None:
    inv, cat, pol = case
    r = plan_meeting_rto(inv, cat, pol, time_limit=4)  # the plan passed the verifier inside
    names = {n for w in inv.workloads for n in w.instance_names()}
    placed = [n for h in r.plan.hosts for n in h.workloads]
    assert sorted(placed + [u.name for u in r.plan.unplaced]) == sorted(names)
    guaranteed = (not r.impossible and not r.plan.unplaced
                  and not any("not guaranteed" in n or "not enforced" in n
                              for n in [*r.timeline.notes, r.method]))
    if guaranteed:
        assert r.meets and check_rto(r.plan, inv, cat, pol) == []
    # timeline and verifier agree on whether any target is missed
    assert bool(check_rto(r.plan, inv, cat, pol)) == bool(r.timeline.misses)
    if r.unconstrained.status == "optimal" and not r.unconstrained.unplaced:
        assert r.plan.cost >= r.unconstrained.cost
    if r.plan.lower_bound is not None:
        assert r.plan.lower_bound <= r.plan.cost


def test_the_engine_prices_a_tiered_test_on_the_pcs_holding_the_tier() -> None:
    """The plan's cost carries the tiered test's days on the PCs it uses (as the money model
    and the verifier price them); the bound does not, so no 'optimal' is claimed above it."""
    from planner.solver.engine import plan as make_plan
    from planner.verify.verifier import check_plan

    host = dataclasses.replace(P, monthly_fee=D(100), daily_fee=D(10))
    cat = Catalog(hosts=(host,), term_years=1)
    # two PCs' worth of storage (1,600 GB), one tier-1 workload
    inv = Inventory((Workload("a", 1, 1.0, 500.0, tier=1),
                     Workload("b", 1, 1.0, 500.0, tier=2),
                     Workload("c", 1, 1.0, 600.0, tier=2)))
    sc = parse_scenario({"tests": {"parallel": {"per_year": 2, "pc_days": 3, "tiers": [1]}}})
    pol = dataclasses.replace(PURE_PACKING, scenario=sc)
    p = make_plan(inv, cat, pol, time_limit=5)
    assert len(p.hosts) == 2 and check_plan(p, inv, cat, pol) == []
    # 2 PCs x 1,200 a year; the parallel test: 2 a year x 3 days x 10 on the one PC holding a
    assert p.cost == D("2460.00")
    a = assess(p, inv, cat, pol)
    assert a.virtual.by("PCs") == p.cost and a.virtual.by(kind="test") == D("60.00")
    assert p.lower_bound is not None and p.lower_bound <= D(2400)
    assert p.status == "feasible"
    wrong = dataclasses.replace(p, cost=p.cost - D(60))
    assert any("differs from the priced plan" in e for e in check_plan(wrong, inv, cat, pol))


def test_enforce_rto_puts_a_pc_in_a_slower_unit_when_its_targets_allow() -> None:
    """Units are chosen by each PC's exact latest delivery once packed: the PC holding only
    tier 2 rides in the slow, cheap unit; tier 1's PC in the quick one."""
    pc = dataclasses.replace(P, storage_gb=150, boot_minutes=0.0)
    quick = UnitModel("Q", slots=1, delivery_hours=1.0, monthly_fee=D(100))
    slow = UnitModel("S", slots=1, seats=4, delivery_hours=5.0, monthly_fee=D(10))
    cat = Catalog(hosts=(pc,), units=(quick, slow), term_years=1)
    inv = Inventory((_w("a", 1, 100), _w("b", 2, 100)))  # one per PC (150 GB each)
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 3.0), (2, 10.0)))
    r = plan_meeting_rto(inv, cat, pol, time_limit=6)
    # ignoring the RTO: both PCs in slow units (tier 1 runs at 5 + 1 = 6 h > 3 h)
    assert r.unconstrained.unit_counts() == {"S": 2} and r.unconstrained.cost == D(2640)
    # meeting it: a's PC must be on site by 3 - 1 = 2 h (Q), b's by 10 - 1 = 9 h (S will do)
    assert r.meets and r.plan.unit_counts() == {"Q": 1, "S": 1}
    unit_of = {n: h.unit for h in r.plan.hosts for n in h.workloads}
    models = {u.id: u.model for u in r.plan.units}
    assert models[unit_of["a"]] == "Q" and models[unit_of["b"]] == "S"
    assert r.plan.cost == D(3720)  # 2 x 1,200 + 1,200 + 120 (quick units only: 4,800)
    assert check_rto(r.plan, inv, cat, pol) == []
    assert any("units chosen by each PC's latest delivery" in n for n in r.timeline.notes)


def test_enforce_rto_packs_for_the_quickest_unit_and_chooses_units_to_match() -> None:
    """Two quick unit models: packing for the slower one's delivery needs two PCs; packing for
    the quicker one's fits both on one PC, which then rides in the quicker (dearer) unit."""
    pc = dataclasses.replace(P, storage_gb=300, boot_minutes=0.0)
    q1 = UnitModel("Q1", slots=1, delivery_hours=1.0, monthly_fee=D(100))
    q2 = UnitModel("Q2", slots=1, delivery_hours=2.0, monthly_fee=D(10))
    cat = Catalog(hosts=(pc,), units=(q1, q2), term_years=1)
    inv = Inventory((_w("a", 1, 150), _w("b", 1, 150)))
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 4.0),))
    r = plan_meeting_rto(inv, cat, pol, time_limit=8)
    # ignoring the RTO: one PC in Q2, tier 1 at 2 + 3 = 5 h
    assert r.unconstrained.cost == D(1320) and r.timeline is not None
    # on site by 4 - 300 / 100 = 1 h: one PC in Q1 (2 x 1,200) beats two PCs in Q2 (2,640)
    assert r.meets and r.plan.unit_counts() == {"Q1": 1} and r.plan.cost == D(2400)
    assert "quickest unit" in r.method
    assert check_rto(r.plan, inv, cat, pol) == []


def test_a_tests_tiers_survive_the_scenario_file() -> None:
    from planner.present import load_bundle, save_bundle

    sc = parse_scenario({"tests": {"parallel": {"per_year": 1, "pc_days": 2, "tiers": [1, 2]},
                                   "simulation": {"per_year": 1, "tiers": []}}})
    pol = dataclasses.replace(PURE_PACKING, scenario=sc)
    inv = Inventory((_w("a", 1, 100),))
    cat = Catalog(hosts=(P,), term_years=1, vendor="V")
    back = load_bundle(save_bundle(inv, [cat], pol), "s.json")
    assert back.policy.scenario.tests == sc.tests
    assert [t.tiers for t in back.policy.scenario.tests] == [(), (1, 2)]


def _two_speeds() -> tuple[Inventory, Catalog, Any]:
    """A fast dear PC model and a slow cheap one, no mobile units (each PC's own delivery).

    F: on site at 1 h, 200 GB/h, 2,400 a year; S: on site at 4 h, 100 GB/h, 1,200 a year;
    500 GB each. Tier 1's RTO is 2 h, tier 2's 24 h, so by hand C_1(F) = 200 GB, C_1(S) < 0
    (none), C_2(F) = 4,600 GB, C_2(S) = 2,000 GB.
    """
    fast = HostModel("F", cores=8, memory_gib=64, storage_gb=500, monthly_fee=D(200),
                     delivery_hours=1.0, restore_rate_gb_h=200.0, boot_minutes=0.0)
    slow = HostModel("S", cores=8, memory_gib=64, storage_gb=500, monthly_fee=D(100),
                     delivery_hours=4.0, restore_rate_gb_h=100.0, boot_minutes=0.0)
    inv = Inventory((_w("a", 1, 150), _w("b", 2, 200), _w("c", 2, 200)))
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 2.0), (2, 24.0)))
    return inv, Catalog(hosts=(fast, slow), term_years=1), pol


def test_enforce_rto_mixes_pc_models_by_their_restore_capacity_per_deadline() -> None:
    """The exact per-deadline capacities beat the conservative storage inflation.

    Ignoring the RTO: 550 GB on 500 GB PCs, two S (2,400), but a on S runs at 4 + 1.5 h > 2 h.
    Meeting it: a on an F (running at 1 + 150/200 = 1.75 h), b and c on an S (400 GB, both
    running by 4 + 400/100 = 8 h <= 24 h): 3,600, and no plan meeting the RTO is cheaper (two
    PCs at least, one of them an F for a). The conservative inflation (main before issue 21c)
    dropped S, which cannot restore anything by tier 1's RTO, and took two F: 4,800.
    """
    inv, cat, pol = _two_speeds()
    r = plan_meeting_rto(inv, cat, pol, time_limit=10)
    assert r.unconstrained.cost == D(2400) and [t.tier for t in r.timeline.misses] == []
    assert r.meets and check_rto(r.plan, inv, cat, pol) == []
    assert r.plan.cost == D(3600) < D(4800)
    assert sorted(h.model for h in r.plan.hosts) == ["F", "S"]
    on_f = next(h for h in r.plan.hosts if h.model == "F")
    assert "a" in on_f.workloads
    t1 = r.timeline.tier(1)
    assert t1 is not None and t1.back_at == pytest.approx(1.75)
    # proven: the engine's bound holds for the RTO problem itself (no delivery assumption here)
    assert r.plan.status == "optimal" and r.plan.lower_bound == D(3600)
    assert r.proven and r.exact and r.assumption == ""
    # without --enforce-rto nothing changes: the restore deadlines are not packed
    assert build_problem(inv, cat, pol).nd == 3
    assert build_problem(inv, cat, dataclasses.replace(pol, rto_packing="latest")).nd == 5


def test_enforce_rto_still_names_a_tier_no_model_restores_in_time() -> None:
    """A 300 GB tier-1 workload: by 2 h F restores 200 GB and S nothing, so it is impossible."""
    inv, cat, pol = _two_speeds()
    inv = Inventory((*inv.workloads, _w("big", 1, 300)))
    r = plan_meeting_rto(inv, cat, pol, time_limit=10)
    assert len(r.impossible) == 1 and r.impossible[0].startswith(
        "big (tier 1) cannot run by the tier's RTO of 2 h on any PC model")
    assert "big" in {n for h in r.plan.hosts for n in h.workloads}  # planned, never dropped
    assert [t.tier for t in r.timeline.misses] == [1]
    assert not r.exact and not r.proven
    # a plan missing a target claims no bound of the enforced packing (whose deadlines were
    # partly left out): only the plan ignoring the RTO's, a bound on every plan
    assert r.plan.status != "optimal"
    assert r.plan.lower_bound is not None and r.plan.lower_bound <= r.unconstrained.cost


def test_rto_on_some_tiers_binds_only_the_pcs_holding_them() -> None:
    """RTO on tier 2 only: a 400 GB tier-1 workload and a 100 GB tier-2 one on 100 GB/h PCs
    on site at 1 h, RTO 3 h. One PC misses (B waits for A: runs at 6 h); two meet it (B at
    2 h). Tier 2's deadline binds only a PC holding tier 2 (PC variants by the RTO tiers they
    hold), so the two-PC plan is found and proven the cheapest meeting the target; before,
    the deadline bound every PC, A fitted none, and the tool said the target could not be
    met."""
    from planner.present.report import rto_comparison

    p_model = HostModel("P", cores=8, memory_gib=64, storage_gb=1000, monthly_fee=D(100),
                        delivery_hours=1.0, restore_rate_gb_h=100.0, boot_minutes=0.0)
    inv = Inventory((Workload("A", 1, 1.0, 400.0, tier=1),
                     Workload("B", 1, 1.0, 100.0, tier=2)))
    pol = dataclasses.replace(PURE_PACKING, rto=((2, 3.0),))
    cat = Catalog(hosts=(p_model,), term_years=1)
    r = plan_meeting_rto(inv, cat, pol, time_limit=10)
    assert r.impossible == [] and r.meets and r.proven and r.exact
    assert r.plan.cost == D("2400.00") and r.plan.status == "optimal"
    assert sorted(sorted(h.workloads) for h in r.plan.hosts) == [["A"], ["B"]]
    assert not check_rto(r.plan, inv, cat, pol)
    words = rto_comparison(r, inv, cat, pol).cost_words("USD")
    assert "costs 1,200.00 USD more" in words and "proven the cheapest" in words


def test_falling_rtos_bind_each_pc_by_the_tiers_it_holds() -> None:
    """Tier 1 RTO 12 h, tier 2 RTO 3 h (falling). F: 200 GB/h on site at 1 h, 2,400 a year;
    S: 100 GB/h on site at 4 h, too late for tier 2, 1,200 a year; 500 GB each. By hand:
    tier-2 b (200 GB) needs F (C_2(F) = 400 GB; S none); a (150 GB, tier 1) beside it: 350 <=
    400, one F: 2,400, proven. A tier-1 c of 300 GB more: F holds b + at most 200 GB of tier
    1, so c goes to an S (C_1(S) = 800 GB): 3,600, proven. Before, tier 2's deadline bound
    every PC (tier 1 restores first), so S, which cannot make 3 h, held nothing."""
    _, cat, _ = _two_speeds()
    pol = dataclasses.replace(PURE_PACKING, rto=((1, 12.0), (2, 3.0)))
    two = Inventory((_w("a", 1, 150), _w("b", 2, 200)))
    r = plan_meeting_rto(two, cat, pol, time_limit=10)
    assert r.meets and r.proven and r.plan.cost == D("2400.00")
    three = Inventory((*two.workloads, _w("c", 1, 300)))
    r = plan_meeting_rto(three, cat, pol, time_limit=10)
    assert r.meets and r.proven and r.plan.cost == D("3600.00")
    # one F (b, the tier-2 one) and one S (c, or a and c: 450 GB by 8.5 h): 3,600 either way
    assert sorted(h.model for h in r.plan.hosts) == ["F", "S"]
    assert not check_rto(r.plan, three, cat, pol)


def test_a_tier_without_workloads_packs_no_deadline() -> None:
    """RTOs 12 h / 3 h / 1.5 h with no tier-3 workload: no tier-3 deadline is packed (it asked
    nothing and only bound the PCs of tiers 1 and 2)."""
    inv, cat, pol = _two_speeds()
    pol = dataclasses.replace(pol, rto=((1, 2.0), (2, 24.0), (3, 1.0)))
    pr = build_problem(inv, cat, dataclasses.replace(pol, rto_packing="latest"))
    assert [d.label for d in pr.dims[3:]] == ["restore by tier 1's RTO (2 h)",
                                              "restore by tier 2's RTO (24 h)"]


def test_restore_deadline_dimensions_on_the_grid() -> None:
    """Per model, the GB restored by each deadline (MB grid); items count only tiers <= t."""
    inv, cat, pol = _two_speeds()
    pr = build_problem(inv, cat, dataclasses.replace(pol, rto_packing="latest"))
    caps = {h.model.name: h.cap[3:] for h in pr.hosts}
    assert caps == {"F": (200_000, 4_600_000), "S": (0, 2_000_000)}
    sizes = {it.key: it.size[2:] for it in pr.items}
    assert sizes["a"] == (150_000, 150_000, 150_000)
    assert sizes["b"] == (200_000, 0, 200_000)
    assert [d.label for d in pr.dims[3:]] == ["restore by tier 1's RTO (2 h)",
                                              "restore by tier 2's RTO (24 h)"]
