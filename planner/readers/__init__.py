"""Inventory readers: one entry point, :func:`load_inventory`, that picks the reader by content.

Formats: RVTools (VMware and the Hyper-V layout; ``.xlsx`` workbook or the per-sheet CSV),
Azure Migrate's import CSV, and the planner's own columns in CSV or a workbook. Every import
returns an :class:`ImportSummary` that accounts for every machine read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError
from planner.readers.azure_migrate import is_azure_migrate, read_azure_migrate
from planner.readers.catalog import Policy
from planner.readers.inventory import Inventory
from planner.readers.mapping import Mapping, load_mapping
from planner.readers.own import is_own, own_keys, read_own
from planner.readers.records import Record, finish
from planner.readers.rules import ExportRules, read_vrules
from planner.readers.rvtools import (
    DiskDetail,
    disk_detail,
    is_vhost,
    is_vinfo,
    overcommit,
    read_vinfo,
)
from planner.readers.snapshot import ExportUsage, read_export_usage
from planner.readers.summary import ImportSummary, Overcommit
from planner.readers.table import MAX_ROWS, MAX_TEXT_BYTES, Table, canon
from planner.readers.text import csv_table, decode
from planner.readers.usage import SizingSummary, apply_usage, load_usage
from planner.readers.xlsx import Workbook

__all__ = ["ImportSummary", "Mapping", "Overcommit", "SizingSummary", "load_inventory",
           "load_mapping", "load_usage", "size_inventory", "sniff"]

TEXT_EXT = {".csv", ".tsv", ".txt"}
XLSX_EXT = {".xlsx", ".xlsm"}
_KNOWN = ("RVTools vInfo (VM, CPUs, Memory, Provisioned MiB), Azure Migrate import "
          "(Server name, Cores, Memory (In MB), Disk 1 size (In GB)), or the planner's own "
          "columns (name, vcpu, memory, storage)")
_MAGIC = {b"%PDF": "a PDF document", b"\x1f\x8b": "a gzip archive", b"\x89PNG": "a PNG image",
          b"\xff\xd8\xff": "a JPEG image", b"7z\xbc\xaf": "a 7-Zip archive",
          b"Rar!": "a RAR archive"}


def sniff(raw: bytes) -> str:
    """What the bytes are: 'zip', 'ole2', 'empty', 'text', or another binary type's name.

    'ole2' is a legacy .xls or a password-protected workbook.
    """
    if not raw.strip():
        return "empty"
    if raw.startswith(b"PK\x03\x04"):
        return "zip"
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    for magic, what in _MAGIC.items():
        if raw.startswith(magic):
            return what
    return "text"


def _flavour(header: list[str]) -> str | None:
    keys = {canon(h) for h in header}
    if is_vinfo(keys):
        return "rvtools"
    if is_azure_migrate(keys):
        return "azure"
    if is_own(own_keys(header)):
        return "own"
    if is_vhost(keys):
        return "vhost"
    return None


_FORMAT_NAMES = {"rvtools": "RVTools vInfo", "azure": "Azure Migrate import",
                 "own": "planner columns"}


def _not_inventory(table: Table) -> InputError:
    if _flavour(table.header) == "vhost":
        return table.error("this is an RVTools vHost sheet, not the VM list",
                           row=table.header_row, fix="give the vInfo sheet (or the whole "
                           "RVTools workbook); vHost next to it is read automatically")
    return table.error("not a recognised inventory: the header has none of the known column "
                       "sets", row=table.header_row, found=table.header[:12],
                       fix=f"give {_KNOWN}")


def _records(table: Table, flavour: str, summary: ImportSummary, *,
             disks: DiskDetail | None = None, partitions: DiskDetail | None = None,
             rules: ExportRules | None = None) -> Iterator[Record]:
    if flavour == "rvtools":
        keys = {canon(h) for h in table.header}
        hyperv = "vdisk_capacity_mib_sum" in keys and not keys & {"provisioned mib",
                                                                  "provisioned mb"}
        summary.format = "RVTools vInfo" + (" (Hyper-V layout)" if hyperv else "")
        return read_vinfo(table, summary, disks=disks, partitions=partitions, rules=rules)
    if flavour == "azure":
        summary.format = "Azure Migrate import"
        return read_azure_migrate(table, summary)
    summary.format = "planner columns"
    return read_own(table, summary)


def _sibling(path: Path, sheet: str) -> Path | None:
    """The per-sheet CSV exported next to a vInfo CSV (``x_vInfo.csv`` -> ``x_vHost.csv``)."""
    if "vInfo" not in path.name:
        return None
    p = path.with_name(path.name.replace("vInfo", sheet))
    return p if p.is_file() else None


def _aux_csv(path: Path | None) -> Table | None:
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_TEXT_BYTES or sniff(raw) != "text":
            return None
        return csv_table(decode(raw, file=str(path), notes=[]), file=str(path))
    except (OSError, InputError):
        return None


@dataclass(frozen=True)
class _Options:
    mapping: Mapping | None
    include_powered_off: bool
    include_templates: bool

    def finish(self, records: Iterator[Record], summary: ImportSummary) -> Inventory:
        return finish(records, summary, mapping=self.mapping,
                      include_powered_off=self.include_powered_off,
                      include_templates=self.include_templates)


def _load_csv(path: Path | None, raw: bytes, summary: ImportSummary,
              opts: _Options) -> Inventory:
    file = summary.file
    text = decode(raw, file=file, notes=summary.notes)
    if text.count("\n") > MAX_ROWS + 1:
        lines = sum(1 for line in text.splitlines() if line.strip())
        if lines > MAX_ROWS + 1:
            raise InputError(f"{lines - 1:,} data rows; the limit is {MAX_ROWS:,}", file=file,
                             row=MAX_ROWS + 2, fix="split the inventory into several files, "
                             "or group identical machines with the 'count' column")
    table = csv_table(text, file=file)
    flavour = _flavour(table.header)
    if flavour is None or flavour == "vhost":
        raise _not_inventory(table)
    disks = partitions = None
    rules: ExportRules | None = None
    if flavour == "rvtools" and path is not None:
        vdisk = _aux_csv(_sibling(path, "vDisk"))
        disks = disk_detail(vdisk, ("capacity mib", "capacity mb")) if vdisk else None
        vpart = _aux_csv(_sibling(path, "vPartition"))
        partitions = (disk_detail(vpart, ("consumed mib", "consumed mb")) if vpart else None)
        vhost = _aux_csv(_sibling(path, "vHost"))
        host_mhz: dict[str, float] = {}
        summary.overcommit = overcommit(vhost, host_mhz) if vhost else None
        rules = _vrules(_aux_csv(_sibling(path, "vRules")), summary)
        summary.export_usage = _snapshot(
            _usage_csv(_sibling(path, "vCPU")), _usage_csv(_sibling(path, "vMemory")),
            summary, host_mhz)
    records = _records(table, flavour, summary, disks=disks, partitions=partitions,
                       rules=rules)
    inv = opts.finish(records, summary)
    _number_notes(table, summary)
    return inv


def _usage_csv(path: Path | None) -> Table | InputError | None:
    """A per-sheet vCPU or vMemory CSV as a Table, its reading error, or None if absent."""
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_TEXT_BYTES or sniff(raw) != "text":
            return InputError("not a CSV text file", file=str(path),
                              fix="export the sheet again as CSV, or give a usage file")
        return csv_table(decode(raw, file=str(path), notes=[]), file=str(path))
    except OSError as exc:
        return InputError(f"cannot read file: {exc.strerror}", file=str(path))
    except InputError as exc:
        return exc


def _usage_sheet(wb: Workbook, name: str) -> Table | InputError | None:
    """A workbook's vCPU or vMemory sheet as a Table, its reading error, or None if absent."""
    sheet = wb.sheet(name)
    if sheet is None:
        return None
    try:
        return wb.table(sheet)
    except InputError as exc:
        return exc


