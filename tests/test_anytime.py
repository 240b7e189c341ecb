"""The engine's anytime entry points: plans handed over live, warm start, stop, bundle, charts."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

import pandas as pd

import planner
from planner import PlanRun
from planner.bench.instances import mix_inventory, sample_catalog, sample_policy
from planner.present import (
    charts,
    inventory_frame,
    inventory_from_frame,
    load_bundle,
    save_bundle,
    xlsx_bytes,
)
from planner.readers.catalog import Catalog, HostModel, Policy
from planner.readers.inventory import Inventory, Workload
from tests.conftest import ROOT


def small() -> tuple[Inventory, Catalog, Policy]:
    return mix_inventory(120, 3), sample_catalog(True), sample_policy()


def test_on_plan_receives_only_better_verified_plans() -> None:
    inv, cat, pol = small()
    seen: list[planner.Plan] = []
    final = planner.plan(inv, cat, pol, time_limit=5, on_plan=seen.append)
    assert seen, "no plan handed over"
    costs = [p.cost for p in seen]
    assert costs == sorted(costs, reverse=True) and len(set(costs)) == len(costs)
    for p in seen:
        assert planner.check_plan(p, inv, cat, pol) == []
    assert final.cost == seen[-1].cost


def test_warm_start_gives_a_valid_plan_at_once_and_never_worse() -> None:
    inv, cat, pol = small()
    base = planner.plan(inv, cat, pol, time_limit=5)
    moved = replace(pol, cpu_overcommit=pol.cpu_overcommit + 1.0)
    firsts: list[planner.Plan] = []
    warm = planner.plan(inv, cat, moved, time_limit=5, start=base, on_plan=firsts.append)
    assert firsts[0].stats["source"] == "warm start"
    assert planner.check_plan(firsts[0], inv, cat, moved) == []
    # more overcommit: the old PCs all still fit, so the warm plan costs no more than before
    assert firsts[0].cost <= base.cost and warm.cost <= firsts[0].cost
    # tighter: copies that no longer fit are re-packed, every workload still accounted for
    tight = replace(pol, headroom=0.3)
    w2 = planner.plan(inv, cat, tight, time_limit=5, start=base)
    assert planner.check_plan(w2, inv, cat, tight) == []


def test_warm_start_is_deterministic() -> None:
    inv, cat, pol = small()
    base = planner.plan(inv, cat, pol, time_limit=5)
    moved = replace(pol, headroom=0.2)
    a = planner.plan(inv, cat, moved, time_limit=5, start=base)
    b = planner.plan(inv, cat, moved, time_limit=5, start=base)
    if a.status == "optimal" and b.status == "optimal":  # no phase stopped on its clock
        assert [(h.model, h.workloads) for h in a.hosts] == \
            [(h.model, h.workloads) for h in b.hosts]


def test_plan_run_stop_keeps_the_best_plan() -> None:
    inv = mix_inventory(800, 5)
    cat, pol = sample_catalog(True), sample_policy()
    run = PlanRun(inv, cat, pol, time_limit=60).start()
    p = run.wait_for_plan(30)
    assert p.plan is not None
    t = time.monotonic()
    run.stop()
    end = run.wait(20)
    assert time.monotonic() - t < 10  # stops promptly, not at the 60 s limit
    assert end.done and end.stopped and end.plan is not None
    assert end.plan.stats["interrupted"] is True or end.plan.status == "optimal"
    assert planner.check_plan(end.plan, inv, cat, pol) == []


def test_plan_run_reports_an_input_problem_as_an_error_not_a_crash() -> None:
    inv = Inventory((Workload("a", 2, 4.0, 10.0),), "x")
    cat = Catalog(hosts=(HostModel("H", 8, 64.0, 1000.0, monthly_fee=Decimal(10)),))
    run = PlanRun(inv, cat, Policy(), time_limit=2, known=None).start()
    p = run.wait(20)
    assert p.done and p.error is None and p.plan is not None


def test_inventory_table_round_trips_and_bad_edits_name_the_row() -> None:
    inv, _, _ = small()
    frame = inventory_frame(inv)
    back, summary = inventory_from_frame(frame)
    assert back.workloads == tuple(replace(w, row=b.row)
                                   for w, b in zip(inv.workloads, back.workloads, strict=True))
    assert summary.read == inv.total_instances
    bad = frame.copy()
    bad.loc[3, "vcpu"] = -2
    try:
        inventory_from_frame(bad, "edited")
    except planner.InputError as exc:
        assert "row 5" in str(exc) and "vcpu" in str(exc)
    else:
        raise AssertionError("a negative vCPU count was accepted")


def test_scenario_bundle_round_trip() -> None:
    inv = small()[0]
    pol = planner.load_policy(ROOT / "data/sample/policy.toml")
    quotes = [planner.load_catalog(ROOT / p) for p in ("data/quotes/atlas-dr.toml",
                                                        "data/sample/catalog.toml")]
    b = load_bundle(save_bundle(inv, quotes, pol))
    assert [w.name for w in b.inventory.workloads] == [w.name for w in inv.workloads]
    assert b.catalogs == quotes and b.policy == pol and b.policy.scenario == pol.scenario
    assert b.policy.rto == pol.rto and b.policy.approvals == pol.approvals
    try:
        load_bundle(b"{}", "x.json")
    except planner.InputError as exc:
        assert "x.json" in str(exc)
    else:
        raise AssertionError("an empty scenario file was accepted")


def test_charts_have_titles_and_units() -> None:
    inv, cat, pol = small()
    p = planner.plan(inv, cat, pol, time_limit=3)
    util = charts.utilisation_figure(p)
    assert "Utilisation" in util.layout.title.text
    assert "%" in util.layout.yaxis.title.text and len(util.data) == 3
    tree = charts.contents_figure(p)
    assert sum(1 for lab in tree.data[0].labels if lab in {n for h in p.hosts
                                                              for n in h.workloads}) \
        == sum(len(h.workloads) for h in p.hosts)
    a = planner.assess(p, inv, cat, planner.load_policy(ROOT / "data/sample/policy.toml"))
    comp = charts.component_figure([a])
    assert "USD" in comp.layout.yaxis.title.text
    cash = charts.cashflow_figure([a])
    assert "year" in cash.layout.xaxis.title.text
    assert cash.layout.yaxis.rangemode == "tozero"  # money starts at zero, not at the least year
    pts = pd.DataFrame([{"varied": "headroom", "headroom": h, "vendor": "V", "total": t,
                         "pcs": n} for h, t, n in ((0.0, 10, 1), (0.1, 12, 2))])
    sw = charts.sweep_figure(pts, "headroom", "total", 0.1, "USD")
    assert list(sw.data[0].x) == [0.0, 10.0] and "USD" in sw.layout.yaxis.title.text
    assert sw.layout.xaxis.title.text == "headroom (%)"  # in %, as the slider shows it
    assert xlsx_bytes(p)[:2] == b"PK"


def test_progress_bound_with_volume_tiers_never_exceeds_a_found_plan() -> None:
    # a tier's own bound holds only for plans of that tier: the progress shows the least
    # over the tiers, so it stays below every verified plan handed over
    inv = planner.read_inventory_csv(ROOT / "data/sample/inventory.csv")
    cat = planner.load_catalog(ROOT / "data/quotes/atlas-dr.toml")
    pol = planner.load_policy(ROOT / "data/sample/policy.toml")
    bounds: list[float] = []
    plans: list[planner.Plan] = []
    final = planner.plan(inv, cat, pol, time_limit=5, on_plan=plans.append,
                         progress=lambda ph, b, bd, left: bounds.append(bd)
                         if bd is not None else None)
    assert bounds and plans
    least = min(float(p.cost) for p in [*plans, final])
    assert max(bounds) <= least + 1e-6 * least
