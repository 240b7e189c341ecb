"""The plan as returned to users: PCs, units, unplaced workloads, cost, bound and gap."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class PlannedHost:
    """One contracted recovery PC and its workloads; used/usable: vcpu, memory_gib, storage_gb."""

    id: str
    model: str
    unit: str | None
    workloads: list[str]
    used: dict[str, float]
    usable: dict[str, float]
    #: a spare PC (policy ``spares``): empty, stands in for a lost PC
    spare: bool = False


@dataclass
class PlannedUnit:
    """One contracted mobile unit, the PCs it carries and the staff seats in use."""

    id: str
    model: str
    hosts: list[str]
    seats_used: int
    slots_used: int = 0


@dataclass
class UnplacedWorkload:
    """A workload instance not in the plan, with the reason."""

    name: str
    reason: str


@dataclass
class Baseline:
    """Physical imaging: one recovery PC per workload, plus the units to house them."""

    hosts: int
    units: int
    cost: Decimal
    by_model: dict[str, int] = field(default_factory=dict)
    unplaced: list[UnplacedWorkload] = field(default_factory=list)
    units_by_model: dict[str, int] = field(default_factory=dict)
    #: physical PCs per tier and model (one per workload: a tier-subset test uses these)
    by_tier: dict[int, dict[str, int]] = field(default_factory=dict)


#: the status words (docs/formats.md, "Plan JSON"); each one is a claim the plan makes
OPTIMAL = "optimal"
FEASIBLE = "feasible"
INFEASIBLE = "infeasible"
INTERRUPTED = "interrupted: best plan so far"
INTERRUPTED_EMPTY = "interrupted before any plan"
STATUSES = (OPTIMAL, FEASIBLE, INFEASIBLE, INTERRUPTED, INTERRUPTED_EMPTY)


def spares_by_model(sp: dict[str, Any]) -> dict[str, int]:
    """An N+k plan's spare PCs per model (``stats.spares``), in all units together."""
    by = sp.get("by_model")
    if isinstance(by, dict):
        return {str(m): int(c) for m, c in by.items()}
    return {str(sp["model"]): int(sp.get("spares", sp["k"]))}


def spare_words(sp: dict[str, Any]) -> str:
    """An N+k plan's spare PCs in words: ``2 × Small``, ``1 × Big + 1 × Small``."""
    return " + ".join(f"{c} × {m}" for m, c in spares_by_model(sp).items())


@dataclass
class Plan:
    """A verified recovery plan. cost and lower_bound are in ``currency`` over the term.

    In count mode (a catalog without fees) cost counts PCs, with each unit as 1/1000 of a PC.
    ``status``: ``optimal`` only when proven with every workload that fits a PC placed;
    ``feasible`` (a gap remains); ``infeasible`` (vendor stock leaves workloads unplaced, or
    no workload fits any PC model); ``interrupted: best plan so far`` or ``interrupted before
    any plan`` after Ctrl-C (``interrupted`` is then True).
    """

    status: str
    cost: Decimal
    lower_bound: Decimal | None
    gap: float | None
    currency: str
    hosts: list[PlannedHost]
    units: list[PlannedUnit]
    unplaced: list[UnplacedWorkload]
    out_of_scope: list[UnplacedWorkload]
    baseline: Baseline
    solve_seconds: float
    term_years: int
    objective: str = "money"
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def proven_optimal(self) -> bool:
        """Whether the plan's cost equals its proven lower bound."""
        return self.status == OPTIMAL

    @property
    def placed(self) -> int:
        """Workload instances placed on a PC."""
        return sum(len(h.workloads) for h in self.hosts)

    @property
    def complete(self) -> bool:
        """Whether every in-scope workload is placed and the solve ran to its end."""
        return not self.unplaced and not self.interrupted

    def host_counts(self) -> dict[str, int]:
        """PCs contracted per model."""
        out: dict[str, int] = {}
        for h in self.hosts:
            out[h.model] = out.get(h.model, 0) + 1
        return dict(sorted(out.items()))

    def unit_counts(self) -> dict[str, int]:
        """Units contracted per model."""
        out: dict[str, int] = {}
        for u in self.units:
            out[u.model] = out.get(u.model, 0) + 1
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of issue #2 (plus a few extra keys); amounts as exact strings."""
        return {
            "status": self.status,
            "interrupted": self.interrupted,
            "cost": str(self.cost),
            "lower_bound": None if self.lower_bound is None else str(self.lower_bound),
            "gap": self.gap,
            "currency": self.currency,
            "objective": self.objective,
            "term_years": self.term_years,
            "hosts": [asdict(h) for h in self.hosts],
            "units": [asdict(u) for u in self.units],
            "unplaced": [asdict(u) for u in self.unplaced],
            "out_of_scope": [asdict(u) for u in self.out_of_scope],
            "baseline": {
                "hosts": self.baseline.hosts,
                "units": self.baseline.units,
                "cost": str(self.baseline.cost),
                "by_model": self.baseline.by_model,
                "units_by_model": self.baseline.units_by_model,
                "unplaced": [asdict(u) for u in self.baseline.unplaced],
            },
            "solve_seconds": round(self.solve_seconds, 3),
            "warnings": self.warnings,
            "stats": self.stats,
        }
