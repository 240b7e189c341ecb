"""The money: what a DR agreement costs over its term, for the virtual plan and physical imaging.

Every amount is a ``Decimal`` in one reporting currency (the policy's ``[scenario] currency``, or
the catalog's own). Each cash-flow line is rounded to the cent once, half up; every total is a sum
of rounded lines, so the tables add up exactly. The formulas are in docs/cost-model.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from planner.model.plan import Plan
from planner.model.prices import (
    Terms,
    cents,
    keep_factor,
    scenario_lines,
    tested_in_plan,
    tested_physically,
    tier_test_lines,
)
from planner.readers.catalog import Catalog, HostModel, Policy, Scenario, TestPlan, UnitModel
from planner.readers.inventory import Inventory

ZERO = Decimal("0.00")
OPTIONS = ("virtual", "physical")
COMPONENTS = ("PCs", "units", "tests", "conversion", "licences", "images")
KINDS = ("one_time", "recurring", "disaster", "test")


def fmt(x: Decimal | None, currency: str) -> str:
    """An amount for people: thousands separators, cents and the currency code."""
    if x is None:
        return "n/a"
    return f"{cents(x):,.2f} {currency}"


@dataclass(frozen=True)
class Contract:
    """The quantities one option buys: every cost line is a price times one of these."""

    option: str
    pcs: dict[str, int]
    units: dict[str, int]
    protected: int
    p2v_servers: int = 0
    p2v_workstations: int = 0
    hypervisor_pcs: int = 0
    images: int = 0
    #: per test kind with a tier subset: the PCs and units by model that test uses
    tested: dict[str, tuple[dict[str, int], dict[str, int]]] = field(default_factory=dict)

    def used_by(self, test: TestPlan) -> tuple[dict[str, int], dict[str, int]]:
        """The PCs and units by model one test keeps busy (none without equipment days)."""
        pcs = self.pcs if test.pc_days > 0 else {}
        units = self.units if test.unit_days > 0 else {}
        if test.tiers is not None:
            sub_pcs, sub_units = self.tested.get(test.kind, ({}, {}))
            pcs = sub_pcs if test.pc_days > 0 else {}
            units = sub_units if test.unit_days > 0 else {}
        return ({k: v for k, v in pcs.items() if v}, {k: v for k, v in units.items() if v})

    @property
    def n_pcs(self) -> int:
        """PCs contracted (all models)."""
        return sum(self.pcs.values())

    @property
    def n_units(self) -> int:
        """Mobile units contracted (all models)."""
        return sum(self.units.values())


def virtual_contract(plan: Plan, inventory: Inventory, scenario: Scenario) -> Contract:
    """The virtual plan: its PCs and units, P2V of placed physical machines, one image set."""
    kind_source = {n: (w.kind, w.source) for w in inventory.workloads
                   for n in w.instance_names()}
    servers = workstations = protected = 0
    for h in plan.hosts:
        for n in h.workloads:
            protected += 1
            kind, source = kind_source[n]
            if source == "physical":
                if kind == "workstation":
                    workstations += 1
                else:
                    servers += 1
    tier_of = {n: w.tier for w in inventory.workloads for n in w.instance_names()}
    tested = tested_in_plan(
        scenario, [(h.id, h.model, {tier_of[n] for n in h.workloads if n in tier_of})
                   for h in plan.hosts], [(u.id, u.model, u.hosts) for u in plan.units])
    return Contract("virtual", plan.host_counts(), plan.unit_counts(), protected,
                    servers, workstations, hypervisor_pcs=len(plan.hosts),
                    images=scenario.virtual_images if plan.hosts else 0, tested=tested)


def physical_contract(plan: Plan, scenario: Scenario | None = None) -> Contract:
    """Physical imaging: one PC and one image per protected machine, no P2V, no hypervisor.

    A test of some tiers uses the physical PCs of those tiers' workloads (one each) and each
    unit model's share of the units in proportion, rounded up (``tested_physically``).
    """
    b = plan.baseline
    tested = ({} if scenario is None else
              tested_physically(scenario, b.by_tier, b.hosts, b.units_by_model))
    return Contract("physical", dict(sorted(b.by_model.items())), dict(b.units_by_model),
                    protected=b.hosts, images=b.hosts, tested=tested)


@dataclass(frozen=True)
class Line:
    """One cash-flow line: component, kind, year (0 = contract start), amount, present value."""

    component: str
    kind: str
    year: int
    amount: Decimal
    present_value: Decimal


@dataclass
class Costing:
    """One option priced over the term: its cash-flow lines and the headline figures."""

    option: str
    currency: str
    term_years: int
    contract: Contract
    lines: list[Line]
    per_disaster: Decimal
    per_test: dict[str, Decimal]
    discount_percent: Decimal
    conversion_rate: Decimal
    #: the test programme priced here, and the test days a year the vendor includes
    tests: tuple[TestPlan, ...] = ()
    included_test_days: Decimal = ZERO

    def _sum(self, lines: Iterable[Line], pv: bool = False) -> Decimal:
        return sum((ln.present_value if pv else ln.amount for ln in lines), ZERO)

    @property
    def total(self) -> Decimal:
        """Everything paid over the term (undiscounted)."""
        return self._sum(self.lines)

    @property
    def present_value(self) -> Decimal:
        """Everything paid, discounted to the contract start at the scenario's discount rate."""
        return self._sum(self.lines, pv=True)

    @property
    def one_time(self) -> Decimal:
        """Paid once at the start: setup fees, P2V conversion, hypervisor licences."""
        return self._sum(ln for ln in self.lines if ln.kind == "one_time")

    def recurring(self, year: int = 1) -> Decimal:
        """Fixed yearly cost in a given year: contract fees, subscriptions, image upkeep."""
        return self._sum(ln for ln in self.lines if ln.kind == "recurring" and ln.year == year)

    def by(self, component: str | None = None, kind: str | None = None) -> Decimal:
        """Total over the term of the lines matching a component and/or kind."""
        return self._sum(ln for ln in self.lines if (component is None or ln.component == component)
                         and (kind is None or ln.kind == kind))

    def table(self) -> pd.DataFrame:
        """The tidy cash-flow table: option, component, kind, year, amount, present_value."""
        return pd.DataFrame([{"option": self.option, "component": ln.component, "kind": ln.kind,
                              "year": ln.year, "amount": ln.amount,
                              "present_value": ln.present_value, "currency": self.currency}
                             for ln in self.lines],
                            columns=["option", "component", "kind", "year", "amount",
                                     "present_value", "currency"])

    def summary(self) -> dict[str, Any]:
        """Headline figures (Decimal amounts) for reports and JSON."""
        return {"option": self.option, "currency": self.currency, "term_years": self.term_years,
                "pcs": self.contract.n_pcs, "units": self.contract.n_units,
                "protected": self.contract.protected, "one_time": self.one_time,
                "recurring_per_year": self.recurring(1), "per_disaster": self.per_disaster,
                "per_test": dict(self.per_test), "total": self.total,
                "present_value": self.present_value,
                "discount_percent": self.discount_percent}