def _snapshot(cpu: Table | InputError | None, memory: Table | InputError | None,
              summary: ImportSummary, host_mhz: dict[str, float],
              sheets: tuple[str | None, str | None] = (None, None)) -> ExportUsage | None:
    """The export's usage snapshot (issue 22) when it has both sheets; never blocks the import.

    One sheet without the other is noted and gives no snapshot. A reading problem is kept in
    the snapshot and raised only when sizing on measured use needs it. ``sheets``: the two
    sheets' names in a workbook (None for per-sheet CSV files).
    """
    if cpu is None and memory is None:
        return None
    if cpu is None or memory is None:
        have, lack = ("vCPU", "vMemory") if memory is None else ("vMemory", "vCPU")
        summary.notes.append(f"{have} sheet without a {lack} sheet: the export's usage "
                             "snapshot is not used")
        return None
    if isinstance(cpu, InputError) or isinstance(memory, InputError):
        err = cpu if isinstance(cpu, InputError) else memory
        assert isinstance(err, InputError)
        snap = ExportUsage(summary.file, err.file or summary.file, *sheets, error=err)
    else:
        snap = read_export_usage(cpu, memory, file=summary.file, host_mhz=host_mhz)
    return snap


def _check_snapshot(inventory: Inventory, summary: ImportSummary) -> None:
    """Every VM of the usage snapshot must be a VM of vInfo (planned or excluded); noted.

    Checked against the import, not the inventory later edited: a VM deleted from the table
    on the dashboard is simply not sized, while a VM vInfo never had is an error (kept).
    """
    snap = summary.export_usage
    if snap is None:
        return
    if snap.error is None:
        try:
            snap.check_names([w.name for w in inventory.workloads]
                             + [n for n, _ in summary.excluded_names])
        except InputError as exc:
            snap.error = exc
    summary.notes.append(snap.line())


