"""The inventory: workloads to protect, read from the planner's own CSV format."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from planner.errors import InputError
from planner.readers.schema import INVENTORY_FIELDS, unknown_key_fix
from planner.readers.units import (
    DECIMAL_UNITS,
    UnitParseError,
    parse_bytes,
    split_header,
    unit_of,
)

KINDS = ("server", "workstation")
SOURCES = ("physical", "virtual")
MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Workload:
    """One inventory row (possibly ``count`` identical copies). Sizes in canonical units.

    memory_gib: Memory per copy. [GiB]
    storage_gb: Provisioned storage per copy. [GB]
    storage_used_gb: Storage in use per copy, when known. [GB]
    """

    name: str
    vcpu: int
    memory_gib: float
    storage_gb: float
    kind: str = "server"
    source: str = "virtual"
    tier: int = 3
    count: int = 1
    affinity: str = ""
    anti_affinity: str = ""
    storage_used_gb: float | None = None
    row: int | None = None
    #: 'provisioned' or 'measured' set by the mapping file; '' follows the policy
    sizing: str = ""

    def instance_names(self) -> list[str]:
        """Names of the individual copies: the name itself, or ``name#1``..``name#n``."""
        if self.count == 1:
            return [self.name]
        return [f"{self.name}#{k}" for k in range(1, self.count + 1)]


@dataclass(frozen=True)
class Inventory:
    """The workloads read from one file, with where they came from."""

    workloads: tuple[Workload, ...]
    source: str = ""

    @property
    def total_instances(self) -> int:
        """Number of individual machines (rows times their counts)."""
        return sum(w.count for w in self.workloads)


_CANON = {f.name for f in INVENTORY_FIELDS}
_REQUIRED = [f.name for f in INVENTORY_FIELDS if f.required]


def _canon_header(raw: str) -> tuple[str, str | None]:
    name, unit = split_header(raw.replace("\ufeff", ""))
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    return key, unit


def _parse_int(text: str, *, file: str, row: int, field: str, minimum: int) -> int:
    t = text.strip().replace("_", "")
    try:
        value = float(t)
    except ValueError:
        raise InputError("not a number", file=file, row=row, field=field, found=text,
                         fix=f"write a whole number >= {minimum}") from None
    if not math.isfinite(value) or value != int(value) or value < minimum:
        raise InputError(f"must be a whole number >= {minimum}", file=file, row=row,
                         field=field, found=text, fix=f"write a whole number >= {minimum}")
    return int(value)


