"""The dashboard's pages under Streamlit's AppTest: each renders on the sample, its keyed
widgets work, and a bad upload shows the reader's message and keeps the previous state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import planner
from planner.present import save_bundle
from tests.readers_fixtures import rvtools_workbook

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


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"dashboard/pages/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m for m in at.metric if m.label.startswith(label)]
    assert found, [m.label for m in at.metric]
    return str(found[0].value)


def test_plan_page_shows_the_sample_plan_in_words(app: AppTest) -> None:
    assert not app.exception
    assert app.title[0].value == "Recovery plan"
    pcs = int(metric(app, "Recovery PCs to contract").replace(",", ""))
    assert 0 < pcs < 341  # far fewer PCs than machines
    assert float(metric(app, "Cost over 3 years").replace(",", "")) > 0
    words = " ".join(e.value for e in [*app.info, *app.success, *app.warning])
    # the standing in words: proven, a gap against a bound, or still without a bound (early)
    assert any(w in words for w in ("above the best possible", "Proven optimal",
                                    "no lower bound proven yet"))
    # the sample's one oversized workload is impossible to miss, with its reason
    assert any("NOT placed" in e.value for e in app.error)
    assert any("lab-analyzer" in m.value and "fits no PC model" in m.value
               for m in app.markdown)


def test_plan_page_switches_quote(app: AppTest) -> None:
    app.selectbox(key="plan_quote").select_index(1).run()
    assert not app.exception
    inputs = app.session_state["inputs"]
    assert inputs.active == 1
    assert inputs.catalogs[1].vendor in app.sidebar.caption[0].value


def test_inventory_upload_of_an_rvtools_workbook(app: AppTest, tmp_path: Path) -> None:
    page(app, "inventory")
    data = rvtools_workbook(tmp_path / "estate.xlsx").read_bytes()
    app.file_uploader(key="inv_upload").upload("estate.xlsx", data).run()
    assert not app.exception
    inputs = app.session_state["inputs"]
    assert inputs.inventory_name == "estate.xlsx"
    assert "estate.xlsx (4 machines)" in app.sidebar.caption[0].value  # not one run late
    # powered-off VM and template excluded by default, every machine accounted for
    assert inputs.summary.read == 6 and inputs.summary.excluded_total == 2
    assert inputs.inventory.total_instances == 4
    assert any("6 read" in c.value for c in app.code)


def test_inventory_bad_upload_shows_the_message_and_keeps_the_sample(app: AppTest) -> None:
    page(app, "inventory")
    before = app.session_state["inputs"].inventory
    bad = b"name,vcpu,memory,storage\nweb01,two,4 GiB,50 GB\n"
    app.file_uploader(key="inv_upload").upload("bad.csv", bad).run()
    assert not app.exception
    message = " ".join(e.value for e in app.error)
    assert "bad.csv" in message and "row 2" in message and "vcpu" in message
    assert app.session_state["inputs"].inventory is before


def test_vendors_policy_form_applies_and_a_bad_quote_is_refused(app: AppTest) -> None:
    page(app, "vendors")
    app.number_input(key="pol_cpu").set_value(6.0)
    app.number_input(key="pol_headroom").set_value(20.0)
    app.form_submit_button[-1].click().run()  # "Apply policy"
    assert not app.exception
    pol = app.session_state["inputs"].policy
    assert pol.cpu_overcommit == 6.0 and pol.headroom == pytest.approx(0.2)
    n = len(app.session_state["inputs"].catalogs)
    app.file_uploader(key="quote_upload").set_value(
        [("broken.toml", b"[[host]]\nname = 'X'\ncores = 8\n", "application/toml")]).run()
    assert not app.exception
    assert any("broken.toml" in e.value and "memory" in e.value for e in app.error)
    assert len(app.session_state["inputs"].catalogs) == n


def test_compare_page_ranks_every_quote(app: AppTest) -> None:
    page(app, "compare")
    deadline = time.monotonic() + 40
    while not any("cheapest" in s.value for s in app.success) and time.monotonic() < deadline:
        time.sleep(1)
        app.run()
    assert not app.exception
    assert any("is cheapest over the term" in s.value for s in app.success)
    table = app.dataframe[0].value
    assert list(table["rank"]) == list(range(1, len(app.session_state["inputs"].catalogs) + 1))


def test_whatif_slider_replans_from_the_policy(app: AppTest) -> None:
    page(app, "whatif")
    app.slider(key="wi_cpu").set_value(6.0).run()
    assert not app.exception
    runs = app.session_state["runs"]
    assert any(r.policy.cpu_overcommit == 6.0 for r in runs.values())
    assert metric(app, "Recovery PCs")
    app.text_input(key="wi_name").input("oc6").run()
    app.button(key="wi_save").click().run()
    assert "oc6" in app.session_state["scenarios"]
    assert "cpu_overcommit 4.0 → 6.0" in app.session_state["scenarios"]["oc6"]["what changed"]


def test_export_page_round_trips_the_scenario(app: AppTest) -> None:
    page(app, "export")
    assert len(app.get("download_button")) >= 4
    inputs = app.session_state["inputs"]
    edited = planner.Inventory(inputs.inventory.workloads[:10], "x")
    data = save_bundle(edited, inputs.catalogs[:2], inputs.policy, active=1, enforce_rto=True)
    app.file_uploader(key="bundle_upload").upload("mine.json", data).run()
    assert not app.exception
    now = app.session_state["inputs"]
    assert now.inventory.workloads == edited.workloads and len(now.catalogs) == 2
    # the quote planned with and the RTO switch come back; the page was drawn again with the
    # loaded scenario (the sidebar names its quote), the message kept over the rerun
    assert now.active == 1 and now.enforce_rto is True
    assert any(f"planned with {inputs.catalogs[1].vendor}" in m.value for m in app.success)
    assert any(inputs.catalogs[1].vendor in c.value for c in app.sidebar.caption)
    with pytest.raises(planner.InputError, match="active"):
        planner.present.load_bundle(data.replace(b'"active": 1', b'"active": 5'), "x.json")
    app.file_uploader(key="bundle_upload").upload("junk.json", b"{not json").run()
    assert any("junk.json" in e.value for e in app.error)
    assert app.session_state["inputs"].inventory.workloads == edited.workloads


def test_sessions_do_not_share_uploads(app: AppTest, tmp_path: Path) -> None:
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    other.run()
    try:
        page(app, "inventory")
        data = rvtools_workbook(tmp_path / "mine.xlsx").read_bytes()
        app.file_uploader(key="inv_upload").upload("mine.xlsx", data).run()
        assert app.session_state["inputs"].inventory_name == "mine.xlsx"
        other.run()
        assert other.session_state["inputs"].inventory_name == "sample inventory"
        assert other.session_state["inputs"].inventory.total_instances == 341
    finally:
        for run in other.session_state["runs"].values():
            run.stop()
            run.wait(5)


def test_oversized_upload_is_refused_with_a_message() -> None:
    from dashboard import state

    with pytest.raises(planner.InputError, match="limit is 52 MB"):
        state.check_upload("huge.csv", b"x" * (state.MAX_UPLOAD_BYTES + 1))


def test_vendors_quote_editor_changes_terms_and_models(app: AppTest) -> None:
    page(app, "vendors")
    app.number_input(key="q0_term").set_value(5)
    app.number_input(key="q0_escalation").set_value(2.0)
    next(b for b in app.form_submit_button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    cat = app.session_state["inputs"].catalogs[0]
    assert cat.term_years == 5 and float(cat.annual_escalation) == 0.02
    assert [m.name for m in cat.hosts] == ["RPC-S", "RPC-M", "RPC-L"]  # models kept


@pytest.mark.parametrize("workers", [1, 2])
def test_whatif_curves_serial_and_on_a_local_cluster(app: AppTest, workers: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_CURVE_SECONDS", "0.2")
    page(app, "whatif")
    app.number_input(key="wi_workers").set_value(workers)
    app.button(key="wi_curves").click().run()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        time.sleep(1)
        app.run()
        if any("cheapest quote" in m.value for m in [*app.success, *app.warning]):
            break
    assert not app.exception
    errors = [e.value for e in app.error if "NOT placed" not in e.value]  # the sample's one
    assert not errors, errors
    assert any("cheapest quote" in m.value for m in [*app.success, *app.warning])
    for w in app.warning:  # crossings in words with units, not the sweep's raw columns
        if "changes along the curves" in w.value:
            assert "from_vendor" not in w.value and ": from " in w.value


RTO_INVENTORY = b"""name,vcpu,memory [GiB],storage [GB],kind,source,tier,count
t1,1,1,200,server,virtual,1,4
t3,1,1,100,server,virtual,3,1
"""
#: a tier-1 workload that restores in 6 h alone on the fastest PC: cannot meet 4.5 h
BIG = b"big,1,1,600,server,virtual,1,1\n"
RTO_CATALOG = b"""vendor = "Quick DR"
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
"""
RTO_POLICY = b"""cpu_overcommit = 1.0
headroom = 0
host_reserved_cores = 0
host_reserved_memory = "0 GiB"
tiers = [1, 2, 3]
[rto]
1 = "4.5 h"
"""


def _wait_done(at: AppTest, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        runs = at.session_state["runs"].values()
        if runs and all(r.progress().done for r in runs):
            break
        time.sleep(0.5)
    at.run()
    assert not at.exception, at.exception


def _rto_inputs(policy: bytes = RTO_POLICY) -> tuple[planner.Inventory, planner.Catalog,
                                                    planner.Policy]:
    """The small RTO case: inventory, the one-model quote and the policy (tier 1 at 4.5 h)."""
    inv, _ = planner.load_inventory("rto.csv", data=RTO_INVENTORY)
    return (inv, planner.load_catalog("rto.toml", data=RTO_CATALOG),
            planner.load_policy("rto-policy.toml", data=policy))


def _rto_session(app: AppTest) -> None:
    """This session plans the small RTO case; waits for its plan."""
    from dashboard import state

    inv, summary = planner.load_inventory("rto.csv", data=RTO_INVENTORY)
    _, cat, pol = _rto_inputs()
    app.session_state["inputs"] = state.Inputs(inv, summary, "rto.csv", [cat], pol)
    app.run()
    _wait_done(app)


def test_plan_page_rto_switch_plans_to_meet_the_rto(app: AppTest) -> None:
    """The switch: the enforced plan is shown with what it costs, the run keyed on the switch
    (the plan ignoring the RTO reused from the cache), an impossible workload named with why,
    and the Export page's written plan following it."""
    _rto_session(app)
    # switched off: the plan ignoring the RTO (one PC, 900 GB), the miss shown with a pointer
    assert int(metric(app, "Recovery PCs to contract")) == 1
    assert any("Tiers missing their RTO: tier 1" in e.value and "Plan to meet the RTO" in e.value
               for e in app.error)
    app.toggle(key="plan_enforce_rto").set_value(True).run()
    _wait_done(app)
    assert app.session_state["inputs"].enforce_rto is True
    runs = [r for r in app.session_state["runs"].values() if r.catalog.vendor == "Quick DR"]
    enforced = [r for r in runs if isinstance(r, planner.RtoRun)]
    plain = [r for r in runs if not isinstance(r, planner.RtoRun)]
    assert len(enforced) == 1 and len(plain) == 1  # one run per value of the switch
    r = enforced[0].result
    assert r is not None and r.unconstrained is plain[0].progress().plan  # from the cache
    # 4 x 200 GB of tier 1 restore in 8 h on one PC: at most two per PC within 4.5 h
    assert int(metric(app, "Recovery PCs to contract")) == 2
    words = " ".join(e.value for e in app.success)
    # proven: the restore deadlines are packed exactly (docs/recovery.md)
    assert "Meeting the RTO costs 1,200.00 USD more" in words
    assert "proven the cheapest that meets every target" in words
    assert not any("Tiers missing their RTO" in e.value for e in app.error)
    # the Export page builds the written plan from the enforced plan and its comparison
    page(app, "export")
    assert any("Planned to meet the RTO" in c.value for c in app.caption)
    # switched off again: the plain plan answers at once (same key as before)
    page(app, "plan")
    app.toggle(key="plan_enforce_rto").set_value(False).run()
    assert int(metric(app, "Recovery PCs to contract")) == 1
    # a workload that no PC model restores in time: named, with the arithmetic
    inv, summary = planner.load_inventory("rto.csv", data=RTO_INVENTORY + BIG)
    app.session_state["inputs"] = replace(app.session_state["inputs"], inventory=inv,
                                          summary=summary, enforce_rto=True)
    app.run()
    _wait_done(app)
    assert any("big (tier 1) cannot run by the tier's RTO of 4.5 h on any PC model" in e.value
               and "600 GB at 100 GB/h" in e.value for e in app.error)
    # the headline does not speak of the best plan meeting the RTO: none does
    heads = [*app.info, *app.success, *app.warning]
    assert any("a tier still misses its target" in h.value for h in heads)
    assert not any("best plan meeting it" in h.value for h in heads)


