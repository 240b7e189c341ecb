"""Plan: the headline a manager takes to a meeting, then what runs where and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import planner
from dashboard import state, ui
from planner import Assessment, Plan, PlanRun, Progress
from planner.present import charts, tables


def assessment(plan: Plan, run: PlanRun) -> Assessment | None:
    """The plan priced over the term (None, with the message shown, where it cannot be)."""
    try:
        return planner.assess(plan, state.inputs().inventory, run.catalog, run.policy)
    except planner.PlannerError as exc:
        ui.show_error(exc)
        return None


def headline(plan: Plan, progress: Progress, a: Assessment | None,
             rto_missed: bool = False) -> None:
    """Status in words, PCs and units by model, cost and saving, live search figures.

    ``rto_missed``: planned to meet the RTO, and the answer still leaves a tier late.
    """
    words, colour = ui.status_words(plan, progress, rto_missed)
    {"green": st.success, "red": st.error, "orange": st.warning}.get(colour, st.info)(words)
    for w in plan.warnings:  # what the figures above leave out or assume (the engine's notes)
        st.caption(f"Note: {w}")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Recovery PCs to contract", f"{len(plan.hosts):,}",
              help="One recovery PC per group of virtual machines, sized by the engine")
    c1.caption(ui.counts_text(plan.host_counts()))
    c2.metric("Mobile recovery units", f"{len(plan.units):,}")
    c2.caption(ui.counts_text(plan.unit_counts()) + (
        f"; {sum(u.seats_used for u in plan.units):,} staff seats in use" if plan.units else ""))
    if a is not None:
        cur = a.currency
        c3.metric(f"Cost over {plan.term_years} years ({cur})",
                  f"{float(a.virtual.total):,.0f}",
                  help="Contract, usage, test, conversion and image costs under this quote "
                       "and the policy's scenario (docs/cost-model.md)")
        c3.caption(f"PCs and units: {ui.money(plan.cost, plan.currency)} (what the engine "
                   f"minimises); present value {ui.money(a.virtual.present_value, cur)}")
        pct = (f"{100 * float(a.savings / a.physical.total):.1f} % of physical imaging"
               if a.physical.total else "")
        c4.metric(f"Saving vs physical imaging ({cur})", f"{float(a.savings):,.0f}",
                  delta=pct,
                  delta_color="normal" if a.savings >= 0 else "inverse")
        # what the saving is against, in words (a help icon cut the label at 1280 px)
        c4.caption(f"Physical imaging ({ui.PHYSICAL_WORDS}): "
                   f"{ui.plural(plan.baseline.hosts, 'PC')}, "
                   f"{ui.plural(plan.baseline.units, 'unit')}, "
                   f"{ui.money(a.physical.total, cur)}")
    spares_and_sizing(plan)
    if plan.unplaced:
        st.error(f"**{ui.plural(len(plan.unplaced), 'workload')} NOT placed** — they are not "
                 "protected by this plan. Reasons below.", icon=":material/warning:")
        if len(plan.unplaced) <= 25:  # in full, wrapped: a reason is never cut off
            st.markdown("\n".join(f"- **{u.name}**: {u.reason}" for u in plan.unplaced))
        else:
            ui.table(pd.DataFrame([{"workload": u.name, "reason": u.reason}
                                   for u in plan.unplaced]), "plan_unplaced", column_config={
                             "reason": st.column_config.TextColumn("reason", width="large")})
    if plan.baseline.unplaced:
        st.warning(f"Physical imaging leaves {ui.plural(len(plan.baseline.unplaced), 'machine')}"
                   " out (no PC model holds them without overcommit): "
                   + ", ".join(u.name for u in plan.baseline.unplaced[:20])
                   + (" ..." if len(plan.baseline.unplaced) > 20 else ""))


def spares_and_sizing(plan: Plan) -> None:
    """What N+k costs against N+0 (policy spares), and how sure the sizes are (measured use)."""
    sp = plan.stats.get("spares")
    spared = isinstance(sp, dict) and sp.get("model") is not None
    sizing = state.inputs().sizing
    if not spared and sizing is None:
        if isinstance(sp, dict) and sp.get("reason"):
            st.warning(f"Spare PCs asked for ({sp['k']}) but not planned: {sp['reason']}.")
        return
    c1, c2 = st.columns(2)
    if spared and isinstance(sp, dict):
        k, cur = int(sp["k"]), plan.currency
        n0, nk, extra = float(sp["n0_cost"]), float(sp["nk_cost"]), float(sp["extra_cost"])
        c1.metric(f"N+{k} spares: extra over {plan.term_years} years ({cur})", f"{extra:,.0f}",
                  delta=f"+{100 * extra / n0:.1f} % on N+0" if n0 else None,
                  delta_color="off",
                  help="PCs and units only (what the engine minimises), same inventory and "
                       "quote with and without the spares")
        where = (f" ({k} in each mobile unit that carries PCs)" if sp.get("per_unit") else "")
        c1.caption(f"{planner.spare_words(sp)} spare{where}; every working PC fits "
                   f"every spare{' of its unit' if sp.get('per_unit') else ''}. "
                   f"N+0: {ui.plural(int(sp['n0_pcs']), 'PC')}, {ui.money(n0, cur)}"
                   + ("" if sp.get("n0_status") == "optimal" else
                      " (its own plan, not proven optimal)") + "; "
                   f"N+{k}: {ui.plural(int(sp['nk_pcs']), 'PC')}, {ui.money(nk, cur)}.")
    if sizing is not None:
        conf = sizing.confidence
        c2.metric("Sizing confidence", "n/a" if conf is None else f"{conf:.0%}",
                  help="Share of the workloads sized on measured use that had enough samples "
                       "over enough days (policy usage_min_samples, usage_min_days)")
        v0, v1, m0, m1 = sizing.totals()
        how = (f"one snapshot of the export's vCPU and vMemory sheets × {sizing.comfort:g}: "
               "1 sample, low confidence" if sizing.snapshot
               else f"p{sizing.percentile:g} × {sizing.comfort:g}")
        c2.caption(f"{ui.plural(sizing.measured_machines, 'workload')} sized on measured use "
                   f"({how}), "
                   f"{len(sizing.fallback):,} without usage kept provisioned; vCPU "
                   f"{v0:,} → {v1:,}, memory {m0:,.0f} → {m1:,.0f} GiB.")


def search_status(progress: Progress, run: PlanRun) -> None:
    """Phase, best, bound, gap and time left while the proof goes on; a Stop button."""
    if progress.done:
        r = run.result if isinstance(run, planner.RtoRun) else None
        if r is not None and r.same_plan and r.meets and progress.plan is r.plan:
            # nothing was solved for the RTO (its run takes no time): never "Solved in 0.0 s"
            st.caption("The plan that ignores the RTO already meets every target, so no second "
                       f"solve was needed (that plan was solved in "
                       f"{r.unconstrained.solve_seconds:,.1f} s); it passed the independent "
                       "verifier.")
        elif run.known is not None and progress.plan is run.known:
            # answered from the plans already made on the same inputs: its own solve time
            st.caption(f"Same inputs as a plan made earlier: shown at once (it was solved in "
                       f"{run.known.solve_seconds:,.1f} s); it passed the independent "
                       "verifier.")
        else:
            st.caption(f"Solved in {progress.elapsed:,.1f} s; the plan passed the independent "
                       "verifier.")
        return
    cur = run.catalog.currency if run.catalog.has_fees else "PCs"
    gap = "-" if progress.gap is None else f"{100 * progress.gap:.2f} %"
    c1, c2 = st.columns([5, 1])
    c1.progress(ui.clock_fraction(progress.elapsed, run.time_limit),
                text=f"Searching — phase: {progress.phase} · best {ui.money(progress.best, cur)}"
                     f" · bound {ui.money(progress.bound, cur)} · gap {gap} · "
                     f"{ui.clock_words(progress.elapsed, run.time_limit)}")
    if c2.button("Stop", key="plan_stop", help="Stop the search and keep the best plan"):
        run.stop()


def details(plan: Plan, run: PlanRun, a: Assessment | None, rto_pending: bool = False) -> None:
    """Utilisation, contents, the tables, the costs.

    ``rto_pending``: this is the plan ignoring the RTO, shown while the plan meeting it is made.
    """
    tab_use, tab_where, tab_time, tab_pcs, tab_w, tab_cost = st.tabs(
        ["Utilisation", "What runs where", "Recovery timeline", "PCs and units", "Workloads",
         "Costs"])
    t = tables(plan)
    with tab_use:
        st.plotly_chart(charts.utilisation_figure(plan), width="stretch",
                        key="plan_util")
        st.caption("Usable capacity is what remains after the policy's overcommit, reserved "
                   "cores and memory, and headroom. The highest bar of a PC is its binding "
                   "dimension.")
    with tab_where:
        st.plotly_chart(charts.contents_figure(plan), width="stretch",
                        key="plan_tree")
    with tab_time:
        timeline_tab(plan, run, rto_pending)
    with tab_pcs:
        # used of usable per dimension in one column each, to one decimal, so the table fits
        # the page at 1280 px (the exact figures, one column each, are in the exports)
        pcs = pd.DataFrame([{
            "pc": h.id, "model": h.model, "unit": h.unit or "", "workloads": len(h.workloads),
            "binding": "(spare, empty)" if h.spare else charts.binding(h),
            **{label if label == unit else f"{label} ({unit})":
               f"{h.used[key]:,.1f} / {h.usable[key]:,.1f}"
               for key, label, unit in charts.DIMENSIONS}} for h in plan.hosts])
        st.caption("Each dimension: used / usable (after overcommit, reserves and headroom); "
                   "binding: the one the PC fills most.")
        ui.table(pcs, "plan_pcs")
        if plan.units:
            ui.table(t["units"], "plan_units", column_config={
                "pcs": st.column_config.NumberColumn("PCs"),
                "slots_used": st.column_config.NumberColumn("PC slots used"),
                "seats_used": st.column_config.NumberColumn("staff seats used")})
    with tab_w:
        ui.table(t["assignments"], "plan_assign")
        if plan.out_of_scope:
            st.caption(f"{ui.plural(len(plan.out_of_scope), 'workload')} out of scope "
                       "(tiers not planned).")
    with tab_cost:
        if a is None:
            return
        df = a.breakdown()
        cur = str(df["currency"].iloc[0]) if len(df) else ""
        money = ui.money_columns([c for c in ("one_time", "recurring", "disaster", "test",
                                              "total", "present_value") if c in df.columns],
                                 cur)
        ui.table(df.drop(columns=["currency"], errors="ignore"), "plan_breakdown",
                 column_config=money)
        st.code(a.report(), language=None)  # monospaced: the columns line up


def timeline_tab(plan: Plan, run: PlanRun, rto_pending: bool = False) -> None:
    """When each tier is back after a declaration, against its RTO (docs/recovery.md).

    ``rto_pending``: the plan meeting the RTO is being made (the advice says so).
    """
    inp = state.inputs()
    try:
        tl = planner.timeline(plan, inp.inventory, run.catalog, run.policy)
    except planner.PlannerError as exc:
        ui.show_error(exc)
        return
    def back(tr: planner.TierResult) -> str:
        """When the tier is running, in words that hold with unplaced or no workloads."""
        if not tr.workloads:
            return "no workloads"
        if tr.back_at is None:
            return "never (none placed)"
        at = f"{tr.back_at:,.1f} h"
        return f"placed ones at {at}; never all ({tr.unplaced} unplaced)" if tr.unplaced \
            else at

    def meets(tr: planner.TierResult) -> str:
        if not tr.workloads:
            return "—"
        if tr.meets is None:
            return "no target"
        if tr.meets:
            return "yes"
        why = [f"late by {tr.miss:,.1f} h"] if tr.miss else []
        why += [f"{tr.unplaced} unplaced"] if tr.unplaced else []
        return "NO: " + ", ".join(why) if why else "NO"

    rows = [{"tier": tr.tier, "workloads": tr.workloads, "all running after": back(tr),
             "RTO (h)": "—" if tr.rto is None else f"{tr.rto:g}",
             "meets the RTO": meets(tr)} for tr in tl.tiers]
    late = [m for m in tl.misses if m.miss]
    if tl.misses:
        st.error("Tiers missing their RTO: " + ", ".join(
            f"tier {m.tier}" + (f" by {m.miss:,.1f} h" if m.miss else "")
            + (f" ({m.unplaced} unplaced)" if m.unplaced else "") for m in tl.misses)
            + (". Planned to meet the RTO as far as it can be (see above)."
               if isinstance(run, planner.RtoRun) else
               ". The plan meeting the RTO is being made (progress at the top)."
               if rto_pending else
               ". Switch on \"Plan to meet the RTO\" at the top of this page to plan for "
               "them and see what that costs." if late else
               ". Only unplaced workloads miss it: they fit no PC model (the unplaced list "
               "says why), which planning for the RTO cannot change."),
            icon=":material/schedule:")
    ui.table(pd.DataFrame(rows), "plan_tiers")
    st.plotly_chart(charts.timeline_figure(tl, run.policy), width="stretch",
                    key="plan_timeline")
    for note in tl.notes:
        st.caption(note)


def rto_section(run: PlanRun, progress: Progress) -> None:
    """With the RTO switch on: what meeting it costs, and what cannot meet it and why."""
    if not isinstance(run, planner.RtoRun) or run.result is None or not progress.done:
        return
    r = run.result
    inp = state.inputs()
    try:
        cmp = planner.rto_comparison(r, inp.inventory, run.catalog, run.policy)
    except planner.PlannerError as exc:
        ui.show_error(exc)
        return
    cur = run.policy.scenario.currency or run.catalog.currency
    words = cmp.cost_words(cur)
    if not cmp.same_plan:
        words += (f" This plan: {ui.plural(len(r.plan.hosts), 'PC')}, "
                  f"{ui.plural(len(r.plan.units), 'unit')}; ignoring the RTO: "
                  f"{ui.plural(len(r.unconstrained.hosts), 'PC')}, "
                  f"{ui.plural(len(r.unconstrained.units), 'unit')}.")
    (st.success if cmp.meets else st.warning)(words, icon=":material/schedule:")
    st.caption(f"How: {r.method}.")
    if r.impossible:
        st.error("**Cannot meet the RTO on any PC model:**\n"
                 + "\n".join(f"- {line}" for line in r.impossible))
    for note in cmp.notes:
        st.caption(note)


def pending(run: PlanRun, progress: Progress) -> None:
    """No plan from this run yet: what it is doing, a Stop button, and the plan shown before.

    A run meeting the RTO hands over no plan until it is done (planner.RtoRun), which takes
    seconds: the page keeps the plan that ignores the RTO below a progress bar instead of
    going blank.
    """
    rto = isinstance(run, planner.RtoRun)
    what = "Planning to meet the RTO" if rto else "Looking for a first verified plan"
    phase = progress.phase.removeprefix("meeting the RTO: ")
    c1, c2 = st.columns([5, 1])
    # the whole run against its whole time limit: a phase's own "time left" restarts with
    # each phase (the plan ignoring the RTO, then each packing with the restore deadlines)
    c1.progress(ui.clock_fraction(progress.elapsed, run.time_limit),
                text=f"{what} — phase: {phase} · "
                     f"{ui.clock_words(progress.elapsed, run.time_limit)}")
    if c2.button("Stop", key="plan_stop", help="Stop the search and keep the best plan"):
        run.stop()
    before = state.plain_run() if rto else None
    p = None if before is None else before.progress()
    if before is None or p is None or p.plan is None:
        return
    st.info("Until the plan meeting the RTO is ready, the plan that ignores the RTO is shown "
            "below (as before the switch); its figures are not those of the plan meeting it.",
            icon=":material/hourglass_top:")
    a = assessment(p.plan, before)
    headline(p.plan, p, a)
    details(p.plan, before, a, rto_pending=True)


def body(run: PlanRun, progress: Progress) -> None:
    """Everything below the quote picker, from one progress snapshot."""
    if progress.error:
        st.error(progress.error)
        return
    if progress.plan is None:
        pending(run, progress)
        return
    a = assessment(progress.plan, run)
    result = run.result if isinstance(run, planner.RtoRun) and progress.done else None
    headline(progress.plan, progress, a, rto_missed=result is not None and not result.meets)
    rto_section(run, progress)
    search_status(progress, run)
    details(progress.plan, run, a)


inp = state.inputs()
st.title("Recovery plan")
names = [c.vendor for c in inp.catalogs]
q1, q2 = st.columns([3, 2], vertical_alignment="bottom")
q1.selectbox("Quote to plan with", range(len(names)), index=inp.active,
             format_func=lambda i: names[i], key="plan_quote", on_change=state.pick_quote,
             args=("plan_quote",))
q2.toggle("Plan to meet the RTO", value=inp.enforce_rto, key="plan_enforce_rto",
          on_change=state.set_enforce_rto, args=("plan_enforce_rto",),
          disabled=not inp.policy.rto,
          help=("Plan so every tier is running by its recovery time objective (the policy's "
                "RTO targets), and show what that costs against the plan that ignores it "
                "(`planner plan --enforce-rto`)." if inp.policy.rto else
                "The policy has no RTO targets: load a policy with an [rto] table on the "
                "Vendors and policy page to plan for them."))
run = state.run_for(enforce_rto=state.enforcing())
first = run.progress()
if first.plan is None and not first.done:
    # a plain solve hands over a first plan within about a second; a run meeting the RTO none
    # until it is done, so its progress (and the plan before it) is drawn at once instead
    first = run.wait_for_plan(0.5 if isinstance(run, planner.RtoRun) else 3.0)


@st.fragment(run_every=0.5 if not first.done else None)
def live() -> None:
    """Re-drawn every half second while the search runs; a full rerun when it ends."""
    p = state.run_for(enforce_rto=state.enforcing()).progress()
    body(run, p)
    if p.done and not first.done:
        st.rerun()


live()
