"""Usage from an RVTools export: one snapshot of its ``vCPU`` and ``vMemory`` sheets.

RVTools writes, per VM, the CPU in use at the moment of the export (vCPU ``Overall``, MHz) and
the memory (vMemory ``Consumed`` and ``Active``, MiB). That is one sample, so a size taken from
it is never *confident* (samples = 1, days = 0) and the sizing account says it came from the
export's snapshot. A usage file given explicitly wins over the sheets.

Memory is ``Consumed`` (host memory backing the guest's memory), not ``Active``: Active is the
VMkernel's estimate of the pages touched in the last sampling window, which for one snapshot of
a cache-heavy server (databases, Exchange) can be a small share of what it needs, and a DR plan
that under-sizes fails at recovery. Consumed is what the VM actually holds, never above its
provisioned memory; Azure Migrate's performance-based sizing rests on a percentile over days,
which one snapshot cannot give, so the larger, steadier figure is the prudent one.

Rows of powered-off or suspended VMs and templates carry no use (all zeros): they give no
usage, so such a VM, if planned, keeps its provisioned size and is listed; so does a running VM
whose CPU and memory in use both read 0 (no workload recovers on nothing: the floor would
under-size it). The sheets never block an import: a
problem is kept and raised (file, sheet, row, field) only when sizing on measured use needs
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from planner.errors import InputError
from planner.readers.table import Table, canon, cell_at, cell_text, column_index, read_number
from planner.readers.units import Q_
from planner.readers.usage import Usage

MIB_TO_GIB = float(Q_(1, "mebibyte").to("gibibyte").magnitude)
_OFF = {"poweredoff", "off", "stopped", "suspended"}
_TRUE = {"true", "yes", "1", "wahr", "vrai"}


@dataclass
class ExportUsage:
    """The usage snapshot of one export: per VM CPU [MHz] and memory [GiB] in use.

    ``idle`` lists the VMs whose rows carry no use (powered off or suspended, templates, or
    both figures 0) with their vCPU
    sheet row; ``error`` is the problem found in the sheets, raised when they are needed.
    """

    file: str
    cpu_file: str
    cpu_sheet: str | None
    memory_sheet: str | None
    usage: dict[str, Usage] = field(default_factory=dict)
    idle: dict[str, int] = field(default_factory=dict)
    error: InputError | None = None

    @property
    def label(self) -> str:
        """Where the usage came from, for the sizing account."""
        return f"{self.file} ({self.sheets}, one snapshot)"

    @property
    def sheets(self) -> str:
        """The two sources in words: sheets of a workbook, or the per-sheet CSV files."""
        if self.cpu_sheet is None:
            return "vCPU and vMemory CSV files"
        return f"sheets {self.cpu_sheet} and {self.memory_sheet}"

    def line(self) -> str:
        """One line for the import summary."""
        if self.error is not None:
            return (f"Usage snapshot ({self.sheets}): not usable, which matters only when "
                    f"sizing on measured use needs it: {self.error}")
        return (f"Usage snapshot ({self.sheets}: vCPU Overall MHz, vMemory Consumed MiB): "
                f"{len(self.usage):,} running VM(s), {len(self.idle):,} powered off, "
                "suspended, templates or reading no use; used where sizing is measured and no "
                "usage file is given (1 sample: low confidence)")

    def check_names(self, known: Iterable[str]) -> None:
        """Every VM of the sheets must be a VM of the export (vInfo), used or excluded."""
        names = set(known)
        rows = sorted([(u.row, n) for n, u in self.usage.items()]
                      + [(r, n) for n, r in self.idle.items()])
        for row, name in rows:
            if name not in names:
                raise InputError("unknown workload name: not a VM of vInfo",
                                 file=self.cpu_file, sheet=self.cpu_sheet, row=row,
                                 field="VM", found=name,
                                 fix="export vInfo, vCPU and vMemory together, or give a "
                                 "usage file (it wins over the sheets)")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (a scenario file keeps it; :meth:`from_dict` reads it back)."""
        return {"file": self.file, "cpu_file": self.cpu_file, "cpu_sheet": self.cpu_sheet,
                "memory_sheet": self.memory_sheet,
                "usage": [asdict(u) for u in self.usage.values()], "idle": dict(self.idle),
                "error": None if self.error is None else str(self.error)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], file: str) -> ExportUsage:
        """Read :meth:`to_dict`'s data back; a damaged entry is an InputError naming ``file``."""
        try:
            usage = {}
            for d in data["usage"]:
                u = Usage(**d)
                if u.cpu_kind != "mhz" or u.mem_kind != "gib" or u.cpu < 0 or u.memory < 0:
                    raise ValueError(u.name)
                usage[u.name] = u
            sheets = [None if data[k] is None else str(data[k])
                      for k in ("cpu_sheet", "memory_sheet")]
            error = data.get("error")
            return cls(str(data["file"]), str(data["cpu_file"]), sheets[0], sheets[1],
                       usage, {str(k): int(v) for k, v in dict(data["idle"]).items()},
                       None if error is None else InputError(str(error)))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"damaged usage snapshot: {exc}", file=file,
                             field="export_usage", fix="export the scenario again") from None


