"""Azure Migrate's CSV import template (discovery by import).

Template columns (a leading ``*`` marks the required ones): ``*Server name, IP addresses,
*Cores, *Memory (In MB), *OS name, OS version, OS architecture, Server type, Hypervisor,
CPU utilization percentage, Memory utilization percentage, Network adapters, Network In
throughput, Network Out throughput, Boot type, Number of disks, Storage in use (In GB),
Disk 1 size (In GB), Disk 1 read throughput (MB per second), ...``. Memory "MB" is read as MiB
and disk "GB" as GiB (Azure sizes memory and disks in binary units); the summary says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planner.readers.inventory import Workload
from planner.readers.records import Record, machine_rows
from planner.readers.summary import ImportSummary
from planner.readers.table import (
    Table,
    canon,
    cell_at,
    cell_text,
    read_count,
    read_number,
)
from planner.readers.units import Q_

REQUIRED = ("server name", "cores", "memory (in mb)")
MIB_TO_GIB = float(Q_(1, "mebibyte").to("gibibyte").magnitude)
GIB_TO_GB = float(Q_(1, "gibibyte").to("gigabyte").magnitude)
_DISK = re.compile(r"^disk (\d+) size \(in gb\)$")


def is_azure_migrate(keys: set[str]) -> bool:
    """Whether a header is the Azure Migrate import template."""
    return set(REQUIRED) <= keys


def read_azure_migrate(table: Table, summary: ImportSummary) -> Iterator[Record]:
    """Records from an Azure Migrate import CSV: storage is the sum of the disk sizes."""
    keys = [canon(h) for h in table.header]
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise table.error(f"Azure Migrate import without column(s) {', '.join(missing)}",
                          row=table.header_row, found=table.header,
                          fix="start from Azure Migrate's import template")
    name_i, cpu_i, mem_i = (keys.index(k) for k in REQUIRED)
    disks = [(int(m.group(1)), i) for i, k in enumerate(keys) if (m := _DISK.match(k))]
    use_i = keys.index("storage in use (in gb)") if "storage in use (in gb)" in keys else None
    type_i = keys.index("server type") if "server type" in keys else None
    summary.conversions.append("Memory (In MB) read as MiB -> GiB (x 1/1024)")
    summary.conversions.append(f"Disk n size (In GB) read as GiB -> GB (x {GIB_TO_GB})")
    for rowno, cells in machine_rows(table, summary):
        name = cell_text(cell_at(cells, name_i))
        if not name:
            raise table.error("empty server name", row=rowno, field=table.header[name_i],
                              fix="every row must name a server")
        cores = read_count(table, cell_at(cells, cpu_i), row=rowno, field=table.header[cpu_i],
                           what="cores")
        mem = read_number(table, cell_at(cells, mem_i), row=rowno, field=table.header[mem_i],
                          what="the memory in MB, e.g. 8192")
        total_gib = 0.0
        for _, i in sorted(disks):
            if cell_text(cell_at(cells, i)):
                total_gib += read_number(table, cell_at(cells, i), row=rowno,
                                         field=table.header[i], what="a disk size in GB",
                                         allow_zero=True)
        used: float | None = None
        if use_i is not None and cell_text(cell_at(cells, use_i)):
            used = read_number(table, cell_at(cells, use_i), row=rowno,
                               field=table.header[use_i], what="storage in use in GB",
                               allow_zero=True)
        if total_gib <= 0:
            if used:
                total_gib = used
                summary.notes.append(f"{name}: no disk sizes, storage in use planned instead")
            else:
                raise table.error("no disk sizes for this server", row=rowno,
                                  field="Disk 1 size (In GB)",
                                  fix="fill 'Disk 1 size (In GB)' (and further disks), or "
                                  "'Storage in use (In GB)'")
        source = ("physical" if "physical" in canon(cell_text(cell_at(cells, type_i)))
                  else "virtual")
        yield Record(Workload(
            name=name, vcpu=cores, memory_gib=float(f"{mem * MIB_TO_GIB:.12g}"),
            storage_gb=float(f"{total_gib * GIB_TO_GB:.12g}"), source=source,
            storage_used_gb=None if used is None else float(f"{used * GIB_TO_GB:.12g}"),
            row=rowno,
        ), sheet=table.sheet)
