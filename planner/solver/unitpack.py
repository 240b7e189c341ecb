"""Second level: PCs (by slots) and staff seats into mobile units.

A unit pattern is one unit model with a number of PCs of each type that fits its slots. Only
maximal patterns are enumerated: covering rows are '>=', so spare room costs nothing extra.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.model.problem import Problem
from planner.solver.highs import INF, fvec, is_optimal, ivec, new_highs, run_highs

MAX_UNIT_PATTERNS = 20_000


@dataclass(frozen=True)
class UnitPattern:
    """A unit model and how many PCs of each type it carries."""

    unit: int
    hosts: tuple[int, ...]


def unit_patterns(problem: Problem) -> list[UnitPattern]:
    """All maximal ways to fill each unit model's slots with PC types (of the unit's group)."""
    out: list[UnitPattern] = []
    n_all = len(problem.hosts)

    def rec(u_index: int, k: int, free: int, cur: list[int], types: list[int],
            slots: list[int]) -> None:
        if len(out) > MAX_UNIT_PATTERNS:
            return
        if k == len(types):
            if all(s > free for s in slots):  # maximal: nothing else fits
                full = [0] * n_all
                for t, c in zip(types, cur, strict=True):
                    full[t] = c
                out.append(UnitPattern(u_index, tuple(full)))
            return
        for c in range(free // slots[k], -1, -1):
            rec(u_index, k + 1, free - c * slots[k], [*cur, c], types, slots)

    for u in problem.units:
        types = [t for t, h in enumerate(problem.hosts) if h.group == u.group]
        rec(u.index, 0, u.slots, [], types, [problem.hosts[t].slots for t in types])
    if len(out) > MAX_UNIT_PATTERNS:
        raise ValueError("too many unit patterns; unit slot counts are implausibly large")
    return out


@dataclass
class UnitCover:
    """Units chosen to house given PC counts and seats."""

    patterns: list[tuple[UnitPattern, int]]
    cost: int
    feasible: bool


def cover_units(problem: Problem, host_counts: list[int], seats: int,
                pats: list[UnitPattern] | None = None, time_limit: float = 10.0) -> UnitCover:
    """Cheapest units holding the PCs and seats: a small exact integer program.

    Shared stocks that units draw on (``Pool.units``) keep, with these PCs, within their limit.
    """
    if not problem.units:
        return UnitCover([], 0, True)
    if sum(host_counts) == 0 and seats == 0:
        return UnitCover([], 0, True)
    pats = pats if pats is not None else unit_patterns(problem)
    h = new_highs(time_limit)
    nrow_h = len(problem.hosts)
    lower = [float(c) for c in host_counts] + [float(seats)]
    upper = [INF] * (nrow_h + 1)
    for u in problem.units:
        lower.append(-INF)
        upper.append(float(u.available) if u.available is not None else INF)
    drawn = [p for p in problem.pools if p.units]  # shared stocks the units draw on too
    for pool in drawn:
        lower.append(-INF)
        upper.append(float(pool.limit - sum(host_counts[t] for t in pool.types)))
    h.addRows(len(lower), fvec(lower), fvec(upper), 0, ivec([0] * len(lower)), ivec([]), fvec([]))
    for p in pats:
        u = problem.units[p.unit]
        idx = [k for k in range(nrow_h) if p.hosts[k]] + [nrow_h, nrow_h + 1 + p.unit]
        val = [float(p.hosts[k]) for k in range(nrow_h) if p.hosts[k]] + [float(u.seats), 1.0]
        for r, pool in enumerate(drawn):
            c = dict(pool.units).get(p.unit, 0)
            if c:
                idx.append(nrow_h + 1 + len(problem.units) + r)
                val.append(float(c))
        h.addCol(float(u.cost), 0.0, INF, len(idx), ivec(idx), fvec(val))
    h.changeColsIntegrality(len(pats), ivec(list(range(len(pats)))),
                            ivec([1] * len(pats)))
    run_highs(h)
    sol = h.getSolution()
    if not sol.value_valid:
        return UnitCover([], 0, False)
    chosen = [(p, round(v)) for p, v in zip(pats, sol.col_value, strict=True) if round(v) > 0]
    cost = sum(problem.units[p.unit].cost * k for p, k in chosen)
    return UnitCover(chosen, cost, is_optimal(h) or bool(chosen))
