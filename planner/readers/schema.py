"""The input schema as data: each field's type, unit, default and meaning.

Validation in the readers and the format reference in ``docs/formats.md`` are driven from these
tables, so the documentation cannot drift from what the code accepts.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Field:
    """One input field: name, type, canonical unit, default, and a one-line description.

    ``minimum`` and ``maximum`` (in the canonical unit) are the field's valid range where it is
    numeric: the readers enforce them and the dashboard's widgets take their limits from them.
    """

    name: str
    type: str
    unit: str | None
    default: object
    required: bool
    description: str
    minimum: float | None = None
    maximum: float | None = None
    #: the range's ends are open (``> minimum``, ``< maximum``) rather than closed
    min_open: bool = False
    max_open: bool = False
    #: an example value for the fix in an out-of-range message, e.g. "0.05 for 5 %"
    example: str | None = None


#: upper ends of the ranges: far above any real value, low enough to catch a slipped unit or a
#: percentage written where a fraction belongs
MAX_CORES = 4096
MAX_MEMORY_GIB = 65536.0  # 64 TiB in one PC
MAX_STORAGE_GB = 10_000_000.0  # 10 PB in one PC
MAX_SLOTS = 1000
MAX_SEATS = 10_000
MAX_TERM_YEARS = 30
MAX_CPU_OVERCOMMIT = 64.0
MAX_MEMORY_OVERCOMMIT = 10.0
MAX_DECLARATIONS = 1000
MAX_DAYS = 366

INVENTORY_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Unique workload name."),
    Field("vcpu", "integer > 0", "vCPU", None, True, "Virtual CPUs of the workload."),
    Field("memory", "size", "GiB", None, True,
          "Memory, with a unit in the cell (`16 GiB`) or the header (`memory [GiB]`)."),
    Field("storage", "size", "GB", None, True,
          "Provisioned storage, with a unit in the cell (`1.5 TB`) or the header."),
    Field("storage_used", "size", "GB", None, False,
          "Storage in use; planned instead of `storage` when policy `storage_basis = used`."),
    Field("kind", "server | workstation", None, "server", False,
          "Workstations need a staff seat in a mobile unit (policy `workstation_seats`)."),
    Field("source", "physical | virtual", None, "virtual", False,
          "Whether the machine is physical today (converted P2V) or already virtual."),
    Field("tier", "1..4", None, 3, False, "Priority tier, 1 = most critical."),
    Field("count", "integer > 0", None, 1, False,
          "Identical copies of this row (e.g. 120 office workstations); named `name#1`..`name#n`."),
    Field("affinity", "text", None, "", False, "Group name: all members must share one PC."),
    Field("anti_affinity", "text", None, "", False,
          "Group name: members must be on different PCs (e.g. two domain controllers)."),
)

HOST_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Recovery PC model name."),
    Field("cores", "number > 0", "core", None, True, "Physical cores.",
          0, MAX_CORES, min_open=True),
    Field("memory", "size", "GiB", None, True, "Memory, with unit (`256 GiB`).",
          0, MAX_MEMORY_GIB, min_open=True),
    Field("storage", "size", "GB", None, True, "Storage, with unit (`4 TB`).",
          0, MAX_STORAGE_GB, min_open=True),
    Field("slots", "integer > 0", None, 1, False, "Slots the PC takes in a mobile unit.",
          1, MAX_SLOTS),
    Field("monthly_fee", "money", "currency", 0, False, "Fee per month under contract.", 0),
    Field("setup_fee", "money", "currency", 0, False, "One-time fee at contract start.", 0),
    Field("available", "integer >= 0", None, None, False, "How many the vendor can supply.",
          0),
    Field("declaration_fee", "money", "currency", 0, False,
          "Charged per item each time a disaster is declared.", 0),
    Field("daily_fee", "money", "currency", 0, False,
          "Per item per day in use, during a declared disaster or a test.", 0),
    Field("delivery_hours", "duration", "h", 24, False,
          "Hours from a declaration until the PC is on site and powered, when no mobile unit "
          "carries it (`\"24 h\"` or a number of hours).", minimum=0, maximum=8760),
    Field("restore_rate", "throughput", "GB/h", "400 GB/h", False,
          "Restore throughput onto the PC (`\"400 GB/h\"`, `\"1 Gbit/s\"`); the restores on "
          "one PC run one after another.", minimum=1, maximum=1e7),
    Field("boot_minutes", "duration", "min", 10, False,
          "Minutes from a restored workload to it running (boot and checks).",
          minimum=0, maximum=1440),
)

UNIT_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Mobile recovery unit model name."),
    Field("slots", "integer >= 0", None, None, True, "Recovery PC slots.", 0, MAX_SLOTS),
    Field("seats", "integer >= 0", None, 0, False, "Staff seats.", 0, MAX_SEATS),
    Field("monthly_fee", "money", "currency", 0, False, "Fee per month under contract.", 0),
    Field("setup_fee", "money", "currency", 0, False, "One-time fee at contract start.", 0),
    Field("available", "integer >= 0", None, None, False, "How many the vendor can supply.",
          0),
    Field("declaration_fee", "money", "currency", 0, False,
          "Charged per item each time a disaster is declared.", 0),
    Field("daily_fee", "money", "currency", 0, False,
          "Per item per day in use, during a declared disaster or a test.", 0),
    Field("delivery_hours", "duration", "h", 24, False,
          "Hours from a declaration until the unit and the PCs it carries are on site "
          "(`\"36 h\"` or a number of hours).", minimum=0, maximum=8760),
)

CATALOG_FIELDS: tuple[Field, ...] = (
    Field("vendor", "text", None, "file name", False, "Vendor name shown in comparisons."),
    Field("currency", "text", None, "USD", False, "Currency of every fee in the catalog."),
    Field("term_years", "integer >= 1", "year", 3, False, "Contract term.", 1, MAX_TERM_YEARS),
    Field("included_test_days", "number >= 0", "day/year", 0, False,
          "Test days a year without the test-day fee.", 0, 366),
    Field("test_day_fee", "money", "currency", 0, False,
          "Flat fee per test day beyond the included ones.", 0),
    Field("annual_escalation", "0 <= x <= 1", "1/year", 0, False,
          "Yearly rise of every vendor fee from year 2 (0.03 = 3 %); setup fees are not raised.",
          0, 1, example="0.03 for 3 %"),
    Field("discount", "list of tables", None, None, False,
          "Volume discount tiers `[[discount]]` (below); the best tier reached applies."),
)

DISCOUNT_FIELDS: tuple[Field, ...] = (
    Field("min_pcs", "integer >= 1", "PC", None, True, "PCs contracted to earn the tier.", 1),
    Field("percent", "0..100", "%", 0, False,
          "Off the setup and monthly fees of every PC and unit in the contract.", 0, 100,
          example="5 for 5 %"),
)

SCENARIO_FIELDS: tuple[Field, ...] = (
    Field("currency", "text", None, "the catalog's", False,
          "Reporting currency; every policy amount is in it."),
    Field("rates", "table", None, None, False,
          "`[scenario.rates]` `EUR = 1.08`: reporting currency per unit of each quote currency."),
    Field("declarations", "number >= 0", None, 0, False,
          "Expected declared disasters over the term (may be fractional, e.g. 0.2).",
          0, MAX_DECLARATIONS),
    Field("disaster_days", "number >= 0", "day", 0, False,
          "Days the recovery PCs and units are in use per declaration.", 0, MAX_DAYS),
    Field("tests", "table", None, None, False,
          "`[scenario.tests]` by type: checklist, simulation, parallel, full_interruption. "
          "Without it: one checklist and one simulation (structured walk-through) a year, "
          "neither using the vendor's equipment."),
    Field("p2v_server", "money", "currency", 0, False,
          "One-time P2V conversion per physical server (virtual plan).", 0),
    Field("p2v_workstation", "money", "currency", 0, False,
          "One-time P2V conversion per physical workstation (virtual plan).", 0),
    Field("hypervisor_licence", "money", "currency", 0, False,
          "One-time hypervisor licence per recovery PC (virtual plan).", 0),
    Field("hypervisor_subscription", "money", "currency", 0, False,
          "Hypervisor subscription per recovery PC per year (virtual plan).", 0),
    Field("image_storage", "money", "currency/year", 0, False,
          "Storage of one image per year.", 0),
    Field("image_maintenance", "money", "currency/year", 0, False,
          "Maintenance (patching, re-capture) of one image per year.", 0),
    Field("virtual_images", "integer >= 0", None, 1, False,
          "Images of the virtual plan: one consolidated image set (physical: one per PC).", 0),
    Field("discount_rate", "0 <= x <= 1", "1/year", 0, False, "For the present value.", 0, 1,
          example="0.07 for 7 %"),
)

TEST_FIELDS: tuple[Field, ...] = (
    Field("per_year", "integer >= 0", None, 0, False, "Tests of this type per year.", 0, 366),
    Field("pc_days", "number >= 0", "day", 0, False,
          "Days each contracted PC is in use per test.", 0, MAX_DAYS),
    Field("unit_days", "number >= 0", "day", 0, False,
          "Days each contracted mobile unit is in use per test.", 0, MAX_DAYS),
    Field("tiers", "list of 1..4", None, "all", False,
          "The tiers whose PCs take part, with the units carrying them (e.g. [1] for a "
          "parallel test of tier 1); left out: every contracted PC and unit."),
)

POLICY_FIELDS: tuple[Field, ...] = (
    Field("cpu_overcommit", "number > 0", "vCPU/core", 4.0, False, "vCPU per physical core.",
          0, MAX_CPU_OVERCOMMIT, min_open=True, example="4 (vCPU per core)"),
    Field("memory_overcommit", "number > 0", None, 1.0, False, "Memory overcommit ratio.",
          0, MAX_MEMORY_OVERCOMMIT, min_open=True, example="1.0 (no overcommit)"),
    Field("headroom", "0 <= x < 1", None, 0.1, False, "Share of every PC dimension kept free.",
          0, 1, max_open=True, example="0.1 for 10 %"),
    Field("host_reserved_cores", "number >= 0", "core", 1.0, False,
          "Cores reserved for the host OS and hypervisor (hosted virtualization).",
          0, MAX_CORES),
    Field("host_reserved_memory", "size", "GiB", "4 GiB", False,
          "Memory reserved for the host OS and hypervisor.", 0, MAX_MEMORY_GIB),
    Field("growth_per_year", "0 <= x <= 1", None, 0.0, False,
          "Demand growth per year, compounded over the contract term.", 0, 1,
          example="0.05 for 5 %"),
    Field("storage_basis", "provisioned | used", None, "provisioned", False,
          "Which storage figure to plan when both are known."),
    Field("tiers", "list of 1..4", None, [1, 2, 3, 4], False, "Tiers in scope."),
    Field("workstation_seats", "bool", None, True, False,
          "Whether each workstation needs a staff seat in a mobile unit."),
    Field("sizing", "provisioned | measured", None, "provisioned", False,
          "Size CPU and memory as provisioned, or on measured use from a usage file "
          "(`--usage`) or else an RVTools export's vCPU and vMemory sheets."),
    Field("sizing_by_tier", "table", None, None, False,
          "`[sizing_by_tier]` `1 = \"provisioned\"`: the sizing of a tier, over `sizing`."),
    Field("usage_percentile", "50 <= x <= 100", "%", 95.0, False,
          "Percentile of a usage time series that sizes a workload.", 50.0, 100.0),
    Field("comfort_factor", "1 <= x <= 10", None, 1.3, False,
          "Measured use is multiplied by this margin.", 1.0, 10.0),
    Field("min_vcpu", "integer >= 1", "vCPU", 1, False,
          "Floor of a measured vCPU size.", 1.0, 1024.0),
    Field("min_memory", "size", "GiB", "1 GiB", False,
          "Floor of a measured memory size.", 0.0, MAX_MEMORY_GIB),
    Field("cpu_mhz_per_core", "number > 0", "MHz/core", None, False,
          "MHz of one core, to turn CPU use in MHz into vCPUs (else the usage file's or the "
          "export's).", 0.0, 100_000.0, min_open=True),
    Field("usage_min_samples", "integer >= 0", None, 2016, False,
          "Samples a measured size needs to count as confident (a week at 5 minutes).",
          0.0, 100_000_000.0),
    Field("usage_min_days", "number >= 0", "day", 7.0, False,
          "Days of usage a measured size needs to count as confident.", 0.0, 3660.0),
    Field("spares", "0..10", "PC", 0, False,
          "Spare PCs (N+k): the plan survives the loss of any k PCs (k spares at the site, or "
          "in each mobile unit that carries PCs).",
          0.0, 10.0),
    Field("rto", "table", None, None, False,
          "`[rto]` recovery time objective per tier (below): hours after a declaration by "
          "which the whole tier must be running."),
    Field("approval", "list of tables", None, None, False,
          "`[[approval]]` who approves the written plan (below); the report prints a "
          "signature line for each."),
)

RTO_FIELDS: tuple[Field, ...] = tuple(
    Field(str(t), "duration", "h", None, False,
          f"RTO of tier {t} (`\"4 h\"`, `\"90 min\"`, `\"2 day\"` or a number of hours).",
          minimum=0.01, maximum=8760)
    for t in (1, 2, 3, 4))

APPROVAL_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Name of the person who approves the plan."),
    Field("role", "text", None, "", False, "Their role, e.g. `Chief Financial Officer`."),
)

USAGE_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True,
          "Workload name as in the inventory; several rows of one name are a time series."),
    Field("cpu", "number >= 0", "MHz | GHz | vCPU | %", None, True,
          "CPU use at the policy's percentile (or one sample), unit in the cell or header.",
          0.0, None),
    Field("memory", "size >= 0", "GiB | %", None, True,
          "Memory in use at the percentile (or one sample), e.g. `3.2 GiB` or `40 %`.",
          0.0, None),
    Field("samples", "integer >= 0", None, None, False,
          "Samples the figures were taken from (a time series counts its rows).", 0.0, None),
    Field("days", "number >= 0", "day", None, False, "Days the samples cover.", 0.0, None),
    Field("mhz_per_core", "number > 0", "MHz/core", None, False,
          "MHz of one core of the workload's host (CPU in MHz).", 0.0, None),
    Field("time", "ISO 8601 date and time", None, None, False,
          "When the sample was taken (or column `timestamp`, `datetime`, `date`); a time "
          "series' days covered are then its span plus one sampling interval, over `days`."),
)

MAPPING_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, False, "Exact machine name (case-sensitive)."),
    Field("pattern", "regex", None, None, False, "Python regular expression searched in the name."),
    Field("tier", "1..4", None, None, False, "Priority tier.", 1, 4),
    Field("kind", "server | workstation", None, None, False, "Kind of machine."),
    Field("source", "physical | virtual", None, None, False, "Physical or virtual today."),
    Field("affinity", "text", None, None, False,
          "Group name: members share one PC; `-` takes the machine out of its group."),
    Field("anti_affinity", "text", None, None, False,
          "Group name: members on different PCs; `-` takes the machine out of its group."),
    Field("exclude", "yes | no", None, "no", False, "Leave the machine out."),
    Field("sizing", "provisioned | measured", None, None, False,
          "This machine's sizing, over the policy's (see Sizing on measured use)."),
)

#: every table with numeric ranges, by the name ``field_range`` takes
TABLES: dict[str, tuple[Field, ...]] = {
    "inventory": INVENTORY_FIELDS, "host": HOST_FIELDS, "unit": UNIT_FIELDS,
    "catalog": CATALOG_FIELDS, "discount": DISCOUNT_FIELDS, "scenario": SCENARIO_FIELDS,
    "test": TEST_FIELDS, "policy": POLICY_FIELDS,
}


def find_field(fields: tuple[Field, ...] | str, name: str) -> Field:
    """The field called ``name`` in a table (given as a tuple or by its name in TABLES)."""
    table = TABLES[fields] if isinstance(fields, str) else fields
    for f in table:
        if f.name == name:
            return f
    raise KeyError(name)


def field_range(fields: tuple[Field, ...] | str, name: str) -> tuple[float | None, float | None]:
    """``(minimum, maximum)`` of a field, e.g. ``field_range("policy", "headroom")``.

    The dashboard takes its widget limits from here; ``None`` is no limit on that side. Whether
    an end is open is on the Field (``min_open``, ``max_open``).
    """
    f = find_field(fields, name)
    return f.minimum, f.maximum


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def range_text(f: Field) -> str:
    """The range in words, e.g. ``0 <= x < 1`` or ``>= 0`` ('' when the field has none)."""
    lo = None if f.minimum is None else f"{_num(f.minimum)} {'<' if f.min_open else '<='} "
    hi = None if f.maximum is None else f" {'<' if f.max_open else '<='} {_num(f.maximum)}"
    if lo and hi:
        return f"{lo}x{hi}"
    if lo:
        return f"{'>' if f.min_open else '>='} {_num(f.minimum)}"  # type: ignore[arg-type]
    if hi:
        return f"x{hi}"
    return ""


def range_error(f: Field, value: float | Decimal) -> str | None:
    """What is wrong with ``value`` for field ``f`` (None if it is in range).

    The one range check of the package: the readers, ``Policy``/``Scenario`` (so a sweep or
    the dashboard changing a value is checked too) and the CLI all call it.
    """
    if not (value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)):
        return "not a finite number"
    low = f.minimum is not None and (value < f.minimum or (f.min_open and value == f.minimum))
    high = f.maximum is not None and (value > f.maximum or (f.max_open and value == f.maximum))
    if low or high:
        return f"out of range: must be {range_text(f)}"
    return None


def range_fix(f: Field) -> str:
    """The fix for an out-of-range value: the range and an example where one helps."""
    fix = f"give {f.name} {range_text(f)}"
    if f.example:
        fix += f", such as {f.example}"
    if f.minimum == 0 and f.maximum == 1:
        fix = (f"give {f.name} as a fraction ({range_text(f)}) such as "
               f"{f.example or '0.1 for 10 %'}")
    return fix


def unknown_key_fix(key: str, known: Iterable[str]) -> str:
    """The fix for an unknown key: the nearest known name (difflib) or the list of names."""
    names = sorted(known)
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]}?"
    return f"use one of: {', '.join(names)}"


def markdown_ranges(tables: Iterable[tuple[str, tuple[Field, ...]]]) -> str:
    """The valid range of every numeric field as Markdown (docs/formats.md, "Valid ranges")."""
    lines = ["| table | field | unit | minimum | maximum | range |", "|---|---|---|---|---|---|"]
    for where, fields in tables:
        for f in fields:
            if f.minimum is None and f.maximum is None:
                continue
            lo = "" if f.minimum is None else _num(f.minimum) + (" (excluded)" if f.min_open
                                                                else "")
            hi = "" if f.maximum is None else _num(f.maximum) + (" (excluded)" if f.max_open
                                                                else "")
            lines.append(f"| {where} | `{f.name}` | {f.unit or ''} | {lo} | {hi} | "
                         f"{range_text(f)} |")
    return "\n".join(lines)


RANGE_TABLES: tuple[tuple[str, tuple[Field, ...]], ...] = (
    ("policy", POLICY_FIELDS), ("`[scenario]`", SCENARIO_FIELDS),
    ("`[scenario.tests.*]`", TEST_FIELDS), ("catalog", CATALOG_FIELDS),
    ("`[[discount]]`", DISCOUNT_FIELDS), ("`[[host]]`", HOST_FIELDS), ("`[[unit]]`", UNIT_FIELDS),
)


def markdown_table(fields: tuple[Field, ...]) -> str:
    """Render a field table as Markdown for docs/formats.md."""
    lines = ["| field | type | unit | default | required | description |",
             "|---|---|---|---|---|---|"]
    for f in fields:
        default = "" if f.default is None else f"`{f.default}`"
        lines.append(
            f"| `{f.name}` | {f.type} | {f.unit or ''} | {default} | "
            f"{'yes' if f.required else 'no'} | {f.description} |"
        )
    return "\n".join(lines)
