"""One pint registry for the package, and strict parsing of byte quantities.

pint treats bytes as dimensionless, so ``16 GiB + 3`` would silently work; every byte-valued
field therefore goes through :func:`parse_bytes`, which accepts only a known byte unit.
"""

from __future__ import annotations

import math
import re

import pint

from planner.readers.table import normalize_number

# pint keeps its parsed definitions in the user's cache folder: the registry then loads in
# about a tenth of the time (0.14 s against 1.1 s measured), which every start-up pays
ureg: pint.UnitRegistry = pint.UnitRegistry(cache_folder=":auto:")
ureg.define("vcpu = [vcpu] = vCPU")
ureg.define("core = [core]")
Q_ = ureg.Quantity

# Accepted spellings (case-insensitive) -> pint unit. Decimal and binary prefixes differ.
_BYTE_UNITS: dict[str, str] = {
    "b": "byte", "byte": "byte", "bytes": "byte",
    "kb": "kilobyte", "mb": "megabyte", "gb": "gigabyte", "tb": "terabyte", "pb": "petabyte",
    "kib": "kibibyte", "mib": "mebibyte", "gib": "gibibyte", "tib": "tebibyte",
    "pib": "pebibyte",
    "kilobyte": "kilobyte", "megabyte": "megabyte", "gigabyte": "gigabyte",
    "terabyte": "terabyte", "petabyte": "petabyte",
    "kibibyte": "kibibyte", "mebibyte": "mebibyte", "gibibyte": "gibibyte",
    "tebibyte": "tebibyte", "pebibyte": "pebibyte",
}
_BYTE_UNITS.update({k + "s": v for k, v in list(_BYTE_UNITS.items()) if k.endswith("byte")})

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_QTY_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)?\s*$")
_GROUPED_RE = re.compile(r"^\s*([-+]?[0-9][0-9.,'\u00a0\u202f ]*[0-9])\s*([A-Za-z]+)?\s*$")
_HEADER_RE = re.compile(r"^\s*(.*?)\s*[\[(]\s*([A-Za-z]+)\s*[\])]\s*$")


class UnitParseError(ValueError):
    """A cell or header could not be read as a byte quantity; the message says why."""


def byte_unit(text: str) -> str:
    """Return the pint unit name for a byte unit spelling, or raise UnitParseError."""
    key = text.strip().lower()
    if text.strip() in {"Kb", "Mb", "Gb", "Tb", "kbit", "Mbit", "Gbit"}:
        raise UnitParseError(f"'{text}' is a bit unit; memory and storage are in bytes (e.g. GB)")
    if key not in _BYTE_UNITS:
        raise UnitParseError(
            f"unknown unit '{text}'; use one of B, kB, MB, GB, TB (decimal) or KiB, MiB, GiB, TiB"
        )
    return _BYTE_UNITS[key]


def split_header(header: str) -> tuple[str, str | None]:
    """Split ``'memory [GiB]'`` into ``('memory', 'GiB')``; a plain header has no unit."""
    m = _HEADER_RE.match(header)
    if m:
        return m.group(1).strip(), m.group(2)
    return header.strip(), None


DECIMAL_UNITS = frozenset({"kilobyte", "megabyte", "gigabyte", "terabyte", "petabyte"})


def unit_of(value: object, default_unit: str | None) -> str | None:
    """The pint unit a size is written in (the value's own, else the default), or None."""
    if isinstance(value, str):
        m = _QTY_RE.match(_plain(value))
        if m and m.group(2):
            try:
                return byte_unit(m.group(2))
            except UnitParseError:
                return None
    if default_unit is None:
        return None
    try:
        return byte_unit(default_unit)
    except UnitParseError:
        return None


def _plain(text: str) -> str:
    """``'1,024 MiB'`` -> ``'1024 MiB'``: thousands separators out, as the CSV readers do."""
    m = _GROUPED_RE.match(text)
    if not m:
        return text
    norm = normalize_number(m.group(1), None)
    return text if norm is None else f"{norm} {m.group(2) or ''}".strip()


