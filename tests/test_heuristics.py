"""The constructive portfolio's first-fit passes stop on their clock (issue 25: 50,000 copies)."""

from __future__ import annotations

import random
import time
from decimal import Decimal

import pytest

from planner.model.problem import Problem, build_problem
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver import heuristics
from planner.solver.heuristics import OutOfTime, Packing, ffd_multi, portfolio

MEASURES = ("sum", "max", "norm", "product")


def _problem(classes: int, copies: int, seed: int) -> Problem:
    """``classes`` random sizes, ``copies`` copies each, on a small and a large PC model."""
    cat = Catalog(hosts=(HostModel("S", 16, 64.0, 2000.0, monthly_fee=Decimal(60)),
                         HostModel("L", 64, 256.0, 8000.0, monthly_fee=Decimal(200))),
                  term_years=1, currency="USD")
    rng = random.Random(seed)
    wl = tuple(Workload(f"w{i}", rng.randint(1, 8), float(rng.choice([2, 4, 8, 16, 24])),
                        float(rng.randint(20, 600)), count=copies,
                        anti_affinity=rng.choice(["", "", "", "", "", "", "", "a"]))
               for i in range(classes))
    return build_problem(Inventory(wl, "generated"), cat, PURE_PACKING)


def _same(a: Packing, b: Packing) -> bool:
    return a.patterns == b.patterns and a.uncovered == b.uncovered


def test_first_fit_pass_stops_near_its_deadline_on_many_copies() -> None:
    # 40,000 copies: a whole pass takes 5.7 s (load 3); with a deadline 0.1 s away it gives up
    # soon after (a pass that cannot stop returns a packing instead), no plan to count
    problem = _problem(400, 100, 1)
    start = time.monotonic()
    with pytest.raises(OutOfTime):
        ffd_multi(problem, 1, "sum", "best", start + 0.1)
    assert time.monotonic() - start < 0.1 + 0.5


@pytest.mark.parametrize("seed", [2, 3])
def test_first_fit_packs_the_same_when_its_deadline_is_not_reached(seed: int) -> None:
    problem = _problem(60, 12, seed)
    far = time.monotonic() + 3600.0
    for primary in range(len(problem.hosts)):
        for measure in MEASURES:
            for fit in ("first", "best"):
                assert _same(ffd_multi(problem, primary, measure, fit),
                             ffd_multi(problem, primary, measure, fit, far))
    assert _same(portfolio(problem, lambda c: 0), portfolio(problem, lambda c: 0, far))


def test_portfolio_completes_its_first_pass_and_stops_the_others(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the first pass is the plan at once: it gets no deadline; every later first-fit pass
    # gets the portfolio's, and one stopped on it counts for nothing
    problem = _problem(30, 5, 4)
    calls: list[float | None] = []
    real = heuristics.ffd_multi

    def spy(pr: Problem, primary: int, measure: str = "sum", fit: str = "first",
            deadline: float | None = None) -> Packing:
        calls.append(deadline)
        if len(calls) > 1:
            raise OutOfTime
        return real(pr, primary, measure, fit, deadline)

    monkeypatch.setattr(heuristics, "ffd_multi", spy)
    far = time.monotonic() + 3600.0
    pk = portfolio(problem, lambda c: 0, far)
    assert calls[0] is None and len(calls) > 2 and all(d == far for d in calls[1:])
    placed = [0] * len(problem.items)
    for p in pk.patterns:
        for i, k in p.content:
            placed[i] += k
    assert not pk.uncovered and placed == [it.demand for it in problem.items]
