"""Vendor catalogs (recovery PC and mobile unit models, prices, terms) and the policy."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.readers.schema import (
    APPROVAL_FIELDS,
    CATALOG_FIELDS,
    DISCOUNT_FIELDS,
    HOST_FIELDS,
    POLICY_FIELDS,
    RTO_FIELDS,
    SCENARIO_FIELDS,
    TEST_FIELDS,
    UNIT_FIELDS,
    Field,
    find_field,
    range_error,
    range_fix,
    range_text,
    unknown_key_fix,
)
from planner.readers.units import UnitParseError, parse_bytes, parse_hours, parse_rate

#: recovery timeline defaults (docs/formats.md): vendor delivery, restore throughput, boot
DELIVERY_HOURS = 24.0
RESTORE_RATE_GB_H = 400.0
BOOT_MINUTES = 10.0


@dataclass(frozen=True)
class HostModel:
    """A recovery PC model. memory_gib [GiB], storage_gb [GB], fees in the catalog currency."""

    name: str
    cores: float
    memory_gib: float
    storage_gb: float
    slots: int = 1
    monthly_fee: Decimal = Decimal(0)
    setup_fee: Decimal = Decimal(0)
    available: int | None = None
    declaration_fee: Decimal = Decimal(0)
    daily_fee: Decimal = Decimal(0)
    #: recovery timeline: on site this long after a declaration when no unit carries it [h]
    delivery_hours: float = DELIVERY_HOURS
    #: restore throughput onto the PC [GB/h]
    restore_rate_gb_h: float = RESTORE_RATE_GB_H
    #: from a restored workload to it running [min]
    boot_minutes: float = BOOT_MINUTES


@dataclass(frozen=True)
class UnitModel:
    """A mobile recovery unit model: slots for PCs, seats for staff, fees, delivery [h]."""

    name: str
    slots: int
    seats: int = 0
    monthly_fee: Decimal = Decimal(0)
    setup_fee: Decimal = Decimal(0)
    available: int | None = None
    declaration_fee: Decimal = Decimal(0)
    daily_fee: Decimal = Decimal(0)
    delivery_hours: float = DELIVERY_HOURS


@dataclass(frozen=True)
class DiscountTier:
    """A volume discount: ``percent`` off contract fees once ``min_pcs`` PCs are contracted."""

    min_pcs: int
    percent: Decimal


@dataclass(frozen=True)
class Catalog:
    """One vendor's offer: models, currency, term and contract terms (docs/cost-model.md)."""

    hosts: tuple[HostModel, ...]
    units: tuple[UnitModel, ...] = ()
    currency: str = "USD"
    term_years: int = 3
    vendor: str = ""
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    included_test_days: Decimal = Decimal(0)
    test_day_fee: Decimal = Decimal(0)
    discounts: tuple[DiscountTier, ...] = ()
    annual_escalation: Decimal = Decimal(0)

    def discount_percent(self, pcs: int) -> Decimal:
        """Volume discount in percent for a contract of ``pcs`` PCs: the best tier reached."""
        return max((t.percent for t in self.discounts if pcs >= t.min_pcs), default=Decimal(0))

    def item_cost(self, model: HostModel | UnitModel) -> Decimal:
        """Cost of one contracted item over the term: setup + monthly × 12 × years."""
        return model.setup_fee + model.monthly_fee * 12 * self.term_years

    @property
    def has_fees(self) -> bool:
        """Whether any per-item fee is given; without fees the engine minimizes counts."""
        models: list[HostModel | UnitModel] = [*self.hosts, *self.units]
        return any(m.monthly_fee or m.setup_fee or m.declaration_fee or m.daily_fee
                   for m in models)


TEST_TYPES = ("checklist", "simulation", "parallel", "full_interruption")


