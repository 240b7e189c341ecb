"""What if: move the policy and the money scenario; the plan, costs and ranking follow."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

import planner
from dashboard import state, ui
from planner import Catalog, Inventory, Plan, PlanRun, Policy, Progress, SweepResult
from planner.present import charts
from planner.scale import dask_available, scaled_sweep

CURVES = {"cpu_overcommit": [2.0, 3.0, 4.0, 5.0, 6.0], "headroom": [0.0, 0.1, 0.2, 0.3],
          "growth_per_year": [0.0, 0.05, 0.1]}
#: seconds per plan of the curves (PLANNER_CURVE_SECONDS overrides it: the tests use less)
CURVE_SECONDS = float(os.environ.get("PLANNER_CURVE_SECONDS", "1.0"))


@dataclass
class SweepJob:
    """The curves' sweep in a background thread, with a count of the plans solved."""

    total: int
    done: int = 0
    result: SweepResult | None = None
    error: str | None = None
    thread: threading.Thread | None = field(default=None, repr=False)


@st.cache_resource(max_entries=1)
def _sweeps() -> dict[str, SweepJob]:
    """Sweeps by input key, shared by sessions with the same inputs (same curves)."""
    return {}


def start_sweep(workers: int, scheduler: str | None) -> SweepJob:
    """The curves for the session's inputs: started once per set of inputs.

    ``workers`` 1 solves in this process (reporting each plan as it is done); more, or a
    ``scheduler`` address, runs the independent solves as Dask tasks (planner.scale).
    """
    inp = state.inputs()
    key = "|".join(state.key_of(inp.inventory, c, inp.policy, CURVE_SECONDS)
                   for c in inp.catalogs) + f"|{workers}|{scheduler}"
    jobs = _sweeps()
    if key in jobs:
        return jobs[key]
    job = SweepJob(total=sum(len(v) for v in CURVES.values()) * len(inp.catalogs))

    def plan_fn(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
                start: Plan | None = None) -> Plan:
        found = planner.plan(inventory, catalog, policy, time_limit=time_limit, start=start)
        job.done += 1
        return found

    def work() -> None:
        try:
            if workers == 1 and not scheduler:
                job.result = planner.sweep(inp.inventory, inp.catalogs, inp.policy, CURVES,
                                           time_limit=CURVE_SECONDS, plan_fn=plan_fn)
            else:
                job.result = scaled_sweep(inp.inventory, inp.catalogs, inp.policy, CURVES,
                                          time_limit=CURVE_SECONDS, workers=workers,
                                          scheduler=scheduler or None)
                job.done = job.total
        except planner.PlannerError as exc:
            job.error = str(exc)
        except Exception as exc:  # shown on the page, never swallowed
            job.error = f"internal error: {type(exc).__name__}: {exc}"

    job.thread = threading.Thread(target=work, name="planner-sweep", daemon=True)
    jobs[key] = job
    job.thread.start()
    return job


def whatif_policy() -> Policy:
    """The policy with the sliders' values (each slider starts at the policy's value)."""
    pol = state.inputs().policy
    sc = pol.scenario
    st.caption("Each slider starts at the policy set on *Vendors and policy*. Move one: a "
               "verified plan is on screen at once, and its bound keeps improving.")
    c1, c2, c3 = st.columns(3)
    lo, hi = ui.limits("cpu_overcommit", 0.5, 16.0)
    cpu = c1.slider("CPU overcommit (vCPU per core)", max(1.0, lo), min(12.0, hi),
                    float(pol.cpu_overcommit), 0.5, key="wi_cpu",
                    help=ui.help_of("cpu_overcommit"))
    lo, hi = ui.limits("headroom", 0.0, 0.95)
    head = c2.slider("Headroom kept free (%)", 100 * lo, min(60.0, 100 * hi),
                     round(100 * pol.headroom, 6), 1.0, key="wi_headroom",
                     help=ui.help_of("headroom"))
    lo, hi = ui.limits("growth_per_year", 0.0, 1.0)
    growth = c3.slider("Demand growth per year (%)", 100 * lo, min(30.0, 100 * hi),
                       round(100 * pol.growth_per_year, 6), 1.0, key="wi_growth",
                       help=ui.help_of("growth_per_year"))
    c4, c5, c6 = st.columns(3)
    lo, hi = ui.limits("host_reserved_cores", 0.0, 8.0)
    rc = c4.slider("Cores reserved for the host", lo, min(8.0, hi),
                   float(pol.host_reserved_cores), 1.0, key="wi_rcores",
                   help=ui.help_of("host_reserved_cores"))
    decl = c5.slider("Declared disasters over the term (expected)", 0.0, 3.0,
                     float(sc.declarations), 0.1, key="wi_decl")
    days = c6.slider("Days in use per disaster", 0.0, 90.0, float(sc.disaster_days), 1.0,
                     key="wi_days")
    return state.policy_with(pol, cpu_overcommit=cpu, headroom=head / 100,
                             growth_per_year=growth / 100, host_reserved_cores=rc,
                             declarations=Decimal(str(decl)), disaster_days=Decimal(str(days)))


