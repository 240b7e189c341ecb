"""A sheet of raw cells, whatever file it came from, and strict reading of its numbers.

Every reader turns its file into :class:`Table` objects (a header and rows of raw cell values
with their row numbers), so the format readers never care whether a sheet came from a CSV file
or a workbook, and every error names file, sheet, row and field the same way.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from planner.errors import InputError

Cell = str | int | float | bool | None

# Bounds on what the readers accept: beyond these a file is refused with a clear message,
# so a hostile or runaway file cannot exhaust memory.
MAX_ROWS = 1_000_000
MAX_COLUMNS = 512
MAX_TEXT_BYTES = 256 * 1024 * 1024


@dataclass
class NumberStats:
    """How many cells needed a thousands separator or a decimal comma to be read."""

    thousands: int = 0
    decimal_comma: int = 0


@dataclass
class Table:
    """One sheet: header cells, data rows as (row number, cells), and where it came from.

    ``decimal_comma`` is True for semicolon-separated text (European locale), False for comma
    or tab separated text, and None for workbooks (numbers are typed there).
    """

    file: str
    sheet: str | None
    header: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    header_row: int = 1
    decimal_comma: bool | None = None
    numbers: NumberStats = field(default_factory=NumberStats)

    def error(self, message: str, *, row: int | None = None, field: str | None = None,
              found: object = None, fix: str | None = None) -> InputError:
        """An InputError located in this table (file, sheet, row, field)."""
        return InputError(message, file=self.file, sheet=self.sheet, row=row, field=field,
                          found=found, fix=fix)


def canon(header: object) -> str:
    """Canonical header key: lower case, BOM/asterisks/extra spaces removed.

    >>> canon(" *Memory (In MB) ")
    'memory (in mb)'
    """
    text = "" if header is None else str(header)
    text = text.replace("\ufeff", "").strip().lstrip("*").strip()
    return re.sub(r"\s+", " ", text).lower()


def cell_text(value: Cell) -> str:
    """A cell as stripped text ('' for empty); whole floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value).strip()


def column_index(keys: list[str], *names: str) -> int | None:
    """The position of the first of ``names`` among the canonical headers ``keys`` (or None)."""
    for n in names:
        if n in keys:
            return keys.index(n)
    return None


def cell_at(cells: list[Cell], i: int | None) -> Cell:
    """The cell at ``i`` of a row (None where the column is absent or the row is short)."""
    return cells[i] if i is not None and i < len(cells) else None


_GROUP_SEP = re.compile(r"[\s\u00a0\u202f']")
_SPACED = re.compile(r"([-+]?)(\d{1,3}(?:[\s\u00a0\u202f']\d{3})+)(?:([.,])(\d+))?")
_SCIENTIFIC = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)[eE][-+]?\d+")
_NUM_SHAPE = re.compile(r"^[-+]?[0-9][0-9.,]*$|^[-+]?[.,][0-9]+$")


def _grouped(part: str, sep: str) -> bool:
    groups = part.split(sep)
    return (1 <= len(groups[0]) <= 3 and groups[0].isdigit()
            and all(len(g) == 3 and g.isdigit() for g in groups[1:]))


def normalize_number(text: str, decimal_comma: bool | None,
                     stats: NumberStats | None = None) -> str | None:
    """Rewrite a number written with thousands separators or a decimal comma as plain digits.

    ``decimal_comma`` says which mark a lone ',' or '.' followed by exactly three digits is:
    True (semicolon files): ',' is the decimal mark and '.' groups thousands; False or None:
    the reverse. When both marks appear, the last is the decimal mark. Returns None when the
    text is not a number of that shape (the caller reports it).

    >>> normalize_number("1,024", False), normalize_number("1,5", True)
    ('1024', '1.5')
    >>> normalize_number("1.234,5", None), normalize_number("12 345", False)
    ('1234.5', '12345')
    """
    t = text.strip()
    if _GROUP_SEP.search(t):
        m = _SPACED.fullmatch(t)
        if not m:
            return None
        sign, whole, mark, frac = m.groups()
        if stats is not None:
            stats.thousands += 1
            stats.decimal_comma += mark == ","
        return sign + _GROUP_SEP.sub("", whole) + (f".{frac}" if frac else "")
    if _SCIENTIFIC.fullmatch(t):
        return t
    if not _NUM_SHAPE.match(t):
        return None
    sign = ""
    if t[0] in "+-":
        sign, t = t[0], t[1:]
    has_c, has_d = "," in t, "." in t
    if has_c and has_d:
        dec = "," if t.rfind(",") > t.rfind(".") else "."
        grp = "." if dec == "," else ","
        whole, _, frac = t.rpartition(dec)
        if grp in frac or not frac.isdigit() or not _grouped(whole, grp):
            return None
        if stats is not None:
            stats.thousands += 1
            stats.decimal_comma += dec == ","
        return f"{sign}{whole.replace(grp, '')}.{frac}"
    mark = "," if has_c else "." if has_d else ""
    if not mark:
        return sign + t
    count = t.count(mark)
    after = t.rpartition(mark)[2]
    lone_is_thousands = (mark == ",") != bool(decimal_comma)
    if count > 1 or (len(after) == 3 and lone_is_thousands and t[0] != mark):
        if not _grouped(t, mark):
            return None
        if stats is not None:
            stats.thousands += 1
        return sign + t.replace(mark, "")
    if mark == ",":
        if stats is not None:
            stats.decimal_comma += 1
        return sign + t.replace(",", ".")
    return sign + t


def read_number(table: Table, value: Cell, *, row: int, field: str, what: str,
                allow_zero: bool = False) -> float:
    """A finite, non-negative number from a cell; anything else is an InputError.

    Zero is refused unless ``allow_zero``. ``what`` completes the fix, e.g. 'a size in MiB'.
    """
    fix = f"write {what}"
    if isinstance(value, bool):
        raise table.error("not a number", row=row, field=field, found=value, fix=fix)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise table.error("empty cell", row=row, field=field, fix=fix)
    if isinstance(value, int | float):
        number = float(value)
    else:
        norm = normalize_number(value, table.decimal_comma, table.numbers)
        if norm is None:
            low = value.strip().lower()
            if low in {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}:
                raise table.error("not a finite number", row=row, field=field, found=value,
                                  fix=fix)
            raise table.error("not a number", row=row, field=field, found=value, fix=fix)
        number = float(norm)
    if not math.isfinite(number):
        raise table.error("not a finite number", row=row, field=field, found=value, fix=fix)
    if number < 0 or (number == 0 and not allow_zero):
        raise table.error("must be positive" if not allow_zero else "must not be negative",
                          row=row, field=field, found=value, fix=fix)
    return number


def read_count(table: Table, value: Cell, *, row: int, field: str, what: str) -> int:
    """A whole, non-negative number from a cell (vCPUs, cores); anything else is an InputError.

    ``what`` names the unit counted, e.g. 'vCPUs'.
    """
    number = read_number(table, value, row=row, field=field,
                         what=f"a whole number of {what}", allow_zero=True)
    if number != int(number):
        raise table.error(f"{what} must be a whole number", row=row, field=field, found=value,
                          fix=f"write a whole number of {what}")
    return int(number)