@dataclass(frozen=True)
class TestPlan:
    """Tests of one type per year and the days each contracted PC and unit is in use per test."""

    __test__ = False  # not a pytest class

    kind: str
    per_year: int = 0
    pc_days: Decimal = Decimal(0)
    unit_days: Decimal = Decimal(0)
    #: the tiers whose PCs (and the units carrying them) the test uses; None: every
    #: contracted PC and unit (e.g. a full interruption); () uses none
    tiers: tuple[int, ...] | None = None

    @property
    def scope(self) -> str:
        """Which PCs and units the test uses, in words."""
        if (self.pc_days <= 0 and self.unit_days <= 0) or self.tiers == ():
            return "no recovery equipment"
        what = ("PC and unit" if self.pc_days > 0 and self.unit_days > 0 else
                "PC" if self.pc_days > 0 else "unit")
        if self.tiers is None:
            return f"every contracted {what}"
        held = "the PCs holding tier " + ", ".join(map(str, self.tiers)) + " workloads"
        return {"PC and unit": f"{held} and the units carrying them", "PC": held,
                "unit": f"the units carrying {held}"}[what]

    @property
    def days(self) -> Decimal:
        """Calendar days one test occupies the vendor's equipment."""
        return max(self.pc_days, self.unit_days)


#: the default test programme (the paper: test at least annually, start with a structured
#: walk-through): a checklist test and a simulation (walk-through) each year, neither using the
#: vendor's equipment, so it adds no cost; a policy's ``[scenario.tests]`` replaces it
DEFAULT_TESTS = (TestPlan("checklist", 1), TestPlan("simulation", 1))


@dataclass(frozen=True)
class Scenario:
    """The organization's money assumptions (policy ``[scenario]``); amounts in ``currency``.

    ``rates`` holds (code, rate) pairs: 1 unit of ``code`` = ``rate`` units of ``currency``.
    ``currency`` None means: report in the catalog's currency (then no rates are needed).
    """

    currency: str | None = None
    rates: tuple[tuple[str, Decimal], ...] = ()
    declarations: Decimal = Decimal(0)
    disaster_days: Decimal = Decimal(0)
    tests: tuple[TestPlan, ...] = DEFAULT_TESTS
    p2v_server: Decimal = Decimal(0)
    p2v_workstation: Decimal = Decimal(0)
    hypervisor_licence: Decimal = Decimal(0)
    hypervisor_subscription: Decimal = Decimal(0)
    image_storage: Decimal = Decimal(0)
    image_maintenance: Decimal = Decimal(0)
    virtual_images: int = 1
    discount_rate: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        _check_ranges(self, SCENARIO_FIELDS, "scenario.")

    def rate(self, currency: str, file: str = "<policy>") -> Decimal:
        """Units of the reporting currency per unit of ``currency`` (given, never fetched)."""
        if self.currency is None or currency == self.currency:
            return Decimal(1)
        for code, r in self.rates:
            if code == currency:
                return r
        raise InputError(f"no conversion rate from {currency} to {self.currency}", file=file,
                         field="scenario.rates",
                         fix=f"add {currency} = <{self.currency} per {currency}> under "
                             "[scenario.rates]")


@dataclass(frozen=True)
class Policy:
    """The organization's planning rules; every field has a default."""

    cpu_overcommit: float = 4.0
    memory_overcommit: float = 1.0
    headroom: float = 0.1
    host_reserved_cores: float = 1.0
    host_reserved_memory_gib: float = 4.0
    growth_per_year: float = 0.0
    storage_basis: str = "provisioned"
    tiers: tuple[int, ...] = (1, 2, 3, 4)
    workstation_seats: bool = True
    #: sizing on measured use (issue 22): 'provisioned' or 'measured', per tier overrides
    sizing: str = "provisioned"
    sizing_by_tier: tuple[tuple[int, str], ...] = ()
    usage_percentile: float = 95.0
    comfort_factor: float = 1.3
    min_vcpu: int = 1
    min_memory_gib: float = 1.0
    cpu_mhz_per_core: float | None = None
    usage_min_samples: int = 2016
    usage_min_days: float = 7.0
    #: spare PCs, N+k (issue 22): the plan survives the loss of any k PCs
    spares: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    #: money only; compare=False so equal policies mean equal packings (the sweep's plan cache)
    scenario: Scenario = field(default_factory=Scenario, compare=False)
    #: (tier, hours) recovery time objectives; they change a plan only under --enforce-rto
    rto: tuple[tuple[int, float], ...] = field(default=(), compare=False)
    #: (name, role) of the people who approve the written plan
    approvals: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    #: pack the RTOs as restore-by-deadline capacities (``--enforce-rto`` sets it, never a
    #: file): "" no, "latest" each PC on site by the latest unit that can carry it, "earliest"
    #: by the quickest (planner.model.problem.restore_deadlines)
    rto_packing: str = ""

    def rto_hours(self, tier: int) -> float | None:
        """The tier's recovery time objective in hours, or None without one."""
        return dict(self.rto).get(tier)

    def __post_init__(self) -> None:
        _check_ranges(self, POLICY_FIELDS, "", {"host_reserved_memory": "host_reserved_memory_gib",
                                                "min_memory": "min_memory_gib"})


