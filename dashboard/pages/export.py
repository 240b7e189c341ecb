"""Export: the plan as Excel, CSV and JSON; the whole scenario as one file that loads back."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import planner
from dashboard import state, ui
from planner.present import csv_zip_bytes, json_bytes, load_bundle, xlsx_bytes

inp = state.inputs()
st.title("Export")
run = state.run_for(enforce_rto=state.enforcing())
p = run.progress()
rto = run.result if isinstance(run, planner.RtoRun) and p.done else None
st.subheader("The plan")
if p.plan is None:
    st.info("No plan yet; it appears here as soon as the first verified plan exists.")
else:
    plan = state.with_sizing(p.plan)  # the sizing account and its confidence go along
    stem = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in run.catalog.vendor)
    words, _ = ui.status_words(plan, p, rto is not None and not rto.meets)
    st.caption(f"{run.catalog.vendor}: {ui.plural(len(plan.hosts), 'PC')}, "
               f"{ui.plural(len(plan.units), 'unit')}. {words}")
    c1, c2, c3 = st.columns(3)
    with c1:
        ui.download("Excel workbook (.xlsx)", lambda: xlsx_bytes(
                        plan, inp.summary,
                        planner.assess(plan, inp.inventory, run.catalog, run.policy)),
                    f"plan-{stem}.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    key="dl_xlsx", help="Summary, PCs, units, assignments, unplaced, costs")
    with c2:
        ui.download("CSV tables (.zip)", lambda: csv_zip_bytes(plan), f"plan-{stem}-csv.zip",
                    "application/zip", key="dl_csv")
    with c3:
        ui.download("JSON (.json)", lambda: json_bytes(plan, inp.summary), f"plan-{stem}.json",
                    "application/json", key="dl_json")
    st.caption("Text that a spreadsheet could run as a formula is kept as text (formula-safe).")

    st.subheader("The written plan")
    st.caption("The document for approval: the plan, recovery timeline against RTO, test "
               "programme, costs against physical imaging, assumptions and sign-off "
               "(the same as `planner report`).")

    if state.enforcing():
        st.caption("Planned to meet the RTO (the switch on the Plan page): the written plan "
                   "shows this plan and what meeting the RTO costs."
                   + ("" if p.done else " Still planning: the written plan follows when done."))

    def report() -> planner.Report:
        """The written plan's content for the current plan (built only when asked)."""
        a = planner.assess(plan, inp.inventory, run.catalog, run.policy)
        cmp = (None if rto is None else
               planner.rto_comparison(rto, inp.inventory, run.catalog, run.policy))
        return planner.build_report(plan, inp.inventory, run.catalog, run.policy, a, rto=cmp)

    r1, r2 = st.columns(2)
    with r1:
        ui.download("Written plan (.html)", lambda: planner.render_html(report()).encode(),
                    f"dr-plan-{stem}.html", "text/html", key="dl_report_html")
    with r2:
        if st.button("Prepare the written plan as PDF", key="report_pdf"):
            with st.spinner("Typesetting the PDF..."):
                st.session_state["report_pdf_bytes"] = (id(plan), planner.pdf_bytes(report()))
        made = st.session_state.get("report_pdf_bytes")
        if made is not None and made[0] == id(plan):  # never a PDF of another plan
            ui.download("Download the PDF", made[1],
                        f"dr-plan-{stem}.pdf", "application/pdf", key="dl_report_pdf")

st.subheader("The whole scenario")
st.caption("The inventory with your edits, every quote, the policy"
           + (f" and the usage file {inp.usage_name}" if inp.usage_name else "")
           + " in one file; load it here later (or on another machine) to get back to the "
           "same state, sized the same way.")
ui.download("Save the scenario (.json)", lambda: state.scenario_file(inp),
            "dr-scenario.json", "application/json", key="dl_bundle")
up = st.file_uploader("Load a scenario file", type=["json"], key="bundle_upload")
if up is not None and st.session_state.get("bundle_seen") != up.file_id:
    st.session_state["bundle_seen"] = up.file_id
    try:
        state.check_upload(up.name, up.getvalue())
        b = load_bundle(up.getvalue(), up.name)
        loaded = state.resize(replace(
            inp, inventory=b.inventory, provisioned=None, summary=b.summary,
            inventory_name=up.name, catalogs=b.catalogs, policy=b.policy, active=b.active,
            enforce_rto=b.enforce_rto, usage_name=b.usage_name, usage_data=b.usage_data,
            frame_version=inp.frame_version + 1))
    except planner.PlannerError as exc:
        ui.show_error(exc)
        st.caption("The scenario was not loaded; the previous state is kept.")
    else:
        state.set_inputs(loaded)
        state.reset_policy_form()
        # the page (and the sidebar) above were drawn with the previous scenario: run again
        st.session_state["bundle_loaded"] = (
            f"Scenario loaded: {b.inventory.total_instances:,} machines, "
            f"{ui.plural(len(b.catalogs), 'quote')}, planned with "
            f"{b.catalogs[b.active].vendor}.")
        st.rerun()
if msg := st.session_state.pop("bundle_loaded", None):
    st.success(msg)
