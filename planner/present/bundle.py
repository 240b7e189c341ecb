"""Inputs as tables and files: the editable inventory table, and the whole scenario as one file.

The dashboard edits the inventory as a table and quotes and the policy as forms; every edit goes
back through the same readers as a file would (``load_inventory``, ``parse_catalog``,
``parse_policy``), so an edited value is validated exactly like a typed one. A scenario file
(JSON) holds the inventory with its edits as the planner's CSV, each quote and the policy as the
TOML tables they were read from, the usage file and what sizing takes from the original import
(excluded machines, host clocks, an RVTools usage snapshot), and loads back into the same state.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.readers import ImportSummary, Overcommit, load_inventory, load_usage
from planner.readers.catalog import (
    Catalog,
    HostModel,
    Policy,
    UnitModel,
    parse_catalog,
    parse_policy,
)
from planner.readers.inventory import Inventory
from planner.readers.snapshot import ExportUsage
from planner.readers.text import decode

FORMAT = "dr-contract-planner-scenario"
VERSION = 1
#: the inventory table's columns, with the unit of each size column in its header
COLUMNS = ("name", "vcpu", "memory [GiB]", "storage [GB]", "storage_used [GB]", "kind",
           "source", "tier", "count", "affinity", "anti_affinity")


def inventory_frame(inventory: Inventory) -> pd.DataFrame:
    """The inventory as a table of the planner's columns (sizes in GiB and GB)."""
    rows = [{"name": w.name, "vcpu": w.vcpu, "memory [GiB]": w.memory_gib,
             "storage [GB]": w.storage_gb, "storage_used [GB]": w.storage_used_gb,
             "kind": w.kind, "source": w.source, "tier": w.tier, "count": w.count,
             "affinity": w.affinity, "anti_affinity": w.anti_affinity}
            for w in inventory.workloads]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v))
    return str(v)


def frame_csv(frame: pd.DataFrame) -> bytes:
    """The table as the planner's CSV (exact numbers, units in the header)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    cols = [c for c in COLUMNS if c in frame.columns]
    w.writerow(cols)
    for row in frame[cols].itertuples(index=False):
        cells = [_cell(v) for v in row]
        if any(cells):
            w.writerow(cells)
    return out.getvalue().encode("utf-8")


def inventory_from_frame(frame: pd.DataFrame, name: str = "inventory table"
                         ) -> tuple[Inventory, ImportSummary]:
    """Read an edited table back through the planner's own CSV reader (same checks, rows)."""
    return load_inventory(f"{name}.csv", data=frame_csv(frame))


def _money(x: Decimal) -> str:
    return str(x)


def _model(m: HostModel | UnitModel) -> dict[str, Any]:
    d: dict[str, Any] = {"name": m.name}
    if isinstance(m, HostModel):
        d.update(cores=m.cores, memory=f"{m.memory_gib!r} GiB", storage=f"{m.storage_gb!r} GB",
                 slots=m.slots, restore_rate=f"{m.restore_rate_gb_h!r} GB/h",
                 boot_minutes=m.boot_minutes)
    else:
        d.update(slots=m.slots, seats=m.seats)
    d["delivery_hours"] = m.delivery_hours
    d.update(monthly_fee=_money(m.monthly_fee), setup_fee=_money(m.setup_fee),
             declaration_fee=_money(m.declaration_fee), daily_fee=_money(m.daily_fee))
    if m.available is not None:
        d["available"] = m.available
    return d


def catalog_dict(catalog: Catalog) -> dict[str, Any]:
    """The catalog as the TOML tables ``parse_catalog`` reads (round trip: the same Catalog)."""
    d: dict[str, Any] = {"vendor": catalog.vendor, "currency": catalog.currency,
                         "term_years": catalog.term_years,
                         "included_test_days": _money(catalog.included_test_days),
                         "test_day_fee": _money(catalog.test_day_fee),
                         "annual_escalation": _money(catalog.annual_escalation)}
    d.update(catalog.extra)
    if catalog.discounts:
        d["discount"] = [{"min_pcs": t.min_pcs, "percent": _money(t.percent)}
                         for t in catalog.discounts]
    d["host"] = [_model(m) for m in catalog.hosts]
    if catalog.units:
        d["unit"] = [_model(u) for u in catalog.units]
    return d