def parse_bytes(value: object, default_unit: str | None, target: str, *,
                allow_zero: bool = False, where: str = "cell") -> float:
    """Parse a byte quantity (``'16 GiB'``, or a number with the header's unit) into ``target``.

    Raises UnitParseError for a bare number with no unit anywhere, an unknown unit, or a value
    that is not finite and positive (zero is accepted, whatever its unit, with ``allow_zero``).
    Thousands separators are read as in the CSV readers (``'1,024 MiB'``). ``where`` is
    ``'cell'`` for tables (the fix names the cell and the header) or ``'value'`` for TOML.
    """
    if isinstance(value, bool):
        raise UnitParseError("expected a size such as '16 GiB'")
    if isinstance(value, int | float):
        number = float(value)
        unit = default_unit
    else:
        text = _plain(str(value).strip())
        m = _QTY_RE.match(text)
        if not m:
            raise UnitParseError("expected a size such as '16 GiB' or '1.5 TB'")
        number = float(m.group(1))
        unit = m.group(2) or default_unit
    if not math.isfinite(number):
        raise UnitParseError("size is not a finite number")
    if number < 0:
        raise UnitParseError("size must not be negative")
    if number == 0:
        if not allow_zero:
            raise UnitParseError("size must be positive")
        if unit is not None:
            byte_unit(unit)  # an unknown unit is still an error
        return 0.0
    if unit is None:
        if where == "cell":
            raise UnitParseError(
                "a bare number has no unit; write the unit in the cell ('16 GiB') "
                "or in the header ('memory [GiB]')"
            )
        raise UnitParseError("a bare number has no unit; write the size as a quoted text "
                             "with its unit, e.g. \"16 GiB\"")
    q = Q_(number, byte_unit(unit))
    # pint converts through floats: 1 TB -> 1000.0000000000001 GB; 12 significant digits
    # remove that drift without touching any real size
    return float(f"{q.to(target).magnitude:.12g}")


_RATE_RE = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z]+)\s*/\s*([A-Za-z]+)\s*$")
#: bit units a network rate may be given in, in bits
_BITS = {"bit": 1.0, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9, "tbit": 1e12}


def parse_hours(value: object, target: str = "hour") -> float:
    """A duration (``'4 h'``, ``'90 min'``, ``'2 day'``, or a bare number in ``target``).

    Returns the magnitude in ``target`` (a pint time unit); raises UnitParseError otherwise.
    """
    if isinstance(value, bool):
        raise UnitParseError("expected a duration such as '4 h'")
    if isinstance(value, int | float):
        x = float(value)
    elif isinstance(value, str):
        try:
            q: pint.Quantity = Q_(value.strip())
        except Exception:  # pint raises several types for text it cannot read
            raise UnitParseError(f"cannot read '{value}' as a duration such as '4 h'") from None
        if not isinstance(q, pint.Quantity) or q.dimensionality != ureg.hour.dimensionality:
            raise UnitParseError(f"'{value}' is not a duration; write e.g. '4 h' or '90 min'")
        x = float(q.to(target).magnitude)
    else:
        raise UnitParseError("expected a duration such as '4 h'")
    if not math.isfinite(x):
        raise UnitParseError("duration is not a finite number")
    return x


def parse_rate(value: object) -> float:
    """A data throughput (``'400 GB/h'``, ``'1 Gbit/s'``, ``'100 MB/s'``) in GB/h.

    The amount must name a byte or bit unit (pint alone would take ``'400 / h'``: bytes are
    dimensionless there); raises UnitParseError otherwise.
    """
    if not isinstance(value, str):
        raise UnitParseError("expected a throughput with units such as '400 GB/h'")
    m = _RATE_RE.match(value)
    if not m:
        raise UnitParseError(f"cannot read '{value}' as a throughput such as '400 GB/h'")
    number, amount, per = float(m.group(1)), m.group(2), m.group(3)
    if not math.isfinite(number) or number <= 0:
        raise UnitParseError("throughput must be a positive number")
    if amount.lower() in _BITS:
        gb = number * _BITS[amount.lower()] / 8 / 1e9
    else:
        gb = parse_bytes(f"{number!r} {amount}", None, "GB")
    try:
        q = Q_(1.0, per)
    except Exception:  # pint raises several types for a unit it does not know
        raise UnitParseError(f"unknown time unit '{per}'; write e.g. GB/h or MB/s") from None
    if q.dimensionality != ureg.hour.dimensionality:
        raise UnitParseError(f"'{per}' is not a time unit; write e.g. GB/h or MB/s")
    return float(f"{gb / float(q.to('hour').magnitude):.12g}")