def price(contract: Contract, catalog: Catalog, scenario: Scenario) -> Costing:
    """Price one option's contract under a vendor's terms and the organization's scenario."""
    terms = Terms.of(catalog, scenario)
    rate = terms.rate
    currency = scenario.currency or catalog.currency
    term = catalog.term_years
    one = Decimal(1)
    pv_factor = [one / (one + scenario.discount_rate) ** y for y in range(term + 1)]
    disc_pct = catalog.discount_percent(contract.n_pcs)
    keep = keep_factor(disc_pct)

    hosts = {m.name: m for m in catalog.hosts}
    units = {m.name: m for m in catalog.units}
    raw: dict[tuple[str, str, int], Decimal] = {}

    def add(component: str, kind: str, year: int, amount: Decimal) -> None:
        key = (component, kind, year)
        raw[key] = raw.get(key, ZERO) + amount

    def vendor_items(component: str, counts: dict[str, int],
                     models: dict[str, HostModel] | dict[str, UnitModel]) -> Decimal:
        # the per-item lines the engine minimises (planner.model.prices), times the counts;
        # the test days of a test run on a subset of tiers are priced on that subset below
        per_disaster = ZERO
        for name, n in counts.items():
            m = models[name]
            per_disaster += n * (m.declaration_fee + scenario.disaster_days * m.daily_fee) * rate
            for kind, year, amount in terms.item_lines(m, keep):
                add(component, kind, year, n * amount)
        return per_disaster

    per_disaster = vendor_items("PCs", contract.pcs, hosts)
    per_disaster += vendor_items("units", contract.units, units)
    for comp, year, amount in tier_test_lines(terms, scenario, catalog, contract.tested):
        add(comp, "test", year, amount)
    for kind, year, amount in terms.test_fee_lines():
        add("tests", kind, year, amount)
    add("conversion", "one_time", 0, contract.p2v_servers * scenario.p2v_server
        + contract.p2v_workstations * scenario.p2v_workstation)
    for comp, kind, year, amount in scenario_lines(scenario, term, contract.hypervisor_pcs,
                                                   contract.images):
        add(comp, kind, year, amount)

    order = {c: i for i, c in enumerate(COMPONENTS)}
    korder = {k: i for i, k in enumerate(KINDS)}
    lines = []
    exact: dict[tuple[str, str], Decimal] = {}
    for (comp, kind, year), amount in sorted(
            raw.items(), key=lambda kv: (order[kv[0][0]], korder[kv[0][1]], kv[0][2])):
        # cumulative rounding: the lines of one component and kind sum to its exact total, rounded
        before = exact.get((comp, kind), ZERO)
        exact[(comp, kind)] = before + amount
        a = cents(before + amount) - cents(before)
        if a == 0:
            continue
        lines.append(Line(comp, kind, year, a, cents(a * pv_factor[year])))

    def daily(t: TestPlan) -> Decimal:
        t_pcs, t_units = contract.used_by(t)
        return (t.pc_days * sum((n * hosts[k].daily_fee for k, n in t_pcs.items()), ZERO)
                + t.unit_days * sum((n * units[k].daily_fee for k, n in t_units.items()), ZERO))

    per_test = {t.kind: cents((daily(t) + t.days * catalog.test_day_fee) * rate)
                for t in scenario.tests}
    return Costing(contract.option, currency, term, contract, lines, cents(per_disaster),
                   per_test, disc_pct, rate, scenario.tests, catalog.included_test_days)


