"""Inventory: upload what `planner plan` reads (or keep the sample), see the import, edit it."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

import planner
from dashboard import state, ui
from planner.present import inventory_frame, inventory_from_frame
from planner.readers import load_mapping


def load_upload() -> None:
    """Read the chosen files when they change; a bad file keeps the previous inventory."""
    up = st.session_state.get("inv_upload")
    mp = st.session_state.get("map_upload")
    opts = (bool(st.session_state.get("inv_powered_off")),
            bool(st.session_state.get("inv_templates")))
    if up is None:
        return
    sig = (up.file_id, mp.file_id if mp is not None else None, opts)
    if st.session_state.get("inv_sig") == sig:
        return
    st.session_state["inv_sig"] = sig
    st.session_state.pop("inv_error", None)
    try:
        data = up.getvalue()
        state.check_upload(up.name, data)
        mapping = None
        if mp is not None:
            state.check_upload(mp.name, mp.getvalue())
            mapping = load_mapping(mp.name, data=mp.getvalue())
        inv, summary = planner.load_inventory(up.name, data=data, mapping=mapping,
                                              include_powered_off=opts[0],
                                              include_templates=opts[1])
    except planner.PlannerError as exc:
        st.session_state["inv_error"] = str(exc)
        return
    inp = state.inputs()
    try:  # the usage file loaded (if any) sizes the new inventory; a mismatch says so
        new = state.resize(replace(inp, inventory=inv, provisioned=None, summary=summary,
                                   inventory_name=up.name,
                                   frame_version=inp.frame_version + 1))
    except planner.PlannerError as exc:
        try:  # without the usage file; the export's own usage snapshot may still be bad
            new = state.resize(replace(inp, inventory=inv, provisioned=None, summary=summary,
                                       inventory_name=up.name, usage_name=None,
                                       usage_data=None, frame_version=inp.frame_version + 1))
        except planner.PlannerError as again:
            st.session_state["inv_error"] = str(again)
            return
        st.session_state["inv_error"] = f"{exc} (the usage file {inp.usage_name} was dropped)"
    state.set_inputs(new)


def load_usage() -> None:
    """Read the usage file when it changes (in memory); a bad file keeps the previous sizing."""
    up = st.session_state.get("usage_upload")
    inp = state.inputs()
    st.session_state.pop("usage_error", None)
    if up is None:  # the file was removed: back to provisioned sizes
        state.set_inputs(state.resize(replace(inp, usage_name=None, usage_data=None)))
        return
    try:
        data = up.getvalue()
        state.check_upload(up.name, data)
        state.set_inputs(state.resize(replace(inp, usage_name=up.name, usage_data=data)))
    except planner.PlannerError as exc:
        st.session_state["usage_error"] = str(exc)


def sizing_block() -> None:
    """How the planned sizes were reached: measured use, confidence, fallbacks."""
    inp = state.inputs()
    if inp.sizing is not None:
        conf = inp.sizing.confidence
        st.markdown(f"**Sized on measured use** — confidence "
                    f"{'n/a' if conf is None else f'{conf:.0%}'} (share of the measured "
                    "workloads sized on enough samples over enough days)")
        st.code("\n".join(inp.sizing.lines()), language=None, wrap_lines=True)
    elif inp.usage_name is not None:
        st.info(f"Usage file {inp.usage_name} loaded, but the policy sizes every workload as "
                "provisioned: set Sizing to measured on the Vendors and policy page.")
    elif inp.wants_usage():
        st.caption("The policy sizes on measured use; load a usage file to apply it (until "
                   "then every workload keeps its provisioned size).")


def summary_block() -> None:
    """The import summary: every machine read accounted for, conversions and notes."""
    inp = state.inputs()
    s = inp.summary
    st.subheader("Import summary")
    plan = state.run_for().progress().plan
    if plan is not None:
        placed = sum(len(h.workloads) for h in plan.hosts)
        st.markdown(f"**{s.read:,} read = {placed:,} placed + {len(plan.unplaced):,} unplaced + "
                    f"{len(plan.out_of_scope):,} out of scope + {s.excluded_total:,} excluded**")
    st.code("\n".join(s.lines()), language=None, wrap_lines=True)  # never cut off
    sizing_block()
    if s.excluded_names:
        with st.expander(f"Excluded machines ({len(s.excluded_names):,})"):
            ui.table(pd.DataFrame(s.excluded_names, columns=["machine", "reason"]),
                     "inv_excluded")


def editor() -> None:
    """The inventory as an editable table; each edit is read back through the planner's reader."""
    inp = state.inputs()
    st.subheader("Workloads")
    st.caption("Change a tier, a size or a rule, add or drop a row: the plan follows. Sizes are "
               "in GiB (memory) and GB (storage); tier 1 is the most critical. The table scrolls "
               "sideways to kind, source and the placement groups."
               + (" Sizes here are as provisioned; the plan uses the measured sizes above."
                  if inp.sizing is not None else ""))
    base_key = f"inv_base_{inp.frame_version}"
    if base_key not in st.session_state:
        for k in [k for k in st.session_state if str(k).startswith("inv_base_")]:
            del st.session_state[k]
        st.session_state[base_key] = inventory_frame(inp.base)
    base: pd.DataFrame = st.session_state[base_key]
    edited = ui.editor(
        base, f"inv_editor_{inp.frame_version}", num_rows="dynamic",
        # tier and count first after the name: the columns a manager edits most stay in view
        # at 1280 px (the frame's own order is kept for the reader)
        column_order=["name", "tier", "count", "vcpu", "memory [GiB]", "storage [GB]",
                      "storage_used [GB]", "kind", "source", "affinity", "anti_affinity"],
        column_config={
            "name": st.column_config.TextColumn("name", required=True),
            "vcpu": st.column_config.NumberColumn("vCPU", min_value=1, step=1, required=True),
            "memory [GiB]": st.column_config.NumberColumn("memory (GiB)", min_value=0.0,
                                                          format="%.2f"),
            "storage [GB]": st.column_config.NumberColumn("storage (GB)", min_value=0.0,
                                                          format="%.1f"),
            "storage_used [GB]": st.column_config.NumberColumn("storage used (GB)",
                                                               min_value=0.0, format="%.1f"),
            "kind": st.column_config.SelectboxColumn("kind", options=["server", "workstation"]),
            "source": st.column_config.SelectboxColumn("source",
                                                       options=["virtual", "physical"]),
            "tier": st.column_config.NumberColumn("tier", min_value=1, max_value=4, step=1),
            "count": st.column_config.NumberColumn("count", min_value=1, step=1),
            "affinity": st.column_config.TextColumn("affinity group"),
            "anti_affinity": st.column_config.TextColumn("anti-affinity group"),
        })
    digest = hashlib.sha256(edited.to_csv(index=False).encode()).hexdigest()
    applied = st.session_state.get("inv_applied")
    if applied is None or applied[0] != inp.frame_version:
        st.session_state["inv_applied"] = (inp.frame_version,
                                           hashlib.sha256(base.to_csv(index=False).encode())
                                           .hexdigest())
        applied = st.session_state["inv_applied"]
    if digest != applied[1]:
        try:
            inv, _ = inventory_from_frame(edited, "edited inventory")
        except planner.PlannerError as exc:
            ui.show_error(exc)
            st.caption("The edit was not applied; the plan still uses the previous inventory.")
            return
        st.session_state["inv_applied"] = (inp.frame_version, digest)
        try:
            state.set_inputs(state.resize(replace(inp, inventory=inv, provisioned=None)))
        except planner.PlannerError as exc:  # e.g. the usage file names a deleted row
            ui.show_error(exc)
            st.caption("The edit was not applied; the plan still uses the previous inventory.")
            return
        st.toast(f"Inventory updated: {inv.total_instances:,} machines; re-planning")


