"""The planner's own columns (name, vcpu, memory, storage, ...) in a CSV or a workbook sheet.

Validation stays in :func:`planner.readers.inventory.parse_rows`; this module only turns cells into
the text that function reads, rewriting numbers written with thousands separators or a decimal
comma (``1,5 TB`` in a semicolon file) into plain digits first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planner.errors import InputError
from planner.readers.inventory import _canon_header, parse_rows
from planner.readers.records import Record
from planner.readers.summary import ImportSummary
from planner.readers.table import Cell, Table, cell_text, normalize_number

REQUIRED = ("name", "vcpu", "memory", "storage")
NUMERIC = ("vcpu", "memory", "storage", "storage_used", "tier", "count")
_QTY = re.compile(r"^\s*([-+]?[0-9][0-9.,'\s\u00a0\u202f]*?)\s*([A-Za-z]+)?\s*$")


def is_own(keys: set[str]) -> bool:
    """Whether canonical header keys hold the planner's required columns."""
    return set(REQUIRED) <= keys


def own_keys(header: list[str]) -> set[str]:
    """The planner-schema keys of a header (units in brackets removed)."""
    return {_canon_header(h)[0] for h in header}


def _text(value: Cell, numeric: bool, table: Table) -> str:
    text = cell_text(value)
    if not numeric or not text or isinstance(value, int | float):
        return text
    m = _QTY.match(text)
    if not m:
        return text
    norm = normalize_number(m.group(1), table.decimal_comma, table.numbers)
    if norm is None:
        return text
    return f"{norm} {m.group(2)}" if m.group(2) else norm


def read_own(table: Table, summary: ImportSummary) -> Iterator[Record]:
    """Records from the planner's own columns; errors keep file, sheet and row."""
    keys = [_canon_header(h)[0] for h in table.header]
    numeric = [k in NUMERIC for k in keys]

    def rows() -> Iterator[list[str]]:
        for _, cells in table.rows:
            summary.rows += 1
            texts = [_text(c, numeric[i] if i < len(numeric) else False, table)
                     for i, c in enumerate(cells)]
            if not any(texts):
                summary.blank_rows += 1
            yield texts

    try:
        inventory = parse_rows(list(table.header), rows(), file=table.file,
                               first_row=table.header_row + 1, warnings=summary.warnings,
                               conversions=summary.conversions)
    except InputError as exc:
        if table.sheet and not exc.sheet:
            raise InputError(exc.detail, file=exc.file, sheet=table.sheet, row=exc.row,
                             field=exc.field, found=exc.found, fix=exc.fix) from None
        raise
    for w in inventory.workloads:
        yield Record(w, sheet=table.sheet)
