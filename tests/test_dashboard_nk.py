"""The dashboard's spares and sizing controls (issue 22) under Streamlit's AppTest: the policy
form sets spares and sizing, the Inventory page reads a usage file in memory and shows its
confidence, the Plan page shows what N+k costs against N+0 and the sizing confidence."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.test_dashboard import metric, page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def short_solves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_TIME_LIMIT", "4")


@pytest.fixture
def app() -> Iterator[AppTest]:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    yield at
    for run in at.session_state["runs"].values():  # no solve outlives its test
        run.stop()
        run.wait(5)

USAGE = (b"name,cpu [vCPU],memory [GiB],samples,days\n"
         b"dc01,0.5,2,3000,10\n"
         b"dc02,0.5,2,20,0.1\n")


def _done(at: AppTest, seconds: float = 60) -> None:
    """Re-run the page until the plan run has finished."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        if all(r.progress().done for r in at.session_state["runs"].values()):
            at.run()
            return
        time.sleep(0.5)


def test_policy_form_sets_spares_and_sizing(app: AppTest) -> None:
    page(app, "vendors")
    spares = app.number_input(key="pol_spares")
    assert (spares.min, spares.max) == (0, 10)  # the schema's range
    pctl = app.number_input(key="pol_percentile")
    assert (pctl.min, pctl.max) == (50.0, 100.0)
    spares.set_value(2)
    app.selectbox(key="pol_sizing").select("measured")
    app.number_input(key="pol_percentile").set_value(90.0)
    app.number_input(key="pol_comfort").set_value(1.5)
    next(b for b in app.form_submit_button if b.label == "Apply policy").click().run()
    assert not app.exception
    pol = app.session_state["inputs"].policy
    assert (pol.spares, pol.sizing, pol.usage_percentile, pol.comfort_factor) == \
        (2, "measured", 90.0, 1.5)
    assert any("spares in each unit that carries PCs" in c.value for c in app.caption)
    # a policy file loaded shows in the form (it kept the previous values, and "Apply" would
    # have put them back)
    app.file_uploader(key="policy_upload").upload(
        "p.toml", b'spares = 3\nsizing = "provisioned"\n').run()
    assert not app.exception and app.session_state["inputs"].policy.spares == 3
    assert app.number_input(key="pol_spares_1").value == 3
    assert app.selectbox(key="pol_sizing_1").value == "provisioned"


def test_usage_upload_sizes_the_plan_and_shows_confidence(app: AppTest) -> None:
    inp = app.session_state["inputs"]
    app.session_state["inputs"] = replace(inp, policy=replace(inp.policy, sizing="measured"))
    page(app, "inventory")
    app.file_uploader(key="usage_upload").upload("use.csv", USAGE).run()
    assert not app.exception
    now = app.session_state["inputs"]
    assert now.sizing is not None and now.usage_name == "use.csv"
    sized = {w.name: w.vcpu for w in now.inventory.workloads if w.name in ("dc01", "dc02")}
    assert sized == {"dc01": 1, "dc02": 1}  # 0.5 x 1.3 rounded up, from 2 provisioned
    assert {w.name: w.vcpu for w in now.base.workloads if w.name == "dc01"} == {"dc01": 2}
    text = " ".join(m.value for m in app.markdown)
    assert "Sized on measured use" in text and "confidence 50%" in text  # dc02: 20 samples
    assert any("confidence: 50%" in c.value for c in app.code)
    # a bad usage file names file, row and field and keeps the sizing
    app.file_uploader(key="usage_upload").upload(
        "bad.csv", b"name,cpu [vCPU],memory [GiB]\nnobody,1,1\n").run()
    assert not app.exception
    message = " ".join(e.value for e in app.error)
    assert "bad.csv" in message and "row 2" in message and "name" in message
    assert app.session_state["inputs"].usage_name == "use.csv"
    page(app, "plan")
    _done(app)
    assert metric(app, "Sizing confidence") == "50%"


