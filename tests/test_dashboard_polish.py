"""The dashboard's tables, charts and waits as a user reads them (the walk of 3 Dec 2026):
money formatted one way on every page, no "None" in a cell, the import's two vCPU totals
named, the plan treemap readable, and progress shown while the RTO plan is made."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import tests.test_dashboard as dashboard_tests
from tests.readers_fixtures import rvtools_workbook
from tests.test_dashboard import _wait_done, page

ROOT = Path(__file__).resolve().parent.parent
#: the same fixtures as the other dashboard tests: short solves, and a session on the sample
#: whose solves are stopped after each test
short_solves = dashboard_tests.short_solves
app = dashboard_tests.app


def columns(el: Any) -> dict[str, dict[str, Any]]:
    """A table element's column configs by column name (label, type and format)."""
    return dict(json.loads(el.proto.columns or "{}"))


def table_with(at: AppTest, column: str) -> Any:
    """The first table (dataframe or data editor) with a column of this name."""
    found = [d for d in at.dataframe if column in d.value.columns]
    assert found, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_money_columns_read_the_same_on_every_page(app: AppTest) -> None:
    """Plan's costs, What-if's ranking and saved scenarios: one helper, one money format
    (separators and cents), the currency in the label; the What-if tables had raw numbers."""
    from dashboard import ui

    cfg = ui.money_columns(["one_time", "cost over term (USD)"], "USD")
    assert cfg["one_time"]["label"] == "one time (USD)"
    assert cfg["cost over term (USD)"]["label"] == "cost over term (USD)"
    _wait_done(app)
    costs = columns(table_with(app, "component"))
    assert costs["total"] == {"label": "total (USD)",
                              "type_config": {"type": "number", "format": "accounting"}}
    page(app, "whatif")
    app.checkbox(key="wi_rank_all").check().run()
    app.text_input(key="wi_name").input("as is").run()
    app.button(key="wi_save").click().run()
    for column in ("cost over term", "cost over term (USD)",
                   "saving vs physical imaging (USD)"):
        cfg = columns(table_with(app, column))[column]
        assert cfg["type_config"] == {"type": "number", "format": "accounting"}, column


def test_no_table_on_any_page_shows_none(app: AppTest) -> None:
    """Every table on every page says what a missing value is: "—" in a read-only table, a
    blank in an editor (Streamlit's default is the word "None": the vendor editor's stock,
    the units' restore rate and boot time, the inventory's storage in use showed it)."""
    _wait_done(app)
    seen: dict[str, list[str]] = {}
    for name in ("plan", "inventory", "vendors", "compare", "whatif", "export"):
        page(app, name)
        if name == "compare":
            _wait_done(app)
        if name == "whatif":
            app.checkbox(key="wi_rank_all").check().run()
        for d in app.dataframe:
            assert d.proto.HasField("placeholder"), (name, list(d.value.columns))
            assert d.proto.placeholder != "None"
            seen.setdefault(name, []).append(d.proto.placeholder)
    assert {"plan", "inventory", "vendors", "compare", "whatif"} <= set(seen)
    page(app, "plan")  # the units table's headings in words, not slots_used / seats_used
    labels = {c: v.get("label") for c, v in columns(table_with(app, "seats_used")).items()
              if c != "_index"}
    assert labels == {"pcs": "PCs", "slots_used": "PC slots used",
                      "seats_used": "staff seats used"}
    page(app, "vendors")
    hosts = table_with(app, "available")
    assert hosts.value["available"].isna().any()  # the sample's RPC-S has no stock limit
    assert hosts.proto.placeholder == ""  # blank: "stock empty = no limit" above it
    timing = table_with(app, "boot_minutes")
    units = timing.value[timing.value["kind"] == "unit"]
    assert units[["restore_rate", "boot_minutes"]].isna().all().all()
    assert timing.proto.placeholder == "—"  # not applicable to a unit
    page(app, "inventory")
    workloads = table_with(app, "storage_used [GB]")
    assert workloads.proto.placeholder == ""
    # tier and count next to the name: in view at 1280 px (tier was cut at the right edge)
    assert list(workloads.proto.column_order)[:3] == ["name", "tier", "count"]


