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

import highspy
import numpy as np

from planner.model.problem import Problem
from planner.solver.highs import INF, fvec, ivec, new_highs


def capacity_bound(problem: Problem, time_limit: float = 2.0) -> float:
    """Minimum cost of PC and unit counts offering enough capacity (objective ticks)."""
    return capacity_plan(problem, time_limit)[0]


def capacity_plan(problem: Problem, time_limit: float = 2.0) -> tuple[float, list[int] | None]:
    """The capacity bound and the PC counts per type of the cheapest fleet it found.

    The counts (None when no fleet was found) are a good fleet to pack into: on many small
    workloads the bound is nearly attained.
    """
    if not problem.items or not problem.hosts:
        return 0.0, None
    fitsets: dict[frozenset[int], list[int]] = {}
    for it in problem.items:
        key = frozenset(h.index for h in problem.hosts if problem.fits(it.size, h))
        load = fitsets.setdefault(key, [0, 0, 0])
        for d in range(3):
            load[d] += it.size[d] * it.demand
    n = len(problem.hosts)
    rows: list[tuple[dict[int, float], float, float]] = []  # (coefs, lower, upper)
    for s in set(fitsets):
        for d in range(3):
            need = sum(v[d] for t, v in fitsets.items() if t <= s)
            if need:
                rows.append(({k: float(problem.hosts[k].cap[d]) for k in s}, float(need), INF))
    groups: dict[str, int] = {}
    for it in problem.items:
        for g in it.anti:
            groups[g] = groups.get(g, 0) + it.demand
    least = max([problem.min_pcs, *groups.values()])
    if least:  # an anti-affinity group's members, or a discount tier's PC count
        rows.append(({k: 1.0 for k in range(n)}, float(least), INF))
    h = new_highs(time_limit)
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
    h.changeColsIntegrality(ncol, ivec(list(range(ncol))),
                            np.array([highspy.HighsVarType.kInteger] * ncol))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return 0.0, None  # vendor stock cannot hold the demand: no bound is claimed from here
    bound = float(h.getInfo().mip_dual_bound)
    sol = h.getSolution()
    counts = [round(v) for v in sol.col_value[:n]] if sol.value_valid else None
    return (bound if np.isfinite(bound) else 0.0), counts