def _check_ranges(obj: object, table: tuple[Field, ...], where: str,
                  attrs: dict[str, str] | None = None) -> None:
    """Check every ranged field of ``obj`` against the schema.

    A Policy or Scenario changed by a sweep, the dashboard or a caller is checked by the same
    rule (``schema.range_error``) as one read from a file.
    """
    names = {f.name for f in fields(obj)}  # type: ignore[arg-type]
    for f in table:
        attr = (attrs or {}).get(f.name, f.name)
        if (f.minimum is None and f.maximum is None) or attr not in names:
            continue
        value = getattr(obj, attr)
        if value is None and not f.required and f.default is None:
            continue  # an optional key left unset (e.g. cpu_mhz_per_core)
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise InputError("not a number", field=f"{where}{f.name}", found=value,
                             fix=range_fix(f))
        problem = range_error(f, value)
        if problem:
            raise InputError(problem, field=f"{where}{f.name}", found=value, fix=range_fix(f))


PURE_PACKING = Policy(cpu_overcommit=1.0, memory_overcommit=1.0, headroom=0.0,
                      host_reserved_cores=0.0, host_reserved_memory_gib=0.0)


def _load_toml(path: str | Path, data: bytes | None = None) -> dict[str, Any]:
    file = str(path)
    try:
        raw = Path(path).read_bytes() if data is None else data
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", file=file) from None
    try:
        return tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid TOML: {exc}", file=file,
                         fix="check the syntax against docs/formats.md") from None


def _where_table(where: str) -> str:
    return where.rstrip(".") if where else "the top level"


def check_keys(data: dict[str, Any], fields: tuple[Field, ...], file: str, where: str = "",
               *, also: Iterable[str] = (),
               elsewhere: dict[str, tuple[Field, ...]] | None = None) -> None:
    """Refuse keys and tables the schema does not know, suggesting the nearest known name.

    The known keys come from the schema tables (planner/readers/schema.py) and nowhere else:
    a new catalog or policy key needs only its Field entry there to be accepted here.
    ``also`` adds table names that have no Field (``host``, ``unit``, ``scenario``);
    ``elsewhere`` names other tables whose keys are a likely slip (``monthly_fee`` written at
    the top level instead of in ``[[host]]``).
    """
    known = {f.name for f in fields} | set(also)
    for key in data:
        if key in known:
            continue
        v = data[key]
        what = "table" if isinstance(v, dict) or (
            isinstance(v, list) and v and all(isinstance(x, dict) for x in v)) else "key"
        fix = unknown_key_fix(key, known)
        if not fix.startswith("did you mean"):
            for place, other in (elsewhere or {}).items():
                near = unknown_key_fix(key, {f.name for f in other})
                if near.startswith("did you mean"):
                    fix = f"{near[:-1]} (a key of each {place} table)?"
                    break
        raise InputError(f"unknown {what} {key!r} in {_where_table(where)}", file=file,
                         field=f"{where}{key}", fix=fix)