def figures(run: PlanRun, p: Progress) -> dict[str, float] | None:
    """PCs, units, cost over the term and saving of a run's current plan."""
    if p.plan is None:
        return None
    a = planner.assess(p.plan, state.inputs().inventory, run.catalog, run.policy)
    return {"pcs": len(p.plan.hosts), "units": len(p.plan.units),
            "total": float(a.virtual.total), "saving": float(a.savings),
            "gap": 100 * (p.plan.gap or 0.0)}


def compare_block(base: PlanRun, what: PlanRun) -> None:
    """The what-if plan against the policy's plan, live."""
    bp, wp = base.progress(), what.progress()
    if wp.error:
        st.error(wp.error)
        return
    try:
        b, w = figures(base, bp), figures(what, wp)
    except planner.PlannerError as exc:
        ui.show_error(exc)
        return
    if w is None:
        st.info(f"Planning the what-if... ({wp.phase})")
        return
    cur = run_currency(what)
    assert wp.plan is not None
    words, _ = ui.status_words(wp.plan, wp)
    st.markdown(f"**What-if plan:** {words}")
    c1, c2, c3, c4 = st.columns(4)

    def delta(k: str) -> str | None:
        """The change against the policy's plan (none shown when equal)."""
        if b is None or round(w[k] - b[k]) == 0:
            return None
        return f"{w[k] - b[k]:+,.0f} vs policy"

    c1.metric("Recovery PCs", f"{w['pcs']:,.0f}", delta=delta("pcs"), delta_color="inverse")
    c2.metric("Mobile units", f"{w['units']:,.0f}", delta=delta("units"),
              delta_color="inverse")
    c3.metric(f"Cost over the term ({cur})", f"{w['total']:,.0f}", delta=delta("total"),
              delta_color="inverse")
    c4.metric(f"Saving vs physical imaging ({cur})", f"{w['saving']:,.0f}",
              delta=delta("saving"))
    c4.caption(f"Physical imaging: {ui.PHYSICAL_WORDS}")  # a help icon cut the label
    if wp.plan.unplaced:
        st.error(f"{ui.plural(len(wp.plan.unplaced), 'workload')} NOT placed under this "
                 "what-if; see the Plan page for reasons.", icon=":material/warning:")
    if not wp.done:
        gap = "-" if wp.gap is None else f"{100 * wp.gap:.2f} %"
        cols = st.columns([5, 1])
        cols[0].progress(ui.clock_fraction(wp.elapsed, what.time_limit),
                         text=f"Proving — phase {wp.phase} · gap {gap} · "
                              f"{ui.clock_words(wp.elapsed, what.time_limit)}")
        if cols[1].button("Stop", key="wi_stop"):
            what.stop()


def run_currency(run: PlanRun) -> str:
    """The currency the figures of a run are in."""
    return run.policy.scenario.currency or run.catalog.currency


def scenarios_block(pol: Policy, what: PlanRun) -> None:
    """Save the current what-if under a name; compare saved scenarios side by side."""
    st.subheader("Saved scenarios")
    saved: dict[str, dict[str, object]] = st.session_state["scenarios"]
    c1, c2 = st.columns([3, 1])
    name = c1.text_input("Name this scenario", key="wi_name",
                         placeholder="e.g. overcommit 5, 20 % headroom")
    if c2.button("Save scenario", key="wi_save", disabled=not name):
        p = what.progress()
        if p.plan is None:
            st.warning("No plan yet to save; try again in a moment.")
        else:
            f = figures(what, p) or {}
            base = state.inputs().policy
            changed = [f"{k} {getattr(base, k)} → {getattr(pol, k)}"
                       for k in ("cpu_overcommit", "headroom", "growth_per_year",
                                 "host_reserved_cores") if getattr(base, k) != getattr(pol, k)]
            changed += [f"{k} {getattr(base.scenario, k)} → {getattr(pol.scenario, k)}"
                        for k in ("declarations", "disaster_days")
                        if getattr(base.scenario, k) != getattr(pol.scenario, k)]
            saved[name] = {"scenario": name, "quote": what.catalog.vendor,
                           "PCs": f.get("pcs"), "units": f.get("units"),
                           f"cost over term ({run_currency(what)})": f.get("total"),
                           ui.saving_label(run_currency(what)): f.get("saving"),
                           "gap (%)": round(f.get("gap", 0.0), 3),
                           "what changed": "; ".join(changed) or "nothing (the policy)"}
            st.toast(f"Saved scenario '{name}'")
    if saved:
        chosen = st.multiselect("Scenarios to compare", list(saved), default=list(saved),
                                key="wi_compare")
        if chosen:
            table = pd.DataFrame([saved[n] for n in chosen])
            ui.table(table, "wi_table", column_config=ui.money_columns(
                (c for c in table.columns if c.startswith(("cost over term", "saving"))),
                helps={c: ui.SAVING_HELP for c in table.columns if c.startswith("saving")}))