def policy_dict(policy: Policy) -> dict[str, Any]:
    """The policy as the TOML tables ``parse_policy`` reads (round trip: the same Policy)."""
    sc = policy.scenario
    scenario: dict[str, Any] = {
        "declarations": _money(sc.declarations), "disaster_days": _money(sc.disaster_days),
        "p2v_server": _money(sc.p2v_server), "p2v_workstation": _money(sc.p2v_workstation),
        "hypervisor_licence": _money(sc.hypervisor_licence),
        "hypervisor_subscription": _money(sc.hypervisor_subscription),
        "image_storage": _money(sc.image_storage),
        "image_maintenance": _money(sc.image_maintenance),
        "virtual_images": sc.virtual_images, "discount_rate": _money(sc.discount_rate),
        "rates": {code: _money(r) for code, r in sc.rates},
        "tests": {t.kind: {"per_year": t.per_year, "pc_days": _money(t.pc_days),
                           "unit_days": _money(t.unit_days),
                           **({} if t.tiers is None else {"tiers": list(t.tiers)})}
                  for t in sc.tests},
    }
    if sc.currency is not None:
        scenario["currency"] = sc.currency
    d: dict[str, Any] = {
        "cpu_overcommit": policy.cpu_overcommit, "memory_overcommit": policy.memory_overcommit,
        "headroom": policy.headroom, "host_reserved_cores": policy.host_reserved_cores,
        "host_reserved_memory": f"{policy.host_reserved_memory_gib!r} GiB",
        "growth_per_year": policy.growth_per_year, "storage_basis": policy.storage_basis,
        "tiers": list(policy.tiers), "workstation_seats": policy.workstation_seats,
    }
    if policy.rto:
        d["rto"] = {str(t): hours for t, hours in policy.rto}
    if policy.approvals:
        d["approval"] = [{"name": n, "role": r} for n, r in policy.approvals]
    d.update(sizing=policy.sizing, usage_percentile=policy.usage_percentile,
             comfort_factor=policy.comfort_factor, min_vcpu=policy.min_vcpu,
             min_memory=f"{policy.min_memory_gib!r} GiB",
             usage_min_samples=policy.usage_min_samples, usage_min_days=policy.usage_min_days)
    if policy.sizing_by_tier:
        d["sizing_by_tier"] = {str(t): mode for t, mode in policy.sizing_by_tier}
    if policy.cpu_mhz_per_core is not None:
        d["cpu_mhz_per_core"] = policy.cpu_mhz_per_core
    if policy.spares:
        d["spares"] = policy.spares
    d.update(policy.extra)
    d["scenario"] = scenario
    return d


@dataclass
class Bundle:
    """A whole scenario: the inventory (with its import summary), the quotes, the policy.

    ``usage_name`` and ``usage_data``: the usage file the scenario was sized with (if any).
    """

    inventory: Inventory
    summary: ImportSummary
    catalogs: list[Catalog]
    policy: Policy
    usage_name: str | None = None
    usage_data: bytes | None = field(default=None, repr=False)
    #: the quote the plan was made with (index into ``catalogs``), and the dashboard's
    #: "Plan to meet the RTO" switch
    active: int = 0
    enforce_rto: bool = False


def _import_dict(imported: ImportSummary) -> dict[str, Any]:
    """What sizing needs from the original import: machines excluded, host clocks, snapshot."""
    d: dict[str, Any] = {}
    if imported.excluded_names:
        d["excluded"] = {"counts": dict(imported.excluded),
                         "names": [list(x) for x in imported.excluded_names]}
    if imported.overcommit is not None:
        d["overcommit"] = asdict(imported.overcommit)
    if imported.export_usage is not None:
        d["usage_snapshot"] = imported.export_usage.to_dict()
    return d


