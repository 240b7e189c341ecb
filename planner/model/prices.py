"""What one contracted PC or unit is expected to cost over the term: the cash-flow lines per item.

The money model (planner/money/costing.py) builds its cash-flow tables from these lines times
the contracted counts, and the engine minimises their sum per item (the expected total over
the term), so the plan the engine calls optimal is optimal for the figures the user is shown.
Formulas: docs/cost-model.md. Arithmetic is Decimal at 50 digits: exact for decimal inputs
except the expected declarations per year (``declarations / term``), which is then exact to
far below a cent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from planner.readers.catalog import Catalog, HostModel, Scenario, TestPlan, UnitModel

ZERO = Decimal(0)
ONE = Decimal(1)
PRECISION = 50
CENT = Decimal("0.01")
#: a money line: (kind, year, amount) where kind is one_time, recurring, disaster or test
ItemLine = tuple[str, int, Decimal]
#: per test kind run on some tiers: the PCs and the units by model it uses
Tested = dict[str, tuple[dict[str, int], dict[str, int]]]


@dataclass(frozen=True)
class Terms:
    """One quote under one scenario: the numbers every per-item line is made of."""

    term: int
    rate: Decimal
    escalation: tuple[Decimal, ...]  # E_y for y = 0..T (E_0 unused, 0)
    per_year_declarations: Decimal
    disaster_days: Decimal
    pc_test_days: Decimal
    unit_test_days: Decimal
    billable_test_days: Decimal
    test_day_fee: Decimal

    @classmethod
    def of(cls, catalog: Catalog, scenario: Scenario) -> Terms:
        """The terms of a quote priced in the scenario's reporting currency."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            rate = scenario.rate(catalog.currency, catalog.source or "<catalog>")
            term = catalog.term_years
            esc = (ZERO, *((ONE + catalog.annual_escalation) ** (y - 1)
                           for y in range(1, term + 1)))
            test_days = sum((t.per_year * t.days for t in scenario.tests), ZERO)
            # per item: the tests every contracted PC and unit takes part in; a test of some
            # tiers depends on the packing and is priced per plan (``tier_test_cost``)
            every = [t for t in scenario.tests if t.tiers is None]
            return cls(
                term=term, rate=rate, escalation=esc,
                per_year_declarations=scenario.declarations / term,
                disaster_days=scenario.disaster_days,
                pc_test_days=sum((t.per_year * t.pc_days for t in every), ZERO),
                unit_test_days=sum((t.per_year * t.unit_days for t in every), ZERO),
                billable_test_days=max(ZERO, test_days - catalog.included_test_days),
                test_day_fee=catalog.test_day_fee)

    def item_lines(self, model: HostModel | UnitModel, keep: Decimal) -> list[ItemLine]:
        """The lines one contracted item adds: setup, monthly, expected disasters, test days.

        ``keep`` = 1 - volume discount / 100, on the capacity fees (setup and monthly) only.
        """
        days = self.unit_test_days if isinstance(model, UnitModel) else self.pc_test_days
        with localcontext() as ctx:
            ctx.prec = PRECISION
            rate, esc = self.rate, self.escalation
            event = model.declaration_fee + self.disaster_days * model.daily_fee
            out: list[ItemLine] = [("one_time", 0, model.setup_fee * keep * rate)]
            for y in range(1, self.term + 1):
                out.append(("recurring", y, model.monthly_fee * 12 * esc[y] * keep * rate))
                out.append(("disaster", y, self.per_year_declarations * event * esc[y] * rate))
                out.append(("test", y, days * model.daily_fee * esc[y] * rate))
            return out

    def test_fee_lines(self) -> list[ItemLine]:
        """The vendor's flat test-day fee for the billable test days (no item count in it)."""
        with localcontext() as ctx:
            ctx.prec = PRECISION
            return [("test", y, self.billable_test_days * self.test_day_fee
                     * self.escalation[y] * self.rate) for y in range(1, self.term + 1)]


def scenario_lines(scenario: Scenario, term: int, hypervisor_pcs: int,
                   images: int) -> list[tuple[str, str, int, Decimal]]:
    """The organization's own lines (component, kind, year, amount): licences and images."""
    upkeep = scenario.image_storage + scenario.image_maintenance
    out = [("licences", "one_time", 0, hypervisor_pcs * scenario.hypervisor_licence)]
    for y in range(1, term + 1):
        out.append(("licences", "recurring", y, hypervisor_pcs * scenario.hypervisor_subscription))
        out.append(("images", "recurring", y, images * upkeep))
    return out