def parse_rows(
    header: list[str], rows: Iterable[list[str]], *, file: str, first_row: int = 2,
    warnings: list[str] | None = None, conversions: list[str] | None = None,
) -> Inventory:
    """Validate raw text rows against the inventory schema and build the Inventory.

    Columns the schema does not know are listed in ``warnings`` (with the nearest known name:
    a misspelt ``anti_afinity`` must not vanish unnoticed); memory given in decimal units
    (``16 GB``, read as 14.9 GiB) is counted in ``conversions``.
    """
    cols: dict[str, tuple[int, str | None]] = {}
    width = len(header)
    while width and not str(header[width - 1]).strip():
        width -= 1
    for i, raw in enumerate(header):
        key, unit = _canon_header(raw)
        if not key:
            continue
        if key in cols:
            raise InputError("column appears twice", file=file, row=first_row - 1, field=key,
                             fix="keep one column of that name")
        if key in _CANON:
            cols[key] = (i, unit)
        elif warnings is not None:
            near = unknown_key_fix(key, _CANON)
            warnings.append(f"column '{raw.strip()}' is not used"
                            + (f" ({near})" if near.startswith("did you mean") else ""))
    missing = [f for f in _REQUIRED if f not in cols]
    if missing:
        raise InputError(
            f"missing required column(s) {', '.join(missing)}", file=file, row=1,
            found=[h for h in header],
            fix="add a header row with name, vcpu, memory, storage "
            "(units in the cells or the header, e.g. 'memory [GiB]')",
        )
    workloads: list[Workload] = []
    seen: dict[str, int] = {}
    decimal_memory = 0
    for offset, cells in enumerate(rows):
        rowno = first_row + offset
        if offset >= MAX_ROWS:
            raise InputError(f"more than {MAX_ROWS:,} rows", file=file, row=rowno,
                             fix="split the inventory or group identical machines with 'count'")
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise InputError(f"the row has {len(cells)} fields, the header {width}", file=file,
                             row=rowno, found=[c for c in cells[width:] if c.strip()][:3],
                             fix="quote values that contain the separator, or name the extra "
                             "column in the header")

        def cell(key: str, cells: list[str] = cells) -> str:
            if key not in cols:
                return ""
            idx = cols[key][0]
            return cells[idx].strip() if idx < len(cells) else ""

        name = cell("name")
        if not name:
            raise InputError("empty name", file=file, row=rowno, field="name",
                             fix="give every workload a unique name")
        if name in seen:
            raise InputError(f"duplicate name (first on row {seen[name]})", file=file,
                             row=rowno, field="name", found=name,
                             fix="make names unique (rename one), or merge identical rows "
                             "with 'count'")
        seen[name] = rowno
        vcpu = _parse_int(cell("vcpu"), file=file, row=rowno, field="vcpu", minimum=1)

        def size(key: str, target: str, rowno: int = rowno) -> float:
            try:
                return parse_bytes(cell(key), cols[key][1], target)
            except UnitParseError as exc:
                raise InputError(str(exc), file=file, row=rowno, field=key,
                                 found=cell(key),
                                 fix="write a positive size with its unit, e.g. '16 GiB'"
                                 ) from None

        memory = size("memory", "GiB")
        if unit_of(cell("memory"), cols["memory"][1]) in DECIMAL_UNITS:
            decimal_memory += 1
        storage = size("storage", "GB")
        used = size("storage_used", "GB") if cell("storage_used") else None
        kind = (cell("kind") or "server").lower()
        if kind not in KINDS:
            raise InputError("unknown kind", file=file, row=rowno, field="kind", found=kind,
                             fix="write server or workstation")
        source = (cell("source") or "virtual").lower()
        if source not in SOURCES:
            raise InputError("unknown source", file=file, row=rowno, field="source",
                             found=source, fix="write physical or virtual")
        tier = _parse_int(cell("tier") or "3", file=file, row=rowno, field="tier", minimum=1)
        if tier > 4:
            raise InputError("tier must be 1..4", file=file, row=rowno, field="tier",
                             found=cell("tier"), fix="write 1 (most critical) to 4")
        count = _parse_int(cell("count") or "1", file=file, row=rowno, field="count", minimum=1)
        workloads.append(Workload(
            name=name, vcpu=vcpu, memory_gib=memory, storage_gb=storage, kind=kind,
            source=source, tier=tier, count=count, affinity=cell("affinity"),
            anti_affinity=cell("anti_affinity"), storage_used_gb=used, row=rowno,
        ))
    if not workloads:
        raise InputError("no workloads in the file", file=file,
                         fix="add at least one row below the header")
    if decimal_memory and conversions is not None:
        conversions.append(f"memory of {decimal_memory} row(s) given in decimal units (GB = "
                           "10^9 bytes, so 16 GB = 14.9 GiB); write GiB if binary was meant")
    return Inventory(tuple(workloads), source=file)


def read_inventory_csv(path: str | Path) -> Inventory:
    """Read the planner's own CSV inventory format (see docs/formats.md)."""
    p = Path(path)
    file = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=file) from None
    if not raw.strip():
        raise InputError("file is empty", file=file, fix="export the inventory again")
    if raw[:4] == b"PK\x03\x04" or b"\x00" in raw[:4096]:
        raise InputError("not a text CSV file (binary content)", file=file,
                         fix="save the inventory as CSV (UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if "\n" not in text:  # classic Mac line ends (CR only)
        text = text.replace("\r", "\n")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("file is empty", file=file) from None
    return parse_rows(header, reader, file=file)
