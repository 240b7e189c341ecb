"""Plan exports: JSON, CSV tables and an Excel workbook, all safe to open in a spreadsheet."""

from __future__ import annotations

import io
import json
import math
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import xlsxwriter

if TYPE_CHECKING:
    from planner.money.costing import Assessment
    from planner.readers.summary import ImportSummary

from planner.model.plan import Plan, spares_by_model

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (OWASP CSV injection guidance)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan as tidy tables: pcs, assignments, units, unplaced."""
    pcs = pd.DataFrame([{
        "pc": h.id, "model": h.model, "unit": h.unit or "", "spare": h.spare,
        "workloads": len(h.workloads),
        "vcpu_used": h.used["vcpu"], "vcpu_usable": h.usable["vcpu"],
        "memory_used [GiB]": h.used["memory_gib"], "memory_usable [GiB]": h.usable["memory_gib"],
        "storage_used [GB]": h.used["storage_gb"], "storage_usable [GB]": h.usable["storage_gb"],
    } for h in plan.hosts])
    assignments = pd.DataFrame([{"workload": n, "pc": h.id, "model": h.model,
                                 "unit": h.unit or ""}
                                for h in plan.hosts for n in h.workloads],
                               columns=["workload", "pc", "model", "unit"])
    units = pd.DataFrame([{"unit": u.id, "model": u.model, "pcs": len(u.hosts),
                           "slots_used": u.slots_used, "seats_used": u.seats_used}
                          for u in plan.units], columns=["unit", "model", "pcs", "slots_used",
                                                         "seats_used"])
    unplaced = pd.DataFrame([{"workload": u.name, "reason": u.reason, "kind": "unplaced"}
                             for u in plan.unplaced]
                            + [{"workload": u.name, "reason": u.reason, "kind": "out of scope"}
                               for u in plan.out_of_scope],
                            columns=["workload", "reason", "kind"])
    return {"pcs": pcs, "assignments": assignments, "units": units, "unplaced": unplaced}


def plan_json(plan: Plan, imported: ImportSummary | None = None,
              recovery: dict[str, Any] | None = None) -> dict[str, Any]:
    """The plan's JSON document: the plan, and the import summary and timeline when given.

    ``import``: the reader's summary; ``recovery``: the recovery timeline against the RTO
    (hours after a declaration, planner.recovery.Timeline.to_dict).
    """
    data = plan.to_dict()
    if imported is not None:
        data["import"] = imported.to_dict()
    if recovery is not None:
        data["recovery"] = recovery
    return data


def write_json(plan: Plan, path: str | Path, imported: ImportSummary | None = None,
               recovery: dict[str, Any] | None = None) -> None:
    """Write the plan in the JSON contract (names kept exactly as given); '-' is stdout."""
    text = json.dumps(plan_json(plan, imported, recovery), indent=2,
                      ensure_ascii=False) + "\n"
    if str(path) == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def write_csv(plan: Plan, directory: str | Path) -> list[Path]:
    """Write the assignment tables as CSV files in a directory; return their paths."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in tables(plan).items():
        p = out / f"{name}.csv"
        df.map(safe_cell).to_csv(p, index=False)
        paths.append(p)
    return paths


_XLSX_UNITS = {"vcpu_used": "vcpu_used [vCPU]", "vcpu_usable": "vcpu_usable [vCPU]",
               "slots_used": "slots_used [slots]", "seats_used": "seats_used [seats]",
               "workloads": "workloads [count]", "pcs": "pcs [count]",
               "vcpu_provisioned": "vcpu_provisioned [vCPU]",
               "vcpu_planned": "vcpu_planned [vCPU]"}