class _Fields:
    """Typed access to one TOML table, with errors that name the file, entry and field.

    Defaults and valid ranges come from the table's schema (``fields``): ``range_error`` in
    planner/readers/schema.py is the one range check of the package.
    """

    def __init__(self, data: dict[str, Any], file: str, where: str,
                 fields: tuple[Field, ...]) -> None:
        self.data, self.file, self.where, self.fields = data, file, where, fields

    def err(self, key: str, msg: str, fix: str) -> InputError:
        return InputError(msg, file=self.file, field=f"{self.where}{key}",
                          found=self.data.get(key), fix=fix)

    def _check(self, key: str, value: float | Decimal) -> None:
        f = find_field(self.fields, key)
        problem = range_error(f, value)
        if problem:
            raise self.err(key, problem, range_fix(f))

    def text(self, key: str, default: str | None = None) -> str:
        v = self.data.get(key, default)
        if v is None or not isinstance(v, str) or not v.strip():
            raise self.err(key, "missing or empty", f"give {key} as a quoted string")
        return v.strip()

    def number(self, key: str, default: float | None = None) -> float:
        v = self.data.get(key, default)
        if v is None:
            raise self.err(key, "missing", f"give {key} as a number")
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.err(key, "not a number", f"give {key} as a number")
        self._check(key, float(v))
        return float(v)

    def integer(self, key: str, default: int | None = None) -> int | None:
        v = self.data.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.err(key, "not a whole number", f"give {key} as a whole number "
                           f"{range_text(find_field(self.fields, key))}")
        self._check(key, v)
        return int(v)

    def size(self, key: str, target: str, default: str | None = None) -> float:
        v = self.data.get(key, default)
        if v is None:
            raise self.err(key, "missing", f"give {key} with a unit, e.g. \"256 GiB\"")
        f = find_field(self.fields, key)
        zero_ok = f.minimum is not None and f.minimum <= 0 and not f.min_open
        try:
            size = parse_bytes(v, None, target, allow_zero=zero_ok, where="value")
        except UnitParseError as exc:
            raise self.err(key, str(exc), f"give {key} with a unit, e.g. \"256 GiB\""
                           + (" (or 0)" if zero_ok else "")) from None
        self._check(key, size)
        return size

    def hours(self, key: str, default: float, *, unit: str = "hour", minimum: float = 0.0,
              maximum: float = 8760.0, strict: bool = False) -> float:
        """A duration (``"4 h"``, ``"90 min"`` or a bare number in ``unit``) in ``unit``."""
        v = self.data.get(key)
        if v is None:
            return default
        example = "\"4 h\"" if unit == "hour" else "\"10 min\""
        try:
            x = parse_hours(v, unit)
        except UnitParseError as exc:
            raise self.err(key, str(exc), f"give {key} as a duration, e.g. {example}") from None
        if x < minimum or (strict and x == minimum) or x > maximum:
            op = ">" if strict else ">="
            raise self.err(key, f"must be {op} {minimum:g} and <= {maximum:g} {unit}s",
                           f"give {key} between {minimum:g} and {maximum:g} {unit}s")
        return x

    def rate(self, key: str, default: float) -> float:
        """A restore throughput (``"400 GB/h"``, ``"1 Gbit/s"``) in GB/h."""
        v = self.data.get(key)
        if v is None:
            return default
        try:
            x = parse_rate(v)
        except UnitParseError as exc:
            raise self.err(key, str(exc), f"give {key} with units, e.g. \"400 GB/h\"") from None
        if not 1.0 <= x <= 1e7:
            raise self.err(key, f"{x:g} GB/h is outside 1 GB/h .. 10,000,000 GB/h",
                           f"give {key} with units, e.g. \"400 GB/h\"")
        return x

    def money(self, key: str) -> Decimal:
        v = self.data.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise self.err(key, "not an amount", f"give {key} as a number")
        try:
            d = Decimal(str(v).strip())
        except InvalidOperation:
            raise self.err(key, "not an amount", f"give {key} as a number") from None
        if not d.is_finite():
            raise self.err(key, "not a finite amount", f"give {key} as a number")
        self._check(key, d)
        return d


