"""Column generation over packing patterns (Gilmore–Gomory LP) and price-and-branch.

The master has one row per item class (cover its copies), and, when the catalog has mobile
units, one row per PC type linking PCs to unit slots, one row for staff seats, and rows for
vendor stock. Columns are PC patterns (generated), unit patterns (enumerated) and a penalised
slack per class (so the master is always feasible; slack used means vendor stock ran out).
The LP value after exact pricing, or the Farley bound z/θ before it, is a valid lower bound.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import highspy
import numpy as np

from planner.model.problem import Item, Problem
from planner.solver.bounds import CapacityRow, capacity_plan
from planner.solver.heuristics import Pattern, ffd_multi
from planner.solver.highs import INF, fvec, ivec, new_highs, run_highs, run_interruptible, set_start
from planner.solver.knapsack import best_pattern, copy_stages
from planner.solver.unitpack import UnitPattern

RC_EPS = 1e-7
GREEDY_SEEDS = 40  # extra greedy patterns per PC type and round, each seeded by one class
SMOOTHING = 0.5  # Wentges dual smoothing: weight of the best-bound duals in pricing
MAX_ADD = 20  # columns added per PC type and round
ROUND_SEEDS = 5  # ... and fills started from its best classes
ROUND_CLASSES = 100  # ... on problems with more classes than this (Pricer.rounds)
ROUND_DIVES = 8  # LP re-solves rounding the pricing knapsack's relaxation down (Pricer.rounded)
STALL_FRACTION = 1e-4  # stop column generation when the bound gains less in the window
DP_CELLS = 250_000  # largest knapsack table priced exactly by dynamic programming
#: the sparse DP (larger grids) gives up past this many loads, or this share of the MILP's cap
SPARSE_STATES = 40_000
#: ... and is tried on problems without units up to this many classes
SPARSE_CLASSES = 200
SPARSE_SHARE = 0.5
#: ... after which that PC type's next calls skip it
SPARSE_PAUSE = 15
#: calls of a PC type that skip the coarse tables after both were built and neither decided
COARSE_PAUSE = 10
PRICE_SECONDS = 0.5  # cap per exact pricing call; a stopped call still gives a valid bound
MAX_DOUBLINGS = 3  # times the cap doubles when pricing ends a round without a verdict
MAX_CUTS = 200  # pattern-value rows kept for the count bound (the latest ones)
COUNT_SECONDS = 1.0  # cap per solve of the count bound


@dataclass
class MasterRows:
    """Row indices of the master's constraint families."""

    cover: list[int]
    link: list[int | None]
    seats: int | None
    host_avail: list[int | None]
    unit_avail: list[int | None]
    rhs: list[float]
    #: per PC type, the rows of the shared stocks it draws on (``Problem.pools``)
    host_pools: list[list[int]] = field(default_factory=list)
    #: per unit type, the rows of the shared stocks it draws on, with its count (``Pool.units``)
    unit_pools: list[list[tuple[int, float]]] = field(default_factory=list)


@dataclass
class CGResult:
    """Outcome of column generation: the LP value, a valid bound, and the column pool."""

    lp_value: float
    lower_bound: float
    lp_optimal: bool
    iterations: int
    pool: list[Pattern] = field(default_factory=list)
    seconds: float = 0.0
    x: list[float] = field(default_factory=list)
    slack_used: bool = False
    interrupted: bool = False
    duals: list[np.ndarray] = field(default_factory=list)
    #: PC counts per type of the count bound's cheapest fleet (with ``capacity``), else None
    fleet: list[int] | None = None


def build_master(problem: Problem, unit_pats: list[UnitPattern], penalty: float,
                 demand: list[int] | None = None, fixed: list[int] | None = None
                 ) -> tuple[highspy.Highs, MasterRows]:
    """Create the restricted master LP with unit and slack columns (constraint family per row).

    demand: copies still to cover per class (default: all); fixed: PCs per type already fixed
    by a dive, which still need unit slots and count against vendor stock.
    """
    demand = demand if demand is not None else [it.demand for it in problem.items]
    fixed = fixed if fixed is not None else [0] * len(problem.hosts)
    h = new_highs()
    lower: list[float] = []
    upper: list[float] = []

    def row(lo: float, up: float = INF) -> int:
        lower.append(lo)
        upper.append(up)
        return len(lower) - 1

    cover = [row(float(d)) for d in demand]  # cover-{item}
    has_units = bool(problem.units)
    link = [row(float(f)) if has_units else None for f in fixed]  # link-{pc type}
    seats_needed = problem.seats_needed
    seats = row(float(seats_needed)) if has_units and seats_needed > 0 else None
    host_avail = [row(-float(t.available - f)) if t.available is not None else None
                  for t, f in zip(problem.hosts, fixed, strict=True)]  # stock-{pc type}
    unit_avail = [row(-float(u.available)) if u.available is not None else None
                  for u in problem.units]  # stock-{unit type}
    host_pools: list[list[int]] = [[] for _ in problem.hosts]
    unit_pools: list[list[tuple[int, float]]] = [[] for _ in problem.units]
    for pool in problem.pools:  # pool-{shared stock}: sum over its types and units <= limit
        r = row(-float(pool.limit - sum(fixed[t] for t in pool.types)))
        for t in pool.types:
            host_pools[t].append(r)
        for u, c in pool.units:
            unit_pools[u].append((r, float(c)))
    h.addRows(len(lower), fvec(lower), fvec(upper), 0, ivec([0] * len(lower)), ivec([]),
              fvec([]))
    rows = MasterRows(cover, link, seats, host_avail, unit_avail, lower, host_pools, unit_pools)
    for i, it in enumerate(problem.items):
        # a copy left out (vendor stock) needs no staff seat either
        if seats is not None and it.seats:
            h.addCol(penalty, 0.0, INF, 2, ivec([cover[i], seats]), fvec([1.0, float(it.seats)]))
        else:
            h.addCol(penalty, 0.0, INF, 1, ivec([cover[i]]), fvec([1.0]))
    for p in unit_pats:
        idx, val = unit_column(problem, rows, p)
        h.addCol(float(problem.units[p.unit].cost), 0.0, INF, len(idx), ivec(idx), fvec(val))
    return h, rows


