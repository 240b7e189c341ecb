"""Excel workbooks, read with care: bounded sizes before parsing, openpyxl in read-only mode.

openpyxl parses XML through defusedxml when it is installed (a declared dependency), which stops
entity-expansion bombs. A zip bomb (a few kB that inflate to gigabytes) and a huge shared-string
table are refused here from the sizes the zip directory declares; Python's zipfile never inflates
a member past its declared size, so the check cannot be lied around. Rows are streamed and
bounded, and columns are cut at the header's width, so a declared dimension of A1:XFD1048576
costs nothing.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import openpyxl

from planner.errors import InputError
from planner.readers.table import MAX_COLUMNS, MAX_ROWS, Cell, Table, canon

MAX_MEMBER_BYTES = 512 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200
HEADER_SCAN_ROWS = 10


def check_zip(path: Path | bytes, *, file: str) -> list[str]:
    """Refuse zip bombs and workbooks without a workbook part; return the member names."""
    try:
        with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"damaged .xlsx workbook ({exc})", file=file,
                         fix="open it in Excel and save it again, or export as CSV") from None
    names = [i.filename for i in infos]
    if "xl/workbook.xml" not in names:
        raise InputError("a zip archive but not an Excel workbook (no xl/workbook.xml)",
                         file=file, fix="unzip it and give the .xlsx or .csv inside")
    total = 0
    for info in infos:
        total += info.file_size
        limit = (MAX_SHARED_STRINGS_BYTES if info.filename.endswith("sharedStrings.xml")
                 else MAX_MEMBER_BYTES)
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > limit or (info.file_size > 16 * 1024 * 1024 and ratio > MAX_RATIO):
            raise InputError(
                f"workbook part {info.filename} inflates to {info.file_size:,} bytes "
                f"(ratio {ratio:,.0f}:1); the limit is {limit:,} bytes", file=file,
                fix="this looks like a decompression bomb; export the inventory sheet "
                "again, or split a genuinely huge inventory")
    if total > MAX_TOTAL_BYTES:
        raise InputError(f"workbook inflates to {total:,} bytes; the limit is "
                         f"{MAX_TOTAL_BYTES:,}", file=file,
                         fix="keep only the inventory sheets, or export them as CSV")
    return names


class Workbook:
    """A guarded read-only workbook; use as a context manager, then :meth:`table`."""

    def __init__(self, path: Path | bytes, *, file: str) -> None:
        check_zip(path, file=file)
        self.file = file
        # our own handle, closed in __exit__ even when a row generator is left half-read
        # (an upload arrives as bytes and stays in memory)
        self._fh: BinaryIO = io.BytesIO(path) if isinstance(path, bytes) else path.open("rb")
        try:
            self._wb: Any = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for damaged parts
            self._fh.close()
            raise InputError(f"cannot read the workbook ({type(exc).__name__}: {exc})",
                             file=file, fix="open it in Excel and save it again as .xlsx"
                             ) from None
        self.sheetnames: list[str] = list(self._wb.sheetnames)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self._wb.close()
        finally:
            self._fh.close()

    def sheet(self, name: str) -> str | None:
        """The sheet of that name, ignoring case and spaces, or None."""
        for s in self.sheetnames:
            if canon(s).replace(" ", "") == canon(name).replace(" ", ""):
                return s
        return None

    def header_rows(self, sheet: str) -> list[tuple[int, list[str]]]:
        """The first few non-blank rows of a sheet as text, to find its header."""
        ws = self._wb[sheet]
        width = min(ws.max_column or MAX_COLUMNS, MAX_COLUMNS)
        out: list[tuple[int, list[str]]] = []
        for idx, row in enumerate(ws.iter_rows(max_row=HEADER_SCAN_ROWS, max_col=width,
                                               values_only=True), start=1):
            cells = ["" if v is None else str(v).strip() for v in row]
            if any(cells):
                out.append((idx, cells))
        return out

    def table(self, sheet: str, header_row: int = 1) -> Table:
        """Stream a sheet as a Table whose header is on ``header_row``."""
        ws = self._wb[sheet]
        declared = ws.max_row
        if declared is not None and declared - header_row > MAX_ROWS:
            raise InputError(f"sheet declares {declared:,} rows; the limit is {MAX_ROWS:,}",
                             file=self.file, sheet=sheet,
                             fix="delete the empty formatted rows, or split the inventory")
        width = min(ws.max_column or MAX_COLUMNS, MAX_COLUMNS)
        header: list[str] = []
        for row in ws.iter_rows(min_row=header_row, max_row=header_row, max_col=width,
                                values_only=True):
            header = ["" if v is None else str(v).strip() for v in row]
        while header and not header[-1]:
            header.pop()
        width = max(1, len(header))
        file = self.file

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            for idx, row in enumerate(ws.iter_rows(min_row=header_row + 1, max_col=width,
                                                   values_only=True), start=header_row + 1):
                if idx - header_row > MAX_ROWS:
                    raise InputError(f"more than {MAX_ROWS:,} rows (the limit)", file=file,
                                     sheet=sheet, row=idx,
                                     fix="split the inventory into several files")
                yield idx, [_cell(v) for v in row]

        return Table(file=self.file, sheet=sheet, header=header, rows=rows(),
                     header_row=header_row, decimal_comma=None)


def _cell(v: object) -> Cell:
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)