def parse_catalog(data: dict[str, Any], file: str = "<catalog>") -> Catalog:
    """Validate a catalog mapping (as read from TOML) and build the Catalog."""
    check_keys(data, CATALOG_FIELDS, file, also=("host", "unit"),
               elsewhere={"[[host]]": HOST_FIELDS, "[[unit]]": UNIT_FIELDS})
    top = _Fields(data, file, "", CATALOG_FIELDS)
    hosts_raw = data.get("host", [])
    if not isinstance(hosts_raw, list) or not hosts_raw \
            or not all(isinstance(h, dict) for h in hosts_raw):
        raise InputError("no [[host]] models", file=file, field="host",
                         fix="add at least one [[host]] table with name, cores, memory, storage")
    hosts: list[HostModel] = []
    for i, h in enumerate(hosts_raw, start=1):
        check_keys(h, HOST_FIELDS, file, f"host[{i}].")
        f = _Fields(h, file, f"host[{i}].", HOST_FIELDS)
        hosts.append(HostModel(
            name=f.text("name"), cores=f.number("cores"),
            memory_gib=f.size("memory", "GiB"), storage_gb=f.size("storage", "GB"),
            slots=f.integer("slots", 1) or 1,
            monthly_fee=f.money("monthly_fee"), setup_fee=f.money("setup_fee"),
            available=f.integer("available"), declaration_fee=f.money("declaration_fee"),
            daily_fee=f.money("daily_fee"),
            delivery_hours=f.hours("delivery_hours", DELIVERY_HOURS),
            restore_rate_gb_h=f.rate("restore_rate", RESTORE_RATE_GB_H),
            boot_minutes=f.hours("boot_minutes", BOOT_MINUTES, unit="minute", maximum=1440),
        ))
    units: list[UnitModel] = []
    units_raw = data.get("unit", []) or []
    if not isinstance(units_raw, list) or not all(isinstance(u, dict) for u in units_raw):
        raise InputError("unit must be a list of [[unit]] tables", file=file, field="unit",
                         fix="write each mobile unit model as a [[unit]] table")
    for i, u in enumerate(units_raw, start=1):
        check_keys(u, UNIT_FIELDS, file, f"unit[{i}].")
        f = _Fields(u, file, f"unit[{i}].", UNIT_FIELDS)
        if "slots" not in u:
            raise f.err("slots", "missing", "give slots, the PC slots of the unit (0 for none)")
        units.append(UnitModel(
            name=f.text("name"), slots=f.integer("slots") or 0,
            seats=f.integer("seats", 0) or 0,
            monthly_fee=f.money("monthly_fee"), setup_fee=f.money("setup_fee"),
            available=f.integer("available"), declaration_fee=f.money("declaration_fee"),
            daily_fee=f.money("daily_fee"),
            delivery_hours=f.hours("delivery_hours", DELIVERY_HOURS),
        ))
        if units[-1].slots == 0 and units[-1].seats == 0:
            raise f.err("slots", "a unit with no slots and no seats holds nothing",
                        "give slots or seats")
    names = [m.name for m in hosts] + [m.name for m in units]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(f"model names must be unique: {sorted(dup)}", file=file, field="name",
                         fix="rename the duplicate models")
    term = top.integer("term_years", 3) or 3
    currency = top.text("currency", "USD")
    vendor = data.get("vendor", Path(file).stem)
    if not isinstance(vendor, str) or not vendor.strip():
        raise top.err("vendor", "must be a non-empty text", "give vendor as a quoted string")
    return Catalog(
        hosts=tuple(hosts), units=tuple(units), currency=currency, term_years=term,
        vendor=vendor.strip(), source=file,
        included_test_days=top.money("included_test_days"),
        test_day_fee=top.money("test_day_fee"),
        discounts=_discounts(data.get("discount", []), file),
        annual_escalation=top.money("annual_escalation"),
    )


