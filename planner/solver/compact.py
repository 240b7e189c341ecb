"""The compact model for small instances: workloads × candidate PCs, solved exactly by HiGHS.

Column generation proves bounds well on large instances but can leave a last gap on small ones
(a few PCs, where one PC is several percent). There, the assignment model a user would write is
small enough for HiGHS to close: each candidate PC is a binary, each class a bounded integer per
PC. Only PCs that could appear in a plan cheaper than the best known are created (at most
``(best - tick) / c_k`` of model k), so the model is exact for every better plan and its dual
bound, capped by the best known cost, is a valid lower bound for the whole problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from planner.model.problem import Problem
from planner.solver.heuristics import Pattern
from planner.solver.highs import INF, fvec, ivec, new_highs, run_interruptible
from planner.solver.unitpack import UnitPattern

#: above this many integer variables the compact model is not attempted
MAX_VARIABLES = 40_000


@dataclass
class CompactResult:
    """The compact model's outcome: a better plan if found, and a valid bound (ticks)."""

    patterns: list[Pattern] | None
    units: list[tuple[UnitPattern, int]]
    cost: float
    bound: float
    interrupted: bool = False


def compact_size(problem: Problem, upper: float) -> int:
    """Integer variables the compact model would have (PCs plus class-per-PC counts)."""
    fitting = {t.index: sum(1 for it in problem.items if problem.fits(it.size, t))
               for t in problem.hosts}
    return sum(1 + fitting[k] for k in _bins(problem, upper))