def _vrules(table: Table | None, summary: ImportSummary) -> ExportRules:
    """The rules of a vRules sheet (none if absent); never blocks the import."""
    rules = ExportRules()
    if table is not None:
        try:
            n = read_vrules(table, rules)
        except InputError:
            summary.warnings.append("vRules sheet unreadable; its rules were not applied")
            return ExportRules()
        summary.notes.append(f"vRules: {n} row(s) read")
    return rules


def _number_notes(table: Table, summary: ImportSummary) -> None:
    if table.numbers.thousands:
        summary.notes.append(f"{table.numbers.thousands} number(s) written with thousands "
                             "separators")
    if table.numbers.decimal_comma:
        summary.notes.append(f"{table.numbers.decimal_comma} number(s) written with a "
                             "decimal comma")


def _load_xlsx(path: Path | bytes, summary: ImportSummary, opts: _Options) -> Inventory:
    with Workbook(path, file=summary.file) as wb:
        chosen: tuple[str, int, str] | None = None
        vinfo = wb.sheet("vInfo")
        candidates = [vinfo] if vinfo else []
        candidates += [s for s in wb.sheetnames if s != vinfo]
        for sheet in candidates:
            for rowno, header in wb.header_rows(sheet):
                flavour = _flavour(header)
                if flavour is not None and flavour != "vhost":
                    chosen = (sheet, rowno, flavour)
                    break
            if chosen or sheet == vinfo:
                break
        if chosen is None:
            where = f"sheet {vinfo}" if vinfo else f"sheets {', '.join(wb.sheetnames)}"
            raise InputError(f"no inventory header found in {where}", file=summary.file,
                             sheet=vinfo, fix=f"give {_KNOWN} in the first rows of a sheet")
        sheet, rowno, flavour = chosen
        summary.sheet = sheet
        table = wb.table(sheet, rowno)
        disks = partitions = None
        rules: ExportRules | None = None
        if flavour == "rvtools":
            if s := wb.sheet("vDisk"):
                disks = disk_detail(wb.table(s), ("capacity mib", "capacity mb"))
            if s := wb.sheet("vPartition"):
                partitions = disk_detail(wb.table(s), ("consumed mib", "consumed mb"))
            host_mhz: dict[str, float] = {}
            if s := wb.sheet("vHost"):
                summary.overcommit = overcommit(wb.table(s), host_mhz)
            rules = _vrules(wb.table(s) if (s := wb.sheet("vRules")) else None, summary)
            summary.export_usage = _snapshot(
                _usage_sheet(wb, "vCPU"), _usage_sheet(wb, "vMemory"), summary, host_mhz,
                (wb.sheet("vCPU"), wb.sheet("vMemory")))
        records = _records(table, flavour, summary, disks=disks, partitions=partitions,
                           rules=rules)
        inv = opts.finish(records, summary)
        _number_notes(table, summary)
        return inv