def test_rto_cost_words_say_exactly_what_a_proven_enforced_plan_costs() -> None:
    inv, cat, pol = _rto_inputs()
    r = planner.plan_meeting_rto(inv, cat, pol, time_limit=6)
    assert r.meets and not r.same_plan and r.exact and r.proven
    cmp = planner.rto_comparison(r, inv, cat, pol)
    # 1 PC at 1,200 USD a year ignoring the RTO; 2 PCs meeting it (450 GB each by 4.5 h)
    assert cmp.unconstrained_total == 1200 and cmp.enforced_total == 2400
    words = cmp.cost_words("USD")
    assert words.startswith("Meeting the RTO costs 1,200.00 USD more (2,400.00 USD over the "
                            "term against 1,200.00 USD")
    assert "proven the cheapest that meets every target" in words and "at most" not in words
    # the restore deadlines are packed exactly: the engine's bound holds for the RTO problem
    assert r.plan.status == "optimal" and r.plan.lower_bound == 2400


def test_rto_on_a_later_tier_only_binds_the_pcs_holding_it() -> None:
    """Only tier 3 has an RTO (4.5 h: 450 GB per PC), tiers 1 and 2 none.

    Tier 3's deadline binds only a PC holding tier 3 (PC variants by the RTO tiers they
    hold): 2 PCs (t3 alone, the four t1 together), proven, 1,200 more. With a stock limit on
    the model its variants share the stock (a pool): the same 2 PCs, proven, where binding
    every deadline on each PC took 3 (pairs of t1, and t3).
    """
    inv, cat, pol = _rto_inputs(RTO_POLICY.replace(b"1 = ", b"3 = "))
    r = planner.plan_meeting_rto(inv, cat, pol, time_limit=6)
    assert r.meets and not r.same_plan and r.exact and r.proven
    assert len(r.plan.hosts) == 2 and r.plan.status == "optimal"
    words = planner.rto_comparison(r, inv, cat, pol).cost_words("USD")
    assert words.startswith("Meeting the RTO costs 1,200.00 USD more")
    assert "proven the cheapest" in words
    stocked = planner.load_catalog("rto.toml", data=RTO_CATALOG + b"available = 10\n")
    r = planner.plan_meeting_rto(inv, stocked, pol, time_limit=6)
    assert r.meets and not r.same_plan and r.exact and r.proven
    assert len(r.plan.hosts) == 2 and r.plan.status == "optimal"
    assert "stricter than needed" not in r.method
    words = planner.rto_comparison(r, inv, stocked, pol).cost_words("USD")
    assert words.startswith("Meeting the RTO costs 1,200.00 USD more") and "at most" not in words