def _discounts(raw: object, file: str) -> tuple[DiscountTier, ...]:
    """Parse ``[[discount]]`` tiers (min_pcs, percent), sorted by threshold."""
    if not isinstance(raw, list):
        raise InputError("discount must be a list of [[discount]] tables", file=file,
                         field="discount", fix="write [[discount]] min_pcs = 20, percent = 5")
    tiers: list[DiscountTier] = []
    for i, d in enumerate(raw, start=1):
        if not isinstance(d, dict):
            raise InputError("not a table", file=file, field=f"discount[{i}]",
                             fix="write [[discount]] min_pcs = 20, percent = 5")
        check_keys(d, DISCOUNT_FIELDS, file, f"discount[{i}].")
        f = _Fields(d, file, f"discount[{i}].", DISCOUNT_FIELDS)
        if "min_pcs" not in d:
            raise f.err("min_pcs", "missing", "give min_pcs, the PCs that earn the discount")
        tiers.append(DiscountTier(min_pcs=f.integer("min_pcs") or 1,
                                  percent=f.money("percent")))
    return tuple(sorted(tiers, key=lambda t: t.min_pcs))


SCENARIO_KEYS = tuple(f.name for f in SCENARIO_FIELDS)


def parse_scenario(data: object, file: str = "<policy>") -> Scenario:
    """Validate the policy's ``[scenario]`` table (money assumptions) and build the Scenario."""
    if data is None:
        return Scenario()
    if not isinstance(data, dict):
        raise InputError("scenario must be a table", file=file, field="scenario",
                         fix="write the money assumptions under [scenario]")
    check_keys(data, SCENARIO_FIELDS, file, "scenario.",
               elsewhere={"policy": POLICY_FIELDS})
    f = _Fields(data, file, "scenario.", SCENARIO_FIELDS)
    currency = f.text("currency") if "currency" in data else None
    rates_raw = data.get("rates", {})
    if not isinstance(rates_raw, dict):
        raise f.err("rates", "must be a table", "write [scenario.rates] USD = 0.92")
    rates: list[tuple[str, Decimal]] = []
    for code in sorted(rates_raw):
        v = rates_raw[code]
        try:
            r = Decimal(str(v)) if isinstance(v, int | float | str) \
                and not isinstance(v, bool) else Decimal("NaN")
        except InvalidOperation:
            r = Decimal("NaN")
        if not r.is_finite() or r <= 0:
            raise InputError("a rate must be a number > 0", file=file,
                             field=f"scenario.rates.{code}", found=v,
                             fix=f"give {code} as {currency or 'reporting currency'} per {code}")
        rates.append((code, r))
    tests_raw = data.get("tests", None)
    if tests_raw is None:
        tests_raw = {t.kind: {"per_year": t.per_year} for t in DEFAULT_TESTS}
    if not isinstance(tests_raw, dict):
        raise f.err("tests", "must be a table", "write [scenario.tests] parallel = { ... }")
    tests: list[TestPlan] = []
    for kind in sorted(tests_raw, key=lambda k: TEST_TYPES.index(k) if k in TEST_TYPES else 9):
        if kind not in TEST_TYPES:
            raise InputError(f"unknown test type {kind!r}", file=file,
                             field=f"scenario.tests.{kind}",
                             fix=unknown_key_fix(kind, TEST_TYPES))
        t = tests_raw[kind]
        if not isinstance(t, dict):
            raise InputError("not a table", file=file, field=f"scenario.tests.{kind}",
                             fix="write e.g. parallel = { per_year = 1, pc_days = 2 }")
        check_keys(t, TEST_FIELDS, file, f"scenario.tests.{kind}.")
        tf = _Fields(t, file, f"scenario.tests.{kind}.", TEST_FIELDS)
        tiers: tuple[int, ...] | None = None
        if "tiers" in t:
            tr = t["tiers"]
            if (not isinstance(tr, list)
                    or any(isinstance(x, bool) or x not in (1, 2, 3, 4) for x in tr)):
                raise InputError("must be a list of tiers 1..4", file=file,
                                 field=f"scenario.tests.{kind}.tiers", found=tr,
                                 fix="write e.g. tiers = [1] (the PCs holding tier 1 and "
                                     "their units), or leave it out for every PC and unit")
            tiers = tuple(sorted(set(tr)))
        tests.append(TestPlan(kind, tf.integer("per_year", 0) or 0, tf.money("pc_days"),
                              tf.money("unit_days"), tiers))
    return Scenario(
        currency=currency, rates=tuple(rates),
        declarations=f.money("declarations"), disaster_days=f.money("disaster_days"),
        tests=tuple(tests),
        p2v_server=f.money("p2v_server"), p2v_workstation=f.money("p2v_workstation"),
        hypervisor_licence=f.money("hypervisor_licence"),
        hypervisor_subscription=f.money("hypervisor_subscription"),
        image_storage=f.money("image_storage"), image_maintenance=f.money("image_maintenance"),
        virtual_images=f.integer("virtual_images", 1) or 0,
        discount_rate=f.money("discount_rate"),
    )