def cents(x: Decimal) -> Decimal:
    """Round an amount to the cent, half up (the one rounding rule of the cost model)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def keep_factor(percent: Decimal) -> Decimal:
    """The share of the capacity fees paid under a volume discount of ``percent``."""
    return ONE - percent / 100


def item_price(terms: Terms, scenario: Scenario, model: HostModel | UnitModel,
               keep: Decimal, option: str = "virtual") -> Decimal:
    """Expected cost of one item over the term: its vendor lines plus the per-PC own lines.

    A virtual PC carries a hypervisor licence and subscription; a physical PC one image kept
    (physical imaging keeps one image per PC). Units carry neither.
    """
    with localcontext() as ctx:
        ctx.prec = PRECISION
        total = sum((a for _, _, a in terms.item_lines(model, keep)), ZERO)
        if isinstance(model, HostModel):
            own = scenario_lines(scenario, terms.term, 1 if option == "virtual" else 0,
                                 1 if option == "physical" else 0)
            total += sum((a for _, _, _, a in own), ZERO)
        return total


def fixed_price(terms: Terms, scenario: Scenario, *, images: int, p2v_servers: int = 0,
                p2v_workstations: int = 0) -> Decimal:
    """Lines no item count changes: billable test days, conversion, images not per PC."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        total = sum((a for _, _, a in terms.test_fee_lines()), ZERO)
        total += p2v_servers * scenario.p2v_server + p2v_workstations * scenario.p2v_workstation
        total += sum((a for _, _, _, a in scenario_lines(scenario, terms.term, 0, images)),
                     ZERO)
        return total


def tiered_tests(scenario: Scenario) -> list[TestPlan]:
    """The tests run on some tiers only (priced per plan, not per item)."""
    return [t for t in scenario.tests if t.tiers is not None and t.per_year > 0]


def tested_in_plan(scenario: Scenario, hosts: Iterable[tuple[str, str, set[int]]],
                   units: Iterable[tuple[str, str, list[str]]]) -> Tested:
    """Per tiered test, the PCs holding its tiers' workloads and the units carrying them.

    ``hosts``: (id, model, tiers of its workloads); ``units``: (id, model, PC ids it carries).
    """
    hosts, units = list(hosts), list(units)
    out: Tested = {}
    for t in tiered_tests(scenario):
        ids = {hid for hid, _, tiers in hosts if tiers & set(t.tiers or ())}
        pcs: dict[str, int] = {}
        for hid, model, _ in hosts:
            if hid in ids:
                pcs[model] = pcs.get(model, 0) + 1
        us: dict[str, int] = {}
        for _, model, carried in units:
            if ids.intersection(carried):
                us[model] = us.get(model, 0) + 1
        out[t.kind] = (dict(sorted(pcs.items())), dict(sorted(us.items())))
    return out


def tested_physically(scenario: Scenario, by_tier: dict[int, dict[str, int]], pcs_total: int,
                      units_by_model: dict[str, int]) -> Tested:
    """Per tiered test under physical imaging: the PCs and units it uses.

    One PC per workload of its tiers, and each unit model's share of the units in proportion
    to those PCs, rounded up (physical imaging assigns no PC to a unit: an estimate,
    docs/recovery.md).
    """
    out: Tested = {}
    for t in tiered_tests(scenario):
        pcs: dict[str, int] = {}
        for tier in t.tiers or ():
            for m, k in by_tier.get(tier, {}).items():
                pcs[m] = pcs.get(m, 0) + k
        n = sum(pcs.values())
        us = {m: -(-k * n // pcs_total) for m, k in units_by_model.items()} \
            if n and pcs_total else {}
        out[t.kind] = (dict(sorted(pcs.items())), {m: k for m, k in sorted(us.items()) if k})
    return out


def tier_test_lines(terms: Terms, scenario: Scenario, catalog: Catalog,
                    tested: Tested) -> list[tuple[str, int, Decimal]]:
    """(component, year, amount): the equipment days of the tiered tests on their PCs/units."""
    hosts = {m.name: m for m in catalog.hosts}
    units = {m.name: m for m in catalog.units}
    out: list[tuple[str, int, Decimal]] = []
    with localcontext() as ctx:
        ctx.prec = PRECISION
        for t in tiered_tests(scenario):
            pcs, us = tested.get(t.kind, ({}, {}))
            pc_day = sum((n * hosts[k].daily_fee for k, n in pcs.items()), ZERO)
            unit_day = sum((n * units[k].daily_fee for k, n in us.items()), ZERO)
            for y in range(1, terms.term + 1):
                f = t.per_year * terms.escalation[y] * terms.rate
                out.append(("PCs", y, t.pc_days * pc_day * f))
                out.append(("units", y, t.unit_days * unit_day * f))
    return out


def tier_test_cost(terms: Terms, scenario: Scenario, catalog: Catalog, tested: Tested) -> Decimal:
    """What the tiered tests' equipment days cost over the term (exact)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        return sum((a for _, _, a in tier_test_lines(terms, scenario, catalog, tested)), ZERO)
