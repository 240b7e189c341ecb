"""What the dashboard's figures are measured against, in words a user reads (walk of 3 Dec
2026, left open by the first polish): the saving's baseline named on every page, the RTO
switch's answer when nothing more needed solving, and the RTO progress bar against the whole
time limit."""

from __future__ import annotations

from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import planner
import tests.test_dashboard as dashboard_tests
from tests.test_dashboard import RTO_CATALOG, RTO_INVENTORY, RTO_POLICY, _wait_done, metric, page
from tests.test_dashboard_polish import columns, table_with

#: the same fixtures as the other dashboard tests (4 s solves; the session's solves stopped)
short_solves = dashboard_tests.short_solves
app = dashboard_tests.app


def rto_session(app: AppTest, policy: bytes = RTO_POLICY) -> None:
    """This session plans the small RTO case (one model, tier 1 at the policy's RTO)."""
    from dashboard import state

    inv, summary = planner.load_inventory("rto.csv", data=RTO_INVENTORY)
    app.session_state["inputs"] = state.Inputs(
        inv, summary, "rto.csv", [planner.load_catalog("rto.toml", data=RTO_CATALOG)],
        planner.load_policy("rto-policy.toml", data=policy))
    app.run()
    _wait_done(app)


def test_the_saving_names_physical_imaging_under_the_same_quote_on_every_page(
        app: AppTest) -> None:
    """Compare's "saving (USD)" said not what it is against: its heading now says "vs physical
    imaging" like the Plan page's metric, and its help that physical imaging is priced under
    the same vendor's quote over the term; What-if's saved scenarios likewise, and the Plan and
    What-if metrics say it in the caption below them."""
    def says_against(help_text: str | None) -> None:
        """The help names the baseline, its quote and the period."""
        assert help_text and "Physical imaging (one recovery PC and one image per machine)" \
            in help_text and "same vendor's quote" in help_text, help_text

    def under_metric() -> None:
        """The metric's caption names the baseline (no help icon: it cut the label)."""
        assert any(m.label == "Saving vs physical imaging (USD)" for m in app.metric)
        assert any("Physical imaging" in c.value and "one recovery PC and one image per "
                   "machine, same vendor's quote, over the term" in c.value
                   for c in app.caption), [c.value for c in app.caption]

    _wait_done(app)
    under_metric()
    page(app, "compare")
    _wait_done(app)
    ranking = columns(table_with(app, "rank"))
    assert "saving (USD)" not in ranking
    saving = ranking.get("saving vs physical imaging (USD)")
    assert saving is not None, list(ranking)
    says_against(saving.get("help"))
    assert "over the contract term" in saving["help"]
    assert saving["type_config"] == {"type": "number", "format": "accounting"}
    more = columns(table_with(app, "physical imaging (USD)"))
    says_against(more["physical imaging (USD)"].get("help"))
    pv = more.get("saving, present value (USD)")
    assert pv is not None, list(more)
    says_against(pv.get("help"))
    assert "present value" in pv["help"]
    # the term and the counts left the second table (it was wider than the page at 1280 px)
    assert any(c.value.startswith("Every quote: 3-year term, ") for c in app.caption)
    page(app, "whatif")
    under_metric()
    app.text_input(key="wi_name").input("as is").run()
    app.button(key="wi_save").click().run()
    saved = columns(table_with(app, "scenario"))
    assert "saving (USD)" not in saved
    says_against(saved.get("saving vs physical imaging (USD)", {}).get("help"))


def test_rto_switch_says_no_second_solve_when_the_plain_plan_meets_every_target(
        app: AppTest) -> None:
    """With every target met by the plan that ignores the RTO, switching the RTO on solved
    nothing and the page said "Solved in 0.0 s": it now says why, with that plan's own time."""
    from dashboard import state

    state._finished_rto().clear()  # another test's answer would come from the cache
    rto_session(app, RTO_POLICY.replace(b'1 = "4.5 h"', b'1 = "99 h"'))
    assert not any("Tiers missing their RTO" in e.value for e in app.error)
    app.toggle(key="plan_enforce_rto").set_value(True).run()
    _wait_done(app)
    run = next(r for r in app.session_state["runs"].values() if isinstance(r, planner.RtoRun))
    assert run.result is not None and run.result.same_plan and run.result.meets
    words = " ".join(c.value for c in app.caption)
    assert "Solved in" not in words
    assert ("The plan that ignores the RTO already meets every target, so no second solve was "
            f"needed (that plan was solved in {run.result.unconstrained.solve_seconds:,.1f} s)"
            in words)
    assert int(metric(app, "Recovery PCs to contract")) == 1


def test_rto_progress_bar_follows_the_whole_time_limit(
        app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bar's fraction and words were the current phase's ("at most 0 s left" as a phase
    ended, then back to the start): now the time used of the whole limit, phase beside it."""
    import threading

    import planner.recovery.run
    from dashboard import state

    real = planner.recovery.run.plan_meeting_rto
    gate = threading.Event()

    def held(*args: Any, **kw: Any) -> Any:
        kw["progress"]("dive", None, None, 0.01)  # a phase about to end: its own clock is out
        gate.wait(30)
        return real(*args, **kw)

    monkeypatch.setattr(planner.recovery.run, "plan_meeting_rto", held)
    state._finished_rto().clear()
    try:
        rto_session(app)
        app.toggle(key="plan_enforce_rto").set_value(True).run()
        assert not app.exception
        bars = [p.proto for p in app.get("progress")
                if p.proto.text.startswith("Planning to meet the RTO")]
        assert bars, [p.proto.text for p in app.get("progress")]
        text = bars[0].text
        assert text.startswith("Planning to meet the RTO — phase: dive · "), text
        assert text.endswith(" s of the 4 s time limit"), text
        assert "left" not in text
        elapsed = float(text.split(" · ")[1].split(" s of")[0])
        # the share of the whole limit (the phase's own clock would read about 100 %)
        assert bars[0].value == int(100 * min(1.0, elapsed / 4)) or \
            abs(bars[0].value - 100 * elapsed / 4) <= 1
        assert bars[0].value < 90
    finally:
        gate.set()
    _wait_done(app)
    assert int(metric(app, "Recovery PCs to contract")) == 2
