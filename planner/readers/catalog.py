"""Vendor catalogs (recovery PC and mobile unit models, prices, terms) and the policy."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from planner.errors import InputError
from planner.readers.units import UnitParseError, parse_bytes


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


@dataclass(frozen=True)
class UnitModel:
    """A mobile recovery unit model: slots for PCs, seats for staff, fees."""

    name: str
    slots: int
    seats: int = 0
    monthly_fee: Decimal = Decimal(0)
    setup_fee: Decimal = Decimal(0)
    available: int | None = None
    declaration_fee: Decimal = Decimal(0)
    daily_fee: Decimal = Decimal(0)


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

    @property
    def days(self) -> Decimal:
        """Calendar days one test occupies the vendor's equipment."""
        return max(self.pc_days, self.unit_days)


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
    tests: tuple[TestPlan, ...] = ()
    p2v_server: Decimal = Decimal(0)
    p2v_workstation: Decimal = Decimal(0)
    hypervisor_licence: Decimal = Decimal(0)
    hypervisor_subscription: Decimal = Decimal(0)
    image_storage: Decimal = Decimal(0)
    image_maintenance: Decimal = Decimal(0)
    virtual_images: int = 1
    discount_rate: Decimal = Decimal(0)

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
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    #: money only; compare=False so equal policies mean equal packings (the sweep's plan cache)
    scenario: Scenario = field(default_factory=Scenario, compare=False)


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


