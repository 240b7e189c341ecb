"""The plan-test programme (the paper's step 8 and 9): per year, which tests, what they use, cost.

The four kinds of test are the paper's; how often each runs, how many days it keeps the
PCs and units busy, and which ones it uses (every contracted one, or those of some tiers: the PCs
holding their workloads and the units carrying those PCs) is the policy's ``[scenario.tests]``
(a default programme when it is absent). The cost comes from the money model
(``costing.price`` prices every test's days on the PCs and units it uses), so the programme's
figures are the same as ``planner compare``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd

from planner.money.costing import ZERO, Assessment, Costing
from planner.readers.catalog import TEST_TYPES

#: what each kind of test is, in the paper's order (least to most disruptive)
TEST_NAMES = {
    "checklist": "Checklist test",
    "simulation": "Simulation (structured walk-through)",
    "parallel": "Parallel test",
    "full_interruption": "Full interruption test",
}
TEST_PURPOSE = {
    "checklist": "The plan's owners check that it is complete and current: contacts, "
                 "inventories, image sets, procedures. No recovery equipment.",
    "simulation": "The recovery team walks through a declared disaster step by step against "
                  "the written plan, without moving production.",
    "parallel": "The contracted PCs and units are delivered and the workloads restored from "
                "the images while production keeps running; the timeline is measured.",
    "full_interruption": "Production is shut down and runs from the recovery PCs and units "
                         "for the test days: the most realistic and the most disruptive test.",
}


@dataclass(frozen=True)
class ProgrammeRow:
    """One kind of test in one contract year."""

    year: int
    kind: str
    count: int
    pcs: dict[str, int]
    units: dict[str, int]
    pc_days: Decimal
    unit_days: Decimal
    cost_per_test: Decimal
    #: which PCs and units the test uses, in words (every one, a tier subset's, none)
    scope: str = ""

    @property
    def name(self) -> str:
        """The test's name for people."""
        return TEST_NAMES.get(self.kind, self.kind)


@dataclass
class Programme:
    """The test programme of one priced plan: rows per year and kind, cost per year."""

    currency: str
    term_years: int
    rows: list[ProgrammeRow]
    cost_by_year: dict[int, Decimal]
    included_test_days: Decimal
    warnings: list[str]

    @property
    def total(self) -> Decimal:
        """Test cost over the term (the cost model's ``test`` lines)."""
        return sum(self.cost_by_year.values(), ZERO)

    def table(self) -> pd.DataFrame:
        """Tidy table: one row per year and kind of test."""
        return pd.DataFrame([{
            "year": r.year, "test": r.kind, "per_year": r.count, "uses": r.scope,
            "pcs": ", ".join(f"{k} x{v}" for k, v in r.pcs.items()) or "none",
            "units": ", ".join(f"{k} x{v}" for k, v in r.units.items()) or "none",
            "pc_days": r.pc_days, "unit_days": r.unit_days, "cost_per_test": r.cost_per_test,
            "currency": self.currency} for r in self.rows])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (amounts as exact decimal strings)."""
        from planner.money.costing import jsonable

        return jsonable({"currency": self.currency, "rows": self.table().to_dict("records"),
                         "cost_by_year": self.cost_by_year, "total": self.total,
                         "warnings": self.warnings})


def programme(assessment: Assessment) -> Programme:
    """The virtual plan's test programme under the assessment's vendor terms and scenario."""
    return programme_of(assessment.virtual)


def programme_of(costing: Costing) -> Programme:
    """The programme of one priced option (its scenario's tests, its contract's PCs/units)."""
    c = costing.contract
    tests = costing.tests
    order = {k: i for i, k in enumerate(TEST_TYPES)}
    rows: list[ProgrammeRow] = []
    warnings: list[str] = []
    for year in range(1, costing.term_years + 1):
        held = 0
        for t in sorted(tests, key=lambda t: order.get(t.kind, 9)):
            if t.per_year <= 0:
                continue
            held += t.per_year
            pcs, units = c.used_by(t)
            rows.append(ProgrammeRow(
                year, t.kind, t.per_year, pcs, units, t.pc_days, t.unit_days,
                costing.per_test.get(t.kind, ZERO), t.scope))
        if held == 0:
            warnings.append(f"no plan test in year {year}: the plan should be tested at least "
                            "annually")
    by_year = {y: sum((ln.amount for ln in costing.lines if ln.kind == "test" and ln.year == y),
                      ZERO) for y in range(1, costing.term_years + 1)}
    return Programme(costing.currency, costing.term_years, rows, by_year,
                     costing.included_test_days, warnings)