def save_bundle(inventory: Inventory, catalogs: list[Catalog], policy: Policy, *,
                imported: ImportSummary | None = None,
                usage: tuple[str, bytes] | None = None, active: int = 0,
                enforce_rto: bool = False) -> bytes:
    """The scenario as one JSON file that :func:`load_bundle` reads back into the same state.

    With ``usage`` (name, bytes of a usage file) the file goes in as text, and with
    ``imported`` what sizing takes from the original import (machines excluded there, the
    hosts' clocks, an RVTools usage snapshot), so the loaded scenario sizes the same way.
    """
    data: dict[str, Any] = {
        "format": FORMAT, "version": VERSION,
        "inventory_csv": frame_csv(inventory_frame(inventory)).decode("utf-8"),
        "quotes": [{"name": c.source or c.vendor, "catalog": catalog_dict(c)}
                   for c in catalogs],
        "policy": policy_dict(policy), "active": active, "enforce_rto": enforce_rto}
    if usage is not None:
        data["usage"] = {"name": usage[0], "text": decode(usage[1], file=usage[0], notes=[])}
    if imported is not None and (imp := _import_dict(imported)):
        data["import"] = imp
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _restore_import(summary: ImportSummary, imp: object, name: str) -> None:
    """Put back what :func:`_import_dict` kept; a damaged entry names the scenario file."""
    if not isinstance(imp, dict):
        raise InputError("damaged import account", file=name, field="import",
                         fix="export the scenario again")
    try:
        if "excluded" in imp:
            counts = {str(k): int(v) for k, v in imp["excluded"]["counts"].items()}
            summary.excluded_names += [(str(n), str(r)) for n, r in imp["excluded"]["names"]]
            for reason, n in counts.items():
                summary.excluded[reason] = summary.excluded.get(reason, 0) + n
            summary.read += sum(counts.values())
        if "overcommit" in imp:
            summary.overcommit = Overcommit(**imp["overcommit"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"damaged import account: {exc}", file=name, field="import",
                         fix="export the scenario again") from None
    if "usage_snapshot" in imp:
        summary.export_usage = ExportUsage.from_dict(imp["usage_snapshot"], name)


def load_bundle(data: bytes, name: str = "scenario.json") -> Bundle:
    """Read a scenario file written by :func:`save_bundle` (every part validated again)."""
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a scenario file: {exc}", file=name,
                         fix="export the scenario again from the Export page") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InputError("not a scenario file of this planner", file=name, field="format",
                         fix="export the scenario again from the Export page")
    if raw.get("version") != VERSION:
        raise InputError(f"scenario file version {raw.get('version')!r} is not supported",
                         file=name, field="version", fix=f"use a version {VERSION} file")
    quotes = raw.get("quotes")
    if not isinstance(raw.get("inventory_csv"), str) or not isinstance(quotes, list) \
            or not quotes or not isinstance(raw.get("policy"), dict):
        raise InputError("incomplete scenario file", file=name,
                         fix="it needs inventory_csv, quotes and policy; export it again")
    inventory, summary = load_inventory(f"{name}:inventory.csv",
                                        data=raw["inventory_csv"].encode("utf-8"))
    catalogs = []
    for i, q in enumerate(quotes, start=1):
        if not isinstance(q, dict) or not isinstance(q.get("catalog"), dict):
            raise InputError("a quote without its catalog", file=name, field=f"quotes[{i}]",
                             fix="export the scenario again")
        catalogs.append(parse_catalog(q["catalog"], str(q.get("name") or f"quote {i}")))
    policy = parse_policy(raw["policy"], f"{name}:policy")
    if "import" in raw:
        _restore_import(summary, raw["import"], name)
    usage_name = usage_data = None
    if (usage := raw.get("usage")) is not None:
        if not isinstance(usage, dict) or not isinstance(usage.get("name"), str) \
                or not isinstance(usage.get("text"), str):
            raise InputError("damaged usage file entry", file=name, field="usage",
                             fix="it needs the usage file's name and text; export it again")
        usage_name, usage_data = usage["name"], usage["text"].encode("utf-8")
        load_usage(usage_name, policy.usage_percentile, usage_data)  # checked like an upload
    active, enforce = raw.get("active", 0), raw.get("enforce_rto", False)
    if not isinstance(active, int) or isinstance(active, bool) \
            or not 0 <= active < len(catalogs):
        raise InputError(f"the quote planned with is {active!r}, not one of the "
                         f"{len(catalogs)} quotes", file=name, field="active",
                         fix="export the scenario again")
    if not isinstance(enforce, bool):
        raise InputError("enforce_rto must be true or false", file=name, field="enforce_rto",
                         found=str(enforce), fix="export the scenario again")
    return Bundle(inventory, summary, catalogs, policy, usage_name, usage_data, active,
                  enforce)