def load_inventory(path: str | Path, *, mapping: str | Path | Mapping | None = None,
                   include_powered_off: bool = False, include_templates: bool = False,
                   data: bytes | None = None) -> tuple[Inventory, ImportSummary]:
    """Read an inventory in any supported format, chosen by content; return it and its summary.

    Templates and powered-off VMs are excluded unless included by the switches; every machine
    read is either used or counted as excluded with its reason. Any problem with the file is
    one InputError naming file, sheet, row, field, what was found and what to do. With
    ``data`` (an upload, kept in memory) ``path`` is only the file's name for messages.
    """
    p = Path(path)
    file = str(path)
    if data is not None:
        size, raw = len(data), data
    else:
        try:
            size = os.path.getsize(p)
            with p.open("rb") as f:
                raw = f.read(MAX_TEXT_BYTES + 1) if size <= MAX_TEXT_BYTES else f.read(8)
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror}", file=file,
                             fix="check the path and permissions") from None
    kind = sniff(raw)
    ext = p.suffix.lower()
    if kind == "empty":
        raise InputError("file is empty", file=file, fix="export the inventory again")
    if kind == "ole2":
        raise InputError("a legacy Excel 97-2003 (.xls) or password-protected workbook",
                         file=file, fix="open it in Excel and save as .xlsx without a password, "
                         "or export the sheet as CSV")
    if kind not in {"zip", "text"}:
        raise InputError(f"not an inventory: the file is {kind}", file=file,
                         fix="give an .xlsx workbook or a CSV export")
    if kind == "zip" and ext in TEXT_EXT:
        raise InputError(f"named {ext} but it is a zip/Excel workbook", file=file,
                         found=ext, fix="rename it to .xlsx (or export the sheet as CSV)")
    if kind == "text" and ext in XLSX_EXT | {".xls"}:
        head = raw[:200].lstrip().lower()
        what = ("an HTML or XML file" if head.startswith((b"<", b"\xef\xbb\xbf<"))
                else "a text (CSV) file")
        raise InputError(f"named {ext} but it is {what}, not an Excel workbook", file=file,
                         found=ext, fix="rename it to .csv if it is CSV, or save it from Excel "
                         "as .xlsx")
    rules = load_mapping(mapping) if isinstance(mapping, str | Path) else mapping
    summary = ImportSummary(file=file, format="")
    opts = _Options(rules, include_powered_off, include_templates)
    if kind == "zip":
        inv = _load_xlsx(p if data is None else data, summary, opts)
    else:
        if size > MAX_TEXT_BYTES:
            raise InputError(f"file is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,}",
                             file=file, fix="split the inventory into several files")
        inv = _load_csv(p if data is None else None, raw, summary, opts)
    if summary.overcommit is not None and summary.overcommit.cores == 0:
        summary.overcommit = None
    _check_snapshot(inv, summary)
    return inv, summary


def size_inventory(inventory: Inventory, imported: ImportSummary | None, policy: Policy,
                   usage: str | Path | None, data: bytes | None = None
                   ) -> tuple[Inventory, SizingSummary | None]:
    """The inventory sized as the policy and mapping say (issue 22), and the account of it.

    Usage comes from the usage file when one is given, else from the export's vCPU and vMemory
    sheets (``imported.export_usage``, one snapshot). Without either and with every workload
    provisioned, the inventory is returned as it is (None: no sizing step). A usage file given
    while nothing is sized on measured use is noted in ``imported``'s warnings rather than
    ignored silently.
    """
    from planner.readers.usage import MEASURED, SNAPSHOT, sizing_mode

    wants = any(sizing_mode(w, policy) == MEASURED for w in inventory.workloads)
    snap = imported.export_usage if imported is not None else None
    if usage is None and not wants:
        return inventory, None
    rows = load_usage(usage, policy.usage_percentile, data) if usage is not None else None
    if not wants:
        if imported is not None:
            imported.warnings.append(f"usage file {usage} given, but the policy sizes every "
                                     "workload as provisioned (set sizing = \"measured\")")
        return inventory, None
    mhz = imported.overcommit.mhz_per_core if imported and imported.overcommit else None
    excluded = [n for n, _ in imported.excluded_names] if imported is not None else []
    if usage is None and snap is not None:
        if snap.error is not None:
            raise snap.error
        planned = {w.name for w in inventory.workloads}  # a VM deleted since is not sized
        rows = {n: u for n, u in snap.usage.items() if n in planned}
        return apply_usage(inventory, rows, policy, file=snap.cpu_file,
                           mhz_per_core=mhz, excluded=excluded, source=SNAPSHOT,
                           label=snap.label)
    sized, summary = apply_usage(inventory, rows, policy,
                                 file=str(usage or "<no usage file>"), mhz_per_core=mhz,
                                 excluded=excluded)
    if usage is not None and snap is not None:
        summary.notes.append(f"the usage file wins over the export's usage snapshot "
                             f"({snap.sheets}), which is not used")
    return sized, summary