def curves_block() -> None:
    """Cost and PC count against overcommit, headroom and growth; where the ranking flips."""
    st.subheader("Curves: cost and PCs against the policy")
    inp = state.inputs()
    n = sum(len(v) for v in CURVES.values()) * len(inp.catalogs)
    st.caption(f"Plans every quote at {sum(len(v) for v in CURVES.values())} policy points "
               f"({n} plans of {CURVE_SECONDS:g} s each; the proof is cut short, so small "
               "differences between quotes may be within the gap).")
    with st.expander("Where the curves are solved"):
        c1, c2 = st.columns(2)
        workers = int(c1.number_input(
            "Worker processes (1: in this process; more: a local Dask cluster)", 1, 64,
            1, key="wi_workers", help="The engine itself stays single-process; the "
            "independent plans of the curves run side by side"))
        scheduler = c2.text_input("Or an existing Dask scheduler", key="wi_scheduler",
                                  placeholder="tcp://HOST:8786").strip()
        if (workers > 1 or scheduler) and not dask_available():
            st.warning("Dask is not installed here (the 'scale' extra): solving in this "
                       "process.")
            workers, scheduler = 1, ""
    if not st.button("Draw the curves", key="wi_curves") and "wi_curves_on" not in \
            st.session_state:
        return
    st.session_state["wi_curves_on"] = True
    job = start_sweep(workers, scheduler or None)

    @st.fragment(run_every=1.0 if job.result is None and job.error is None else None)
    def curves() -> None:
        if job.error:
            st.error(job.error)
            return
        if job.result is None:
            st.progress(job.done / max(1, job.total),
                        text=f"Solving {job.done} of {job.total} plans...")
            return
        res = job.result
        pts = res.points
        cur = res.currency
        pol = inp.policy
        for param in CURVES:
            left, right = st.columns(2)
            now = float(getattr(pol, param))
            left.plotly_chart(charts.sweep_figure(pts, param, "total", now, cur),
                              width="stretch", key=f"wi_curve_total_{param}")
            right.plotly_chart(charts.sweep_figure(pts, param, "pcs", now, cur),
                               width="stretch", key=f"wi_curve_pcs_{param}")
        cr = res.crossings
        if cr.empty:
            st.success("The cheapest quote is the same at every point of the curves.")
        else:
            st.warning("The cheapest quote changes along the curves:\n\n" + "\n".join(
                f"- {crossing_words(c)}" for c in cr.to_dict(orient="records")))

    curves()


def crossing_words(c: dict[Any, Any]) -> str:
    """One change of the cheapest quote, in words with the parameter's unit."""
    words, unit, k = charts.swept(str(c["param"]))
    u = f" {unit}" if unit and unit != "%" else (" %" if unit == "%" else "")
    at = (f"at {words} {float(c['at']) * k:g}{u}" if c["exact"] else
          f"between {words} {float(c['lo']) * k:g}{u} and {float(c['hi']) * k:g}{u}")
    return f"{at}: from {c['from_vendor']} to {c['to_vendor']}"


inp = state.inputs()
st.title("What if")
if state.enforcing():
    st.info("The what-if plans ignore the RTO (the Plan page's switch plans to meet it): their "
            "figures are set against the Plan page's plan that ignores it too.",
            icon=":material/schedule:")
pol = whatif_policy()
if st.button("Reset to the policy", key="wi_reset"):
    for k in ("wi_cpu", "wi_headroom", "wi_growth", "wi_rcores", "wi_decl", "wi_days"):
        st.session_state.pop(k, None)
    st.rerun()
base_run = state.run_for()
what_run = state.run_for(policy=pol)
last = st.session_state.get("wi_last_run")
if last is not None and last is not what_run and last is not base_run:
    last.stop()  # the previous what-if: its best plan stays, its CPU goes to this one
st.session_state["wi_last_run"] = what_run
what_run.wait_for_plan(2.0)  # a warm start answers in tens of milliseconds
settled = base_run.progress().done and what_run.progress().done


@st.fragment(run_every=0.5 if not settled else None)
def live() -> None:
    """The what-if plan against the policy's, redrawn while either still proves."""
    compare_block(state.run_for(), state.run_for(policy=pol))
    if state.run_for(policy=pol).progress().done and state.run_for().progress().done \
            and not settled:
        st.rerun()


live()
if st.checkbox("Rank every quote at this point (plans each quote)", key="wi_rank_all"):
    runs = [state.run_for(i, policy=pol) for i in range(len(inp.catalogs))]
    rows = []
    for r in runs:
        p = r.progress()
        f = None if p.plan is None else figures(r, p)
        rows.append({"quote": r.catalog.vendor,
                     "PCs": None if f is None else f["pcs"],
                     "cost over term": None if f is None else f["total"],
                     "currency": run_currency(r),
                     "status": "planning" if f is None else
                     ("proven" if p.done and p.plan is not None and p.plan.status == "optimal"
                      else ("proving" if not p.done else f"gap {f['gap']:.2f} %"))})
    df = pd.DataFrame(rows).sort_values("cost over term", na_position="last")
    ui.table(df, "wi_rank", column_config=ui.money_columns(["cost over term"]))
scenarios_block(pol, what_run)
curves_block()
