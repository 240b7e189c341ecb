"""Vendors and policy: the quotes (upload TOML or edit models, fees, terms) and the policy."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

import planner
from dashboard import state, ui
from planner.money.compare import reporting_currency
from planner.present import catalog_dict, policy_dict
from planner.readers.catalog import TEST_TYPES, Catalog, Policy, parse_catalog, parse_policy
from planner.readers.schema import APPROVAL_FIELDS, HOST_FIELDS, RTO_FIELDS

HOST_COLUMNS = ["name", "cores", "memory", "storage", "slots", "monthly_fee", "setup_fee",
                "declaration_fee", "daily_fee", "available"]
UNIT_COLUMNS = ["name", "slots", "seats", "monthly_fee", "setup_fee", "declaration_fee",
                "daily_fee", "available"]
#: the recovery timing of each model, in a table of its own (one row per PC and unit model)
TIMING = ["delivery_hours", "restore_rate", "boot_minutes"]
def _ranged(label: str, name: str, help_text: str | None) -> Any:
    """A number column with the PC model field's range from the schema (one place for ranges)."""
    lo, hi = ui.limits(name, 0.0, 1e9, HOST_FIELDS)
    return st.column_config.NumberColumn(label, min_value=lo, max_value=hi, help=help_text)


#: the model tables' columns: short labels (the fees in the quote's currency) so that the
#: tables fit the page (widths: each label with its edit icon in full at 1280 px), and the
#: recovery timing columns with their units (docs/recovery.md)
MODEL_COLUMNS = {
    "kind": st.column_config.TextColumn("model of", width=80),
    "name": st.column_config.TextColumn("name", width=63),
    "cores": st.column_config.NumberColumn("cores", width=64),
    "memory": st.column_config.TextColumn("memory", width=80,
                                          help='With its unit, e.g. "128 GiB"'),
    "storage": st.column_config.TextColumn("storage", width=74,
                                           help='With its unit, e.g. "4 TB"'),
    "slots": st.column_config.NumberColumn("slots", width=61),
    "seats": st.column_config.NumberColumn("seats", width=60),
    "monthly_fee": st.column_config.TextColumn("monthly", width=82,
                                               help="Fee per month under contract"),
    "setup_fee": st.column_config.TextColumn("setup", width=65,
                                             help="One-time fee at contract start"),
    "declaration_fee": st.column_config.TextColumn(
        "declared", width=86, help="Fee each time a disaster is declared"),
    "daily_fee": st.column_config.TextColumn("daily", width=61,
                                             help="Fee per day in use (disaster or test)"),
    "available": st.column_config.NumberColumn("stock", width=65, min_value=0,
                                               help="How many the vendor can supply; "
                                                    "empty: no limit"),
    "delivery_hours": _ranged(
        "delivery (h)", "delivery_hours",
        "Hours from a declaration until it is on site (a PC in a unit arrives with it)"),
    "restore_rate": st.column_config.TextColumn(
        "restore rate", help=ui.help_of("restore_rate", HOST_FIELDS)),
    "boot_minutes": _ranged("boot (min)", "boot_minutes",
                            ui.help_of("boot_minutes", HOST_FIELDS)),
}


def add_quotes() -> None:
    """Quotes uploaded as TOML files join the list (a bad file shows its message)."""
    files = st.session_state.get("quote_upload") or []
    seen: set[str] = st.session_state.setdefault("quote_seen", set())
    inp = state.inputs()
    for f in files:
        if f.file_id in seen:
            continue
        seen.add(f.file_id)
        try:
            state.check_upload(f.name, f.getvalue())
            cat = planner.load_catalog(f.name, data=f.getvalue())
        except planner.PlannerError as exc:
            ui.show_error(exc)
            st.caption(f"{f.name} was not added.")
            continue
        state.set_inputs(replace(inp, catalogs=[*inp.catalogs, cat]))
        inp = state.inputs()
        st.toast(f"Quote added: {cat.vendor}")


