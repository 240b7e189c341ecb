"""Cheap valid lower bounds that hold for any plan: capacity (volume) with integral PC counts.

Any feasible plan's PCs must together offer at least the total demand in every dimension; the
workloads that fit only some PC types must fit in the capacity of those types; each
anti-affinity group needs as many PCs as it has members (and a discount tier's sub-problem at
least its PC count); units must hold the PCs' slots and the
staff seats. Minimising cost under just these rules, with integer counts, bounds every plan.
It is weak for few large workloads and strong for many small ones, where column generation is
slowest: the engine keeps the larger of the two bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from planner.model.problem import Problem
from planner.solver.highs import INF, fvec, ivec, new_highs, run_highs


def capacity_bound(problem: Problem, time_limit: float = 2.0) -> float:
    """Minimum cost of PC and unit counts offering enough capacity (objective ticks)."""
    return capacity_plan(problem, time_limit)[0]


def capacity_plan(problem: Problem, time_limit: float = 2.0, at_least: float = 0.0,
                  capacity: list[CapacityRow] | None = None,
                  cuts: Sequence[tuple[Sequence[float], float]] = ()
                  ) -> tuple[float, list[int] | None]:
    """The capacity bound and the PC counts per type of the cheapest fleet it found.

    The counts (None when no fleet was found) are a good fleet to pack into: on many small
    workloads the bound is nearly attained. ``at_least``: only fleets costing at least this
    (a bound proven otherwise): the least cost a fleet meeting every count rule can have
    above it, a bound lifted to the costs PCs and units can add up to (``lift``).
    ``capacity``: the capacity rows to use (the real sizes' when ``problem`` is rounded
    down). ``cuts``: pattern-value rows (V, v) from column generation: with multipliers pi >= 0
    on the cover rows, V_k bounding the best pattern value of type k and v = pi·demand, the
    PCs' patterns must be worth pi·demand together, so sum_k V_k n_k >= v holds for every
    plan (its Lagrangian bound, made a row of the count model: at least as strong).
    """
    if not problem.items or not problem.hosts:
        return 0.0, None
    n = len(problem.hosts)
    rows: list[tuple[dict[int, float], float, float]] = []  # (coefs, lower, upper)
    if capacity is not None:
        rows += [(dict(r.coef), r.need, INF) for r in capacity]
    else:
        fitsets: dict[frozenset[int], list[int]] = {}
        for it in problem.items:
            key = frozenset(h.index for h in problem.hosts if problem.fits(it.size, h))
            load = fitsets.setdefault(key, [0] * problem.nd)
            for d in range(problem.nd):
                load[d] += it.size[d] * it.demand
        for s in set(fitsets):
            for d in range(problem.nd):
                need = sum(v[d] for t, v in fitsets.items() if t <= s)
                if need:
                    rows.append(({k: float(problem.hosts[k].cap[d]) for k in s}, float(need),
                                 INF))
    for values, total in cuts:
        rows.append(({k: float(v) for k, v in enumerate(values) if v > 0}, float(total), INF))
    for pool in problem.pools:  # a stock shared by several PC types (and unit types)
        coefs = {k: 1.0 for k in pool.types}
        coefs.update({n + u: float(c) for u, c in pool.units})
        rows.append((coefs, -INF, float(pool.limit)))
    groups: dict[str, int] = {}
    for it in problem.items:
        for g in it.anti:
            groups[g] = groups.get(g, 0) + it.demand
    least = max([problem.min_pcs, *groups.values()])
    if least:  # an anti-affinity group's members, or a discount tier's PC count
        rows.append(({k: 1.0 for k in range(n)}, float(least), INF))
    h = new_highs(time_limit)
    if at_least > 0:
        h.setOptionValue("mip_rel_gap", 0.0)  # the lift is worth a fraction of a percent
    for t in problem.hosts:
        ub = float(t.available) if t.available is not None else INF
        h.addVar(0.0, ub)
        h.changeColCost(t.index, float(t.cost))
    units = problem.units
    for u in units:
        ub = float(u.available) if u.available is not None else INF
        h.addVar(0.0, ub)
        h.changeColCost(n + u.index, float(u.cost))
    if units:
        slots = {k: -float(problem.hosts[k].slots) for k in range(n)}
        slots.update({n + u.index: float(u.slots) for u in units})
        rows.append((slots, 0.0, INF))
        if problem.seats_needed:
            rows.append(({n + u.index: float(u.seats) for u in units},
                         float(problem.seats_needed), INF))
    for coefs, lo, up in rows:
        idx = sorted(coefs)
        h.addRow(lo, up, len(idx), ivec(idx), fvec([coefs[i] for i in idx]))
    ncol = n + len(units)
    if at_least > 0:
        costs = [float(t.cost) for t in problem.hosts] + [float(u.cost) for u in units]
        h.addRow(at_least, INF, ncol, ivec(list(range(ncol))), fvec(costs))
    h.changeColsIntegrality(ncol, ivec(list(range(ncol))),
                            np.array([highspy.HighsVarType.kInteger] * ncol))
    run_highs(h)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return 0.0, None  # vendor stock cannot hold the demand: no bound is claimed from here
    bound = float(h.getInfo().mip_dual_bound)
    sol = h.getSolution()
    counts = [round(v) for v in sol.col_value[:n]] if sol.value_valid else None
    return (bound if np.isfinite(bound) else 0.0), counts


@dataclass(frozen=True)
class CapacityRow:
    """One row of the capacity bound, which every plan placing every copy meets.

    The PCs of the types in ``coef`` (coefficient: their capacity in one dimension) offer at
    least ``need``, the demand in that dimension of the copies that fit only those types.
    """

    coef: dict[int, float]
    need: float


def capacity_rows(problem: Problem) -> list[CapacityRow]:
    """The capacity bound's rows for ``problem``'s real sizes, in a fixed order.

    Column generation's count bound (``capacity_plan`` with pattern-value rows) keeps them,
    so it never falls below the capacity bound, even on a rounded-down (relaxed) problem
    whose own patterns forget how big the real workloads are.
    """
    need: dict[frozenset[int], list[int]] = {}
    for it in problem.items:
        key = frozenset(h.index for h in problem.hosts if problem.fits(it.size, h))
        load = need.setdefault(key, [0] * problem.nd)
        for d in range(problem.nd):
            load[d] += it.size[d] * it.demand
    rows: list[CapacityRow] = []
    for s in sorted(need, key=sorted):
        for d in range(problem.nd):
            total = sum(v[d] for t, v in need.items() if t <= s)
            if total:
                rows.append(CapacityRow({k: float(problem.hosts[k].cap[d]) for k in sorted(s)},
                                        float(total)))
    return rows


def lift(problem: Problem, bound: float, time_limit: float = 1.0) -> float:
    """A bound raised to the least cost PC and unit counts that meet the count rules can have.

    Every plan's cost is the cost of its PC and unit counts, which meet the capacity bound's
    rows (and units' slots and seats, stock); so no plan costs less than the cheapest such
    counts costing at least ``bound``. It lifts a bound past the costs no fleet adds up to
    (a few hundred dollars with units of about 100,000 and PCs of 4,000-13,000). Returns
    ``bound`` itself when the search proves nothing better in time.
    """
    if bound <= 0:
        return bound
    lifted, _ = capacity_plan(problem, time_limit, at_least=bound)
    return max(bound, lifted)