def _bins(problem: Problem, upper: float) -> list[int]:
    copies = sum(it.demand for it in problem.items)
    bins: list[int] = []
    for t in problem.hosts:
        if not any(problem.fits(it.size, t) for it in problem.items):
            continue
        n = copies if upper == INF or t.cost <= 0 else int((upper - problem.tick) // t.cost)
        if t.available is not None:
            n = min(n, t.available)
        bins.extend([t.index] * max(0, min(n, copies)))
    return bins


def candidate_bins(problem: Problem, upper: float) -> list[int] | None:
    """PC types of the candidate PCs (a plan cheaper than ``upper`` fits in them), or None."""
    return _bins(problem, upper) if compact_size(problem, upper) <= MAX_VARIABLES else None


def solve_compact(problem: Problem, unit_pats: list[UnitPattern], upper: float,
                  time_limit: float) -> CompactResult | None:
    """Search for a plan cheaper than ``upper``; return it (if any) and a valid lower bound."""
    bins = candidate_bins(problem, upper)
    if bins is None:
        return None
    if not bins:
        return CompactResult(None, [], upper, upper)
    items = problem.items
    h = new_highs(time_limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", max(problem.tick * 0.999, 1e-6))
    nb = len(bins)
    # columns: y_b, then x_ib per (i, b) that fits, then unit patterns z_q
    for _ in bins:
        h.addVar(0.0, 1.0)
    for b, k in enumerate(bins):
        h.changeColCost(b, float(problem.hosts[k].cost))
    xs: list[tuple[int, int]] = []
    ubs: list[int] = []
    for b, k in enumerate(bins):
        host = problem.hosts[k]
        for i, it in enumerate(items):
            if problem.fits(it.size, host):
                ub = min([it.demand] + [host.cap[d] // it.size[d]
                                        for d in range(problem.nd) if it.size[d]])
                if it.anti:
                    ub = min(ub, 1)
                h.addVar(0.0, float(ub))
                xs.append((i, b))
                ubs.append(ub)
    x0 = nb
    zs = len(unit_pats)
    for n, q in enumerate(unit_pats):
        h.addVar(0.0, INF)
        h.changeColCost(x0 + len(xs) + n, float(problem.units[q.unit].cost))
    ncol = nb + len(xs) + zs
    h.changeColsIntegrality(ncol, ivec(list(range(ncol))),
                            np.array([highspy.HighsVarType.kInteger] * ncol))
    by_item: dict[int, list[int]] = {}
    by_bin: dict[int, list[tuple[int, int]]] = {}
    for j, (i, b) in enumerate(xs):
        by_item.setdefault(i, []).append(x0 + j)
        by_bin.setdefault(b, []).append((i, x0 + j))
    for i, it in enumerate(items):  # assign-{item}
        cols = by_item.get(i, [])
        h.addRow(float(it.demand), float(it.demand), len(cols), ivec(cols),
                 fvec([1.0] * len(cols)))
    for j, (_, b) in enumerate(xs):  # open-{item}-{pc}: x_ib <= ub_ib · y_b, a tighter LP
        h.addRow(-INF, 0.0, 2, ivec([x0 + j, b]), fvec([1.0, -float(ubs[j])]))
    for b, k in enumerate(bins):  # cap-{dimension}-{pc}
        host = problem.hosts[k]
        members = by_bin.get(b, [])
        for d in range(problem.nd):
            idx = [c for _, c in members] + [b]
            val = [float(items[i].size[d]) for i, _ in members] + [-float(host.cap[d])]
            h.addRow(-INF, 0.0, len(idx), ivec(idx), fvec(val))
        groups: dict[str, list[int]] = {}
        for i, c in members:
            for g in items[i].anti:
                groups.setdefault(g, []).append(c)
        for cols in groups.values():  # anti-{group}-{pc}
            if len(cols) > 1:
                h.addRow(-INF, 0.0, len(cols) + 1, ivec([*cols, b]),
                         fvec([1.0] * len(cols) + [-1.0]))
        if b + 1 < nb and bins[b + 1] == k:  # symmetry: open PCs of a model in order
            h.addRow(0.0, INF, 2, ivec([b, b + 1]), fvec([1.0, -1.0]))
    for pool in problem.pools:  # pool-{shared stock}: PCs of its types (and units) <= its limit
        idx = [b for b, k in enumerate(bins) if k in pool.types]
        val = [1.0] * len(idx)
        per_unit = dict(pool.units)
        for n, q in enumerate(unit_pats):
            if per_unit.get(q.unit):
                idx.append(nb + len(xs) + n)
                val.append(float(per_unit[q.unit]))
        if idx and (len(idx) > pool.limit or pool.units):
            h.addRow(-INF, float(pool.limit), len(idx), ivec(idx), fvec(val))
    if problem.units:
        z0 = nb + len(xs)
        for k in range(len(problem.hosts)):  # link-{pc type}
            idx = [z0 + n for n, q in enumerate(unit_pats) if q.hosts[k]]
            val = [float(unit_pats[n - z0].hosts[k]) for n in idx]
            ys = [b for b, kk in enumerate(bins) if kk == k]
            if ys:
                h.addRow(0.0, INF, len(idx) + len(ys), ivec(idx + ys),
                         fvec(val + [-1.0] * len(ys)))
        if problem.seats_needed:
            idx = [z0 + n for n, q in enumerate(unit_pats) if problem.units[q.unit].seats]
            h.addRow(float(problem.seats_needed), INF, len(idx), ivec(idx),
                     fvec([float(problem.units[unit_pats[n - z0].unit].seats) for n in idx]))
        for u in problem.units:
            if u.available is not None:
                idx = [z0 + n for n, q in enumerate(unit_pats) if q.unit == u.index]
                h.addRow(-INF, float(u.available), len(idx), ivec(idx),
                         fvec([1.0] * len(idx)))
    interrupted = run_interruptible(h)
    info = h.getInfo()
    bound = min(float(info.mip_dual_bound), upper)
    if not np.isfinite(bound):
        bound = 0.0
    if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
        return CompactResult(None, [], upper, upper, interrupted)  # nothing cheaper exists
    sol = h.getSolution()
    if not sol.value_valid:
        return CompactResult(None, [], upper, bound, interrupted)
    v = [round(a) for a in sol.col_value]
    contents: dict[int, dict[int, int]] = {}
    for j, (i, b) in enumerate(xs):
        if v[x0 + j] > 0:
            contents.setdefault(b, {})[i] = v[x0 + j]
    patterns = [Pattern(bins[b], tuple(sorted(c.items()))) for b, c in sorted(contents.items())]
    units = [(q, v[nb + len(xs) + n]) for n, q in enumerate(unit_pats) if v[nb + len(xs) + n] > 0]
    cost = float(sum(problem.hosts[p.host].cost for p in patterns)
                 + sum(problem.units[q.unit].cost * k for q, k in units))
    return CompactResult(patterns, units, cost, bound, interrupted)