def test_policy_form_sets_rto_targets_and_keeps_the_approvers(app: AppTest) -> None:
    """The RTO per tier and the approvers are part of the policy form: the sample's targets
    and names show in it, a target changed or added is applied, and the approvers survive an
    "Apply policy" (the written plan's approval block)."""
    page(app, "vendors")
    pol = app.session_state["inputs"].policy
    assert dict(pol.rto) == {1: 36.0, 2: 48.0, 3: 72.0}
    t1 = app.number_input(key="pol_rto_1")
    assert t1.value == 36.0 and (t1.min, t1.max) == (0.01, 8760.0)  # the schema's range
    assert app.number_input(key="pol_rto_4").value is None  # no target for tier 4
    t1.set_value(24.0)
    app.number_input(key="pol_rto_4").set_value(96.0)
    next(b for b in app.form_submit_button if b.label == "Apply policy").click().run()
    assert not app.exception
    new = app.session_state["inputs"].policy
    assert dict(new.rto) == {1: 24.0, 2: 48.0, 3: 72.0, 4: 96.0}
    assert [n for n, _ in new.approvals] == ["Dana Whitfield", "Sam Okafor", "Lee Moreno"]
    assert new.approvals == pol.approvals
    # the quote editor carries the recovery timing columns of each model (kept on apply)
    cat = app.session_state["inputs"].catalogs[0]
    next(b for b in app.form_submit_button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    after = app.session_state["inputs"].catalogs[0]
    assert [(m.delivery_hours, m.restore_rate_gb_h, m.boot_minutes) for m in after.hosts] == \
        [(m.delivery_hours, m.restore_rate_gb_h, m.boot_minutes) for m in cat.hosts]
    assert [m.delivery_hours for m in after.units] == [m.delivery_hours for m in cat.units]


def test_whatif_at_the_policy_values_is_the_plan_pages_run(app: AppTest) -> None:
    """Sliders left at the policy's values give the very policy (same cache key), so the
    What-if page shows the Plan page's run instead of solving the same inputs again."""
    from dashboard import state

    pol = app.session_state["inputs"].policy
    sc = pol.scenario
    same = state.policy_with(pol, cpu_overcommit=float(pol.cpu_overcommit),
                             headroom=round(100 * pol.headroom, 6) / 100,
                             declarations=Decimal(str(float(sc.declarations))),
                             disaster_days=Decimal(str(float(sc.disaster_days))))
    assert same is pol
    moved = state.policy_with(pol, disaster_days=sc.disaster_days + 1)
    assert moved.scenario.disaster_days == sc.disaster_days + 1 and moved.cpu_overcommit == \
        pol.cpu_overcommit
    page(app, "whatif")
    assert len(app.session_state["runs"]) == 1  # the Plan page's run, not a second one


def test_status_words_before_any_bound_say_so() -> None:
    """A plan handed over before any bound (lower bound 0): no "at most 100 % above"."""
    from dataclasses import replace as dc_replace

    from dashboard.ui import status_words
    from planner.solver.anytime import Progress

    inv, cat, pol = _rto_inputs()
    plan = planner.plan(inv, cat, pol, time_limit=5)
    early = dc_replace(plan, status="feasible", lower_bound=Decimal(0), gap=1.0)
    running = Progress("heuristic", float(plan.cost), None, 10.0, 0.1, early, False, False,
                       None)
    words, colour = status_words(early, running)
    assert words == "Best plan so far, still searching; no lower bound proven yet."
    assert colour == "blue"
    stopped = dc_replace(running, done=True, stopped=True)
    assert "no lower bound was proven before the stop" in status_words(early, stopped)[0]
    # once a bound exists, the gap is stated against it
    bounded = dc_replace(early, lower_bound=plan.cost / 2, gap=0.5)
    assert "at most 50.00 % above" in status_words(bounded, running)[0]


def test_changing_an_rto_keeps_the_plain_plan() -> None:
    """The RTOs and approvers are not inputs of a plan that ignores the RTO: same cache key
    (no new solve when a target changes); a plan made to meet the RTO depends on them."""
    from dashboard import state

    inv, cat, pol = _rto_inputs()
    other = replace(pol, rto=((1, 9.0),), approvals=(("A. Person", "CFO"),))
    assert state.key_of(inv, cat, pol, 5) == state.key_of(inv, cat, other, 5)
    assert state.key_of(inv, cat, pol, 5, True) != state.key_of(inv, cat, other, 5, True)
    assert state.key_of(inv, cat, pol, 5) != state.key_of(inv, cat, pol, 5, True)


def test_plan_page_follows_a_changed_rto_without_solving_again(app: AppTest) -> None:
    _rto_session(app)
    assert any("Tiers missing their RTO: tier 1" in e.value for e in app.error)
    inp = app.session_state["inputs"]
    app.session_state["inputs"] = replace(inp, policy=replace(inp.policy, rto=((1, 99.0),)))
    app.run()
    runs = [r for r in app.session_state["runs"].values() if r.catalog.vendor == "Quick DR"]
    assert len(runs) == 1 and runs[0].policy.rto == ((1, 99.0),)  # same run, new target
    assert not any("Tiers missing their RTO" in e.value for e in app.error)


def test_compare_and_whatif_say_they_ignore_the_rto_when_the_switch_is_on(
        app: AppTest) -> None:
    app.session_state["inputs"] = replace(app.session_state["inputs"], enforce_rto=True)
    for name in ("compare", "whatif"):
        page(app, name)
        assert any("ignore the RTO" in i.value for i in app.info), name
    app.session_state["inputs"] = replace(app.session_state["inputs"], enforce_rto=False)
    page(app, "compare")
    assert not any("ignore the RTO" in i.value for i in app.info)


def test_timeline_rows_say_what_unplaced_and_empty_tiers_mean(app: AppTest) -> None:
    """The sample's tier 4 has one workload that fits no PC: its row says the placed ones'
    time and that the tier never fully comes back, and why it is a NO; a miss only from
    unplaced workloads does not send the user to the RTO switch."""
    inp = app.session_state["inputs"]
    # tier 1 met whatever plan the short solve finds; tier 4 misses only by its unplaced one
    pol = replace(inp.policy, rto=((1, 500.0), (4, 1000.0)))
    app.session_state["inputs"] = replace(inp, policy=pol)
    app.run()
    _wait_done(app)
    tables = [d.value for d in app.dataframe if "meets the RTO" in d.value.columns]
    assert tables, "the timeline table"
    rows = {int(r["tier"]): r for r in tables[0].to_dict("records")}
    assert rows[4]["all running after"].startswith("placed ones at ")
    assert rows[4]["all running after"].endswith("never all (1 unplaced)")
    assert rows[4]["meets the RTO"] == "NO: 1 unplaced"
    assert rows[1]["meets the RTO"] == "yes"
    errors = " ".join(e.value for e in app.error)
    assert "Tiers missing their RTO: tier 4 (1 unplaced)" in errors
    assert "Only unplaced workloads miss it" in errors and "Switch on" not in errors


def test_quote_editor_refuses_a_currency_the_quotes_cannot_be_priced_in(app: AppTest) -> None:
    """A currency with no rate is refused when applied, naming the form's field and where the
    rates go; the quote is kept (it was accepted, then every page failed naming a server
    file)."""
    page(app, "vendors")
    before = app.session_state["inputs"].catalogs[0]
    app.text_input(key="q0_currency").set_value("XYZ")
    next(b for b in app.form_submit_button if b.label.startswith("Apply changes")).click().run()
    assert not app.exception
    words = " ".join(e.value for e in app.error)
    assert "Currency (ISO code)" in words and "XYZ" in words and "rate" in words
    assert app.session_state["inputs"].catalogs[0] == before


def test_a_plan_from_the_shared_cache_says_so_with_its_own_solve_time(app: AppTest) -> None:
    """A second session with the same inputs gets the finished plan at once: the page says it
    was made earlier and gives its solve time (it said "Solved in 0.0 s")."""
    _wait_done(app, 60)
    other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    other.run()
    try:
        _wait_done(other, 20)
        words = " ".join(c.value for c in other.caption)
        assert "Same inputs as a plan made earlier: shown at once (it was solved in " in words
        assert "Solved in 0.0 s" not in words
    finally:
        for run in other.session_state["runs"].values():
            run.stop()
            run.wait(5)