def _costs(plan: Plan, assessment: Assessment | None = None) -> pd.DataFrame:
    """The cost rows: the money model's totals, then what the engine minimises and its bound.

    The money model's totals (as the pages and the written plan show them) need the
    assessment. The engine's cost holds the per-PC and per-unit lines only, the physical
    baseline's also its per-PC image lines: the saving is never taken across the two, only
    between the money model's totals.
    """
    cur = plan.currency
    rows: list[dict[str, Any]] = []
    if assessment is not None:
        a, acur = assessment, assessment.currency
        rows += [
            {"item": "cost over the term (every line of the money model)",
             "value": float(a.virtual.total), "unit": acur},
            {"item": "present value", "value": float(a.virtual.present_value), "unit": acur},
            {"item": "physical imaging over the term", "value": float(a.physical.total),
             "unit": acur},
            {"item": "saving against physical imaging", "value": float(a.savings),
             "unit": acur},
            {"item": "saving, present value", "value": float(a.savings_pv), "unit": acur},
        ]
    rows += [
        {"item": "PCs and units over the term (what the engine minimises)",
         "value": float(plan.cost), "unit": cur},
        {"item": "lower bound (of what the engine minimises)", "value": None
         if plan.lower_bound is None else float(plan.lower_bound), "unit": cur},
        {"item": "gap", "value": plan.gap, "unit": "fraction"},
        {"item": "physical imaging PCs and units (with their images)",
         "value": float(plan.baseline.cost), "unit": cur},
        {"item": "term", "value": plan.term_years, "unit": "years"},
    ]
    rows += [{"item": f"PCs of model {m}", "value": k, "unit": "count"}
             for m, k in plan.host_counts().items()]
    rows += [{"item": f"units of model {m}", "value": k, "unit": "count"}
             for m, k in plan.unit_counts().items()]
    rows += [{"item": f"physical imaging PCs of model {m}", "value": k, "unit": "count"}
             for m, k in plan.baseline.by_model.items()]
    rows += [{"item": f"physical imaging units of model {m}", "value": k, "unit": "count"}
             for m, k in plan.baseline.units_by_model.items()]
    sp = _spares(plan)
    if sp:
        rows += [{"item": "N+0 cost (same inventory, no spares)", "value": sp.get("n0_cost"),
                  "unit": cur},
                 {"item": f"spares extra cost (N+{sp['k']} against N+0)",
                  "value": sp.get("extra_cost"), "unit": cur},
                 *({"item": f"spare PCs of model {m}", "value": c, "unit": "count"}
                   for m, c in spares_by_model(sp).items())]
    rows += [{"item": "total PCs", "value": len(plan.hosts), "unit": "count"},
             {"item": "total units", "value": len(plan.units), "unit": "count"},
             {"item": "total physical imaging PCs", "value": plan.baseline.hosts,
              "unit": "count"},
             {"item": "total physical imaging units", "value": plan.baseline.units,
              "unit": "count"}]
    return pd.DataFrame(rows, columns=["item", "value", "unit"])


def _summary(plan: Plan, imported: ImportSummary | None,
             assessment: Assessment | None = None) -> pd.DataFrame:
    placed = sum(len(h.workloads) for h in plan.hosts)
    money: list[tuple[str, Any]] = [] if assessment is None else [
        (f"cost over the term [{assessment.currency}]", float(assessment.virtual.total)),
        (f"physical imaging over the term [{assessment.currency}]",
         float(assessment.physical.total)),
        (f"saving against physical imaging [{assessment.currency}]",
         float(assessment.savings))]
    rows: list[tuple[str, Any]] = [
        ("status", plan.status), ("proven optimal", plan.proven_optimal),
        ("interrupted", plan.interrupted),
        ("recovery PCs", len(plan.hosts)), ("mobile units", len(plan.units)),
        ("workloads placed", placed), ("workloads unplaced", len(plan.unplaced)),
        ("workloads out of scope", len(plan.out_of_scope)),
        *money,
        (f"PCs and units over the term [{plan.currency}] (what the engine minimises)",
         float(plan.cost)),
        (f"lower bound [{plan.currency}]",
         None if plan.lower_bound is None else float(plan.lower_bound)),
        (f"physical imaging PCs and units [{plan.currency}]", float(plan.baseline.cost)),
        ("physical imaging PCs", plan.baseline.hosts),
        ("physical imaging units", plan.baseline.units),
        ("physical imaging leaves out", len(plan.baseline.unplaced)),
        ("solve time [s]", round(plan.solve_seconds, 3)),
    ]
    rows += [("physical imaging leaves out", f"{u.name}: {u.reason}")
             for u in plan.baseline.unplaced]
    if imported is not None:
        rows += [("import file", imported.file), ("import format", imported.format),
                 ("machines read", imported.read), ("machines used", imported.used),
                 ("machines excluded", imported.excluded_total)]
        rows += [(f"excluded: {k}", n) for k, n in sorted(imported.excluded.items())]
        rows += [("total vCPU used", imported.vcpu),
                 ("total memory used [GiB]", round(imported.memory_gib, 3)),
                 ("total storage provisioned [GB]", round(imported.storage_gb, 3))]
        if imported.storage_used_gb:
            rows.append(("total storage in use [GB]", round(imported.storage_used_gb, 3)))
        rows += [("unit conversion", c) for c in imported.conversions]
        rows += [("import note", n) for n in imported.notes]
        rows += [("import warning", w) for w in imported.warnings]
    sp = _spares(plan)
    if sp:
        rows += [("spares (N+k)", sp["k"]), ("spare model", sp.get("model")),
                 (f"N+0 cost [{plan.currency}]", sp.get("n0_cost")),
                 (f"N+k extra cost [{plan.currency}]", sp.get("extra_cost")),
                 ("spares optimal and bound", sp.get("scope"))]
    sz = plan.stats.get("sizing")
    if isinstance(sz, dict):
        conf = sz.get("confidence")
        rows += [("sizing file", sz.get("file")),
                 ("sizing usage source", sz.get("source", "usage file")),
                 ("sizing percentile", sz.get("percentile")),
                 ("sizing comfort factor", sz.get("comfort")),
                 ("workloads sized on measured use", sz.get("measured")),
                 ("workloads without usage (kept provisioned)", len(sz.get("fallback") or [])),
                 ("sizing confidence [share of measured on enough samples and days]", conf)]
    rows += [("plan warning", w) for w in plan.warnings]
    return pd.DataFrame(rows, columns=["item", "value"])