@dataclass
class Assessment:
    """The virtual plan against physical imaging under one vendor's terms."""

    vendor: str
    source: str
    plan: Plan
    virtual: Costing
    physical: Costing
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def currency(self) -> str:
        """The reporting currency of every figure."""
        return self.virtual.currency

    @property
    def savings(self) -> Decimal:
        """Physical imaging total minus virtual total, over the term."""
        return self.physical.total - self.virtual.total

    @property
    def savings_pv(self) -> Decimal:
        """Savings in present value."""
        return self.physical.present_value - self.virtual.present_value

    @property
    def cost_per_workload(self) -> Decimal | None:
        """Virtual total over the term per protected workload instance."""
        n = self.virtual.contract.protected
        return cents(self.virtual.total / n) if n else None

    @property
    def break_even_p2v(self) -> Decimal | None:
        """P2V cost per physical workload (servers and workstations alike) at zero savings.

        None when nothing needs converting (the P2V price cannot tip the balance).
        """
        c = self.virtual.contract
        n = c.p2v_servers + c.p2v_workstations
        if n == 0:
            return None
        return cents((self.savings + self.virtual.by("conversion")) / n)

    @property
    def break_even_physical_workloads(self) -> Decimal | None:
        """Physical workloads to convert, at today's average P2V cost, that use up the savings.

        Virtualization pays while fewer machines than this need converting; negative means it
        does not pay even with nothing to convert. None when conversion is free.
        """
        c = self.virtual.contract
        n = c.p2v_servers + c.p2v_workstations
        conv = self.virtual.by("conversion")
        if n == 0 or conv == 0:
            return None
        return cents((self.savings + conv) / (conv / n))

    def breakdown(self) -> pd.DataFrame:
        """Tidy table by option and component: one_time, recurring, disaster, test, total, PV."""
        rows = []
        for cost in (self.virtual, self.physical):
            for comp in COMPONENTS:
                ls = [ln for ln in cost.lines if ln.component == comp]
                row: dict[str, Any] = {"option": cost.option, "component": comp}
                for k in KINDS:
                    row[k] = sum((ln.amount for ln in ls if ln.kind == k), ZERO)
                row["total"] = sum((ln.amount for ln in ls), ZERO)
                row["present_value"] = sum((ln.present_value for ln in ls), ZERO)
                row["currency"] = cost.currency
                rows.append(row)
        return pd.DataFrame(rows, columns=["option", "component", *KINDS, "total",
                                           "present_value", "currency"])

    def cashflows(self) -> pd.DataFrame:
        """Both options' cash-flow lines in one tidy table."""
        return pd.concat([self.virtual.table(), self.physical.table()], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as exact decimal strings, each object names its currency."""
        return jsonable({
            "vendor": self.vendor, "source": self.source, "currency": self.currency,
            "status": self.plan.status, "gap": self.plan.gap,
            "virtual": self.virtual.summary(), "physical": self.physical.summary(),
            "savings": self.savings, "savings_present_value": self.savings_pv,
            "cost_per_workload": self.cost_per_workload,
            "break_even_p2v_per_workload": self.break_even_p2v,
            "break_even_physical_workloads": self.break_even_physical_workloads,
            "breakdown": self.breakdown().to_dict(orient="records"),
        })

    def report(self) -> str:
        """A plain-text report: both options side by side, by component, with savings."""
        cur = self.currency
        v, p = self.virtual, self.physical
        w = 22
        lines = [f"{self.vendor}: {v.term_years}-year agreement, amounts in {cur}",
                 f"{'':<26}{'virtual':>{w}}{'physical imaging':>{w}}",
                 f"{'PCs / units':<26}{f'{v.contract.n_pcs} / {v.contract.n_units}':>{w}}"
                 f"{f'{p.contract.n_pcs} / {p.contract.n_units}':>{w}}"]

        def row(label: str, a: Decimal | None, b: Decimal | None) -> None:
            lines.append(f"{label:<26}{fmt(a, cur):>{w}}{fmt(b, cur):>{w}}")

        for comp in COMPONENTS:
            row(f"  {comp}", v.by(comp), p.by(comp))
        row("one-time", v.one_time, p.one_time)
        row("recurring, year 1", v.recurring(1), p.recurring(1))
        row("per declared disaster", v.per_disaster, p.per_disaster)
        for kind in v.per_test:
            row(f"per {kind.replace('_', ' ')} test", v.per_test[kind], p.per_test[kind])
        row("total over the term", v.total, p.total)
        row("present value", v.present_value, p.present_value)
        pct = (f" ({100 * self.savings / p.total:.1f} % of physical imaging)"
               if p.total else "")
        lines.append(f"Saving of virtual over physical: {fmt(self.savings, cur)}{pct}; "
                     f"present value {fmt(self.savings_pv, cur)}")
        if v.contract.protected != p.contract.protected:
            lines.append(f"Note: the virtual plan protects {v.contract.protected:,} "
                         f"workload(s), physical imaging {p.contract.protected:,}")
            lines.extend(f"  {line}" for line in left_out(self.plan))
        be, bn = self.break_even_p2v, self.break_even_physical_workloads
        if be is not None:
            lines.append(f"Break-even P2V cost per physical workload: {fmt(be, cur)}")
        if bn is not None:
            most = math.ceil(bn) - 1
            lines.append("Virtualization does not pay even with no physical workload to convert"
                         if most < 0 else
                         f"Virtualization pays while at most {most:,} physical workload(s) need "
                         "converting at today's average P2V cost")
        return "\n".join(lines)


def left_out(plan: Plan, limit: int = 10) -> list[str]:
    """The workloads each option leaves out, by name (at most ``limit`` each), with why."""
    out = []
    for what, items in (("virtual plan", plan.unplaced),
                        ("physical imaging", plan.baseline.unplaced)):
        if items:
            names = ", ".join(u.name for u in items[:limit])
            more = f" and {len(items) - limit:,} more" if len(items) > limit else ""
            reasons = "; ".join(sorted({u.reason for u in items}))
            out.append(f"{what} leaves out {len(items):,}: {names}{more} ({reasons})")
    return out


def assess(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> Assessment:
    """Price a plan and its physical imaging baseline under the catalog's terms and the policy."""
    sc = policy.scenario
    return Assessment(catalog.vendor, catalog.source, plan,
                      price(virtual_contract(plan, inventory, sc), catalog, sc),
                      price(physical_contract(plan, sc), catalog, sc))


def jsonable(x: Any) -> Any:
    """Make a structure JSON-ready: Decimal becomes an exact string, tuples become lists."""
    if isinstance(x, Decimal):
        return str(x)
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    return x