def _rows(models: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    rows = [{c: m.get(c) for c in columns} for m in models]
    return pd.DataFrame(rows, columns=columns)


def _models(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict(orient="records"):
        m: dict[str, Any] = {}
        for k, v in r.items():
            if v is None or (isinstance(v, float) and v != v) or v == "":
                continue
            if isinstance(v, float) and v.is_integer() and k in ("slots", "seats", "available"):
                v = int(v)
            m[str(k)] = str(v) if str(k).endswith("_fee") else v
        if m:
            out.append(m)
    return out


def _timing_rows(d: dict[str, Any]) -> pd.DataFrame:
    """One row per PC and unit model: its delivery, and a PC's restore rate and boot time."""
    rows = [{"kind": "PC", "name": m["name"], **{c: m.get(c) for c in TIMING}}
            for m in d["host"]]
    rows += [{"kind": "unit", "name": m["name"], "delivery_hours": m.get("delivery_hours"),
              "restore_rate": None, "boot_minutes": None} for m in d.get("unit", [])]
    return pd.DataFrame(rows, columns=["kind", "name", *TIMING])


def _timed(models: list[dict[str, Any]], timing: pd.DataFrame, kind: str
           ) -> list[dict[str, Any]]:
    """The models with the timing table's values of the same kind and name (else defaults)."""
    rows = {r["name"]: r for r in timing.to_dict(orient="records") if r["kind"] == kind}
    for m in models:
        for c in TIMING:
            m.pop(c, None)
        row = rows.get(m.get("name")) or {}
        for c in TIMING:
            v = row.get(c)
            if v is not None and v == v and v != "":
                m[c] = v
    return models


def _check_rates(cats: list[Catalog], policy: Policy, changed: Catalog) -> None:
    """Refuse a quote currency the quotes cannot be priced in (no rate to the reporting one).

    Checked when the change is applied, naming the form's field: otherwise every page would
    show the pricing error later, naming the quote's file on the server.
    """
    try:
        reporting_currency(cats, policy)
    except planner.InputError:
        report = policy.scenario.currency
        raise planner.InputError(
            f"the quotes cannot be priced together: {changed.vendor} is in "
            f"{changed.currency}" + (f", with no rate to {report}" if report else
                                     ", and the quotes' currencies differ"),
            file="quote editor", field="Currency (ISO code)",
            fix=(f"add a rate for {changed.currency} in the policy's currency rates table "
                 "(below), or keep the quote's currency" if report else
                 "set 'Report amounts in' and the rates in the policy form (below), or keep "
                 "the quote's currency")) from None


def quote_editor(i: int) -> None:
    """One quote's terms and models in a form; applied through the catalog reader."""
    inp = state.inputs()
    cat = inp.catalogs[i]
    d = catalog_dict(cat)
    with st.form(f"quote_form_{i}"):
        c1, c2, c3, c4 = st.columns(4)
        vendor = c1.text_input("Vendor", d["vendor"], key=f"q{i}_vendor")
        currency = c2.text_input("Currency (ISO code)", d["currency"], key=f"q{i}_currency")
        term = c3.number_input("Term (years)", 1, 20, int(d["term_years"]), key=f"q{i}_term")
        esc = c4.number_input("Annual escalation (%)", 0.0, 100.0,
                              100 * float(d["annual_escalation"]), step=0.5,
                              key=f"q{i}_escalation")
        c5, c6 = st.columns(2)
        incl = c5.number_input("Test days included per year", 0.0, 365.0,
                               float(d["included_test_days"]), key=f"q{i}_incl")
        tfee = c6.number_input(f"Fee per extra test day ({d['currency']})", 0.0, 1e9,
                               float(d["test_day_fee"]), key=f"q{i}_tfee")
        st.markdown("Recovery PC models (memory and storage with units, fees in the quote's "
                    "currency; `stock` empty = no limit)")
        hosts = ui.editor(_rows(d["host"], HOST_COLUMNS), f"q{i}_hosts", num_rows="dynamic",
                          column_config=MODEL_COLUMNS)
        st.markdown("Mobile recovery units (slots for PCs, seats for staff)")
        units = ui.editor(_rows(d.get("unit", []), UNIT_COLUMNS), f"q{i}_units",
                          num_rows="dynamic", column_config=MODEL_COLUMNS)
        st.markdown("Recovery timing of each model (docs/recovery.md): a PC carried by a unit "
                    "arrives with the unit; restore rate and boot time are the PCs'; a model "
                    "added above takes the defaults until applied")
        # a unit has no restore rate or boot time of its own: "—" (not applicable)
        timing = ui.editor(_timing_rows(d), f"q{i}_timing", missing=ui.MISSING,
                           disabled=["kind", "name"], column_config=MODEL_COLUMNS)
        applied = st.form_submit_button("Apply changes to this quote")
    if applied:
        new = copy.deepcopy(d)
        new.update(vendor=vendor, currency=currency, term_years=int(term),
                   annual_escalation=str(Decimal(str(esc)) / 100),
                   included_test_days=str(incl), test_day_fee=str(tfee),
                   host=_timed(_models(hosts), timing, "PC"),
                   unit=_timed(_models(units), timing, "unit"))
        if not new["unit"]:
            new.pop("unit")
        with ui.guarded("The change"):
            cats = list(inp.catalogs)
            cats[i] = parse_catalog(new, cat.source or cat.vendor)
            _check_rates(cats, inp.policy, cats[i])
            state.set_inputs(replace(inp, catalogs=cats))
            st.success(f"{vendor} updated; the plans follow.")


def quotes_section() -> None:
    """The list of quotes: which one the plan uses, upload more, edit or remove one."""
    inp = state.inputs()
    st.header("Vendor quotes")
    st.file_uploader("Add quotes (catalog TOML files, docs/formats.md)", type=["toml"],
                     accept_multiple_files=True, key="quote_upload")
    add_quotes()
    inp = state.inputs()
    rows = [{"vendor": c.vendor, "PC models": len(c.hosts), "unit models": len(c.units),
             "term (years)": c.term_years, "currency": c.currency,
             "volume discounts": ", ".join(f"{t.percent} % from {t.min_pcs} PCs"
                                           for t in c.discounts) or "none"}
            for c in inp.catalogs]
    ui.table(pd.DataFrame(rows), "quote_table")
    names = [c.vendor for c in inp.catalogs]
    c1, c2 = st.columns([3, 1])
    pick = c1.selectbox("Quote the Plan page uses", range(len(names)), index=inp.active,
                        format_func=lambda i: names[i], key="vendor_active",
                        on_change=state.pick_quote, args=("vendor_active",))
    if c2.button("Remove this quote", key="quote_remove", disabled=len(names) < 2):
        cats = [c for j, c in enumerate(inp.catalogs) if j != pick]
        state.set_inputs(replace(inp, catalogs=cats, active=0))
        st.rerun()
    with st.expander(f"Edit {names[pick]}: models, fees and terms"):
        quote_editor(pick)


def _pct(x: float) -> float:
    return round(100 * x, 6)


def _tiers_text(tiers: tuple[int, ...] | None) -> str:
    """A test's tier subset for the editor: "all" or "1, 2"."""
    return "all" if tiers is None else (", ".join(map(str, tiers)) or "none")


def _tiers_of(text: object) -> dict[str, Any]:
    """The editor's text back to the policy's ``tiers`` key (absent: all).

    The reader checks the values and names the field when one is wrong.
    """
    t = str(text or "").strip().lower()
    if t in ("", "all"):
        return {}
    if t == "none":
        return {"tiers": []}
    parts = [p.strip() for p in t.replace(";", ",").split(",") if p.strip()]
    return {"tiers": [int(p) if p.isdigit() else p for p in parts]}


def policy_section() -> None:
    """The policy as a form with units; the money scenario beside it."""
    inp = state.inputs()
    pol = inp.policy
    sc = pol.scenario
    st.header("Policy")
    up = st.file_uploader("Load a policy (TOML)", type=["toml"], key="policy_upload")
    if up is not None and st.session_state.get("policy_seen") != up.file_id:
        st.session_state["policy_seen"] = up.file_id
        with ui.guarded("The policy file"):
            state.check_upload(up.name, up.getvalue())
            state.set_inputs(state.resize(replace(
                inp, policy=planner.load_policy(up.name, data=up.getvalue()))))
            state.reset_policy_form()
            st.rerun()
    version = int(st.session_state.get("policy_form_version", 0))

    def fk(name: str) -> str:
        """The form widget's key: new after a policy is loaded, so the form shows it."""
        return name if not version else f"{name}_{version}"

    with st.form("policy_form"):
        st.markdown("**Packing** — how much each recovery PC may carry")
        c1, c2, c3 = st.columns(3)
        lo, hi = ui.limits("cpu_overcommit", 0.25, 32.0)
        cpu = c1.number_input("CPU overcommit (vCPU per physical core)", lo, hi,
                              float(pol.cpu_overcommit), step=0.5, key=fk("pol_cpu"),
                              help=ui.help_of("cpu_overcommit"))
        lo, hi = ui.limits("memory_overcommit", 0.25, 4.0)
        mem = c2.number_input("Memory overcommit (ratio)", lo, hi, float(pol.memory_overcommit),
                              step=0.05, key=fk("pol_mem"), help=ui.help_of("memory_overcommit"))
        lo, hi = ui.limits("headroom", 0.0, 0.95)
        head = c3.number_input("Headroom kept free (%)", 100 * lo, 100 * hi,
                               _pct(pol.headroom), step=1.0, key=fk("pol_headroom"),
                               help=ui.help_of("headroom"))
        c4, c5, c6 = st.columns(3)
        lo, hi = ui.limits("host_reserved_cores", 0.0, 64.0)
        rc = c4.number_input("Cores reserved for the host (cores)", lo, hi,
                             float(pol.host_reserved_cores), step=1.0, key=fk("pol_rcores"),
                             help=ui.help_of("host_reserved_cores"))
        lo, hi = ui.limits("host_reserved_memory", 0.0, 1024.0)
        rm = c5.number_input("Memory reserved for the host (GiB)", lo, hi,
                             float(pol.host_reserved_memory_gib), step=1.0, key=fk("pol_rmem"),
                             help=ui.help_of("host_reserved_memory"))
        lo, hi = ui.limits("growth_per_year", 0.0, 1.0)
        growth = c6.number_input("Demand growth per year (%)", 100 * lo, 100 * hi,
                                 _pct(pol.growth_per_year), step=1.0, key=fk("pol_growth"),
                                 help=ui.help_of("growth_per_year"))
        c7, c8, c9 = st.columns(3)
        tiers = c7.multiselect("Tiers in scope (1 = most critical)", [1, 2, 3, 4],
                               default=list(pol.tiers), key=fk("pol_tiers"))
        basis = c8.selectbox("Storage planned", ["provisioned", "used"],
                             index=["provisioned", "used"].index(pol.storage_basis),
                             key=fk("pol_basis"), help=ui.help_of("storage_basis"))
        seats = c9.checkbox("Staff seat per workstation",
                            pol.workstation_seats, key=fk("pol_seats"),
                            help=ui.help_of("workstation_seats"))
        st.markdown("**Sizing and spares** — what each workload is planned at, and spare PCs "
                    "that stand in for lost ones")
        s1, s2, s3, s4 = st.columns(4)
        modes = ["provisioned", "measured"]
        sizing = s1.selectbox("Size workloads on", modes, index=modes.index(pol.sizing),
                              key=fk("pol_sizing"), help=ui.help_of("sizing"),
                              format_func=lambda m: {"provisioned": "provisioned size",
                                                     "measured": "measured use"}[m])
        lo, hi = ui.limits("usage_percentile", 50.0, 100.0)
        pctl = s2.number_input("Usage percentile (th)", lo, hi, float(pol.usage_percentile),
                               step=1.0, key=fk("pol_percentile"),
                               help=ui.help_of("usage_percentile"))
        lo, hi = ui.limits("comfort_factor", 1.0, 10.0)
        comfort = s3.number_input("Comfort factor (× measured use)", lo, hi,
                                  float(pol.comfort_factor), step=0.05, key=fk("pol_comfort"),
                                  help=ui.help_of("comfort_factor"))
        lo, hi = ui.limits("spares", 0.0, 10.0)
        spares = s4.number_input("Spare PCs, N+k (PCs)", int(lo), int(hi), int(pol.spares),
                                 step=1, key=fk("pol_spares"), help=ui.help_of("spares"))
        st.caption("Spare PCs: after the loss of any k recovery PCs (spares included), the "
                   "workloads of the lost PCs run on the surviving spares of the same mobile "
                   "unit where PCs travel in units (k spares in each unit that carries PCs), "
                   "else at the site; so every working PC fits every spare of its unit.")
        st.markdown("**Recovery time objectives and approval** — how soon each tier must "
                    "be running after a declaration (the Plan page's timeline and its switch "
                    "to plan for them), and who signs the written plan")
        rto_now = dict(pol.rto)
        lo, hi = ui.limits("1", 0.01, 8760.0, RTO_FIELDS)
        rto_cols = st.columns(4)
        rto_in = {t: rto_cols[t - 1].number_input(
            f"Tier {t} RTO (h)", lo, hi, rto_now.get(t), step=1.0, key=fk(f"pol_rto_{t}"),
            placeholder="no target", help=ui.help_of(str(t), RTO_FIELDS))
            for t in (1, 2, 3, 4)}
        approvers = ui.editor(
            pd.DataFrame([{"name": n, "role": r} for n, r in pol.approvals],
                         columns=["name", "role"]),
            fk("pol_approvers"), num_rows="dynamic",
            column_config={"name": st.column_config.TextColumn(
                               "approver's name", help=ui.help_of("name", APPROVAL_FIELDS)),
                           "role": st.column_config.TextColumn(
                               "role", help=ui.help_of("role", APPROVAL_FIELDS))})
        st.markdown("**Money scenario** — what the contract costs over its term "
                    "(docs/cost-model.md)")
        m1, m2, m3, m4 = st.columns(4)
        decl = m1.number_input("Declared disasters over the term (expected)", 0.0, 100.0,
                               float(sc.declarations), step=0.1, key=fk("pol_decl"))
        days = m2.number_input("Days in use per disaster (days)", 0.0, 365.0,
                               float(sc.disaster_days), step=1.0, key=fk("pol_days"))
        rate = m3.number_input("Discount rate for present value (%)", 0.0, 100.0,
                               _pct(float(sc.discount_rate)), step=0.5, key=fk("pol_rate"))
        imgs = m4.number_input("Image sets kept by the virtual plan", 0, 100,
                               int(sc.virtual_images), key=fk("pol_images"))
        cur = sc.currency or inp.catalogs[inp.active].currency
        m5, m6, m7, m8 = st.columns(4)
        p2vs = m5.number_input(f"P2V per physical server ({cur})", 0.0, 1e7,
                               float(sc.p2v_server), key=fk("pol_p2vs"))
        p2vw = m6.number_input(f"P2V per physical workstation ({cur})", 0.0, 1e7,
                               float(sc.p2v_workstation), key=fk("pol_p2vw"))
        lic = m7.number_input(f"Hypervisor licence per PC, once ({cur})", 0.0, 1e7,
                              float(sc.hypervisor_licence), key=fk("pol_lic"))
        sub = m8.number_input(f"Hypervisor subscription per PC a year ({cur})", 0.0, 1e7,
                              float(sc.hypervisor_subscription), key=fk("pol_sub"))
        m9, m10 = st.columns(2)
        store = m9.number_input(f"Image storage per image a year ({cur})", 0.0, 1e7,
                                float(sc.image_storage), key=fk("pol_store"))
        maint = m10.number_input(f"Image maintenance per image a year ({cur})", 0.0, 1e7,
                                 float(sc.image_maintenance), key=fk("pol_maint"))
        st.markdown("Plan tests per year (the paper's four kinds) and the days each PC and "
                    "unit is in use per test")
        tests = {t.kind: t for t in sc.tests}
        test_rows = pd.DataFrame([{"test": k, "per_year": tests[k].per_year if k in tests else 0,
                                   "pc_days": float(tests[k].pc_days) if k in tests else 0.0,
                                   "unit_days": float(tests[k].unit_days) if k in tests else 0.0,
                                   "tiers": _tiers_text(tests[k].tiers if k in tests else None)}
                                  for k in TEST_TYPES])
        test_edit = ui.editor(test_rows, fk("pol_tests"), disabled=["test"], column_config={
                                       "per_year": st.column_config.NumberColumn(
                                           "tests per year", min_value=0, step=1),
                                       "pc_days": st.column_config.NumberColumn(
                                           "PC days per test", min_value=0.0),
                                       "unit_days": st.column_config.NumberColumn(
                                           "unit days per test", min_value=0.0),
                                       "tiers": st.column_config.TextColumn(
                                           "PCs and units used",
                                           help="all: every contracted PC and unit; or tiers, "
                                                "e.g. 1 or 1, 2: the PCs holding those tiers' "
                                                "workloads and the units carrying them")})
        r1, r2 = st.columns([1, 2])
        report_cur = r1.text_input("Report amounts in (ISO code; empty: each quote's own)",
                                   sc.currency or "", key=fk("pol_currency"))
        r2.markdown("Currency rates, given and never fetched: one unit of each currency in "
                    "the reporting currency")
        rates_edit = ui.editor(
            pd.DataFrame([{"currency": c, "rate": float(r)} for c, r in sc.rates],
                         columns=["currency", "rate"]),
            fk("pol_rates"), where=r2, num_rows="dynamic",
            column_config={"rate": st.column_config.NumberColumn("rate", min_value=0.0,
                                                                 format="%.4f")})
        applied = st.form_submit_button("Apply policy")
    if applied:
        d = policy_dict(pol)
        d.update(cpu_overcommit=cpu, memory_overcommit=mem, headroom=head / 100,
                 host_reserved_cores=rc, host_reserved_memory=f"{rm} GiB",
                 growth_per_year=growth / 100, tiers=sorted(tiers), storage_basis=basis,
                 workstation_seats=seats, sizing=sizing, usage_percentile=pctl,
                 comfort_factor=comfort, spares=int(spares))
        d.pop("rto", None)
        d.pop("approval", None)
        if any(h is not None for h in rto_in.values()):
            d["rto"] = {str(t): float(h) for t, h in rto_in.items() if h is not None}
        people = [{"name": str(r["name"]).strip(), "role": str(r.get("role") or "").strip()}
                  for r in approvers.to_dict(orient="records")
                  if r.get("name") is not None and str(r["name"]).strip()]
        if people:
            d["approval"] = people
        d["scenario"].update(
            declarations=str(decl), disaster_days=str(days),
            discount_rate=str(Decimal(str(rate)) / 100), virtual_images=int(imgs),
            p2v_server=str(p2vs), p2v_workstation=str(p2vw), hypervisor_licence=str(lic),
            hypervisor_subscription=str(sub), image_storage=str(store),
            image_maintenance=str(maint),
            rates={str(r["currency"]).strip().upper(): str(r["rate"])
                   for r in rates_edit.to_dict(orient="records")
                   if r.get("currency") and r.get("rate") is not None
                   and r["rate"] == r["rate"]},
            tests={r["test"]: {"per_year": int(r["per_year"] or 0),
                               "pc_days": str(r["pc_days"] or 0),
                               "unit_days": str(r["unit_days"] or 0),
                               **_tiers_of(r.get("tiers"))}
                   for r in test_edit.to_dict(orient="records")})
        if report_cur.strip():
            d["scenario"]["currency"] = report_cur.strip().upper()
        else:
            d["scenario"].pop("currency", None)
        with ui.guarded("The policy"):
            new = parse_policy(d, "policy form")
            state.set_inputs(state.resize(replace(inp, policy=new)))
            st.success("Policy applied; the plans follow.")
    with st.expander("The policy as TOML (save it as policy.toml for the command line)"):
        st.code(_toml(policy_dict(state.inputs().policy)), language="toml")


def _toml(d: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for the policy tables (plain keys, strings, numbers, lists)."""
    def val(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {val(x)}" for k, x in v.items()) + " }"
        return repr(v)
    plain = [f"{k} = {val(v)}" for k, v in d.items() if not isinstance(v, dict)
             or (prefix and k not in ("rates", "tests"))]
    tables = [f"\n[{prefix}{k}]\n" + _toml(v, f"{prefix}{k}.") for k, v in d.items()
              if isinstance(v, dict) and not (prefix and k not in ("rates", "tests"))]
    text = "\n".join(plain) + "".join(tables)
    tomllib.loads(text if not prefix else "")  # the top level must stay valid TOML
    return text


st.title("Vendors and policy")
quotes_section()
policy_section()