def _spares(plan: Plan) -> dict[str, Any] | None:
    """The plan's N+k account (policy spares), when it has spares."""
    sp = plan.stats.get("spares")
    return sp if isinstance(sp, dict) and sp.get("model") else None


def sizing_table(plan: Plan) -> pd.DataFrame:
    """Each workload sized on measured use: provisioned and planned size, confidence."""
    sz = plan.stats.get("sizing")
    rows = sz.get("workloads", []) if isinstance(sz, dict) else []
    return pd.DataFrame([{
        "workload": r["name"], "vcpu_provisioned": r["vcpu"],
        "vcpu_planned": r["planned_vcpu"], "memory_provisioned [GiB]": r["memory_gib"],
        "memory_planned [GiB]": r["planned_memory_gib"], "confident": r["confident"],
    } for r in rows], columns=["workload", "vcpu_provisioned", "vcpu_planned",
                               "memory_provisioned [GiB]", "memory_planned [GiB]",
                               "confident"])


def xlsx_bytes(plan: Plan, imported: ImportSummary | None = None,
               assessment: Assessment | None = None) -> bytes:
    """The plan workbook of :func:`write_xlsx` in memory (a download, nothing on disk)."""
    buf = io.BytesIO()
    write_xlsx(plan, buf, imported, assessment)
    return buf.getvalue()


def csv_zip_bytes(plan: Plan) -> bytes:
    """The CSV tables of :func:`write_csv` in one zip archive, in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, df in tables(plan).items():
            z.writestr(f"{name}.csv", df.map(safe_cell).to_csv(index=False))
    return buf.getvalue()


def json_bytes(plan: Plan, imported: ImportSummary | None = None) -> bytes:
    """The plan's JSON contract of :func:`write_json`, in memory."""
    return (json.dumps(plan_json(plan, imported), indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")


def write_xlsx(plan: Plan, path: str | Path | io.BytesIO,
               imported: ImportSummary | None = None,
               assessment: Assessment | None = None) -> Path | io.BytesIO:
    """Write the plan as an Excel workbook: summary, PCs, units, assignments, unplaced, costs.

    With the plan's ``assessment`` (``planner.assess``) the summary and costs sheets carry the
    money model's totals and saving, the figures of the pages and the written plan.

    Text is never turned into a formula, number or link (XlsxWriter's strings_to_* off), and
    text that a spreadsheet could run as a formula also carries Excel's quote prefix, so it
    stays text when a user edits the cell; the names themselves are kept exactly.
    """
    t = tables(plan)
    sheets = {
        "summary": _summary(plan, imported, assessment),
        "PCs": t["pcs"].rename(columns=_XLSX_UNITS),
        "units": t["units"].rename(columns=_XLSX_UNITS),
        "assignments": t["assignments"],
        "unplaced": t["unplaced"],
        "costs": _costs(plan, assessment),
    }
    if isinstance(plan.stats.get("sizing"), dict):
        sheets["sizing"] = sizing_table(plan).rename(columns=_XLSX_UNITS)
    out = path if isinstance(path, io.BytesIO) else Path(path)
    wb = xlsxwriter.Workbook(out if isinstance(out, io.BytesIO) else str(out),
                             {"strings_to_formulas": False,
                                        "strings_to_numbers": False,
                                        "strings_to_urls": False,
                                        "nan_inf_to_errors": True})
    try:
        bold = wb.add_format({"bold": True})
        quoted = wb.add_format({"quote_prefix": True})
        for name, df in sheets.items():
            ws = wb.add_worksheet(name)
            for c, col in enumerate(df.columns):
                ws.write_string(0, c, str(col), bold)
                ws.set_column(c, c, max(12, min(48, len(str(col)) + 2)))
            for r, row in enumerate(df.itertuples(index=False), start=1):
                for c, value in enumerate(row):
                    _write(ws, r, c, value, quoted)
            ws.freeze_panes(1, 0)
    finally:
        wb.close()
    return out


def _write(ws: Any, r: int, c: int, value: object, quoted: Any) -> None:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars from the tables
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(r, c, None)
    elif isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    else:
        text = str(value)
        if text.startswith(_FORMULA_START):
            ws.write_string(r, c, text, quoted)
        else:
            ws.write_string(r, c, text)