def unit_column(problem: Problem, rows: MasterRows, p: UnitPattern
                ) -> tuple[list[int], list[float]]:
    """Coefficients of a unit pattern: slots per PC type, seats, unit stock, shared stocks."""
    idx: list[int] = []
    val: list[float] = []
    for k, n in enumerate(p.hosts):
        r = rows.link[k]
        if n and r is not None:
            idx.append(r)
            val.append(float(n))
    u = problem.units[p.unit]
    if rows.seats is not None and u.seats:
        idx.append(rows.seats)
        val.append(float(u.seats))
    ra = rows.unit_avail[p.unit]
    if ra is not None:
        idx.append(ra)
        val.append(-1.0)
    for r, c in rows.unit_pools[p.unit] if rows.unit_pools else ():
        idx.append(r)
        val.append(-c)
    return idx, val


def pattern_column(rows: MasterRows, p: Pattern) -> tuple[list[int], list[float]]:
    """Coefficients of a PC pattern: copies per class, one PC of its type, PC stock."""
    idx = [rows.cover[i] for i, _ in p.content]
    val = [float(k) for _, k in p.content]
    r = rows.link[p.host]
    if r is not None:
        idx.append(r)
        val.append(-1.0)
    ra = rows.host_avail[p.host]
    if ra is not None:
        idx.append(ra)
        val.append(-1.0)
    for r in rows.host_pools[p.host]:
        idx.append(r)
        val.append(-1.0)
    return idx, val