class _Fields:
    """Typed access to one TOML table, with errors that name the file, entry and field."""

    def __init__(self, data: dict[str, Any], file: str, where: str) -> None:
        self.data, self.file, self.where = data, file, where

    def err(self, key: str, msg: str, fix: str) -> InputError:
        return InputError(msg, file=self.file, field=f"{self.where}{key}",
                          found=self.data.get(key), fix=fix)

    def text(self, key: str, default: str | None = None) -> str:
        v = self.data.get(key, default)
        if v is None or not isinstance(v, str) or not v.strip():
            raise self.err(key, "missing or empty", f"give {key} as a quoted string")
        return v.strip()

    def number(self, key: str, default: float | None = None, *, minimum: float = 0.0,
               strict: bool = False) -> float:
        v = self.data.get(key, default)
        if v is None:
            raise self.err(key, "missing", f"give {key} as a number")
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.err(key, "not a number", f"give {key} as a number")
        if v < minimum or (strict and v == minimum):
            op = ">" if strict else ">="
            raise self.err(key, f"must be {op} {minimum}", f"give {key} {op} {minimum}")
        return float(v)

    def integer(self, key: str, default: int | None = None, *, minimum: int = 0) -> int | None:
        v = self.data.get(key, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.err(key, f"must be a whole number >= {minimum}",
                           f"give {key} as a whole number >= {minimum}")
        return int(v)

    def size(self, key: str, target: str, default: str | None = None) -> float:
        v = self.data.get(key, default)
        if v is None:
            raise self.err(key, "missing", f"give {key} with a unit, e.g. \"256 GiB\"")
        try:
            return parse_bytes(v, None, target)
        except UnitParseError as exc:
            raise self.err(key, str(exc), f"give {key} with a unit, e.g. \"256 GiB\"") from None

    def money(self, key: str, *, maximum: Decimal | None = None) -> Decimal:
        v = self.data.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise self.err(key, "not an amount", f"give {key} as a number")
        try:
            d = Decimal(str(v))
        except InvalidOperation:
            raise self.err(key, "not an amount", f"give {key} as a number") from None
        if not d.is_finite() or d < 0:
            raise self.err(key, "must be a finite amount >= 0", f"give {key} >= 0")
        if maximum is not None and d > maximum:
            raise self.err(key, f"must be <= {maximum}", f"give {key} <= {maximum}")
        return d


def parse_catalog(data: dict[str, Any], file: str = "<catalog>") -> Catalog:
    """Validate a catalog mapping (as read from TOML) and build the Catalog."""
    top = _Fields(data, file, "")
    hosts_raw = data.get("host", [])
    if not isinstance(hosts_raw, list) or not hosts_raw:
        raise InputError("no [[host]] models", file=file, field="host",
                         fix="add at least one [[host]] table with name, cores, memory, storage")
    hosts: list[HostModel] = []
    for i, h in enumerate(hosts_raw, start=1):
        f = _Fields(h, file, f"host[{i}].")
        hosts.append(HostModel(
            name=f.text("name"), cores=f.number("cores", strict=True),
            memory_gib=f.size("memory", "GiB"), storage_gb=f.size("storage", "GB"),
            slots=f.integer("slots", 1, minimum=1) or 1,
            monthly_fee=f.money("monthly_fee"), setup_fee=f.money("setup_fee"),
            available=f.integer("available"), declaration_fee=f.money("declaration_fee"),
            daily_fee=f.money("daily_fee"),
        ))
    units: list[UnitModel] = []
    for i, u in enumerate(data.get("unit", []) or [], start=1):
        f = _Fields(u, file, f"unit[{i}].")
        units.append(UnitModel(
            name=f.text("name"), slots=f.integer("slots", None, minimum=0) or 0,
            seats=f.integer("seats", 0) or 0,
            monthly_fee=f.money("monthly_fee"), setup_fee=f.money("setup_fee"),
            available=f.integer("available"), declaration_fee=f.money("declaration_fee"),
            daily_fee=f.money("daily_fee"),
        ))
        if units[-1].slots == 0 and units[-1].seats == 0:
            raise f.err("slots", "a unit with no slots and no seats holds nothing",
                        "give slots or seats")
    names = [m.name for m in hosts] + [m.name for m in units]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise InputError(f"model names must be unique: {sorted(dup)}", file=file, field="name",
                         fix="rename the duplicate models")
    term = top.integer("term_years", 3, minimum=1) or 3
    currency = top.text("currency", "USD")
    known = {"host", "unit", "term_years", "currency", "vendor", "included_test_days",
             "test_day_fee", "discount", "annual_escalation"}
    return Catalog(
        hosts=tuple(hosts), units=tuple(units), currency=currency, term_years=term,
        vendor=str(data.get("vendor", Path(file).stem)), source=file,
        extra={k: v for k, v in data.items() if k not in known},
        included_test_days=top.money("included_test_days"),
        test_day_fee=top.money("test_day_fee"),
        discounts=_discounts(data.get("discount", []), file),
        annual_escalation=top.money("annual_escalation", maximum=Decimal(1)),
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
        f = _Fields(d, file, f"discount[{i}].")
        tiers.append(DiscountTier(min_pcs=f.integer("min_pcs", None, minimum=1) or 1,
                                  percent=f.money("percent", maximum=Decimal(100))))
        if "min_pcs" not in d:
            raise f.err("min_pcs", "missing", "give min_pcs, the PCs that earn the discount")
    return tuple(sorted(tiers, key=lambda t: t.min_pcs))


SCENARIO_KEYS = ("currency", "rates", "declarations", "disaster_days", "tests", "p2v_server",
                 "p2v_workstation", "hypervisor_licence", "hypervisor_subscription",
                 "image_storage", "image_maintenance", "virtual_images", "discount_rate")


def parse_scenario(data: object, file: str = "<policy>") -> Scenario:
    """Validate the policy's ``[scenario]`` table (money assumptions) and build the Scenario."""
    if data is None:
        return Scenario()
    if not isinstance(data, dict):
        raise InputError("scenario must be a table", file=file, field="scenario",
                         fix="write the money assumptions under [scenario]")
    f = _Fields(data, file, "scenario.")
    unknown = sorted(set(data) - set(SCENARIO_KEYS))
    if unknown:
        raise InputError(f"unknown scenario key(s) {unknown}", file=file, field="scenario",
                         fix="see 'Contract terms and money' in docs/formats.md")
    currency = f.text("currency") if "currency" in data else None
    rates_raw = data.get("rates", {})
    if not isinstance(rates_raw, dict):
        raise f.err("rates", "must be a table", "write [scenario.rates] USD = 0.92")
    rf = _Fields(rates_raw, file, "scenario.rates.")
    rates: list[tuple[str, Decimal]] = []
    for code in sorted(rates_raw):
        r = rf.money(code)
        if r == 0:
            raise rf.err(code, "a rate must be > 0", f"give {code} as {currency} per {code}")
        rates.append((code, r))
    tests_raw = data.get("tests", {})
    if not isinstance(tests_raw, dict):
        raise f.err("tests", "must be a table", "write [scenario.tests] parallel = { ... }")
    tests: list[TestPlan] = []
    for kind in sorted(tests_raw, key=lambda k: TEST_TYPES.index(k) if k in TEST_TYPES else 9):
        if kind not in TEST_TYPES:
            raise InputError(f"unknown test type {kind!r}", file=file,
                             field=f"scenario.tests.{kind}",
                             fix=f"use one of {', '.join(TEST_TYPES)}")
        t = tests_raw[kind]
        if not isinstance(t, dict):
            raise InputError("not a table", file=file, field=f"scenario.tests.{kind}",
                             fix="write e.g. parallel = { per_year = 1, pc_days = 2 }")
        tf = _Fields(t, file, f"scenario.tests.{kind}.")
        bad = sorted(set(t) - {"per_year", "pc_days", "unit_days"})
        if bad:
            raise tf.err(bad[0], "unknown key", "use per_year, pc_days, unit_days")
        tests.append(TestPlan(kind, tf.integer("per_year", 0) or 0, tf.money("pc_days"),
                              tf.money("unit_days")))
    return Scenario(
        currency=currency, rates=tuple(rates),
        declarations=f.money("declarations"), disaster_days=f.money("disaster_days"),
        tests=tuple(tests),
        p2v_server=f.money("p2v_server"), p2v_workstation=f.money("p2v_workstation"),
        hypervisor_licence=f.money("hypervisor_licence"),
        hypervisor_subscription=f.money("hypervisor_subscription"),
        image_storage=f.money("image_storage"), image_maintenance=f.money("image_maintenance"),
        virtual_images=f.integer("virtual_images", 1, minimum=0) or 0,
        discount_rate=f.money("discount_rate", maximum=Decimal(1)),
    )


def with_scenario(policy: Policy, **changes: Any) -> Policy:
    """A copy of the policy with scenario fields changed (money only: the packing is the same)."""
    return replace(policy, scenario=replace(policy.scenario, **changes))


def load_catalog(path: str | Path, data: bytes | None = None) -> Catalog:
    """Read a vendor catalog from TOML (see docs/formats.md); ``data``: an upload's bytes."""
    return parse_catalog(_load_toml(path, data), str(path))


def parse_policy(data: dict[str, Any], file: str = "<policy>") -> Policy:
    """Validate a policy mapping (as read from TOML) and build the Policy."""
    f = _Fields(data, file, "")
    headroom = f.number("headroom", 0.1)
    if headroom >= 1:
        raise f.err("headroom", "must be below 1", "give a fraction such as 0.1 for 10 %")
    basis = str(data.get("storage_basis", "provisioned")).lower()
    if basis not in ("provisioned", "used"):
        raise f.err("storage_basis", "unknown storage basis", "write provisioned or used")
    tiers_raw = data.get("tiers", [1, 2, 3, 4])
    if (not isinstance(tiers_raw, list) or not tiers_raw
            or any(isinstance(t, bool) or t not in (1, 2, 3, 4) for t in tiers_raw)):
        raise f.err("tiers", "must be a list of tiers 1..4", "write e.g. tiers = [1, 2]")
    seats = data.get("workstation_seats", True)
    if not isinstance(seats, bool):
        raise f.err("workstation_seats", "must be true or false", "write true or false")
    misplaced = sorted(k for k in data if k in SCENARIO_KEYS)
    if misplaced:
        raise f.err(misplaced[0], "a money assumption outside [scenario]",
                    f"move {', '.join(misplaced)} under a [scenario] table")
    known = {"cpu_overcommit", "memory_overcommit", "headroom", "host_reserved_cores",
             "host_reserved_memory", "growth_per_year", "storage_basis", "tiers",
             "workstation_seats", "scenario"}
    return Policy(
        cpu_overcommit=f.number("cpu_overcommit", 4.0, strict=True),
        memory_overcommit=f.number("memory_overcommit", 1.0, strict=True),
        headroom=headroom,
        host_reserved_cores=f.number("host_reserved_cores", 1.0),
        host_reserved_memory_gib=(f.size("host_reserved_memory", "GiB")
                                  if data.get("host_reserved_memory") not in (None, 0)
                                  else (0.0 if "host_reserved_memory" in data else 4.0)),
        growth_per_year=f.number("growth_per_year", 0.0),
        storage_basis=basis,
        tiers=tuple(sorted(set(int(t) for t in tiers_raw))),
        workstation_seats=seats,
        extra={k: v for k, v in data.items() if k not in known},
        scenario=parse_scenario(data.get("scenario"), file),
    )


def load_policy(path: str | Path | None, data: bytes | None = None) -> Policy:
    """Read a policy from TOML; ``None`` gives the defaults; ``data``: an upload's bytes."""
    if path is None:
        return Policy()
    return parse_policy(_load_toml(path, data), str(path))