def with_scenario(policy: Policy, **changes: Any) -> Policy:
    """A copy of the policy with scenario fields changed (money only: the packing is the same)."""
    return replace(policy, scenario=replace(policy.scenario, **changes))


def load_catalog(path: str | Path, data: bytes | None = None) -> Catalog:
    """Read a vendor catalog from TOML (see docs/formats.md); ``data``: an upload's bytes."""
    return parse_catalog(_load_toml(path, data), str(path))


def parse_policy(data: dict[str, Any], file: str = "<policy>") -> Policy:
    """Validate a policy mapping (as read from TOML) and build the Policy."""
    misplaced = sorted(k for k in data if k in SCENARIO_KEYS)
    if misplaced:
        raise InputError("a money assumption outside [scenario]", file=file,
                         field=misplaced[0], found=data[misplaced[0]],
                         fix=f"move {', '.join(misplaced)} under a [scenario] table")
    check_keys(data, POLICY_FIELDS, file, also=("scenario",),
               elsewhere={"[scenario]": SCENARIO_FIELDS})
    f = _Fields(data, file, "", POLICY_FIELDS)
    basis = data.get("storage_basis", "provisioned")
    if not isinstance(basis, str) or basis.lower() not in ("provisioned", "used"):
        raise f.err("storage_basis", "unknown storage basis", "write provisioned or used")
    tiers_raw = data.get("tiers", [1, 2, 3, 4])
    if (not isinstance(tiers_raw, list) or not tiers_raw
            or any(isinstance(t, bool) or t not in (1, 2, 3, 4) for t in tiers_raw)):
        raise f.err("tiers", "must be a list of tiers 1..4", "write e.g. tiers = [1, 2]")
    seats = data.get("workstation_seats", True)
    if not isinstance(seats, bool):
        raise f.err("workstation_seats", "must be true or false", "write true or false")
    return Policy(
        cpu_overcommit=f.number("cpu_overcommit", 4.0),
        memory_overcommit=f.number("memory_overcommit", 1.0),
        headroom=f.number("headroom", 0.1),
        host_reserved_cores=f.number("host_reserved_cores", 1.0),
        host_reserved_memory_gib=f.size("host_reserved_memory", "GiB", "4 GiB"),
        growth_per_year=f.number("growth_per_year", 0.0),
        storage_basis=basis.lower(),
        tiers=tuple(sorted(set(int(t) for t in tiers_raw))),
        workstation_seats=seats,
        scenario=parse_scenario(data.get("scenario"), file),
        rto=parse_rto(data.get("rto"), file),
        approvals=parse_approvals(data.get("approval"), file),
        spares=_spares(f),
        **_sizing(data, f),
    )