class Pricer:
    """Best pattern per PC type for given duals: a bounded multi-dimensional knapsack.

    A greedy answer comes first; the exact one is a small MILP in HiGHS, kept per PC type and
    re-solved with a new objective, whose dual bound also bounds the best reduced cost.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.models: dict[int, tuple[highspy.Highs, list[int]]] = {}
        self._arrays: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        #: per PC type, the least size of a fitting class in each dimension
        self._least: dict[int, tuple[int, ...]] = {}
        self.demand = [it.demand for it in problem.items]
        self._bounds_for: dict[int, list[int]] = {}
        #: per PC type, the pricing knapsack's LP relaxation, its classes, the demand it has
        self._lps: dict[int, tuple[highspy.Highs, list[int], list[int] | None]] = {}
        self._sparse_skip: dict[int, int] = {}
        self._coarse_skip: dict[int, int] = {}
        #: sizes per dimension as lists (the fills read them one class at a time)
        self._sizes: list[list[int]] | None = None
        self._rounds: dict[int, bool] = {}

    def _model(self, t: int) -> tuple[highspy.Highs, list[int]]:
        if t in self.models:
            return self.models[t]
        pr = self.problem
        host = pr.hosts[t]
        cols = [i for i, it in enumerate(pr.items) if pr.fits(it.size, host)]
        h = new_highs()
        groups = sorted({g for i in cols for g in pr.items[i].anti})
        nd = pr.nd
        nrows = nd + len(groups)
        lower = [-INF] * nrows
        upper = [float(c) for c in host.cap] + [1.0] * len(groups)
        h.addRows(nrows, fvec(lower), fvec(upper), 0, ivec([0] * nrows), ivec([]), fvec([]))
        gidx = {g: nd + n for n, g in enumerate(groups)}
        for i in cols:
            it = pr.items[i]
            ub = min([it.demand] + [host.cap[d] // it.size[d] for d in range(nd) if it.size[d]])
            if it.anti:
                ub = min(ub, 1)
            idx = list(range(nd)) + [gidx[g] for g in it.anti]
            val = [float(s) for s in it.size] + [1.0] * len(it.anti)
            h.addCol(0.0, 0.0, float(ub), len(idx), ivec(idx), fvec(val))
        if cols:
            h.changeColsIntegrality(len(cols), ivec(list(range(len(cols)))),
                                    np.array([highspy.HighsVarType.kInteger] * len(cols)))
        h.setOptionValue("mip_rel_gap", 1e-7)
        h.setOptionValue("presolve", "off")
        self.models[t] = (h, cols)
        return self.models[t]

    def greedy(self, t: int, pi: np.ndarray, seeds: int = 0) -> list[tuple[float, Pattern]]:
        """Good patterns fast: classes by dual value per normalised size, filled in turn.

        With ``seeds`` > 0, also one pattern started from each of the best ``seeds`` classes,
        which gives the master many useful columns per round.
        """
        pr = self.problem
        host = pr.hosts[t]
        if t not in self._arrays:
            cap = np.array(host.cap, dtype=np.float64)
            sizes = np.array([it.size for it in pr.items], dtype=np.float64).reshape(-1, pr.nd)
            fits = np.all(sizes <= cap, axis=1)
            # a restore deadline a model cannot meet has capacity 0: what fits has size 0 there
            self._arrays[t] = (sizes / np.maximum(cap, 1.0)).sum(axis=1), fits
            least = sizes[fits].min(axis=0) if fits.any() else np.zeros(pr.nd)
            self._least[t] = tuple(int(x) for x in least)
        weight, fits = self._arrays[t]
        ratio = np.where(fits & (pi > 1e-12) & (np.asarray(self.demand) > 0), pi / weight, -1.0)
        order = [int(i) for i in np.argsort(-ratio, kind="stable") if ratio[i] > 0]
        out = [self._fill(t, pi, order)]
        for s in order[1:seeds + 1]:
            out.append(self._fill(t, pi, [s, *order]))
        return out

    def rounds(self, t: int) -> bool:
        """Whether PC type t's pricing goes past the exact tables: LP rounding pays there.

        True when no exact table fits (more than ``DP_CELLS`` cells over the dimensions all
        fitting copies together can fill, sizes divided by their common divisor) and the
        reached-loads DP does not apply (mobile units, or more than ``SPARSE_CLASSES``
        classes), on more than ``ROUND_CLASSES`` classes. Elsewhere pricing is cheap and exact
        (the literature classes), or the greedy's seeds cover the few classes (the sample's
        31: its early LP took 2.3-2.8 s to the optimum with rounding, 1.5-1.6 s without, at
        load 4), and the rounding's LP solves only slow the rounds.
        """
        if t not in self._rounds:
            pr = self.problem
            host = pr.hosts[t]
            fit = [it for it in pr.items if pr.fits(it.size, host)]
            cells = 1
            for d in range(pr.nd):
                if sum(it.size[d] * it.demand for it in fit) <= host.cap[d]:
                    continue  # every copy fits at once in this dimension: no table axis
                g = 0
                for it in fit:
                    g = math.gcd(g, it.size[d])
                cells *= host.cap[d] // max(g, 1) + 1
            sparse = not pr.units and len(pr.items) <= SPARSE_CLASSES
            self._rounds[t] = cells > DP_CELLS and not sparse and len(pr.items) > ROUND_CLASSES
        return self._rounds[t]

    def rounded(self, t: int, pi: np.ndarray, seeds: int = 0) -> list[tuple[float, Pattern]]:
        """Patterns from the pricing knapsack's LP relaxation: its solution rounded down, filled.

        The LP (kept per PC type, re-solved with new values) gives the copies most worth
        taking and, through its row duals, a price per unit of each dimension; the rest of
        the PC is filled by value per priced size. On many small copies a pattern holds 20-40
        of them and the LP leaves at most one fractional copy per row: within 1-6 % of the
        best pattern where the normalised greedy order is 10-30 % below (the 805-VM
        workbook's duals). ``seeds``: also fills started from the best classes in that order.
        Heuristic only: the values bound nothing.
        """
        pr = self.problem
        if t not in self._arrays:
            self.greedy(t, pi)  # the per-type arrays and least sizes
        _, fits = self._arrays[t]
        if t not in self._lps:
            cols = [i for i in range(len(pr.items)) if fits[i]]
            h = new_highs()
            nd = pr.nd
            h.addRows(nd, fvec([-INF] * nd), fvec([float(c) for c in pr.hosts[t].cap]), 0,
                      ivec([0] * nd), ivec([]), fvec([]))
            for i in cols:
                h.addCol(0.0, 0.0, 0.0, nd, ivec(list(range(nd))),
                         fvec([float(x) for x in pr.items[i].size]))
            h.changeObjectiveSense(highspy.ObjSense.kMaximize)
            self._lps[t] = (h, cols, None)
        h, cols, bounds_for = self._lps[t]
        if not cols:
            return []
        if bounds_for != self.demand:
            host = pr.hosts[t]
            ubs = [float(min([self.demand[i]] + [host.cap[d] // pr.items[i].size[d]
                                                 for d in range(pr.nd) if pr.items[i].size[d]]))
                   for i in cols]
            h.changeColsBounds(len(cols), ivec(list(range(len(cols)))),
                               fvec([0.0] * len(cols)), fvec(ubs))
            self._lps[t] = (h, cols, list(self.demand))
        h.changeColsCost(len(cols), ivec(list(range(len(cols)))),
                         fvec([max(float(pi[i]), 0.0) for i in cols]))
        run_highs(h)
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return []
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        mu = np.abs(np.asarray(sol.row_dual, dtype=np.float64))
        # round by diving: cap the fractional copies at their floor and solve again, a few
        # times (the LP leaves at most three fractional; a big one left out frees room)
        dived = False
        for _ in range(ROUND_DIVES):
            frac = [j for j, v in enumerate(x) if v - math.floor(v + 1e-9) > 1e-9]
            if not frac:
                break
            dived = True
            h.changeColsBounds(len(frac), ivec(frac), fvec([0.0] * len(frac)),
                               fvec([float(math.floor(x[j] + 1e-9)) for j in frac]))
            run_highs(h)
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        if dived:
            self._lps[t] = (h, cols, None)  # bounds changed: reset them on the next call
        sizes = np.array([pr.items[i].size for i in cols], dtype=np.float64).reshape(-1, pr.nd)
        # (a restore deadline a model cannot meet has capacity 0: what fits has size 0 there)
        cap = np.maximum(np.array(pr.hosts[t].cap, dtype=np.float64), 1.0)
        # priced size, with a trace of the normalised size to order classes no row prices
        weight = sizes @ mu + 1e-9 * float(mu.sum() or 1.0) * (sizes / cap).sum(axis=1)
        vals = np.array([max(float(pi[i]), 0.0) for i in cols])
        ratio = np.where(vals > 1e-12, vals / np.maximum(weight, 1e-300), -1.0)
        order = [cols[j] for j in np.argsort(-ratio, kind="stable") if ratio[j] > 0]
        # anti-affinity members at most one per PC: the fill keeps its groups apart
        base = {cols[j]: min(math.floor(v + 1e-9), self.demand[cols[j]])
                for j, v in enumerate(x) if v >= 1.0 - 1e-9 and not pr.items[cols[j]].anti}
        load = [sum(pr.items[i].size[d] * k for i, k in base.items()) for d in range(pr.nd)]
        if any(a > c for a, c in zip(load, pr.hosts[t].cap, strict=True)):
            base = {}  # (the LP's tolerances cannot overfill integer sizes; a guard only)
        out = [self._fill(t, pi, order, base), self._fill(t, pi, order)]
        for s in order[:seeds]:
            out.append(self._fill(t, pi, [s, *order], base))
        return out

    def _fill(self, t: int, pi: np.ndarray, order: list[int],
              base: dict[int, int] | None = None) -> tuple[float, Pattern]:
        """Fill a PC of type t from ``base`` (copies already on it), classes in ``order``.

        A class met twice (a seed first, then in the order) adds nothing the second time: it
        stopped on its copies or on the room left, and the room only shrinks. The first three
        dimensions are read from lists one class at a time (most classes fail the room check
        once the PC fills up); dimensions past them (restore deadlines) may have size 0.
        """
        pr = self.problem
        nd = pr.nd
        if self._sizes is None:
            self._sizes = [[it.size[d] for it in pr.items] for d in range(nd)]
        sx = self._sizes
        s0, s1, s2 = sx[0], sx[1], sx[2]
        extra = range(3, nd)
        items = pr.items
        demand = self.demand
        cap = pr.hosts[t].cap
        r0, r1, r2 = cap[0], cap[1], cap[2]
        rx = list(cap)  # the room in the dimensions past the third, at their index
        best: dict[int, int] = dict(base) if base else {}
        groups: set[str] = set()
        value = 0.0
        for i, k in best.items():
            value += float(pi[i]) * k
            r0 -= s0[i] * k
            r1 -= s1[i] * k
            r2 -= s2[i] * k
            for d in extra:
                rx[d] -= sx[d][i] * k
            groups.update(items[i].anti)
        least = self._least[t]
        l0, l1, l2 = least[0], least[1], least[2]
        for i in order:
            if r0 < l0 or r1 < l1 or r2 < l2 or (
                    nd > 3 and any(rx[d] < least[d] for d in extra)):
                break  # no class fits any more
            a, b, c = s0[i], s1[i], s2[i]
            if a > r0 or b > r1 or c > r2 or (nd > 3 and any(sx[d][i] > rx[d] for d in extra)):
                continue  # (most classes, once the PC fills up)
            have = best.get(i, 0)
            anti = items[i].anti
            if anti and (have or groups.intersection(anti)):
                continue
            k = min(demand[i] - have, r0 // a, r1 // b, r2 // c)
            for d in extra:
                if sx[d][i]:
                    k = min(k, rx[d] // sx[d][i])
            if anti:
                k = min(k, 1)
            if k <= 0:
                continue
            best[i] = have + k
            value += float(pi[i]) * k
            r0 -= a * k
            r1 -= b * k
            r2 -= c * k
            for d in extra:
                rx[d] -= sx[d][i] * k
            groups.update(anti)
        return value, Pattern(t, tuple(sorted(best.items())))

    def exact(self, t: int, pi: np.ndarray, time_limit: float, need: float | None = None
              ) -> tuple[float, float, Pattern | None]:
        """Best pattern value, an upper bound on it, and the pattern (None if none found).

        With ``need`` (the value a pattern must exceed to price out), coarse dynamic programs
        answer first: a relaxed table below ``need`` proves that no pattern prices out, and a
        fitting pattern above it is a column; only the cases in between go to the MILP.
        """
        # the whole call keeps to its cap: each table stops at it, the MILP gets the rest
        until = time.monotonic() + time_limit
        quick = self._dynamic(t, pi, until=until)
        if quick is not None:
            return quick
        sparse = self._sparse(t, pi, need, min(until, time.monotonic() + SPARSE_SHARE * time_limit))
        if sparse is not None:
            return sparse
        if need is not None and self._coarse_skip.get(t, 0) > 0:
            self._coarse_skip[t] -= 1  # the tables did not decide lately: straight to the MILP
        elif need is not None:
            relaxed = self._dynamic(t, pi, "down", until)
            if relaxed is not None and relaxed[1] <= need:
                return 0.0, relaxed[1], None  # no pattern can price out: no table to search
            feasible = self._dynamic(t, pi, "up", until) if relaxed is not None else None
            if relaxed is not None and feasible is not None:
                value, _, pattern = feasible
                # a column must price out by more than the master's tolerance to count
                if value > need + RC_EPS * max(1.0, need):
                    return value, max(relaxed[1], value), pattern
            if relaxed is not None:
                # both tables built, neither decided (coarse grids on many small copies, the
                # 805-VM workbook: 0.15 s each, every call): the next calls skip them
                self._coarse_skip[t] = COARSE_PAUSE
        h, cols = self._model(t)
        if not cols:
            return 0.0, 0.0, None
        if self._bounds_for.get(t) != self.demand:
            host = self.problem.hosts[t]
            ubs = []
            for i in cols:
                it = self.problem.items[i]
                ub = min([self.demand[i]] + [host.cap[d] // it.size[d]
                                             for d in range(self.problem.nd) if it.size[d]])
                ubs.append(float(min(ub, 1) if it.anti else ub))
            h.changeColsBounds(len(cols), ivec(list(range(len(cols)))), fvec([0.0] * len(cols)),
                               fvec(ubs))
            self._bounds_for[t] = list(self.demand)
        h.changeColsCost(len(cols), ivec(list(range(len(cols)))),
                         fvec([-float(max(pi[i], 0.0)) for i in cols]))
        h.setOptionValue("time_limit", max(0.05, until - time.monotonic()))
        # warm start from the best heuristic pattern: an incumbent prunes the search at once
        _, start = max([self.greedy(t, pi)[0], *(self.rounded(t, pi) if self.rounds(t) else [])],
                       key=lambda vp: vp[0])
        where = {i: j for j, i in enumerate(cols)}
        x0 = np.zeros(len(cols))
        for i, k in start.content:
            if i in where:
                x0[where[i]] = k
        set_start(h, x0)
        run_highs(h)
        sol = h.getSolution()
        info = h.getInfo()
        bound = -float(info.mip_dual_bound)
        if not sol.value_valid:
            return 0.0, max(bound, 0.0), None
        content = tuple(sorted((cols[j], round(v)) for j, v in enumerate(sol.col_value)
                               if round(v) > 0))
        value = float(sum(pi[i] * k for i, k in content))
        # HiGHS's dual bound is valid whatever stopped the search (time or gap tolerance)
        return value, max(bound, value), Pattern(t, content)


    def _knapsack_items(self, t: int, pi: np.ndarray
                        ) -> tuple[list[int], dict[int, int], list[int]] | None:
        """The pricing knapsack of type t, for the dynamic programs.

        Classes worth pricing (positive dual, copies left, fit), the most copies of each one
        pattern can hold, and the binding dimensions (those all candidate copies together
        overfill); None when anti-affinity groups are involved (the MILP's job).
        """
        pr = self.problem
        host = pr.hosts[t]
        cand = [i for i, it in enumerate(pr.items)
                if pi[i] > 1e-12 and self.demand[i] > 0 and pr.fits(it.size, host)]
        if any(pr.items[i].anti for i in cand):
            return None
        ub = {i: min([self.demand[i]] + [host.cap[d] // pr.items[i].size[d]
                                         for d in range(pr.nd) if pr.items[i].size[d]])
              for i in cand}
        dims = [d for d in range(pr.nd)
                if sum(pr.items[i].size[d] * ub[i] for i in cand) > host.cap[d]]
        return cand, ub, dims

    def _sparse(self, t: int, pi: np.ndarray, need: float | None, deadline: float
                ) -> tuple[float, float, Pattern | None] | None:
        """Exact pricing over reachable loads only (`planner.solver.knapsack`), for large grids.

        With ``need``, only patterns worth more are sought (none: ``need`` bounds them all).
        None with anti-affinity groups, or when the DP gives up (too many loads, or time).
        """
        if self.problem.units or len(self.problem.items) > SPARSE_CLASSES:
            return None  # many small copies: long load lists, where the MILP is quicker
        skip = self._sparse_skip.get(t, 0)
        if skip > 0:  # it gave up recently on this type: the MILP prices for a while
            self._sparse_skip[t] = skip - 1
            return None
        found = self._knapsack_items(t, pi)
        if found is None:
            return None
        cand, ub, dims = found
        if not cand:
            return 0.0, 0.0, None
        host = self.problem.hosts[t]
        sizes = np.array([self.problem.items[i].size for i in cand], dtype=np.int64)
        got = best_pattern(copy_stages(sizes[:, dims], [float(pi[i]) * np.arange(ub[i] + 1.0)
                                                        for i in cand]),
                           np.array([host.cap[d] for d in dims], dtype=np.int64),
                           need or 0.0, SPARSE_STATES, deadline)
        if got is None:
            self._sparse_skip[t] = SPARSE_PAUSE
            return None
        value, choice = got
        content = tuple(sorted((i, q + 1) for i, q in zip(cand, choice, strict=True) if q >= 0))
        if not content:
            return 0.0, value, None
        value = float(sum(pi[i] * k for i, k in content))
        return value, value, Pattern(t, content)

    def _dynamic(self, t: int, pi: np.ndarray, rounding: str = "exact",
                 until: float = math.inf) -> tuple[float, float, Pattern | None] | None:
        """Pricing by dynamic programming over the binding dimensions on a bounded grid.

        ``exact``: sizes divided by their common divisor, None when that table is too large.
        ``up``: sizes rounded up to a coarse grid, so every pattern found fits (a heuristic).
        ``down``: sizes rounded down, so the table's value bounds the best pattern (a
        relaxation; its pattern may not fit). A dimension that all candidate copies together
        cannot fill is dropped. None when anti-affinity groups are involved (the MILP's job),
        or when the table is not done at ``until`` (time.monotonic()).
        """
        pr = self.problem
        host = pr.hosts[t]
        found = self._knapsack_items(t, pi)
        if found is None:
            return None
        cand, ub, dims = found
        if not cand:
            return 0.0, 0.0, None
        if not dims:  # every candidate copy fits at once
            whole = tuple(sorted(ub.items()))
            value = float(sum(pi[i] * k for i, k in whole))
            return value, value, Pattern(t, whole)
        steps: list[int] = []
        for d in dims:
            g = 0
            for i in cand:
                g = math.gcd(g, pr.items[i].size[d])
            steps.append(max(g, 1))
        cells = math.prod(host.cap[d] // g + 1 for d, g in zip(dims, steps, strict=True))
        if cells > DP_CELLS:
            if rounding == "exact":
                return None
            per_dim = DP_CELLS ** (1.0 / len(dims))
            steps = [max(g, math.ceil(host.cap[d] / (per_dim - 1)))
                     for d, g in zip(dims, steps, strict=True)]
        caps = [host.cap[d] // g for d, g in zip(dims, steps, strict=True)]
        shape = tuple(c + 1 for c in caps)

        def grid(size: int, g: int) -> int:
            return -(-size // g) if rounding == "up" else size // g

        # bounded copies as 0-1 pieces of 1, 2, 4, ... copies
        pieces: list[tuple[int, int, tuple[int, ...], float]] = []
        for i in cand:
            w = [grid(pr.items[i].size[d], g) for d, g in zip(dims, steps, strict=True)]
            left, k = ub[i], 1
            if rounding != "down":
                left = min([left] + [c // a for c, a in zip(caps, w, strict=True) if a])
            while left > 0:
                m = min(k, left)
                pieces.append((i, m, tuple(a * m for a in w), float(pi[i]) * m))
                left -= m
                k *= 2
        table = np.zeros(shape)
        # a relaxed table is only read for its value: no choices to remember
        taken = np.zeros((len(pieces) if rounding != "down" else 0, *shape), dtype=bool)
        for j, (_, _, size, v) in enumerate(pieces):
            if any(a >= n for a, n in zip(size, shape, strict=True)):
                continue
            if time.monotonic() > until:
                return None
            # ``better`` is a new array read from the table before this piece: 0-1 semantics
            low: tuple[slice, ...] = tuple(slice(0, n - a)
                                           for a, n in zip(size, shape, strict=True))
            high: tuple[slice, ...] = tuple(slice(a, None) for a in size)
            better = table[low] + v
            region = table[high]
            mask = better > region + 1e-12
            region[mask] = better[mask]
            if rounding != "down":
                taken[(slice(j, j + 1), *high)] = mask[None]
        top = float(table[tuple(n - 1 for n in shape)])
        if rounding == "down":
            return top, top, None  # a bound only: the pattern may not fit the real sizes
        x = [n - 1 for n in shape]
        content: dict[int, int] = {}
        for j in range(len(pieces) - 1, -1, -1):
            if taken[(j, *x)]:
                i, m, size, _ = pieces[j]
                content[i] = content.get(i, 0) + m
                x = [a - b for a, b in zip(x, size, strict=True)]
        value = float(sum(pi[i] * k for i, k in content.items()))
        pattern = Pattern(t, tuple(sorted(content.items())))
        return value, (max(value, top) if rounding == "exact" else INF), pattern


Progress = Callable[[str, float | None, float | None], None]


def lagrangian_bound(problem: Problem, unit_pats: list[UnitPattern], pi: np.ndarray,
                     best_value: list[float], penalty: float,
                     time_limit: float = 2.0) -> float:
    """A lower bound that keeps units integer: relax only the cover rows with multipliers pi.

    L(pi) = pi·d + min over integer PC counts n and units z of
    sum_k (c_k - V_k) n_k + sum_q c_q z_q, with units holding the PCs and seats, where V_k
    bounds the best pattern value of type k. Valid for any 0 <= pi <= penalty; the inner
    problem is limited to at most one PC per copy, which every optimal plan respects.
    """
    pi = np.clip(pi, 0.0, penalty)
    const = float(sum(pi[i] * it.demand for i, it in enumerate(problem.items)))
    n_types = len(problem.hosts)
    copies = sum(it.demand for it in problem.items)
    h = new_highs(time_limit=time_limit)
    lower: list[float] = []
    upper: list[float] = []
    has_units = bool(problem.units)
    link = list(range(n_types)) if has_units else []
    lower += [0.0] * len(link)
    upper += [INF] * len(link)
    seats_row = None
    if has_units and problem.seats_needed:
        seats_row = len(lower)
        lower.append(float(problem.seats_needed))
        upper.append(INF)
    total_row = len(lower)
    lower.append(-INF)
    upper.append(float(copies))
    uav: dict[int, int] = {}
    for u in problem.units:
        if u.available is not None:
            uav[u.index] = len(lower)
            lower.append(-INF)
            upper.append(float(u.available))
    h.addRows(len(lower), fvec(lower), fvec(upper), 0, ivec([0] * len(lower)), ivec([]),
              fvec([]))
    for k, t in enumerate(problem.hosts):
        idx = ([link[k]] if has_units else []) + [total_row]
        val = ([-1.0] if has_units else []) + [1.0]
        ub = float(copies if t.available is None else min(copies, t.available))
        h.addCol(float(t.cost - best_value[k]), 0.0, ub, len(idx), ivec(idx), fvec(val))
    for p in unit_pats:
        u = problem.units[p.unit]
        idx = [link[k] for k, n in enumerate(p.hosts) if n]
        val = [float(n) for n in p.hosts if n]
        if seats_row is not None and u.seats:
            idx.append(seats_row)
            val.append(float(u.seats))
        if p.unit in uav:
            idx.append(uav[p.unit])
            val.append(1.0)
        h.addCol(float(u.cost), 0.0, INF, len(idx), ivec(idx), fvec(val))
    n = h.getNumCol()
    h.changeColsIntegrality(n, ivec(list(range(n))),
                            np.array([highspy.HighsVarType.kInteger] * n))
    run_highs(h)
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        inner = float(h.getInfo().objective_function_value)
        inner = min(inner, float(h.getInfo().mip_dual_bound))
    elif status in (highspy.HighsModelStatus.kInfeasible,):
        return -INF
    else:
        inner = float(h.getInfo().mip_dual_bound)
        if not np.isfinite(inner):
            return -INF
    return const + inner


def volume_duals(problem: Problem, rows: MasterRows) -> np.ndarray | None:
    """Dual values from prices per unit of CPU, memory and storage that no PC type exceeds.

    With prices lambda_d such that sum_d lambda_d cap_kd <= cost_k for every PC type, an item's
    value sum_d lambda_d size_d makes every pattern's reduced cost non-negative: a feasible
    dual of the master (the fractional volume bound), chosen to maximise the total value.
    """
    if not problem.items:
        return None
    h = new_highs()
    nd = problem.nd
    total = [float(sum(it.size[d] * it.demand for it in problem.items)) for d in range(nd)]
    scale = [max(1.0, max(float(t.cap[d]) for t in problem.hosts)) for d in range(nd)]
    for d in range(nd):
        h.addVar(0.0, INF)
        h.changeColCost(d, -total[d] / scale[d])
    for t in problem.hosts:
        h.addRow(-INF, float(t.cost), nd, ivec(list(range(nd))),
                 fvec([t.cap[d] / scale[d] for d in range(nd)]))
    run_highs(h)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    lam = [max(0.0, v) / scale[d] for d, v in enumerate(h.getSolution().col_value)]
    y = np.zeros(len(rows.rhs))
    for i, it in enumerate(problem.items):
        y[rows.cover[i]] = sum(lam[d] * it.size[d] for d in range(nd))
    return y


def dominance_pairs(problem: Problem) -> list[tuple[int, int]]:
    """Pairs (big, small) of classes where ``small`` fits wherever ``big`` does.

    Some optimal dual then values the big class at least as high as the small one (a
    dual-optimal inequality, Ben Amor et al. 2006; Gschwind & Irnich 2016 for vector packing).
    Only the transitive reduction is kept; classes with anti-affinity groups are left out,
    since swapping them could put two members of a group on one PC.
    """
    idx = [i for i, it in enumerate(problem.items) if not it.anti]
    if len(idx) < 2:
        return []
    size = np.array([problem.items[i].size for i in idx], dtype=np.int64)
    ge = np.all(size[:, None, :] >= size[None, :, :], axis=2)
    same = np.all(size[:, None, :] == size[None, :, :], axis=2)
    order = np.arange(len(idx))
    # strict order: larger, or equal size and lower index (equal classes form a chain)
    dom = ge & (~same | (order[:, None] < order[None, :]))
    np.fill_diagonal(dom, False)
    via = (dom.astype(np.int32) @ dom.astype(np.int32)) > 0
    keep = dom & ~via
    return [(idx[a], idx[b]) for a, b in zip(*np.nonzero(keep), strict=True)]


def column_generation(problem: Problem, unit_pats: list[UnitPattern], start: list[Pattern],
                      penalty: float, deadline: float, upper: float,
                      progress: Progress | None = None, *, demand: list[int] | None = None,
                      fixed: list[int] | None = None, pricer: Pricer | None = None,
                      want_bound: bool = True, exact_pricing: bool = True,
                      dual_cuts: bool = True, capacity: list[CapacityRow] | None = None,
                      exact_every: int | None = None) -> CGResult:
    """Solve the master LP by column generation; return the bound and the column pool.

    With ``demand``/``fixed`` it solves a residual master inside a dive; the bound is then
    not computed (``want_bound=False``) and only the LP's columns and values matter.
    ``dual_cuts`` adds the dominance dual-optimal inequalities as zero-cost exchange columns
    (cover a small class in place of a big one): same LP value, far fewer rounds.
    ``capacity``: the capacity bound's rows on the real sizes (``bounds.capacity_rows``; where
    ``problem`` has rounded-down classes, the real ones'): each exact round then also solves
    the count bound, PC and unit counts meeting them and every pattern-value row so far
    (``bounds.capacity_plan``), a bound that does not wait for the LP to converge.
    ``exact_every``: price exactly (and bound) at least every so many rounds, even while the
    greedy pricing still finds columns (a bound early; else only once greedy runs dry).
    """
    t0 = time.monotonic()
    h, rows = build_master(problem, unit_pats, penalty, demand, fixed)
    exchanges = dominance_pairs(problem) if dual_cuts else []
    for big, small in exchanges:
        h.addCol(0.0, 0.0, INF, 2, ivec([rows.cover[small], rows.cover[big]]),
                 fvec([1.0, -1.0]))
    # re-solved after every round of new columns: keep the basis, no presolve, primal simplex
    h.setOptionValue("presolve", "off")
    h.setOptionValue("simplex_strategy", 4)
    pool: list[Pattern] = []
    seen: set[Pattern] = set()

    def add(p: Pattern) -> None:
        if p in seen or not p.content:
            return
        seen.add(p)
        pool.append(p)
        idx, val = pattern_column(rows, p)
        h.addCol(float(problem.hosts[p.host].cost), 0.0, INF, len(idx), ivec(idx), fvec(val))

    for p in start:
        add(p)
    if pricer is None:
        pricer = Pricer(problem)
    pricer.demand = list(demand) if demand is not None else [it.demand for it in problem.items]
    lb = 0.0
    z = INF
    lp_optimal = False
    it = 0
    center: np.ndarray | None = None
    center_lb = -INF
    if want_bound:
        # start the stability centre at resource prices: duals spread over every item, which
        # a degenerate first master (one item per PC carrying its whole cost) lacks
        center = volume_duals(problem, rows)
        if center is not None:
            center_lb = float(np.asarray(rows.rhs, dtype=np.float64) @ center)
    history: list[tuple[float, float]] = []  # (time, bound) after each exact round
    interrupted = False

    def offset(t: int, y: np.ndarray) -> float:
        return _offset(rows, t, y)

    def reduced(p: Pattern, y: np.ndarray) -> float:
        value = sum(float(y[rows.cover[i]]) * k for i, k in p.content)
        return problem.hosts[p.host].cost + offset(p.host, y) - value

    price_cap = PRICE_SECONDS
    doublings = 0
    greedy_rounds = 0  # rounds since the last exact one
    fleet: list[int] | None = None
    cuts: list[tuple[list[float], float]] | None = [] \
        if capacity is not None and want_bound and demand is None else None

    def bound_at(y: np.ndarray) -> tuple[float, bool, list[Pattern]]:
        return dual_bound(problem, unit_pats, rows, y, pricer, penalty, deadline,
                          with_units=want_bound, price_seconds=price_cap, cuts=cuts)

    try:
        while True:
            it += 1
            run_highs(h)
            z = float(h.getInfo().objective_function_value)
            y = np.asarray(h.getSolution().row_dual, dtype=np.float64)
            y_s = y if center is None else SMOOTHING * center + (1 - SMOOTHING) * y
            added = 0
            for t, host in enumerate(problem.hosts):
                cands: list[tuple[float, Pattern]] = []
                for duals in ((y,) if center is None else (y, y_s)):
                    pi = np.clip(duals[rows.cover], 0.0, None)
                    cands.extend((reduced(p, y), p)
                                 for _, p in pricer.greedy(t, pi, seeds=GREEDY_SEEDS))
                    if pricer.rounds(t):
                        cands.extend((reduced(p, y), p)
                                     for _, p in pricer.rounded(t, pi, seeds=ROUND_SEEDS))
                cands.sort()
                for rc, p in cands[:MAX_ADD]:
                    if rc < -RC_EPS * max(1.0, host.cost) and p.content and p not in seen:
                        add(p)
                        added += 1
            greedy_rounds += 1
            if added and time.monotonic() < deadline \
                    and (exact_every is None or greedy_rounds < exact_every):
                continue
            greedy_rounds = 0
            if not exact_pricing:
                break
            # exact pricing at the smoothed duals; on a mis-price, at the LP duals themselves
            proven = False
            for point in ((y_s, y) if center is not None else (y,)):
                lb_p, proven_p, found = bound_at(point)
                # only pricing at the LP's own duals proves the restricted master optimal;
                # a proof at the smoothed duals (then the deadline) says nothing about z
                proven = proven_p and point is y
                lb = max(lb, lb_p)
                if lb_p > center_lb:
                    center, center_lb = point.copy(), lb_p
                for p in found:
                    if reduced(p, y) < -RC_EPS * max(1.0, problem.hosts[p.host].cost) \
                            and p.content and p not in seen:
                        add(p)
                        added += 1
                if added or time.monotonic() >= deadline:
                    break
            if cuts:
                del cuts[:-MAX_CUTS]
                secs = min(COUNT_SECONDS, max(0.05, deadline - time.monotonic()))
                counted, counts = capacity_plan(problem, secs, at_least=lb,
                                                capacity=capacity, cuts=cuts)
                if counts is not None and counted >= lb:
                    lb, fleet = counted, counts
            if progress:
                progress("bound", None, lb)
            now = time.monotonic()
            history.append((now, lb))
            if want_bound and upper < INF and _stalled(history, now - t0, upper):
                break  # tailing off: the bound barely moves; branching pays more now
            if added == 0 and proven:
                lp_optimal = True
                lb = max(lb, z)
                break
            if want_bound and problem.round_bound(lb) >= upper - 1e-9:
                break  # the known plan is already proven optimal
            if problem.round_bound(lb) >= problem.round_bound(z) and (
                    not problem.units or not want_bound):
                break  # the rounded bound cannot improve further
            if added == 0:
                if doublings < MAX_DOUBLINGS and price_cap < deadline - time.monotonic():
                    # the pricing MILP may have stopped on its time cap before finding or
                    # ruling out a column: give it longer rather than give up on the bound
                    doublings += 1
                    price_cap *= 2
                    continue
                break
            if time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        interrupted = True  # keep the bound proven so far; the caller stops
    x = list(h.getSolution().col_value)
    first = len(problem.items) + len(unit_pats) + len(exchanges)
    slack_used = any(v > 1e-6 for v in x[:len(problem.items)])
    y_last = np.asarray(h.getSolution().row_dual, dtype=np.float64)
    points = [d for d in (center, y_last) if d is not None]
    return CGResult(z, lb, lp_optimal, it, pool, time.monotonic() - t0,
                    x[first:first + len(pool)], slack_used, interrupted, points, fleet)


@dataclass
class MasterSolution:
    """An integer master solution: PC patterns and unit patterns with multiplicities."""

    patterns: list[tuple[Pattern, int]]
    unit_patterns: list[tuple[UnitPattern, int]]
    slack: dict[int, int]
    objective: float
    proven: bool
    interrupted: bool = False


def solve_integer_master(problem: Problem, unit_pats: list[UnitPattern], pool: list[Pattern],
                         penalty: float, time_limit: float,
                         start: tuple[list[tuple[Pattern, int]], list[tuple[UnitPattern, int]]]
                         | None = None) -> MasterSolution | None:
    """Price-and-branch: the master over the column pool with integer variables."""
    h, rows = build_master(problem, unit_pats, penalty)
    for p in pool:
        idx, val = pattern_column(rows, p)
        h.addCol(float(problem.hosts[p.host].cost), 0.0, INF, len(idx), ivec(idx), fvec(val))
    n = h.getNumCol()
    h.changeColsIntegrality(n, ivec(list(range(n))),
                            np.array([highspy.HighsVarType.kInteger] * n))
    h.setOptionValue("time_limit", max(0.05, time_limit))
    h.setOptionValue("mip_abs_gap", max(problem.tick * 0.999, 1e-6))
    h.setOptionValue("mip_rel_gap", 0.0)
    n_items = len(problem.items)
    if start is not None:
        x = np.zeros(n)
        pidx = {p: n_items + len(unit_pats) + j for j, p in enumerate(pool)}
        uidx = {p: n_items + j for j, p in enumerate(unit_pats)}
        ok = True
        for p, k in start[0]:
            if p in pidx:
                x[pidx[p]] += k
            else:
                ok = False
        for up, k in start[1]:
            if up in uidx:
                x[uidx[up]] += k
            else:
                ok = False
        if ok:
            set_start(h, x)
    # Ctrl-C cancels the search and keeps HiGHS's incumbent: the best plan so far
    interrupted = run_interruptible(h)
    sol = h.getSolution()
    if not sol.value_valid:
        return None
    xs = [round(v) for v in sol.col_value]
    slack = {i: xs[i] for i in range(n_items) if xs[i] > 0}
    ups = [(p, xs[n_items + j]) for j, p in enumerate(unit_pats) if xs[n_items + j] > 0]
    base = n_items + len(unit_pats)
    pats = [(p, xs[base + j]) for j, p in enumerate(pool) if xs[base + j] > 0]
    obj = float(sum(problem.hosts[p.host].cost * k for p, k in pats)
                + sum(problem.units[u.unit].cost * k for u, k in ups))
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    status = h.getModelStatus()
    interrupted = interrupted or status == highspy.HighsModelStatus.kInterrupt
    return MasterSolution(pats, ups, slack, obj, proven, interrupted)


def residual_problem(problem: Problem, demand: list[int], fixed: list[int]) -> Problem:
    """The same classes with only the copies still to place, and the stock still left."""
    items = [Item(it.key, it.size, it.members[:d], it.seats, it.anti)
             for it, d in zip(problem.items, demand, strict=True)]
    hosts = [replace(h, available=None if h.available is None else h.available - f)
             for h, f in zip(problem.hosts, fixed, strict=True)]
    pools = tuple(replace(p, limit=p.limit - sum(fixed[t] for t in p.types))
                  for p in problem.pools)
    return Problem(items, hosts, problem.units, money=problem.money,
                   currency=problem.currency, scale=problem.scale, dims=problem.dims,
                   deadlines=problem.deadlines, held=problem.held, pools=pools)


def _offset(rows: MasterRows, t: int, y: np.ndarray) -> float:
    """Dual terms a PC column carries besides its items: -(-1)·y for link and stock rows."""
    s = 0.0
    r = rows.link[t]
    if r is not None:
        s += y[r]
    ra = rows.host_avail[t]
    if ra is not None:
        s += y[ra]
    for r in rows.host_pools[t]:
        s += y[r]
    return s


def dual_bound(problem: Problem, unit_pats: list[UnitPattern], rows: MasterRows,
               y: np.ndarray, pricer: Pricer, penalty: float, deadline: float,
               with_units: bool = True, price_seconds: float = PRICE_SECONDS,
               cuts: list[tuple[list[float], float]] | None = None
               ) -> tuple[float, bool, list[Pattern]]:
    """A valid lower bound from any duals y, by exact pricing; and whether no column prices out.

    Farley: with θ = max(1, max_k (V_k - offset_k) / c_k) over PC types, y/θ is dual feasible,
    so b·y/θ bounds the LP; the Lagrangian bound (units integral) is added when there are units.
    ``cuts`` receives the pattern-value row (V_k per type, pi·demand) for the count bound.
    """
    pi = np.clip(y[rows.cover], 0.0, penalty)
    theta = 1.0
    proven = True
    bounds: list[float] = []
    found: list[Pattern] = []
    for t, host in enumerate(problem.hosts):
        left = deadline - time.monotonic()
        need = host.cost + _offset(rows, t, y)
        _, bound, pat = pricer.exact(t, pi, min(price_seconds, max(left, 0.05)), need)
        bounds.append(bound)
        if host.cost + _offset(rows, t, y) - bound < -RC_EPS * max(1.0, host.cost):
            proven = False
        if pat is not None:
            found.append(pat)
        if host.cost > 0:
            theta = max(theta, (bound - _offset(rows, t, y)) / host.cost)
        elif bound - _offset(rows, t, y) > RC_EPS:
            theta = INF  # a free PC type prices out: no scaling makes y feasible
    if cuts is not None:
        demand = np.asarray([rows.rhs[r] for r in rows.cover], dtype=np.float64)
        cuts.append((list(bounds), float(pi @ demand)))
    dual_obj = float(np.asarray(rows.rhs, dtype=np.float64) @ y)
    best = dual_obj / theta if np.isfinite(theta) else 0.0
    if problem.units and with_units:
        secs = min(2.0, max(0.05, deadline - time.monotonic()))
        best = max(best, lagrangian_bound(problem, unit_pats, pi, bounds, penalty, secs))
        if np.isfinite(theta):
            best = max(best, lagrangian_bound(problem, unit_pats, pi / theta,
                                              [b / theta for b in bounds], penalty, secs))
    return best, proven, found


def _stalled(history: list[tuple[float, float]], elapsed: float, upper: float) -> bool:
    """Whether the bound rose by less than 0.01 % of the best plan over the recent window."""
    window = max(1.0, 0.3 * elapsed)
    now, latest = history[-1]
    old = [b for t, b in history if t <= now - window]
    return bool(old) and latest - old[-1] < STALL_FRACTION * upper


def dive(problem: Problem, unit_pats: list[UnitPattern], pool: list[Pattern], penalty: float,
         deadline: float) -> tuple[list[Pattern], list[Pattern]] | None:
    """Price-and-dive: fix the LP's strongest columns, re-solve the residual by CG, repeat.

    Returns the fixed PC patterns (a complete packing) and every column generated on the way,
    or None when the time runs out or vendor stock forces slack.
    """
    demand = [it.demand for it in problem.items]
    fixed = [0] * len(problem.hosts)
    chosen: list[Pattern] = []
    columns = list(pool)
    known = set(columns)
    pricer = Pricer(problem)
    while sum(demand) > 0:
        if time.monotonic() >= deadline:
            # out of time: finish the residual with first-fit decreasing
            rest = ffd_multi(residual_problem(problem, demand, fixed), 0)
            if rest.uncovered:
                return None
            return chosen + rest.patterns, columns
        start = [p for p in columns if all(k <= demand[i] for i, k in p.content)]
        cg = column_generation(problem, unit_pats, start, penalty, deadline, INF,
                               demand=demand, fixed=fixed, pricer=pricer, want_bound=False,
                               exact_pricing=False, dual_cuts=False)
        if cg.interrupted:
            raise KeyboardInterrupt
        for p in cg.pool:
            if p not in known:
                known.add(p)
                columns.append(p)
        if cg.slack_used or not cg.pool:
            return None
        ranked = sorted(zip(cg.x, cg.pool, strict=True), key=lambda vp: (-vp[0], vp[1]))
        # fix every column the LP uses at least 0.75 times, rounded; else its strongest one
        picks = [(p, int(v + 0.25)) for v, p in ranked if v >= 0.75]
        if not picks:
            picks = [(ranked[0][1], 1)]
        progress_made = False
        for p, k in picks:
            for _ in range(k):
                content = tuple((i, min(c, demand[i])) for i, c in p.content if demand[i] > 0)
                if not content:
                    break
                if not problem.room(p.host, fixed):
                    break
                for i, c in content:
                    demand[i] -= c
                fixed[p.host] += 1
                chosen.append(Pattern(p.host, content))
                progress_made = True
        if not progress_made:
            return None
    return chosen, columns