inp = state.inputs()
st.title("Inventory")
st.caption(f"Now planning: **{inp.inventory_name}** — {inp.inventory.total_instances:,} machines "
           f"in {len(inp.inventory.workloads):,} rows.")
c1, c2 = st.columns(2)
# each input's on_change reads the files before the rerun, so the sidebar drawn first already
# shows the new inventory
c1.file_uploader("Inventory: RVTools export (.xlsx or vInfo CSV), Azure Migrate CSV, or the "
                 "planner's CSV / workbook", type=["xlsx", "xlsm", "csv", "txt"],
                 key="inv_upload", help="Read in memory; nothing is stored on the server",
                 on_change=load_upload)
c2.file_uploader("Mapping file (optional): tier, kind, affinity, exclude by name or pattern",
                 type=["csv", "txt"], key="map_upload", on_change=load_upload)
st.file_uploader("Usage file (optional): CPU and memory in use per workload, for sizing on "
                 "measured use (docs/formats.md, usage file)", type=["csv", "txt"],
                 key="usage_upload", on_change=load_usage,
                 help="Read in memory; used where the policy's sizing is measured")
o1, o2, o3 = st.columns(3)
o1.checkbox("Plan powered-off VMs too", key="inv_powered_off", on_change=load_upload)
o2.checkbox("Plan VM templates too", key="inv_templates", on_change=load_upload)
if o3.button("Back to the bundled sample", key="inv_sample"):
    fresh = state.sample_inputs()
    state.set_inputs(state.resize(replace(
        inp, inventory=fresh.inventory, provisioned=None, summary=fresh.summary,
        inventory_name=fresh.inventory_name, usage_name=None, usage_data=None,
        frame_version=inp.frame_version + 1)))
    st.session_state.pop("usage_error", None)
    st.session_state.pop("inv_sig", None)
    st.rerun()
if "inv_error" in st.session_state:
    st.error(st.session_state["inv_error"], icon=":material/error:")
    st.caption("The file was not loaded; the plan still uses the previous inventory.")
if "usage_error" in st.session_state:
    st.error(st.session_state["usage_error"], icon=":material/error:")
    st.caption("The usage file was not applied; the plan keeps the previous sizes.")
summary_block()
editor()
