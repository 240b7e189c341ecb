"""The common last step of every reader: mapping, exclusions, duplicates, totals, warnings.

Format readers turn rows into :class:`Record` objects (a Workload plus the power state and
template flag the export carries); :func:`finish` decides which are used, counts every one
that is not, and builds the Inventory and the summary's totals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from planner.errors import InputError
from planner.readers.inventory import Inventory, Workload
from planner.readers.mapping import Mapping
from planner.readers.summary import (
    MAX_LISTED,
    SUSPICIOUS_MEMORY_GIB,
    SUSPICIOUS_STORAGE_GB,
    SUSPICIOUS_VCPU,
    ImportSummary,
)
from planner.readers.table import Cell, Table, cell_text

POWERED_OFF = "powered off"
TEMPLATE = "template"
BY_MAPPING = "excluded by the mapping file"
ZERO_VCPU = "0 vCPU in the export"


@dataclass
class Record:
    """One machine as read, before the decision to use it. vcpu 0 is kept here to be counted."""

    workload: Workload
    powered_on: bool = True
    template: bool = False
    sheet: str | None = None


def _where(summary: ImportSummary, r: Record) -> str:
    sheet = f"sheet {r.sheet}, " if r.sheet else ""
    return f"{sheet}row {r.workload.row}"


def finish(records: Iterable[Record], summary: ImportSummary, *, mapping: Mapping | None,
           include_powered_off: bool, include_templates: bool) -> Inventory:
    """Apply the mapping and exclusions, check names, total up; return the used workloads."""
    used: list[Workload] = []
    seen: dict[str, Record] = {}
    listed: dict[str, int] = {}

    def warn(kind: str, text: str) -> None:
        listed[kind] = listed.get(kind, 0) + 1
        if listed[kind] <= MAX_LISTED:
            summary.warnings.append(text)

    for r in records:
        w = r.workload
        summary.read += w.count
        excluded = False
        if mapping is not None:
            before = (w.affinity, w.anti_affinity)
            w, excluded, matched = mapping.apply(w)
            summary.mapped += matched
            summary.rules_mapped += before != (w.affinity, w.anti_affinity)
        if excluded:
            summary.exclude(w.name, BY_MAPPING, w.count)
            continue
        if r.template and not include_templates:
            summary.exclude(w.name, TEMPLATE, w.count)
            continue
        if not r.powered_on and not include_powered_off:
            summary.exclude(w.name, POWERED_OFF, w.count)
            continue
        if w.vcpu == 0:
            summary.exclude(w.name, ZERO_VCPU, w.count)
            warn("vcpu0", f"{w.name} ({_where(summary, r)}): 0 vCPU, not planned; fix the "
                 "export or set the machine's size in the planner's own format")
            continue
        if w.name in seen:
            first = seen[w.name]
            raise InputError(
                f"duplicate name (first on {_where(summary, first)})", file=summary.file,
                sheet=r.sheet, row=w.row, field="name", found=w.name,
                fix="names must be unique: rename one in the source (a mapping file matches "
                "by name, so it would exclude both copies)")
        seen[w.name] = r
        if w.storage_used_gb is not None and w.storage_used_gb <= 0:
            w = replace(w, storage_used_gb=None)
            warn("used0", f"{w.name} ({_where(summary, r)}): 0 storage in use; "
                 "planned with its provisioned storage")
        if w.storage_gb > SUSPICIOUS_STORAGE_GB:
            warn("big", f"{w.name} ({_where(summary, r)}): {w.storage_gb / 1000:,.1f} TB "
                 "storage on one machine; check the unit")
        if w.memory_gib < SUSPICIOUS_MEMORY_GIB:
            warn("mem", f"{w.name} ({_where(summary, r)}): only {w.memory_gib * 1024:,.0f} MiB "
                 "memory; check the unit")
        if w.vcpu > SUSPICIOUS_VCPU:
            warn("cpu", f"{w.name} ({_where(summary, r)}): {w.vcpu} vCPU; check the value")
        used.append(w)
        summary.used += w.count
        summary.vcpu += w.vcpu * w.count
        summary.memory_gib += w.memory_gib * w.count
        summary.storage_gb += w.storage_gb * w.count
        if w.storage_used_gb is not None:
            summary.storage_used_gb += w.storage_used_gb * w.count
    _groups(used, summary, warn)
    for kind, n in listed.items():
        if n > MAX_LISTED:
            summary.warnings.append(f"... and {n - MAX_LISTED} more warning(s) like the "
                                    f"above ({kind})")
    if mapping is not None:
        summary.warnings.extend(mapping.unused())
    summary.check()
    if summary.read == 0:
        raise InputError("no machines in the file", file=summary.file, sheet=summary.sheet,
                         fix="export the inventory again; rows below the header hold machines")
    if not used:
        reasons = ", ".join(f"{n} {k}" for k, n in summary.excluded.items())
        raise InputError(f"every machine was excluded ({reasons})", file=summary.file,
                         sheet=summary.sheet,
                         fix="use --include-powered-off / --include-templates, or check the "
                         "mapping file")
    return Inventory(tuple(used), source=summary.file)


def _groups(used: list[Workload], summary: ImportSummary,
            warn: Callable[[str, str], None]) -> None:
    """The affinity and anti-affinity groups over the machines used, into the summary."""
    groups: dict[str, dict[str, list[str]]] = {}
    for w in used:
        for kind, g in (("affinity", w.affinity), ("anti-affinity", w.anti_affinity)):
            if g:
                groups.setdefault(kind, {}).setdefault(g, []).extend(w.instance_names())
    summary.groups = groups
    for g, members in groups.get("anti-affinity", {}).items():
        if len(members) < 2:
            warn("group1", f"anti-affinity group {g!r} has one machine planned ({members[0]}); "
                 "nothing to keep apart (its other members are excluded or not in the file)")


def machine_rows(table: Table, summary: ImportSummary) -> Iterator[tuple[int, list[Cell]]]:
    """The table's rows that describe a machine; every row is counted, blank ones skipped."""
    for rowno, cells in table.rows:
        summary.rows += 1
        if not any(cell_text(c) for c in cells):
            summary.blank_rows += 1
            continue
        yield rowno, cells