def test_import_summary_names_what_each_vcpu_total_counts(app: AppTest,
                                                          tmp_path: Path) -> None:
    """An RVTools export gives two vCPU totals (the machines used, from vInfo; what vHost's
    hosts run now): the summary says which is which, and that they differ."""
    page(app, "inventory")
    data = rvtools_workbook(tmp_path / "estate.xlsx").read_bytes()
    app.file_uploader(key="inv_upload").upload("estate.xlsx", data).run()
    assert not app.exception
    text = "\n".join(c.value for c in app.code)
    assert "Totals of the 4 machines used, as provisioned: 14 vCPU" in text
    assert ("Current estate (vHost sheet: what its hosts run now): 2 hosts, 32 cores, "
            "17 vCPU on 6 VMs") in text
    assert "not the totals used above" in text


def test_plan_treemap_draws_seat_only_units_and_hides_unreadable_labels() -> None:
    """The sample's MRU-40 units carry staff seats only: each is drawn with its seats (they
    had no box, so 9 units in the headline met 3 in the chart); a label below a readable size
    is not printed (hover names the box), and no box is black."""
    import planner
    from planner.present import charts

    sample = ROOT / "data" / "sample"
    inv, _ = planner.load_inventory(sample / "inventory.csv")
    plan = planner.plan(inv, planner.load_catalog(sample / "catalog.toml"),
                        planner.load_policy(sample / "policy.toml"), time_limit=2)
    seat_only = [u for u in plan.units if not u.hosts]
    assert seat_only and all(u.seats_used for u in seat_only)
    fig = charts.contents_figure(plan)
    tree = fig.data[0]
    value = dict(zip(tree.ids, tree.values, strict=True))
    parent = dict(zip(tree.ids, tree.parents, strict=True))
    for u in plan.units:
        assert parent[u.id] == "root"
        if u.seats_used:
            assert value[f"{u.id}/seats"] == u.seats_used and parent[f"{u.id}/seats"] == u.id
    # box sizes: one workload or one staff seat each
    assert sum(tree.values) == plan.placed + sum(u.seats_used for u in plan.units)
    assert fig.layout.uniformtext.mode == "hide" and fig.layout.uniformtext.minsize >= 10
    assert "#000000" not in fig.layout.colorway
    assert "staff seat" in fig.layout.title.subtitle.text


def test_plan_page_keeps_the_plan_and_shows_progress_while_planning_for_the_rto(
        app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Switching "Plan to meet the RTO" on: until that plan is ready, a progress bar with the
    phase and a Stop button, and the plan that ignores the RTO stays (said so); the page was
    blank but for "Planning... (dive, 3.0 s)"."""
    import threading

    import planner.recovery.run
    from dashboard import state
    from tests.test_dashboard import _rto_session, metric

    real = planner.recovery.run.plan_meeting_rto
    gate = threading.Event()

    def held(*args: Any, **kw: Any) -> Any:
        gate.wait(30)  # the search for the plan meeting the RTO, held until the checks are done
        return real(*args, **kw)

    monkeypatch.setattr(planner.recovery.run, "plan_meeting_rto", held)
    state._finished_rto.clear()  # an earlier test's answer for these inputs would come at once
    try:
        _rto_session(app)
        assert int(metric(app, "Recovery PCs to contract")) == 1
        app.toggle(key="plan_enforce_rto").set_value(True).run()
        assert not app.exception
        bars = [p.proto.text for p in app.get("progress")]
        assert any(t.startswith("Planning to meet the RTO — phase: ") for t in bars), bars
        assert any(b.label == "Stop" for b in app.button)
        assert any("the plan that ignores the RTO is shown below" in i.value for i in app.info)
        assert int(metric(app, "Recovery PCs to contract")) == 1  # the plan before, kept
        assert not any("Switch on" in e.value for e in app.error)  # it is on
    finally:
        gate.set()
    _wait_done(app)
    assert int(metric(app, "Recovery PCs to contract")) == 2  # the plan meeting the RTO
    assert not any("the plan that ignores the RTO is shown below" in i.value for i in app.info)
