"""Sizing on measured use: a usage file, and workloads resized from it under the policy.

The usage file has one row per workload (its CPU and memory at the policy's percentile, the
samples and days they cover) or many rows per workload (a time series: the percentile is taken
here, its rows are its samples, and with a ``time`` column its days covered are the span of
its timestamps plus one sampling interval, whatever a ``days`` column says). Units in the
header (``cpu [MHz]``, ``memory [GiB]``) or the cells (``850 MHz``); CPU in MHz or GHz is
turned into vCPUs through the MHz of one core (the row's ``mhz_per_core``, else the policy's
``cpu_mhz_per_core``, else the export's hosts), CPU in ``%`` and memory in ``%`` are shares of
the workload's provisioned size.

Measured size = usage at the percentile x ``comfort_factor``, never below the floor
(``min_vcpu``, ``min_memory``) and never above the provisioned size; vCPUs are rounded up to
whole vCPUs. Storage stays per ``storage_basis``. A workload sized "measured" without usage
keeps its provisioned size and is listed, so nothing changes silently.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from planner.errors import InputError
from planner.readers.catalog import Policy
from planner.readers.inventory import Inventory, Workload
from planner.readers.table import Cell, canon, cell_text
from planner.readers.text import csv_table, decode
from planner.readers.units import Q_, UnitParseError, byte_unit, split_header

#: SizingSummary.source of usage read from an RVTools export's vCPU and vMemory sheets
SNAPSHOT = "export snapshot"
PROVISIONED = "provisioned"
MEASURED = "measured"
SIZING_MODES = (PROVISIONED, MEASURED)
_CPU_UNITS = {"mhz": 1.0, "ghz": 1000.0}
_VCPU_UNITS = {"vcpu", "vcpus", "core", "cores", "cpu"}
#: a column of these names dates each sample of a time series (its days covered come from it)
_TIME_COLUMNS = ("time", "timestamp", "datetime", "date")
_NUM = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z%]+)?\s*$")


@dataclass
class Usage:
    """One workload's measured use: CPU as MHz, vCPUs or a share; memory as GiB or a share.

    cpu_kind: 'mhz', 'vcpu' or 'percent'; mem_kind: 'gib' or 'percent'.
    """

    name: str
    row: int
    cpu: float
    cpu_kind: str
    memory: float
    mem_kind: str
    samples: int | None = None
    days: float | None = None
    mhz_per_core: float | None = None
    #: the sheet the row came from (an RVTools export's vCPU sheet) and its name and CPU
    #: columns, for error messages
    sheet: str | None = None
    name_field: str = "name"
    cpu_field: str = "cpu"
    #: the MHz of one core of the VM's current host (RVTools vHost ``Speed``); used after the
    #: row's own ``mhz_per_core`` and the policy's ``cpu_mhz_per_core``
    export_mhz: float | None = None
    #: read from an export's vCPU and vMemory sheets (one snapshot), not a usage file
    export: bool = False


@dataclass
class SizedWorkload:
    """How one workload was sized: provisioned and planned figures, and why."""

    name: str
    mode: str
    vcpu: int
    memory_gib: float
    planned_vcpu: int
    planned_memory_gib: float
    confident: bool | None = None
    note: str = ""
    #: identical machines this row stands for (the inventory's ``count``)
    count: int = 1


@dataclass
class SizingSummary:
    """The account of sizing: every workload sized measured, fallen back, or provisioned."""

    file: str
    percentile: float
    comfort: float
    sized: list[SizedWorkload] = field(default_factory=list)
    fallback: list[str] = field(default_factory=list)
    provisioned: int = 0
    #: where the usage came from: a usage file, or the export's single snapshot
    source: str = "usage file"
    notes: list[str] = field(default_factory=list)

    @property
    def snapshot(self) -> bool:
        """Whether the usage is one snapshot of the export (vCPU, vMemory): low confidence."""
        return self.source == SNAPSHOT

    @property
    def measured(self) -> list[SizedWorkload]:
        """Workloads sized on their measured use."""
        return [s for s in self.sized if s.mode == MEASURED]

    @property
    def measured_machines(self) -> int:
        """Machines (instances, a row's count included) sized on their measured use."""
        return sum(s.count for s in self.measured)

    @property
    def confidence(self) -> float | None:
        """Share of measured machines sized on enough samples over enough days."""
        n = self.measured_machines
        return sum(s.count for s in self.measured if s.confident) / n if n else None

    def totals(self) -> tuple[int, int, float, float]:
        """VCPU and memory [GiB], provisioned then as planned, over every machine.

        Every machine sized on measured use or kept provisioned for lack of usage, a row's
        count included.
        """
        return (sum(s.vcpu * s.count for s in self.sized),
                sum(s.planned_vcpu * s.count for s in self.sized),
                sum(s.memory_gib * s.count for s in self.sized),
                sum(s.planned_memory_gib * s.count for s in self.sized))

    def lines(self) -> list[str]:
        """The sizing account as terminal lines."""
        v0, v1, m0, m1 = self.totals()
        conf = self.confidence
        how = (f"one snapshot x {self.comfort:g}" if self.snapshot
               else f"p{self.percentile:g} x {self.comfort:g}")
        out = [f"Sizing: {self.measured_machines} workload(s) on measured use ({how}) from "
               f"{self.file}, {len(self.fallback)} without usage kept provisioned, "
               f"{self.provisioned} provisioned by policy"]
        if self.snapshot:
            out.append("  usage from the export's snapshot (vCPU Overall, vMemory Consumed): "
                       "1 sample, 0 days, so low confidence; give a usage file for more")
        out.append(f"  vCPU {v0:,} -> {v1:,}, memory {m0:,.1f} -> {m1:,.1f} GiB")
        out += [f"  {n}" for n in self.notes]
        if conf is not None:
            out.append(f"  confidence: {conf:.0%} of measured workloads on enough samples "
                       "over enough days")
        if self.fallback:
            shown = ", ".join(self.fallback[:10])
            more = f" and {len(self.fallback) - 10} more" if len(self.fallback) > 10 else ""
            out.append(f"  no usage (planned provisioned): {shown}{more}")
        return out

    def warnings(self) -> list[str]:
        """The plan warnings the sizing gives: fallbacks, and a snapshot's low confidence."""
        out = []
        if self.fallback:
            out.append(f"{len(self.fallback)} workload(s) to size on measured use have no "
                       "usage: planned provisioned")
        if self.snapshot and self.measured:
            out.append(f"{self.measured_machines} workload(s) sized on one snapshot of the "
                       "export's vCPU and vMemory sheets (1 sample, 0 days): low confidence; "
                       "a usage file over days gives a percentile")
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain data for the plan's stats and the exports."""
        v0, v1, m0, m1 = self.totals()
        return {"file": self.file, "source": self.source, "notes": list(self.notes),
                "percentile": self.percentile, "comfort": self.comfort,
                "measured": self.measured_machines, "fallback": list(self.fallback),
                "provisioned": self.provisioned, "confidence": self.confidence,
                "vcpu": [v0, v1], "memory_gib": [round(m0, 3), round(m1, 3)],
                "workloads": [s.__dict__ for s in self.sized if s.mode == MEASURED]}


def _number(value: Cell, header_unit: str | None, *, file: str, row: int, field: str,
            what: str) -> tuple[float, str | None]:
    """A non-negative finite number and its unit (cell before header)."""
    text = cell_text(value)
    if not text:
        raise InputError("missing value", file=file, row=row, field=field,
                         fix=f"give {what}")
    m = _NUM.match(text)
    if not m:
        raise InputError("not a number", file=file, row=row, field=field, found=text,
                         fix=f"give {what}")
    number = float(m.group(1))
    if not math.isfinite(number) or number < 0:
        raise InputError("must be a finite number >= 0", file=file, row=row, field=field,
                         found=text, fix=f"give {what}")
    return number, m.group(2) or header_unit


def _cpu(value: Cell, unit: str | None, *, file: str, row: int) -> tuple[float, str]:
    what = "the CPU use with a unit: MHz, GHz, vCPU or %"
    number, u = _number(value, unit, file=file, row=row, field="cpu", what=what)
    if u is None:
        raise InputError("a bare number has no unit", file=file, row=row, field="cpu",
                         found=cell_text(value),
                         fix="write the unit in the cell ('850 MHz') or the header ('cpu [MHz]')")
    key = u.lower()
    if key in _CPU_UNITS:
        return number * _CPU_UNITS[key], "mhz"
    if key in _VCPU_UNITS:
        return number, "vcpu"
    if key == "%":
        return number, "percent"
    raise InputError(f"unknown CPU unit '{u}'", file=file, row=row, field="cpu", found=u,
                     fix="use MHz, GHz, vCPU or %")


def _memory(value: Cell, unit: str | None, *, file: str, row: int) -> tuple[float, str]:
    what = "the memory in use with a unit, e.g. '3.2 GiB' or '40 %'"
    number, u = _number(value, unit, file=file, row=row, field="memory", what=what)
    if u is None:
        raise InputError("a bare number has no unit", file=file, row=row, field="memory",
                         found=cell_text(value),
                         fix="write the unit in the cell ('3 GiB') or the header "
                         "('memory [GiB]')")
    if u == "%":
        return number, "percent"
    try:
        gib = float(Q_(number, byte_unit(u)).to("gibibyte").magnitude)
    except UnitParseError as exc:
        raise InputError(str(exc), file=file, row=row, field="memory", found=u,
                         fix="use KiB, MiB, GiB (or kB, MB, GB) or %") from None
    return gib, "gib"


def load_usage(path: str | Path, percentile: float = 95.0, data: bytes | None = None
               ) -> dict[str, Usage]:
    """Read a usage file (see the module docstring); rows of one name are a time series."""
    file = str(path)
    try:
        raw = Path(path).read_bytes() if data is None else data
    except OSError as exc:
        raise InputError(f"cannot read usage file: {exc.strerror}", file=file) from None
    text = decode(raw, file=file, notes=[])
    if not text.strip():
        raise InputError("usage file is empty", file=file,
                         fix="write a header such as 'name,cpu [MHz],memory [GiB],samples,days'")
    table = csv_table(text, file=file)
    cols: dict[str, tuple[int, str | None]] = {}
    for i, h in enumerate(table.header):
        name, unit = split_header(str(h))
        cols[canon(name).replace(" ", "_")] = (i, unit)
    missing = [c for c in ("name", "cpu", "memory") if c not in cols]
    if missing:
        raise InputError(f"usage file without column(s) {', '.join(missing)}", file=file,
                         row=table.header_row, found=table.header,
                         fix="header e.g. 'name,cpu [MHz],memory [GiB],samples,days'")
    time_key = next((k for k in _TIME_COLUMNS if k in cols), None)
    series: dict[str, list[Usage]] = {}
    times: dict[str, list[tuple[dt.datetime | None, int]]] = {}
    for rowno, cells in table.rows:
        def get(key: str, cells: list[Cell] = cells) -> Cell:
            i = cols[key][0] if key in cols else None
            return cells[i] if i is not None and i < len(cells) else None

        if not any(cell_text(c) for c in cells):
            continue
        name = cell_text(get("name"))
        if not name:
            raise InputError("empty name", file=file, row=rowno, field="name",
                             fix="name the workload as in the inventory")
        cpu, cpu_kind = _cpu(get("cpu"), cols["cpu"][1], file=file, row=rowno)
        mem, mem_kind = _memory(get("memory"), cols["memory"][1], file=file, row=rowno)
        u = Usage(name, rowno, cpu, cpu_kind, mem, mem_kind)
        for key, what in (("samples", "a whole number of samples"),
                          ("days", "the days the samples cover"),
                          ("mhz_per_core", "the MHz of one core of the workload's host")):
            if key in cols and cell_text(get(key)):
                v, _ = _number(get(key), None, file=file, row=rowno, field=key, what=what)
                if key == "samples":
                    u.samples = int(v)
                elif key == "days":
                    u.days = v
                elif v > 0:
                    u.mhz_per_core = v
        prev = series.get(name)
        if prev and (prev[0].cpu_kind, prev[0].mem_kind) != (cpu_kind, mem_kind):
            raise InputError("rows of one workload mix units", file=file, row=rowno,
                             field="cpu", found=name, fix="give a time series in one unit")
        series.setdefault(name, []).append(u)
        if time_key is not None:
            times.setdefault(name, []).append(
                (_timestamp(get(time_key), file=file, row=rowno, field=time_key), rowno))
    if not series:
        raise InputError("no usage rows in the file", file=file,
                         fix="add one row per workload below the header")
    out = {n: _collapse(rows, percentile) for n, rows in series.items()}
    for name, stamps in times.items():
        if len(stamps) > 1:  # a summary row keeps its own days
            out[name].days = days_covered(stamps, file=file, field=str(time_key))
    return out


def _timestamp(value: Cell, *, file: str, row: int, field: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time (``2026-11-01``, ``2026-11-01 10:05``, ``...Z``)."""
    text = cell_text(value)
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError("not a date and time", file=file, row=row, field=field, found=text,
                         fix="write ISO 8601, e.g. 2026-11-01T10:05:00, 2026-11-01 10:05 or "
                         "2026-11-01T10:05:00Z") from None


def days_covered(stamps: list[tuple[dt.datetime | None, int]], *, file: str = "<usage>",
                 field: str = "time") -> float:
    """Days a time series covers: first to last sample plus one sampling interval.

    The interval is the lower median gap between consecutive samples, so that 7 daily samples
    cover 7 days and 288 five-minute samples 1 day; one sample covers 0 days. Every sample of a
    series needs its time, two samples of one time are an error (a file merged twice), and
    times with and without a UTC offset do not mix.
    """
    known: list[tuple[dt.datetime, int]] = []
    for t, row in stamps:
        if t is None:
            raise InputError("missing value", file=file, row=row, field=field,
                             fix="give every sample of a time series its date and time")
        known.append((t, row))
    aware = {t.tzinfo is not None for t, _ in known}
    if len(aware) > 1:
        row = next(r for t, r in known if (t.tzinfo is not None) != (known[0][0].tzinfo
                                                                        is not None))
        raise InputError("times with and without a UTC offset in one series", file=file,
                         row=row, field=field, fix="give every time with its offset (or none)")
    known.sort(key=lambda x: x[0])
    for (a, _), (b, row) in itertools.pairwise(known):
        if a == b:
            raise InputError("two samples of one workload at the same time", file=file,
                             row=row, field=field, found=b.isoformat(),
                             fix="delete the repeated row (was the file merged twice?)")
    if len(known) < 2:
        return 0.0
    gaps = [(b - a).total_seconds() for (a, _), (b, _) in itertools.pairwise(known)]
    span = (known[-1][0] - known[0][0]).total_seconds()
    # the lower median: never an average of two gaps, which could add more than any interval
    # the samples show (00:00, 00:05 and a month later would cover 45 days)
    interval = sorted(gaps)[(len(gaps) - 1) // 2]
    return float(f"{(span + interval) / 86400.0:.12g}")


def _collapse(rows: list[Usage], percentile: float) -> Usage:
    """One row: itself; a time series: the percentile of its samples, samples counted."""
    if len(rows) == 1:
        return rows[0]
    first = rows[0]
    return replace(first, cpu=float(np.percentile([r.cpu for r in rows], percentile)),
                   memory=float(np.percentile([r.memory for r in rows], percentile)),
                   samples=len(rows), days=first.days)


def sizing_mode(w: Workload, policy: Policy) -> str:
    """The workload's sizing: its own (mapping), its tier's, else the policy's."""
    return w.sizing or dict(policy.sizing_by_tier).get(w.tier, policy.sizing)


def apply_usage(inventory: Inventory, usage: dict[str, Usage] | None, policy: Policy, *,
                file: str = "<usage>", mhz_per_core: float | None = None,
                excluded: Iterable[str] = (), source: str = "usage file",
                label: str | None = None) -> tuple[Inventory, SizingSummary]:
    """The inventory with measured sizes where the policy or mapping asks for them.

    Every usage row must name a machine of the inventory, used or ``excluded`` at import (a
    typo would otherwise leave one workload on provisioned sizes unnoticed). ``mhz_per_core``
    comes from the export's hosts and is used when neither the row nor the policy gives it.
    ``file`` names the usage source in errors, ``label`` (default ``file``) in the account.
    """
    usage = usage or {}
    names = {w.name for w in inventory.workloads} | set(excluded)
    for row in sorted(usage.values(), key=lambda r: r.row):
        if row.name not in names:
            raise InputError("unknown workload name", file=file, sheet=row.sheet,
                             row=row.row, field=row.name_field,
                             found=row.name, fix="use the machine's name as in the inventory, "
                             "or delete the row")
    summary = SizingSummary(label or file, policy.usage_percentile, policy.comfort_factor,
                            source=source)
    out: list[Workload] = []
    for w in inventory.workloads:
        mode = sizing_mode(w, policy)
        u = usage.get(w.name)
        if mode == PROVISIONED:
            summary.provisioned += w.count
            out.append(w)
            continue
        if u is None:
            summary.fallback.extend(w.instance_names())
            summary.sized.append(SizedWorkload(w.name, PROVISIONED, w.vcpu, w.memory_gib,
                                               w.vcpu, w.memory_gib, None, "no usage",
                                               w.count))
            out.append(w)
            continue
        vcpu, mem = measured_size(w, u, policy, mhz_per_core, file)
        confident = ((u.samples or 0) >= policy.usage_min_samples
                     and (u.days or 0.0) >= policy.usage_min_days)
        summary.sized.append(SizedWorkload(w.name, MEASURED, w.vcpu, w.memory_gib, vcpu, mem,
                                           confident, count=w.count))
        out.append(replace(w, vcpu=vcpu, memory_gib=mem))
    return Inventory(tuple(out), source=inventory.source), summary


def measured_size(w: Workload, u: Usage, policy: Policy, mhz_per_core: float | None,
                  file: str = "<usage>") -> tuple[int, float]:
    """(vCPU, memory GiB) of one workload from its usage: percentile x comfort, floor, cap."""
    if u.cpu_kind == "mhz":
        mhz = u.mhz_per_core or policy.cpu_mhz_per_core or u.export_mhz or mhz_per_core
        if not mhz:
            raise InputError("CPU use in MHz but no MHz per core known", file=file,
                             sheet=u.sheet, row=u.row, field=u.cpu_field,
                             found=u.name,
                             fix="set policy cpu_mhz_per_core, or export the vHost sheet "
                             "with the vCPU sheet" if u.export else
                             "add a 'mhz_per_core' column, set policy cpu_mhz_per_core, "
                             "or give the CPU use in vCPU or %")
        cpu = u.cpu / mhz
    elif u.cpu_kind == "percent":
        cpu = u.cpu / 100.0 * w.vcpu
    else:
        cpu = u.cpu
    mem = u.memory / 100.0 * w.memory_gib if u.mem_kind == "percent" else u.memory
    vcpu = math.ceil(cpu * policy.comfort_factor - 1e-9)
    vcpu = min(w.vcpu, max(policy.min_vcpu, vcpu))
    mem_gib = min(w.memory_gib, max(policy.min_memory_gib, mem * policy.comfort_factor))
    return int(vcpu), float(f"{mem_gib:.12g}")
