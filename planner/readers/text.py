"""Text files: decode what people send, find the separator, stream rows within the limit.

Encodings: UTF-8 with or without BOM, UTF-16, and mixed UTF-8 / Windows-1252 lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections.abc import Iterator

from planner.errors import InputError
from planner.readers.table import MAX_COLUMNS, MAX_ROWS, Cell, Table


def decode(raw: bytes, *, file: str, notes: list[str]) -> str:
    """Decode text bytes; the notes say which encoding was used when it was not plain UTF-8.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded whole. A file that is mostly
    UTF-8 with some lines in Windows-1252 (two exports pasted together) is decoded line by
    line, so neither part turns into mojibake.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("not valid UTF-16 text", file=file,
                             fix="save the file again as CSV UTF-8") from None
        notes.append("text was UTF-16 (Excel 'Unicode text')")
        return text.lstrip("\ufeff")
    head = raw[:4096]
    if b"\x00" in head:
        if len(head) > 8 and head[1::2].count(0) > len(head) // 3:
            try:
                text = raw.decode("utf-16-le")
            except UnicodeDecodeError:
                text = ""
            if text:
                notes.append("text was UTF-16 without a byte-order mark")
                return text
        raise InputError("not a text file (binary content)", file=file,
                         fix="save the inventory as CSV (UTF-8) or as an .xlsx workbook")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    out: list[str] = []
    legacy = 0
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            legacy += 1
    if legacy == len(lines):
        notes.append("text was not UTF-8; read as Windows-1252")
    else:
        notes.append(f"mixed encodings: {legacy} line(s) were not UTF-8 and were read as "
                     "Windows-1252")
    return "\n".join(out)


def sniff_delimiter(text: str) -> str:
    """The field separator of a CSV text: ',', ';' or tab, judged on the header line."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in ",;\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def csv_table(text: str, *, file: str) -> Table:
    """A Table over CSV text: the first non-blank record is the header; rows are streamed."""
    if "\n" not in text and "\r" in text:  # classic Mac line ends (CR only)
        text = text.replace("\r", "\n")
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(min(sys.maxsize, 1 << 24))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    header_row = 0
    try:
        for header_row, rec in enumerate(reader, start=1):
            if any(c.strip() for c in rec):
                header = [c.strip() for c in rec]
                break
            if header_row > 100:
                break
    except csv.Error as exc:
        raise InputError(f"unreadable CSV: {exc}", file=file, row=header_row,
                         fix="export the sheet again as CSV") from None
    if header is None:
        raise InputError("file is empty (no header row)", file=file,
                         fix="export the inventory again; the first line must name the columns")
    if len(header) > MAX_COLUMNS:
        raise InputError(f"more than {MAX_COLUMNS} columns", file=file, row=header_row,
                         fix="export only the inventory sheet")

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        rowno = header_row
        try:
            for rec in reader:
                rowno += 1
                if rowno - header_row > MAX_ROWS:
                    raise InputError(f"more than {MAX_ROWS:,} rows (the limit)", file=file,
                                     row=rowno, fix="split the inventory into several files")
                yield rowno, list(rec[:MAX_COLUMNS])
        except csv.Error as exc:
            raise InputError(f"unreadable CSV: {exc}", file=file, row=rowno + 1,
                             fix="check quotes in that line, or export the sheet again") from None

    return Table(file=file, sheet=None, header=header, rows=rows(), header_row=header_row,
                 decimal_comma=delimiter == ";")