def test_plan_page_shows_n_plus_k_against_n_plus_0(app: AppTest) -> None:
    inp = app.session_state["inputs"]
    cats = [replace(c, units=()) for c in inp.catalogs]  # spares are planned without units
    app.session_state["inputs"] = replace(inp, catalogs=cats,
                                          policy=replace(inp.policy, spares=1))
    page(app, "plan")
    _done(app)
    assert not app.exception
    plan = app.session_state["last_plan"][cats[0].source or cats[0].vendor]
    sp = plan.stats["spares"]
    assert sp["k"] == 1 and sum(h.spare for h in plan.hosts) == 1
    value = metric(app, "N+1 spares: extra over 3 years")
    assert float(value.replace(",", "")) == pytest.approx(sp["extra_cost"], abs=1)
    assert any(f"1 × {sp['model']} spare" in c.value for c in app.caption)
    words = " ".join(e.value for e in [*app.success, *app.info, *app.warning])
    assert "one model" in words  # what "optimal" covers is said


def test_spares_with_a_units_quote_sit_in_the_units(app: AppTest) -> None:
    inp = app.session_state["inputs"]
    app.session_state["inputs"] = replace(inp, policy=replace(inp.policy, spares=1))
    page(app, "plan")
    _done(app)
    assert not app.exception
    cat = inp.catalogs[0]
    plan = app.session_state["last_plan"][cat.source or cat.vendor]
    spares = [h for h in plan.hosts if h.spare]
    assert spares and all(h.unit for h in spares) and plan.stats["spares"]["per_unit"]
    assert any("in each mobile unit that carries PCs" in c.value for c in app.caption)


def test_saved_scenario_keeps_the_usage_file_and_sizes_the_same(app: AppTest) -> None:
    from dashboard import state

    inp = app.session_state["inputs"]
    app.session_state["inputs"] = replace(inp, policy=replace(inp.policy, sizing="measured"))
    page(app, "inventory")
    app.file_uploader(key="usage_upload").upload("use.csv", USAGE).run()
    before = app.session_state["inputs"]
    assert before.sizing is not None and before.sizing.measured_machines == 2
    data = state.scenario_file(before)  # what the Export page's "Save the scenario" gives
    app.button(key="inv_sample").click().run()  # back to the sample: the usage file dropped
    assert app.session_state["inputs"].usage_name is None
    page(app, "export")
    assert not any("the usage file use.csv" in c.value for c in app.caption)
    app.file_uploader(key="bundle_upload").upload("mine.json", data).run()
    assert not app.exception
    now = app.session_state["inputs"]
    assert now.usage_name == "use.csv" and now.usage_data == USAGE
    assert now.sizing is not None and now.sizing.to_dict() == before.sizing.to_dict()
    sizes = [(w.name, w.vcpu, w.memory_gib) for w in now.inventory.workloads]
    assert sizes == [(w.name, w.vcpu, w.memory_gib) for w in before.inventory.workloads]
    assert ("dc01", 1, 2.6) in sizes  # 0.5 vCPU x 1.3 -> 1; 2 GiB x 1.3
    app.run()  # the page drawn again says the next save carries the usage file
    assert any("the usage file use.csv" in c.value for c in app.caption)


def test_rvtools_upload_sizes_on_its_snapshot(app: AppTest, tmp_path: Path) -> None:
    from tests.test_usage_export import _mem_rows, _workbook

    inp = app.session_state["inputs"]
    app.session_state["inputs"] = replace(inp, policy=replace(inp.policy, sizing="measured"))
    page(app, "inventory")
    data = _workbook(tmp_path / "rv.xlsx").read_bytes()
    app.file_uploader(key="inv_upload").upload("rv.xlsx", data).run()
    assert not app.exception
    now = app.session_state["inputs"]
    assert now.sizing is not None and now.sizing.snapshot and now.usage_name is None
    assert {w.name: w.vcpu for w in now.inventory.workloads}["sql01"] == 6  # by hand there
    assert any("usage from the export's snapshot" in c.value for c in app.code)
    # a negative Consumed: the error names file, sheet, row and field; nothing is loaded
    bad = _workbook(tmp_path / "bad.xlsx", mem=_mem_rows(sql01=-5)).read_bytes()
    app.file_uploader(key="inv_upload").upload("bad.xlsx", bad).run()
    message = " ".join(e.value for e in app.error)
    assert "bad.xlsx, sheet vMemory, row 4, field 'Consumed'" in message
    assert app.session_state["inputs"].inventory_name == "rv.xlsx"