@dataclass
class _Row:
    row: int
    value: float
    idle: bool
    host: str
    vm: str
    field: str


def _read(table: Table, what: str, value_cols: tuple[str, ...], unit: str
          ) -> dict[str, _Row]:
    """VM -> its row of one sheet (the value in ``unit``); bad cells are InputErrors."""
    keys = [canon(h) for h in table.header]
    vm_i, val_i = column_index(keys, "vm"), column_index(keys, *value_cols)
    missing = [n for n, i in (("VM", vm_i), (value_cols[0].title(), val_i)) if i is None]
    if missing:
        raise table.error(f"RVTools {what} sheet without column(s) {', '.join(missing)}",
                          row=table.header_row, found=table.header,
                          fix=f"export the {what} sheet again with RVTools (all columns), or "
                          "give a usage file")
    assert vm_i is not None and val_i is not None
    power_i, tmpl_i, host_i = (column_index(keys, k) for k in ("powerstate", "template", "host"))
    field_name = table.header[val_i]
    out: dict[str, _Row] = {}
    for rowno, cells in table.rows:
        if not any(cell_text(c) for c in cells):
            continue
        name = cell_text(cell_at(cells, vm_i))
        if not name:
            raise table.error("empty VM name", row=rowno, field=table.header[vm_i],
                              fix="every row below the header must name a VM")
        if name in out:
            raise table.error(f"VM listed twice in the {what} sheet (first on row "
                              f"{out[name].row})", row=rowno, field=table.header[vm_i],
                              found=name, fix="keep one row per VM")
        idle = (canon(cell_text(cell_at(cells, power_i))).replace(" ", "") in _OFF
                or canon(cell_text(cell_at(cells, tmpl_i))) in _TRUE)
        value = read_number(table, cell_at(cells, val_i), row=rowno, field=field_name,
                            what=f"the VM's {what} use in {unit} (0 or more)", allow_zero=True)
        out[name] = _Row(rowno, value, idle, cell_text(cell_at(cells, host_i)),
                         table.header[vm_i], field_name)
    return out


def read_export_usage(cpu: Table, memory: Table, *, file: str,
                      host_mhz: dict[str, float] | None = None) -> ExportUsage:
    """The usage snapshot of a vCPU and a vMemory sheet; a problem is kept in ``error``.

    ``host_mhz`` maps a host name (vHost ``Host``) to the MHz of one of its cores (``Speed``);
    a VM on a listed host converts its MHz with that host's clock.
    """
    out = ExportUsage(file, cpu.file, cpu.sheet, memory.sheet)
    cpu_name, mem_name = cpu.sheet or "vCPU", memory.sheet or "vMemory"
    try:
        cpus = _read(cpu, "CPU", ("overall",), "MHz")
        mems = _read(memory, "memory", ("consumed", "consumed mib", "consumed mb"), "MiB")
        for name, m in mems.items():
            if name not in cpus:
                raise memory.error(f"VM in the {mem_name} sheet but not in {cpu_name}",
                                   row=m.row, field="VM", found=name,
                                   fix="export both sheets together, or give a usage file")
        hosts = host_mhz or {}
        for name, c in cpus.items():
            m_row = mems.get(name)
            if m_row is None:
                raise cpu.error(f"VM in the {cpu_name} sheet but not in {mem_name}",
                                row=c.row, field="VM", found=name,
                                fix="export both sheets together, or give a usage file")
            # off, suspended or a template; or running with no CPU and no memory in use at
            # all, a reading no workload recovers on (the floor would under-size it): no usage
            if c.idle or m_row.idle or (c.value == 0 and m_row.value == 0):
                out.idle[name] = c.row
                continue
            out.usage[name] = Usage(name, c.row, c.value, "mhz",
                                    float(f"{m_row.value * MIB_TO_GIB:.12g}"), "gib",
                                    samples=1, days=0.0, sheet=cpu.sheet, name_field=c.vm,
                                    cpu_field=c.field, export=True,
                                    export_mhz=hosts.get(c.host or m_row.host))
    except InputError as exc:
        out.error = exc
        out.usage, out.idle = {}, {}
    return out
