"""RVTools exports: vInfo, vDisk, vPartition and vHost, from a workbook or per-sheet CSVs.

VMware exports and Hyper-V inventories written in RVTools' layout are both read.

RVTools writes sizes in binary units whatever the header says: "MB" columns are MiB, so
"Provisioned MB" and "Provisioned MiB" are the same quantity; Memory is MiB.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from planner.readers.inventory import Workload
from planner.readers.records import Record, machine_rows
from planner.readers.rules import ExportRules, add_vinfo_row, vinfo_rules
from planner.readers.summary import SUSPICIOUS_STORAGE_GB, ImportSummary, Overcommit
from planner.readers.table import (
    Table,
    canon,
    cell_at,
    cell_text,
    column_index,
    read_count,
    read_number,
)
from planner.readers.units import Q_

MIB_TO_GIB = float(Q_(1, "mebibyte").to("gibibyte").magnitude)
MIB_TO_GB = float(Q_(1, "mebibyte").to("gigabyte").magnitude)

VINFO_REQUIRED = ("vm", "cpus", "memory")
PROVISIONED = ("provisioned mib", "provisioned mb", "total disk capacity mib",
               "total disk capacity mb", "vdisk_capacity_mib_sum")
IN_USE = ("in use mib", "in use mb")
_ON = {"poweredon", "on", "running"}
_OFF = {"poweredoff", "off", "stopped"}
_PAUSED = {"suspended", "saved", "paused"}
_TRUE = {"true", "yes", "1", "wahr", "vrai"}
_DESKTOP_OS = ("windows 10", "windows 11", "windows 7", "windows 8", "windows xp")


def gb_from_mib(mib: float) -> float:
    """MiB to GB (decimal), rounded to 12 significant digits like ``parse_bytes``."""
    return float(f"{mib * MIB_TO_GB:.12g}")


def gib_from_mib(mib: float) -> float:
    """MiB to GiB, rounded to 12 significant digits."""
    return float(f"{mib * MIB_TO_GIB:.12g}")


def is_vinfo(keys: set[str]) -> bool:
    """Whether a header is an RVTools vInfo sheet (VMware or Hyper-V layout)."""
    return set(VINFO_REQUIRED) <= keys


def is_vhost(keys: set[str]) -> bool:
    """Whether a header is an RVTools vHost sheet."""
    return {"host", "# cores"} <= keys and "vm" not in keys


@dataclass
class DiskDetail:
    """Per-VM totals from vDisk (capacity) or vPartition (consumed), in MiB."""

    total_mib: dict[str, float] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)
    largest: tuple[str, float] = ("", 0.0)
    rows: int = 0


def disk_detail(table: Table, size_cols: tuple[str, ...]) -> DiskDetail | None:
    """Sum a vDisk or vPartition sheet per VM; None if it lacks the columns.

    Auxiliary sheets never block an import: unreadable values are skipped.
    """
    keys = [canon(h) for h in table.header]
    vm = column_index(keys, "vm")
    if vm is None and keys:
        vm = 0  # some exports lose the 'VM' header of the first column
    size = column_index(keys, *size_cols)
    if size is None:
        return None
    out = DiskDetail()
    for _, cells in table.rows:
        name = cell_text(cell_at(cells, vm))
        raw = cell_at(cells, size)
        if not name:
            continue
        try:
            mib = read_number(table, raw, row=0, field="", what="", allow_zero=True)
        except Exception:
            continue
        out.rows += 1
        out.total_mib[name] = out.total_mib.get(name, 0.0) + mib
        out.count[name] = out.count.get(name, 0) + 1
        if mib > out.largest[1]:
            out.largest = (name, mib)
    return out


def overcommit(table: Table, host_mhz: dict[str, float] | None = None) -> Overcommit | None:
    """The current estate's overcommit from a vHost sheet, or None if it lacks the columns.

    ``host_mhz``, when given, receives each host's core clock (``Host`` -> ``Speed`` MHz).
    """
    keys = [canon(h) for h in table.header]
    cores_i, vcpu_i = column_index(keys, "# cores"), column_index(keys, "# vcpus")
    mem_i, vram_i = column_index(keys, "# memory"), column_index(keys, "vram")
    if cores_i is None or vcpu_i is None:
        return None
    speed_i, host_i = column_index(keys, "speed"), column_index(keys, "host")
    vms_i = column_index(keys, "# vms")
    o = Overcommit(hosts=0, cores=0, vcpus=0, memory_mib=0.0, vram_mib=0.0)
    speeds: list[float] = []
    for _, cells in table.rows:
        if not any(cell_text(c) for c in cells):
            continue
        o.hosts += 1
        with contextlib.suppress(Exception):
            speeds.append(read_number(table, cell_at(cells, speed_i), row=0, field="", what=""))
            if host_mhz is not None and (host := cell_text(cell_at(cells, host_i))):
                host_mhz[host] = speeds[-1]
        try:
            cores = read_number(table, cell_at(cells, cores_i), row=0, field="", what="")
            vcpus = read_number(table, cell_at(cells, vcpu_i), row=0, field="", what="",
                                allow_zero=True)
        except Exception:
            o.hosts_without_vm_totals += 1
            continue
        o.cores += int(cores)
        o.vcpus += int(vcpus)
        with contextlib.suppress(Exception):  # the VM count is an explanation, not a figure
            o.vms += int(read_number(table, cell_at(cells, vms_i), row=0, field="", what="",
                                     allow_zero=True))
        try:
            mem = read_number(table, cell_at(cells, mem_i), row=0, field="", what="")
            vram = read_number(table, cell_at(cells, vram_i), row=0, field="", what="",
                               allow_zero=True)
        except Exception:
            continue
        o.memory_mib += mem
        o.vram_mib += vram
    if speeds:
        o.mhz_per_core = sum(speeds) / len(speeds)
    return o if o.hosts else None


def read_vinfo(table: Table, summary: ImportSummary, *, disks: DiskDetail | None = None,
               partitions: DiskDetail | None = None,
               rules: ExportRules | None = None) -> Iterator[Record]:
    """Records from a vInfo sheet; sizes converted from MiB, power state and template kept.

    DRS rules (vInfo's rule columns, and ``rules`` read from a vRules sheet) set each VM's
    affinity and anti-affinity group; what they were is kept in the summary.
    """
    keys = [canon(h) for h in table.header]
    missing = [k for k in VINFO_REQUIRED if k not in keys]
    prov_i = column_index(keys, *PROVISIONED)
    if prov_i is None and disks is None:
        missing.append("Provisioned MiB (or Provisioned MB / vdisk_capacity_mib_sum)")
    if missing:
        raise table.error(f"RVTools vInfo sheet without column(s) {', '.join(missing)}",
                          row=table.header_row, found=table.header,
                          fix="export vInfo again with RVTools (all columns), or use the "
                          "planner's own format (name, vcpu, memory, storage)")
    name_i, cpu_i, mem_i = (keys.index(k) for k in VINFO_REQUIRED)
    used_i = column_index(keys, *IN_USE)
    power_i, tmpl_i = column_index(keys, "powerstate"), column_index(keys, "template")
    os_cols = [i for i, k in enumerate(keys) if k.startswith("os according") or k == "os"]
    rule_cols = vinfo_rules(table)
    if rules is None:
        rules = ExportRules()
    prov_name = table.header[prov_i] if prov_i is not None else "vDisk Capacity"
    summary.conversions.append("Memory [MiB] -> GiB (x 1/1024)")
    summary.conversions.append(
        f"{prov_name} [MiB; RVTools MB are MiB] -> storage GB (x {MIB_TO_GB})")
    if used_i is not None:
        summary.conversions.append(f"{table.header[used_i]} [MiB] -> storage in use GB")
    elif partitions is not None:
        summary.conversions.append("vPartition Consumed [MiB] -> storage in use GB")
    paused = unknown = 0
    desktops: list[str] = []
    for rowno, cells in machine_rows(table, summary):
        name = cell_text(cell_at(cells, name_i))
        if not name:
            raise table.error("empty VM name", row=rowno, field=table.header[name_i],
                              fix="every row below the header must name a VM; delete stray rows")
        vcpu = read_count(table, cell_at(cells, cpu_i), row=rowno, field=table.header[cpu_i],
                          what="vCPUs")
        mem = read_number(table, cell_at(cells, mem_i), row=rowno, field=table.header[mem_i],
                          what="the VM's memory in MiB, e.g. 4096")
        if prov_i is not None and cell_text(cell_at(cells, prov_i)):
            prov = read_number(table, cell_at(cells, prov_i), row=rowno,
                               field=table.header[prov_i],
                               what="the provisioned storage in MiB, e.g. 102400")
        elif disks is not None and disks.total_mib.get(name, 0) > 0:
            prov = disks.total_mib[name]
        else:
            field_name = table.header[prov_i] if prov_i is not None else "vDisk"
            raise table.error("no provisioned storage for this VM", row=rowno,
                              field=field_name, found=cell_at(cells, prov_i) if prov_i else None,
                              fix="fill the provisioned MiB, or exclude the VM with the "
                              "mapping file (exclude=yes)")
        used: float | None = None
        if used_i is not None and cell_text(cell_at(cells, used_i)):
            used = read_number(table, cell_at(cells, used_i), row=rowno,
                               field=table.header[used_i], what="storage in use in MiB",
                               allow_zero=True)
        elif partitions is not None and name in partitions.total_mib:
            used = partitions.total_mib[name]
        state = canon(cell_text(cell_at(cells, power_i))).replace(" ", "")
        on = state not in _OFF
        if state in _PAUSED:
            paused += 1
        elif state and state not in _ON and state not in _OFF:
            unknown += 1
        template = canon(cell_text(cell_at(cells, tmpl_i))) in _TRUE
        os_name = next((t for i in os_cols if (t := canon(cell_text(cell_at(cells, i))))), "")
        if os_name.startswith(tuple(f"microsoft {d}" for d in _DESKTOP_OS)):
            desktops.append(name)
        if rule_cols is not None:
            types_i, names_i = rule_cols
            add_vinfo_row(rules, name, cell_at(cells, types_i if types_i >= 0 else None),
                          cell_at(cells, names_i))
        affinity, anti = rules.groups_of(name)
        yield Record(Workload(
            name=name, vcpu=vcpu, memory_gib=gib_from_mib(mem),
            storage_gb=gb_from_mib(prov),
            storage_used_gb=None if used is None else gb_from_mib(used), row=rowno,
            affinity=affinity, anti_affinity=anti,
        ), powered_on=on, template=template, sheet=table.sheet)
    summary.placement_rules = list(rules.rules.values())
    summary.ignored_rules = list(rules.ignored)
    if paused:
        summary.notes.append(f"{paused} suspended/saved VM(s) counted as powered on")
    if unknown:
        summary.warnings.append(f"{unknown} VM(s) with an unknown power state, counted as "
                                "powered on")
    if desktops:
        shown = ", ".join(desktops[:10]) + (f" and {len(desktops) - 10:,} more"
                                            if len(desktops) > 10 else "")
        summary.notes.append(f"{len(desktops):,} VM(s) run a desktop OS ({shown}); if they are "
                             "staff desktops, set kind=workstation in the mapping file")
    for detail, what in ((disks, "vDisk"), (partitions, "vPartition")):
        if detail is None:
            continue
        total = sum(detail.total_mib.values())
        summary.notes.append(
            f"{what}: {detail.rows} rows over {len(detail.total_mib)} VMs, "
            f"{gb_from_mib(total):,.0f} GB in total"
            + (f", largest {gb_from_mib(detail.largest[1]):,.0f} GB ({detail.largest[0]})"
               if detail.largest[0] else ""))
        if what == "vDisk" and gb_from_mib(detail.largest[1]) > SUSPICIOUS_STORAGE_GB:
            summary.warnings.append(
                f"{detail.largest[0]}: one virtual disk of "
                f"{gb_from_mib(detail.largest[1]) / 1000:,.1f} TB; check the export")