def parse_rto(data: object, file: str = "<policy>") -> tuple[tuple[int, float], ...]:
    """The policy's ``[rto]`` table: tier -> recovery time objective [h], sorted by tier."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise InputError("rto must be a table", file=file, field="rto",
                         fix='write [rto] then one line per tier, e.g. 1 = "4 h"')
    f = _Fields(data, file, "rto.", RTO_FIELDS)
    out: list[tuple[int, float]] = []
    for key in data:
        if str(key) not in ("1", "2", "3", "4"):
            raise f.err(str(key), "unknown tier", 'use tiers 1..4, e.g. 1 = "4 h"')
        out.append((int(key), f.hours(str(key), 0.0, minimum=0.0, strict=True)))
    return tuple(sorted(out))


def parse_approvals(data: object, file: str = "<policy>") -> tuple[tuple[str, str], ...]:
    """The policy's ``[[approval]]`` list: (name, role) of each person who signs the plan."""
    if data is None:
        return ()
    fix = 'write [[approval]] name = "A. Person", role = "Chief Financial Officer"'
    if not isinstance(data, list):
        raise InputError("approval must be a list of [[approval]] tables", file=file,
                         field="approval", fix=fix)
    out: list[tuple[str, str]] = []
    for i, a in enumerate(data, start=1):
        if not isinstance(a, dict):
            raise InputError("not a table", file=file, field=f"approval[{i}]", fix=fix)
        f = _Fields(a, file, f"approval[{i}].", APPROVAL_FIELDS)
        bad = sorted(set(a) - {"name", "role"})
        if bad:
            raise f.err(bad[0], "unknown key", "use name and role")
        role = a.get("role", "")
        if not isinstance(role, str):
            raise f.err("role", "not text", "give role as a quoted string")
        out.append((f.text("name"), role.strip()))
    return tuple(out)


def _spares(f: _Fields) -> int:
    """Policy ``spares``: 0..10 spare PCs (the range is the schema's)."""
    return f.integer("spares", 0) or 0


SIZING_KEYS = ("sizing", "sizing_by_tier", "usage_percentile", "comfort_factor", "min_vcpu",
               "min_memory", "cpu_mhz_per_core", "usage_min_samples", "usage_min_days")
_MODES = ("provisioned", "measured")


def _sizing(data: dict[str, Any], f: _Fields) -> dict[str, Any]:
    """The policy's sizing keys (issue 22); ranges come from POLICY_FIELDS."""
    mode = data.get("sizing", "provisioned")
    if not isinstance(mode, str) or mode.lower() not in _MODES:
        raise f.err("sizing", "unknown sizing", "write provisioned or measured")
    by_tier_raw = data.get("sizing_by_tier", {})
    if not isinstance(by_tier_raw, dict):
        raise f.err("sizing_by_tier", "must be a table",
                    'write [sizing_by_tier] with e.g. 1 = "provisioned"')
    by_tier: list[tuple[int, str]] = []
    for k, v in sorted(by_tier_raw.items()):
        if str(k) not in {"1", "2", "3", "4"} or not isinstance(v, str) \
                or v.lower() not in _MODES:
            raise InputError("tiers 1..4, each provisioned or measured", file=f.file,
                             field=f"sizing_by_tier.{k}", found=v,
                             fix='write e.g. 1 = "provisioned" under [sizing_by_tier]')
        by_tier.append((int(k), v.lower()))
    return {
        "sizing": mode.lower(), "sizing_by_tier": tuple(by_tier),
        "usage_percentile": f.number("usage_percentile", 95.0),
        "comfort_factor": f.number("comfort_factor", 1.3),
        "min_vcpu": f.integer("min_vcpu", 1) or 1,
        "min_memory_gib": f.size("min_memory", "GiB", "1 GiB"),
        "cpu_mhz_per_core": (None if data.get("cpu_mhz_per_core") is None
                             else f.number("cpu_mhz_per_core")),
        "usage_min_samples": f.integer("usage_min_samples", 2016) or 0,
        "usage_min_days": f.number("usage_min_days", 7.0),
    }


def load_policy(path: str | Path | None, data: bytes | None = None) -> Policy:
    """Read a policy from TOML; ``None`` gives the defaults; ``data``: an upload's bytes."""
    if path is None:
        return Policy()
    return parse_policy(_load_toml(path, data), str(path))
