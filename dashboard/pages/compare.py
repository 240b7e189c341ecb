"""Compare quotes: ranked by cost over the term, by component, cash flow, against physical."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import planner
from dashboard import state, ui
from planner import Catalog, Comparison, Inventory, Plan, PlanRun, Policy
from planner.present import charts


def comparison(runs: list[PlanRun]) -> Comparison | None:
    """The same comparison as `planner compare`, on the runs' current plans."""
    inp = state.inputs()
    plans = {id(c): r.progress().plan for c, r in zip(inp.catalogs, runs, strict=True)}
    if any(p is None for p in plans.values()):
        return None

    def plan_fn(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
                start: Plan | None = None) -> Plan:
        found = plans[id(catalog)]
        assert found is not None
        return found

    return planner.compare(inp.inventory, inp.catalogs, inp.policy, plan_fn=plan_fn)


def ranking_table(c: Comparison) -> pd.DataFrame:
    """The ranked rows with currency in the headers and the status in words."""
    cur = c.currency
    rows = []
    for r in c.rows():
        rows.append({
            "rank": r["rank"], "vendor": r["vendor"],
            f"cost over term ({cur})": float(r["total"]),
            "PCs": r["pcs"], "units": r["units"],
            ui.saving_label(cur): float(r["savings"]),
            "plan": "proven optimal" if r["status"] == "optimal"
            else ("no bound (stock)" if r["gap"] is None else f"gap {100 * r['gap']:.2f} %"),
        })
    return pd.DataFrame(rows)


def show(runs: list[PlanRun]) -> None:
    """Ranking, charts and warnings from the runs' current plans."""
    pending = [r.catalog.vendor for r in runs if not r.progress().done]
    if pending:
        st.info("Still proving: " + ", ".join(pending) + ". Figures use each quote's best "
                "verified plan so far and update by themselves.")
    try:
        c = comparison(runs)
    except planner.PlannerError as exc:
        ui.show_error(exc)
        return
    if c is None:
        st.info("Planning each quote... the ranking appears when every quote has a plan.")
        return
    cur = c.currency
    t = c.rows()
    if len(t) > 1:
        d = t[1]["total"] - t[0]["total"]
        st.success(f"**{t[0]['vendor']}** is cheapest over the term: "
                   f"{ui.money(t[0]['total'], cur)}, {ui.money(d, cur)} less than "
                   f"{t[1]['vendor']}.")
    for w in c.warnings:
        st.warning(w)
    table = ranking_table(c)
    # money with its cents and separators on every row (not 1,323,060 beside 1,191,312.82)
    fmt = ui.money_columns((col for col in table.columns if "(" in col),
                           helps={ui.saving_label(cur): ui.SAVING_HELP})
    # pixel widths: "proven optimal" and "no bound (stock)" in full at 1280 px ("medium" and
    # "small" left the plan column cut)
    fmt["plan"] = st.column_config.TextColumn("plan", width=125)
    fmt.update({k: st.column_config.NumberColumn(k, width=48) for k in ("rank", "PCs", "units")})
    # the present values sit in the second table: with them the ranking was wider than the
    # page at 1280 px once the saving's heading named what it is against
    ui.table(table, "cmp_table", column_config=fmt)
    st.plotly_chart(charts.component_figure(c.assessments), width="stretch", key="cmp_comp")
    st.plotly_chart(charts.cashflow_figure(c.assessments), width="stretch", key="cmp_cash")
    more_table(c)
    with st.expander("Each quote in detail: virtual against physical imaging"):
        for a in c.assessments:
            st.code(a.report(), language=None)  # monospaced: the columns line up


def more_table(c: Comparison) -> None:
    """Present values, physical imaging and cost per workload; terms and counts in words.

    Five columns so that every heading reads in full at 1280 px; the term and the workloads
    protected and unplaced follow in a line below (once where every quote has the same).
    """
    cur = c.currency
    t = c.rows()
    pv, phys, spv = (f"present value ({cur})", f"physical imaging ({cur})",
                     f"saving, present value ({cur})")
    fmt = ui.money_columns((pv, phys, spv, f"per workload ({cur})"), helps={
        pv: "The cost over the term in present value (the money scenario's discount rate).",
        phys: ui.PHYSICAL_HELP,
        spv: ui.SAVING_HELP.replace("over the contract term", "over the term in present "
                                                               "value")})
    ui.table(pd.DataFrame([{
        "vendor": r["vendor"], pv: float(r["present_value"]),
        phys: float(r["physical_total"]), spv: float(r["savings_present_value"]),
        f"per workload ({cur})": None if r["cost_per_workload"] is None
        else float(r["cost_per_workload"])} for r in t]), "cmp_more", column_config=fmt)

    def counts(r: dict[str, object]) -> str:
        return (f"{r['term_years']}-year term, {int(str(r['protected'])):,} workloads "
                f"protected, {int(str(r['unplaced'])):,} unplaced")

    words = {counts(r) for r in t}
    each = (f"Every quote: {words.pop()}" if len(words) == 1 else
            "; ".join(f"{r['vendor']}: {counts(r)}" for r in t))
    why = (" An unplaced workload is not protected by that quote's plan (the Plan page says "
           "why, for the quote it plans with)." if any(r["unplaced"] for r in t) else "")
    st.caption(f"{each}.{why}")


    with st.expander("Each quote in detail: virtual against physical imaging"):
        for a in c.assessments:
            st.code(a.report(), language=None)  # monospaced: the columns line up


inp = state.inputs()
st.title("Compare quotes")
st.caption(f"Every quote planned on the same inventory ({inp.inventory.total_instances:,} "
           "machines) and policy, priced over its term by the money model "
           "(the same numbers as `planner compare`).")
if state.enforcing():
    st.info("These plans ignore the RTO: the switch on the Plan page plans one quote to meet "
            "it, and its cost is on the Plan page and in the written plan.",
            icon=":material/schedule:")
# the quotes are planned as `planner compare` plans them: in the reporting currency's scenario
try:
    pol = state.compare_policy()
except planner.PlannerError as exc:
    ui.show_error(exc)
    st.stop()
runs = [state.run_for(i, policy=pol) for i in range(len(inp.catalogs))]
first_done = all(r.progress().done for r in runs)


@st.fragment(run_every=1.0 if not first_done else None)
def live() -> None:
    """Refreshed every second while a quote is still proving; a full rerun when all are done."""
    current = [state.run_for(i, policy=pol) for i in range(len(inp.catalogs))]
    show(current)
    if all(r.progress().done for r in current) and not first_done:
        st.rerun()


live()
