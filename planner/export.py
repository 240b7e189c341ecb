"""Plan exports: JSON, and CSV assignment tables safe to open in a spreadsheet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from planner.plan import Plan

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula (OWASP CSV injection guidance)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def tables(plan: Plan) -> dict[str, pd.DataFrame]:
    """The plan as tidy tables: pcs, assignments, units, unplaced."""
    pcs = pd.DataFrame([{
        "pc": h.id, "model": h.model, "unit": h.unit or "", "workloads": len(h.workloads),
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


def write_json(plan: Plan, path: str | Path) -> None:
    """Write the plan in the JSON contract (names kept exactly as given)."""
    Path(path).write_text(json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")


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
