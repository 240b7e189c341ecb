"""Branch-and-price over the column-generation master: the exact optimum of small instances.

The LP bound of the Gilmore–Gomory master can sit below the optimum (a fractional LP, or an
integer optimum the pool's integer master cannot reach); closing that gap needs branching
with column generation at every node. Branching follows Vanderbeck's generic scheme for
integer demands: a branching set S is a PC type (or any type) with lower bounds on copies of
some classes, S = {patterns p : host(p) = t, a_p,i >= L_i for (i, L_i) in need}; the number of
PCs using a pattern of S is integer in every plan, so a fractional sum splits into
"sum <= floor" and "sum >= ceil". These are master rows; pool columns stay valid everywhere
(they just get coefficients), and pricing adds each set's dual to the patterns in it.
Sets are tried from simple to specific: PCs per type, copies of one class, pairs of classes
(Ryan–Foster), and finally the set of patterns dominating a maximal fractional one, which
always exists, so every fractional node can be branched.

Pricing is exact, by the cheapest method that applies: a DP over the capacity grid when it
is small (literature classes with capacity 100-150), else a DP over the loads patterns reach
(`planner.solver.knapsack`; capacity 1,000), else a depth-first branch-and-bound over copy counts
(anti-affinity groups), else a MILP in HiGHS with one indicator per branching set. Node bounds are
Farley bounds (valid before column generation converges), the search is best-bound with a
plunge to a leaf after every branching, and the global bound is the least bound over open
nodes. Slack (an uncovered copy) in node LPs costs SLACK_FACTOR times the caller's
penalty, so nodes whose branching rows rule out a full cover get bounds that prune them.
Problems with mobile units are skipped (units and seats would need their own branching);
vendor stock rows are kept in the master.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from planner.model.problem import Problem
from planner.solver.colgen import (
    RC_EPS,
    MasterSolution,
    Pricer,
    build_master,
    pattern_column,
    solve_integer_master,
)
from planner.solver.heuristics import Pattern
from planner.solver.highs import INF, fvec, ivec, new_highs, run_highs, set_start
from planner.solver.knapsack import best_pattern, directions
from planner.solver.unitpack import UnitPattern

#: branch-and-price is tried up to this many item classes
MAX_CLASSES = 200
#: cap per exact pricing call (a stopped call still gives a valid bound)
PRICE_SECONDS = 0.5
#: columns added per PC type and greedy round
MAX_ADD = 20
GREEDY_SEEDS = 8
FRAC_EPS = 1e-6
#: Wentges smoothing: weight of the best-bound duals when pricing exactly at a node
SMOOTHING = 0.5
#: exact pricing by dynamic programming up to this many capacity grid states
DP_STATES = 60_000
#: ... and up to this many cells of move choices over all stages (a byte each, kept per PC type)
DP_CELLS = 6_000_000
#: classes linked by branching sets are priced jointly up to this many joint copy counts
JOINT_CHOICES = 64
#: an uncovered copy in a node's LP costs this many times the caller's penalty (about one
#: dearest PC): branching rows can make covering every copy impossible, or dearer than a PC
#: per copy, and with slack that cheap such nodes stayed open on weak bounds (mc-CT6-n100-1
#: proved with its optimum given: 947 nodes at 1x, 15 at 3x or 10x; any cost keeps the bound
#: valid, slack only relaxes the cover)
SLACK_FACTOR = 10.0


@dataclass(frozen=True)
class BranchSet:
    """Patterns of PC type ``host`` (None: any type) with at least L_i copies of class i."""

    host: int | None
    need: tuple[tuple[int, int], ...]

    def contains(self, p: Pattern) -> bool:
        """Whether pattern p belongs to the set."""
        return self.holds(p.host, dict(p.content) if self.need else {})

    def holds(self, host: int, have: dict[int, int]) -> bool:
        """Whether a PC of type ``host`` with ``have`` copies per class belongs to the set."""
        if self.host is not None and host != self.host:
            return False
        return all(have.get(i, 0) >= k for i, k in self.need)


@dataclass(frozen=True)
class Branch:
    """A branching row: the PCs using a pattern of ``bset`` are >= rhs (up) or <= rhs."""

    bset: BranchSet
    up: bool
    rhs: int


@dataclass(order=True)
class _Node:
    key: tuple[float, int, int]
    branches: tuple[Branch, ...] = field(compare=False)
    bound: float = field(compare=False)
    depth: int = field(compare=False)


@dataclass
class BnPResult:
    """Outcome: the best plan found (if better than the given one) and a valid lower bound."""

    solution: MasterSolution | None
    lower_bound: float
    proven: bool
    nodes: int
    pool: list[Pattern]
    interrupted: bool = False
    seconds: float = 0.0


class BranchPricer(Pricer):
    """Exact pricing with branching sets, by grid DP, tree search or MILP (see module doc).

    MILP: for set b with need {(i, L_i)}: w_bi = [a_i >= L_i] (two rows each), z_b = AND of
    w_bi; the objective gains y_b z_b, exact for either dual sign. Models are cached per
    (PC type, sets). Also a drop-in ``Pricer`` for colgen's column generation (``exact``).
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem)
        self._branch_models: dict[tuple[int, tuple[BranchSet, ...]],
                                  tuple[highspy.Highs, list[int], list[int]]] = {}
        self._ub: dict[int, dict[int, int]] = {}
        self._dps: dict[int, _GridDP | None] = {}
        self._full = [it.demand for it in problem.items]
        self._trees: dict[int, _TreeSearch] = {}
        self._times: dict[int, dict[str, float]] = {}
        self._calls: dict[int, int] = {}

    def _model(self, t: int) -> tuple[highspy.Highs, list[int]]:
        """The base pricing MILP, tuned for many tiny solves (a greedy start is given)."""
        fresh = t not in self.models
        h, cols = super()._model(t)
        if fresh:
            _tune(h)
        return h, cols

    def _with_sets(self, t: int, sets: tuple[BranchSet, ...]
                   ) -> tuple[highspy.Highs, list[int], list[int]]:
        """The pricing MILP of type t plus indicators; returns model, classes, z columns."""
        key = (t, sets)
        if key in self._branch_models:
            return self._branch_models[key]
        base, cols = self._model(t)
        h = new_highs()
        h.passModel(base.getModel())
        _tune(h)
        where = {i: j for j, i in enumerate(cols)}
        ub = self._upper(t)
        zcols: list[int] = []
        for s in sets:
            ws: list[int] = []
            for i, need in s.need:
                j = where[i]
                u = ub[i]
                w = h.getNumCol()
                h.addCol(0.0, 0.0, 1.0, 0, ivec([]), fvec([]))
                # w = 1 -> a_i >= need ; w = 0 -> a_i <= need - 1
                h.addRow(0.0, INF, 2, ivec([j, w]), fvec([1.0, -float(need)]))
                h.addRow(-INF, float(need - 1), 2, ivec([j, w]),
                         fvec([1.0, -float(u - need + 1)]))
                ws.append(w)
            if len(ws) == 1:
                z = ws[0]
            else:
                z = h.getNumCol()
                h.addCol(0.0, 0.0, 1.0, 0, ivec([]), fvec([]))
                for w in ws:
                    h.addRow(-INF, 0.0, 2, ivec([z, w]), fvec([1.0, -1.0]))
                h.addRow(-float(len(ws) - 1), INF, len(ws) + 1, ivec([z, *ws]),
                         fvec([1.0] + [-1.0] * len(ws)))
            zcols.append(z)
        n = h.getNumCol()
        h.changeColsIntegrality(n, ivec(list(range(n))),
                                np.array([highspy.HighsVarType.kInteger] * n))
        if len(self._branch_models) > 500:
            self._branch_models.clear()
        self._branch_models[key] = (h, cols, zcols)
        return self._branch_models[key]

    def greedy(self, t: int, pi: np.ndarray, seeds: int = 0) -> list[tuple[float, Pattern]]:
        """Colgen's greedy patterns; fewer seeded ones where the grid DP prices cheaply.

        The seeded fills then cost more than they save: mc-CT6-n100's LP converges in half
        the time, mc-CT7-n200's bound after 6 s is 1 % higher.
        """
        if seeds > GREEDY_SEEDS and self._dp(t) is not None:
            seeds = GREEDY_SEEDS
        return super().greedy(t, pi, seeds)

    def exact(self, t: int, pi: np.ndarray, time_limit: float, need: float | None = None
              ) -> tuple[float, float, Pattern | None]:
        """Colgen's exact pricing, the combinatorial pricers first (full demand only).

        Each gets ``time_limit``: the sparse DP gives up mostly on its state limit, and
        halving its time lost mc-CT1-n100 (proven in 6 s) in a benchmark run.
        """
        if self.demand == self._full:
            got = self._combinatorial(t, pi, [], until=time.monotonic() + time_limit)
            if got is not None:
                value, pat = got
                return value, value, pat if pat.content else None
        t0 = time.monotonic()
        out = super().exact(t, pi, time_limit, need)
        self._timing(t, "milp", time.monotonic() - t0)
        return out

    def _combinatorial(self, t: int, pi: np.ndarray, sets: list[tuple[BranchSet, float]],
                       floor: float = 0.0, until: float = math.inf
                       ) -> tuple[float, Pattern] | None:
        """Exact pricing without a MILP.

        The grid DP when the grid is small, else the tree search's sparse DP (both: any
        sets with small joint groups) or its depth-first branch-and-bound (single-class sets
        only); None when none applies or the search gave up. The tree search only looks for
        patterns worth more than ``floor``: with none, it returns ``floor`` (a valid upper
        bound) and an empty pattern.
        """
        dp = self._dp(t)
        if dp is not None:
            got = dp.solve(pi, sets, until)
            if got is not None:
                return got
        if t not in self._trees:
            _, cols = self._model(t)
            self._trees[t] = _TreeSearch(self.problem, t, cols, self._upper(t))
        if not self._trees[t].handles(sets) or not self._tree_first(t):
            return None
        t0 = time.monotonic()
        start = self.greedy(t, pi)[0][1]
        got = self._trees[t].solve(pi, sets, floor, start, until)
        # giving up costs its time plus the MILP's: count it double
        self._timing(t, "tree", (time.monotonic() - t0) * (1 if got is not None else 2))
        return got

    def _tree_first(self, t: int) -> bool:
        """Whether to try the tree search before the MILP for type t.

        Whichever has been faster on average here (strongly correlated duals make the tree
        slow), each tried again now and then.
        """
        seen = self._times.setdefault(t, {})
        self._calls[t] = self._calls.get(t, 0) + 1
        if "tree" not in seen or "milp" not in seen:
            return "tree" not in seen
        faster = seen["tree"] <= seen["milp"]
        return faster != (self._calls[t] % 16 == 0)

    def _timing(self, t: int, method: str, seconds: float) -> None:
        """Running average time of a pricing method on type t."""
        seen = self._times.setdefault(t, {})
        seen[method] = seconds if method not in seen else 0.7 * seen[method] + 0.3 * seconds

    def _dp(self, t: int) -> _GridDP | None:
        """The dynamic program for type t, if its capacity grid is small enough."""
        if t not in self._dps:
            _, cols = self._model(t)
            dp = _GridDP(self.problem, t, cols, self._upper(t))
            self._dps[t] = dp if dp.usable else None
        return self._dps[t]

    def _upper(self, t: int) -> dict[int, int]:
        """Upper bound on copies of each class a type-t pattern can hold."""
        if t not in self._ub:
            h, cols = self._model(t)
            up = h.getLp().col_upper_
            self._ub[t] = {i: round(up[j]) for j, i in enumerate(cols)}
        return self._ub[t]

    def exact_sets(self, t: int, pi: np.ndarray, sets: list[tuple[BranchSet, float]],
                   time_limit: float, floor: float = -INF, until: float = math.inf
                   ) -> tuple[float, float, Pattern | None]:
        """Best pattern value at duals (cover and branching sets), an upper bound, the pattern.

        Over patterns of type t, the empty pattern included (a superset keeps bounds valid).
        The combinatorial pricer and the MILP after it each get ``time_limit``, the MILP no
        more than is left before ``until`` (mc-CT4-n200 ran 0.4 s past the plan's limit when
        both took their full share at the deadline).
        """
        _, cols = self._model(t)
        const = 0.0
        real: list[tuple[BranchSet, float]] = []
        where = set(cols)
        for s, yb in sets:
            if s.host is not None and s.host != t:
                continue
            if not s.need:
                const += yb
                continue
            ub = self._upper(t)
            if all(i in where and need <= ub[i] for i, need in s.need):
                real.append((s, yb))
        if not cols:
            return const, const, None
        got = self._combinatorial(t, pi, real, max(0.0, floor - const),
                                  time.monotonic() + time_limit)
        if got is not None:
            value, best = got
            return value + const, value + const, best
        t0 = time.monotonic()
        time_limit = min(time_limit, max(0.05, until - t0))
        if not real:  # the combinatorial pricers could not: the plain MILP
            value, bound, pat = super().exact(t, pi, time_limit)
            self._timing(t, "milp", time.monotonic() - t0)
            return value + const, bound + const, pat
        real.sort(key=lambda sy: _order(sy[0]))
        h, cols, zcols = self._with_sets(t, tuple(s for s, _ in real))
        n = h.getNumCol()
        cost = np.zeros(n)
        for j, i in enumerate(cols):
            cost[j] = -float(max(pi[i], 0.0))
        for z, (_, yb) in zip(zcols, real, strict=True):
            cost[z] -= yb
        h.changeColsCost(n, ivec(list(range(n))), cost)
        h.setOptionValue("time_limit", max(0.05, time_limit))
        _, start = self.greedy(t, pi)[0]
        set_start(h, self._start_vector(h, cols, real, zcols, start))
        run_highs(h)
        self._timing(t, "milp", time.monotonic() - t0)
        sol = h.getSolution()
        bound = -float(h.getInfo().mip_dual_bound)
        if not sol.value_valid:
            return const, max(bound, 0.0) + const, None
        content = tuple(sorted((cols[j], round(sol.col_value[j])) for j in range(len(cols))
                               if round(sol.col_value[j]) > 0))
        pat = Pattern(t, content)
        value = float(sum(pi[i] * k for i, k in content))
        value += sum(yb for s, yb in real if s.contains(pat))
        return value + const, max(bound, value) + const, pat

    @staticmethod
    def _start_vector(h: highspy.Highs, cols: list[int], real: list[tuple[BranchSet, float]],
                      zcols: list[int], start: Pattern) -> np.ndarray:
        """A consistent MIP start (knapsack counts and indicators) from a greedy pattern."""
        x = np.zeros(h.getNumCol())
        where = {i: j for j, i in enumerate(cols)}
        have = dict(start.content)
        for i, k in start.content:
            if i in where:
                x[where[i]] = k
        nxt = len(cols)
        for (s, _), z in zip(real, zcols, strict=True):
            flags = [1.0 if have.get(i, 0) >= need else 0.0 for i, need in s.need]
            for f in flags:
                x[nxt] = f
                nxt += 1
            if len(flags) > 1:
                x[nxt] = float(all(flags))
                nxt += 1
            assert z < nxt
        return x


Move = tuple[tuple[tuple[int, int], ...], float, tuple[int, ...]]
#: per class, the copy counts k >= 1 that fit a PC alone, with their size
Multiples = dict[int, list[tuple[int, tuple[int, ...]]]]


def multiples(cols: list[int], ub: dict[int, int], sizes: dict[int, tuple[int, ...]],
              cap: tuple[int, ...]) -> Multiples:
    """The fitting copy counts of each class and their sizes (fixed for a PC type)."""
    out: Multiples = {}
    for i in cols:
        out[i] = []
        for k in range(1, ub[i] + 1):
            size = tuple(x * k for x in sizes[i])
            if any(x > c for x, c in zip(size, cap, strict=True)):
                break
            out[i].append((k, size))
    return out


def joint_moves(cols: list[int], ub: dict[int, int], sizes: dict[int, tuple[int, ...]],
                cap: tuple[int, ...], pi: np.ndarray, sets: list[tuple[BranchSet, float]],
                alone: Multiples | None = None) -> list[list[Move]] | None:
    """Pricing stages: per group of classes linked by branching sets, the joint counts.

    Each move is (copies per class, value at the duals with the bonuses of the sets it
    meets, size); only moves worth something that fit in ``cap``. None when a group of
    several classes has more than JOINT_CHOICES joint counts. ``alone``: the classes'
    `multiples`, which a class in no set takes its moves from (most classes, most calls).
    """
    if alone is None:
        alone = multiples(cols, ub, sizes, cap)
    parent = {i: i for i in cols}

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for st, _ in sets:
        first = root(st.need[0][0])
        for i, _ in st.need[1:]:
            parent[root(i)] = first
    members: dict[int, list[int]] = {}
    for i in cols:
        members.setdefault(root(i), []).append(i)
    sets_of: dict[int, list[tuple[BranchSet, float]]] = {}
    for st, yb in sets:
        sets_of.setdefault(root(st.need[0][0]), []).append((st, yb))
    nd = len(cap)
    stages: list[list[Move]] = []
    for r, group in members.items():
        if len(group) == 1 and r not in sets_of:
            value = float(pi[r])
            if value > 0.0 and alone[r]:
                stages.append([(((r, k),), value * k, size) for k, size in alone[r]])
            continue
        if len(group) > 1 and math.prod(ub[i] + 1 for i in group) > JOINT_CHOICES:
            return None
        moves = []
        for counts in itertools.product(*(range(ub[i] + 1) for i in group)):
            have = dict(zip(group, counts, strict=True))
            value = sum(float(max(pi[i], 0.0)) * k for i, k in have.items())
            value += sum(yb for st, yb in sets_of.get(r, ())
                         if all(have[i] >= need for i, need in st.need))
            size = tuple(sum(sizes[i][d] * k for i, k in have.items()) for d in range(nd))
            if value > 0.0 and any(counts) \
                    and all(x <= c for x, c in zip(size, cap, strict=True)):
                moves.append((tuple((i, k) for i, k in have.items() if k), value, size))
        if moves:
            stages.append(moves)
    return stages


class _GridDP:
    """Exact pricing by dynamic programming over the capacity grid, when it is small.

    Binding dimensions only (a dimension that all classes together cannot fill is dropped),
    each divided by the gcd of the sizes in it, so the grid is exact. Handles copies per class
    and branching sets (classes a set links form one stage over their joint counts); not
    anti-affinity groups (then ``usable`` is False and the MILP prices). Literature classes
    with capacity 100 or 150 give 10^4 to 2·10^4 states: a pricing call takes milliseconds
    instead of a MILP's 0.1-0.5 s.
    """

    def __init__(self, problem: Problem, t: int, cols: list[int], ub: dict[int, int]) -> None:
        host = problem.hosts[t]
        self.t = t
        self.cols = cols
        self.ub = ub
        items = problem.items
        dims = [d for d in range(problem.nd)
                if sum(ub[i] * items[i].size[d] for i in cols) > host.cap[d]]
        gcds = [math.gcd(*(items[i].size[d] for i in cols)) for d in dims]
        self.shape = tuple(host.cap[d] // g + 1 for d, g in zip(dims, gcds, strict=True))
        self.sizes = {i: tuple(items[i].size[d] // g for d, g in zip(dims, gcds, strict=True))
                      for i in cols}
        if not dims:  # nothing binds: one grid cell that every copy fits in
            self.shape = (1,)
            self.sizes = {i: (0,) for i in cols}
        states = math.prod(self.shape)
        self.usable = (bool(cols) and not any(items[i].anti for i in cols)
                       and states <= DP_STATES and (len(cols) + 1) * states <= DP_CELLS)
        self.table: np.ndarray | None = None
        self.before = self.cand = np.empty(0)
        self.choice = np.empty(0, dtype=np.uint8)
        self._shifts: dict[tuple[int, ...], tuple[tuple[slice, ...], tuple[slice, ...]]] = {}
        #: the full PC's cell: the capacity on the grid
        self.top = tuple(n - 1 for n in self.shape)
        self.alone = multiples(cols, ub, self.sizes, self.top)

    def _shift(self, size: tuple[int, ...]) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
        """The source and target cells of adding a load of ``size`` (kept per size)."""
        got = self._shifts.get(size)
        if got is None:
            got = (tuple(slice(0, n - x) for x, n in zip(size, self.shape, strict=True)),
                   tuple(slice(x, n) for x, n in zip(size, self.shape, strict=True)))
            self._shifts[size] = got
        return got

    def solve(self, pi: np.ndarray, sets: list[tuple[BranchSet, float]],
              until: float = math.inf) -> tuple[float, Pattern] | None:
        """Best value of pi·a plus the duals of the sets a belongs to, and a.

        Classes linked by a set are decided together (one stage over their joint copy
        counts); None when such a group has more than JOINT_CHOICES joint counts, or at
        ``until`` (time.monotonic()).
        """
        stages = joint_moves(self.cols, self.ub, self.sizes, self.top, pi, sets, self.alone)
        if stages is None:
            return None
        # one table, updated stage by stage; per stage only which move each cell took
        wide = max((len(moves) for moves in stages), default=0) > 255
        if self.table is None or (wide and self.choice.dtype == np.uint8):
            self.table = np.empty(self.shape)
            self.before = np.empty(self.shape)
            self.cand = np.empty(self.shape)
            self.choice = np.empty((len(self.cols) + 1, *self.shape),
                                   dtype=np.int32 if wide else np.uint8)
        dp = self.table
        dp.fill(0.0)
        for j, moves in enumerate(stages, start=1):
            if time.monotonic() > until:
                return None
            took = self.choice[j]
            took.fill(0)
            # candidates come from the table as it was before this stage: a copy of it when
            # several moves write to the table, one candidate buffer at a time
            before = dp
            if len(moves) > 1:
                before = self.before
                np.copyto(before, dp)
            for m, (_, f, size) in enumerate(moves, start=1):
                src, dst = self._shift(size)
                cand = self.cand[src]
                np.add(before[src], f, out=cand)
                target = dp[dst]
                better = cand > target
                np.copyto(target, cand, where=better)
                np.copyto(took[dst], m, where=better)
        # trace the pattern back through the moves taken
        at = self.top
        value = float(dp[at])
        content: dict[int, int] = {}
        for j in range(len(stages), 0, -1):
            m = int(self.choice[j][at])
            if m:
                combo, _, size = stages[j - 1][m - 1]
                content.update(combo)
                at = tuple(c - x for c, x in zip(at, size, strict=True))
        return value, Pattern(self.t, tuple(sorted(content.items())))


class _Limit(Exception):
    """The tree search met its node limit."""


class _TreeSearch:
    """Exact pricing for large grids: the sparse DP, else branch-and-bound over copy counts.

    Without anti-affinity groups, the DP over reached loads (`planner.solver.knapsack`) answers
    (4-10 ms a call on mc-CT1/CT2 against 20-50 ms for the tree and the MILP); with them,
    or past its state limit, the tree search below.

    Classes in order of value density; the bound at a node is the least, over a few
    surrogate rows (nonnegative combinations of the binding capacity rows), of a fractional
    knapsack on that row alone where class i gives at most
    its best value F_i at its best value per copy r_i (f_i(k) <= min(F_i, r_i k) for every
    count k, so the bound is valid with single-class branching bonuses too). Anti-affinity
    groups are respected. Patterns hold a few copies each on the literature classes, so the
    tree is small; past NODE_LIMIT nodes it gives up and the MILP prices.
    """

    NODE_LIMIT = 8_000

    def __init__(self, problem: Problem, t: int, cols: list[int], ub: dict[int, int]) -> None:
        host = problem.hosts[t]
        items = problem.items
        self.t = t
        self.cols = cols
        self.ub = ub
        self.dims = [d for d in range(problem.nd)
                     if sum(ub[i] * items[i].size[d] for i in cols) > host.cap[d]]
        self.cap = tuple(host.cap[d] for d in self.dims)
        self.size = {i: tuple(items[i].size[d] for d in self.dims) for i in cols}
        self.anti = {i: items[i].anti for i in cols}
        self.norm = {i: sum(s / c for s, c in zip(self.size[i], self.cap, strict=True)) or 1.0
                     for i in cols}
        self.alone = multiples(cols, ub, self.size, self.cap)

    def handles(self, sets: list[tuple[BranchSet, float]]) -> bool:
        """Whether ``solve`` can price with these sets (not pairs with anti-affinity)."""
        return not any(self.anti[i] for i in self.cols) \
            or all(len(st.need) == 1 for st, _ in sets)

    def _sparse(self, pi: np.ndarray, sets: list[tuple[BranchSet, float]], floor: float,
                start: Pattern | None, until: float) -> tuple[float, Pattern] | None:
        """The sparse dynamic program (`planner.solver.knapsack`), or None.

        None past its state limit or ``until``, or when a group of linked classes has too
        many joint counts.
        """
        stages = joint_moves(self.cols, self.ub, self.size, self.cap, pi, sets, self.alone)
        if stages is None:
            return None
        start_val = -INF
        if start is not None:
            have = dict(start.content)
            if all(k <= self.ub.get(i, 0) for i, k in have.items()):
                start_val = sum(float(max(pi[i], 0.0)) * k for i, k in have.items())
                start_val += sum(yb for st, yb in sets if st.contains(start))
        nd = len(self.dims)
        got = best_pattern([(np.array([m[2] for m in moves], dtype=np.int64
                                      ).reshape(len(moves), nd),
                             np.array([m[1] for m in moves])) for moves in stages],
                           np.array(self.cap, dtype=np.int64), max(floor, start_val),
                           deadline=until)
        if got is None:
            return None
        value, choice = got
        content: dict[int, int] = {}
        for moves, q in zip(stages, choice, strict=True):
            if q >= 0:
                content.update(moves[q][0])
        if content:
            return value, Pattern(self.t, tuple(sorted(content.items())))
        if start is not None and start_val > floor:
            return start_val, start
        return floor, Pattern(self.t, ())

    def solve(self, pi: np.ndarray, sets: list[tuple[BranchSet, float]], floor: float = 0.0,
              start: Pattern | None = None, until: float = math.inf
              ) -> tuple[float, Pattern] | None:
        """Best value and pattern, or None past the node limit or ``until`` (monotonic).

        Only patterns worth more than ``floor`` are sought (``floor`` and the empty pattern
        when there is none); ``start`` is a feasible pattern whose value prunes from the start.
        """
        if not any(self.anti[i] for i in self.cols):
            # loads reached, not every node of a tree: the same answer, mostly much faster
            got = self._sparse(pi, sets, floor, start, until)
            if got is not None:
                return got
        if time.monotonic() >= until or any(len(s.need) != 1 for s, _ in sets):
            return None
        bonus: dict[int, list[tuple[int, float]]] = {}
        for s, yb in sets:
            (i, need), = s.need
            bonus.setdefault(i, []).append((need, yb))
        vals: list[list[float]] = []
        keys: list[int] = []
        for i in self.cols:
            p = float(max(pi[i], 0.0))
            f = [0.0] + [p * k + sum(yb for need, yb in bonus.get(i, ()) if k >= need)
                         for k in range(1, self.ub[i] + 1)]
            if max(f) > 0.0:
                vals.append(f)
                keys.append(i)
        n = len(keys)
        top = [max(f) for f in vals]
        rate = [max(f[k] / k for k in range(1, len(f))) for f in vals]
        order = sorted(range(n), key=lambda j: (-rate[j] / self.norm[keys[j]], keys[j]))
        vals = [vals[j] for j in order]
        keys = [keys[j] for j in order]
        top = [top[j] for j in order]
        rate = [rate[j] for j in order]
        sizes = [self.size[i] for i in keys]
        antis = [self.anti[i] for i in keys]
        nd = len(self.dims)
        # surrogate directions: a nonnegative combination of the capacity rows is a valid
        # relaxation; the least fractional bound over a few approximates the LP bound
        dirs = [tuple(float(x) for x in lam) for lam in directions(nd)]
        by_dir = []
        for lam in dirs:
            w = [max(sum(lam[d] * sizes[j][d] / self.cap[d] for d in range(nd)), 1e-12)
                 for j in range(n)]
            dens = [rate[j] / w[j] for j in range(n)]
            seq = sorted(range(n), key=dens.__getitem__, reverse=True)
            by_dir.append((lam, [(j, top[j], top[j] / rate[j] * w[j], dens[j]) for j in seq]))
        best_val = floor
        best_pick: list[int] = [0] * n
        if start is not None:
            have = dict(start.content)
            pos = {i: j for j, i in enumerate(keys)}
            if all(i in pos for i in have):
                sv = sum(vals[pos[i]][min(k, len(vals[pos[i]]) - 1)] for i, k in have.items())
                if sv > best_val and all(k < len(vals[pos[i]]) for i, k in have.items()):
                    best_val = sv
                    best_pick = [have.get(i, 0) for i in keys]
        pick = [0] * n
        count = 0

        def bound(j: int, rem: list[int]) -> float:
            b = INF
            for lam, seq in by_dir:
                room = sum(lam[d] * rem[d] / self.cap[d] for d in range(nd))
                tot = 0.0
                for jj, f_top, need, dens in seq:
                    if jj < j:
                        continue
                    if need <= room:
                        tot += f_top
                        room -= need
                    else:
                        tot += dens * room
                        break
                    if tot >= b:
                        break
                b = min(b, tot)
            return 0.0 if b == INF else b

        def dfs(j: int, rem: list[int], val: float, groups: frozenset[str]) -> None:
            nonlocal best_val, best_pick, count
            if val > best_val + 1e-9:
                best_val, best_pick = val, list(pick)
            if j == n or val + bound(j, rem) <= best_val + 1e-9:
                return
            count += 1
            if count > self.NODE_LIMIT or (count % 256 == 0 and time.monotonic() > until):
                raise _Limit
            size = sizes[j]
            u = len(vals[j]) - 1
            for d in range(nd):
                if size[d]:
                    u = min(u, rem[d] // size[d])
            if antis[j] and groups.intersection(antis[j]):
                u = 0
            for k in range(u, 0, -1):
                if vals[j][k] <= 0.0:
                    continue
                pick[j] = k
                dfs(j + 1, [r - k * s for r, s in zip(rem, size, strict=True)],
                    val + vals[j][k], groups.union(antis[j]))
            pick[j] = 0
            dfs(j + 1, rem, val, groups)

        try:
            dfs(0, list(self.cap), 0.0, frozenset())
        except _Limit:
            return None
        content = tuple(sorted((keys[j], k) for j, k in enumerate(best_pick) if k))
        return best_val, Pattern(self.t, content)


def _tune(h: highspy.Highs) -> None:
    """Options for small pricing MILPs, solved many times with a greedy start.

    Symmetry detection and primal heuristics cost more than they save there (about 2x).
    """
    h.setOptionValue("mip_rel_gap", 1e-7)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("mip_detect_symmetry", False)
    h.setOptionValue("mip_heuristic_effort", 0.0)


def _order(s: BranchSet) -> tuple[int, tuple[tuple[int, int], ...]]:
    """A total order on sets (None sorts first): deterministic choices."""
    return (-1 if s.host is None else s.host, s.need)


def _frac(v: float) -> float:
    return min(v - math.floor(v), math.ceil(v) - v)


def choose_branch(problem: Problem, x: list[tuple[Pattern, float]]) -> tuple[BranchSet, float]:
    """A branching set whose PC count is fractional in x, simplest kind first.

    Levels: PCs per type (and in total); copies of one class (per type and any type); pairs of
    classes on one PC; the patterns dominating a maximal fractional pattern (always exists).
    """
    multi = len(problem.hosts) > 1
    levels: list[dict[BranchSet, float]] = [{}, {}, {}]
    for p, v in x:
        if v <= FRAC_EPS:
            continue
        lv0 = levels[0]
        for s in ((BranchSet(p.host, ()), BranchSet(None, ())) if multi
                  else (BranchSet(None, ()),)):
            lv0[s] = lv0.get(s, 0.0) + v
        lv1 = levels[1]
        for i, a in p.content:
            for k in range(1, a + 1):
                keys = [BranchSet(None, ((i, k),))]
                if multi:
                    keys.append(BranchSet(p.host, ((i, k),)))
                for s in keys:
                    lv1[s] = lv1.get(s, 0.0) + v
        lv2 = levels[2]
        items = [i for i, _ in p.content]
        for a_ in range(len(items)):
            for b_ in range(a_ + 1, len(items)):
                s = BranchSet(None, ((items[a_], 1), (items[b_], 1)))
                lv2[s] = lv2.get(s, 0.0) + v
    for lv in levels:
        cands = [(-_frac(v), _order(s), s, v) for s, v in lv.items() if _frac(v) > FRAC_EPS]
        if cands:
            _, _, s, v = min(cands, key=lambda c: (c[0], c[1]))
            return s, v
    # generic fallback: a fractional pattern no other fractional pattern dominates
    fr = [(p, v) for p, v in x if _frac(v) > FRAC_EPS]
    for p, _ in sorted(fr, key=lambda pv: (-sum(k for _, k in pv[0].content), pv[0])):
        s = BranchSet(p.host, p.content)
        total = sum(v for q, v in x if s.contains(q))
        if _frac(total) > FRAC_EPS:
            return s, total
    raise ValueError("no fractional branching set")  # pragma: no cover - x was fractional


class _Members:
    """Which pool patterns belong to each branching set, computed once per set and pattern."""

    def __init__(self, pool: list[Pattern]) -> None:
        self.pool = pool  # shared and only appended to
        self.sets: dict[BranchSet, tuple[set[Pattern], int]] = {}

    def of(self, s: BranchSet) -> set[Pattern]:
        """The pool patterns in set s."""
        got, n = self.sets.get(s, (set(), 0))
        if n < len(self.pool):
            got.update(p for p in self.pool[n:] if s.contains(p))
            self.sets[s] = (got, len(self.pool))
        return got


class _NodeLP:
    """The master LP: base rows, branching rows (with artificials), pool columns.

    Kept between nodes: moving to a child only adds or re-bounds branching rows, so HiGHS
    re-optimises from the parent's basis; a jump elsewhere in the tree rebuilds it.
    """

    def __init__(self, problem: Problem, penalty: float, pool: list[Pattern],
                 members: _Members) -> None:
        self.problem = problem
        self.members = members
        h, rows = build_master(problem, [], penalty)
        h.setOptionValue("presolve", "off")
        self.h, self.rows = h, rows
        self.n_base = h.getNumRow()
        self.lo = list(rows.rhs)
        self.up = [INF] * self.n_base
        self.branches: list[Branch] = []
        self.row_of: dict[tuple[BranchSet, bool], int] = {}
        # artificials keep ">=" rows feasible whatever the pool (a relaxation: bound stays valid)
        self.big = 4.0 * penalty * max(1, sum(it.demand for it in problem.items))
        self.kind: list[Pattern | None] = [None] * h.getNumCol()  # slack columns first
        self.col_of: dict[Pattern, int] = {}
        self.artificial: list[int] = list(range(h.getNumCol()))
        self.add_many(pool)

    def move(self, branches: tuple[Branch, ...]) -> bool:
        """Set the branching rows to a node's; False if that needs a row removed (rebuild)."""
        want = {(b.bset, b.up): b for b in branches}
        if any(key not in want for key in self.row_of):
            return False
        for key, b in want.items():
            r = self.row_of.get(key)
            lo = float(b.rhs) if b.up else -INF
            up = INF if b.up else float(b.rhs)
            if r is not None:
                if (self.lo[r], self.up[r]) != (lo, up):
                    self.h.changeRowBounds(r, lo, up)
                    self.lo[r], self.up[r] = lo, up
                self.branches[r - self.n_base] = b
                continue
            idx = sorted(self.col_of[p] for p in self.members.of(b.bset) if p in self.col_of)
            r = self.h.getNumRow()
            self.h.addRow(lo, up, len(idx), ivec(idx), fvec([1.0] * len(idx)))
            self.lo.append(lo)
            self.up.append(up)
            self.branches.append(b)
            self.row_of[key] = r
            if b.up:
                self.artificial.append(self.h.getNumCol())
                self.kind.append(None)
                self.h.addCol(self.big, 0.0, INF, 1, ivec([r]), fvec([1.0]))
        return True

    def column(self, p: Pattern) -> tuple[list[int], list[float]]:
        """Coefficients of a pattern, branching rows included."""
        idx, val = pattern_column(self.rows, p)
        for r, b in enumerate(self.branches):
            if p in self.members.of(b.bset):
                idx.append(self.n_base + r)
                val.append(1.0)
        return idx, val

    def add_many(self, pats: list[Pattern]) -> None:
        """Add pattern columns (already in the pool) in one call."""
        if not pats:
            return
        starts: list[int] = []
        index: list[int] = []
        value: list[float] = []
        for p in pats:
            starts.append(len(index))
            idx, val = self.column(p)
            index.extend(idx)
            value.extend(val)
        costs = [float(self.problem.hosts[p.host].cost) for p in pats]
        self.h.addCols(len(pats), fvec(costs), fvec([0.0] * len(pats)),
                       fvec([INF] * len(pats)), len(index), ivec(starts), ivec(index),
                       fvec(value))
        for p in pats:
            self.col_of[p] = len(self.kind)
            self.kind.append(p)

    def clip(self, y: np.ndarray) -> np.ndarray:
        """Duals with the sign their row allows (HiGHS's may be a hair off).

        Also capped at an artificial column's cost, so a scaled copy stays dual feasible.
        """
        y = y.copy()
        for r in range(len(y)):
            if self.up[r] == INF:
                y[r] = min(max(y[r], 0.0), self.big if r >= self.n_base else INF)
            elif self.lo[r] == -INF:
                y[r] = min(y[r], 0.0)
        return y

    def dual_objective(self, y: np.ndarray) -> float:
        """b·y with each row's active side."""
        return float(sum(y[r] * (self.lo[r] if y[r] > 0 else self.up[r])
                         for r in range(len(y)) if y[r] != 0.0))

    def offset(self, t: int, y: np.ndarray) -> float:
        """Dual terms of a type-t column besides items and branching rows (stock, pools)."""
        ra = self.rows.host_avail[t]
        s = float(y[ra]) if ra is not None else 0.0
        return s + sum(float(y[r]) for r in self.rows.host_pools[t])

    def reduced(self, p: Pattern, y: np.ndarray) -> float:
        """Reduced cost of a pattern at duals y (p need not be in the pool)."""
        value = sum(float(y[self.rows.cover[i]]) * k for i, k in p.content)
        if self.branches:
            have = dict(p.content)  # once for every branching set
            for r, b in enumerate(self.branches):
                if b.bset.holds(p.host, have):
                    value += float(y[self.n_base + r])
        return self.problem.hosts[p.host].cost + self.offset(p.host, y) - value


@dataclass
class _NodeOutcome:
    bound: float
    lp_value: float
    x: list[tuple[Pattern, float]]
    integral: bool
    stuck: bool  # patterns integral but slack or artificials used: nothing to branch on
    done: bool  # bound proven for this node (CG converged or pruned)


class _Search:
    """State of one branch-and-price run."""

    def __init__(self, problem: Problem, pool: list[Pattern], penalty: float,
                 deadline: float, upper: float) -> None:
        self.problem = problem
        self.penalty = penalty
        self.deadline = deadline
        self.upper = upper
        self.pool: list[Pattern] = []
        self.seen: set[Pattern] = set()
        for p in pool:
            self._remember(p)
        self.pricer = BranchPricer(problem)
        self.best: MasterSolution | None = None
        self.members = _Members(self.pool)
        self.lp: _NodeLP | None = None

    def _remember(self, p: Pattern) -> bool:
        if p in self.seen or not p.content:
            return False
        self.seen.add(p)
        self.pool.append(p)
        return True

    def prunable(self, bound: float) -> bool:
        """Whether no plan below the bound can beat the incumbent."""
        return self.problem.round_bound(bound) >= self.upper - 1e-9

    def solve_node(self, branches: tuple[Branch, ...], parent_bound: float) -> _NodeOutcome:
        """Column generation at a node with exact pricing; a valid bound even if stopped."""
        pr = self.problem
        if self.lp is None or not self.lp.move(branches):
            self.lp = _NodeLP(pr, self.penalty, self.pool, self.members)
            self.lp.move(branches)
        lp = self.lp
        h = lp.h
        bound = parent_bound
        z = INF
        center: np.ndarray | None = None
        center_lb = -INF
        while True:
            run_highs(h)
            status = h.getModelStatus()
            if status != highspy.HighsModelStatus.kOptimal:
                # cannot happen with slack and artificial columns; give up on the node safely
                return _NodeOutcome(bound, INF, [], False, True, False)
            z = float(h.getInfo().objective_function_value)
            y = lp.clip(np.asarray(h.getSolution().row_dual, dtype=np.float64))
            pi = np.clip(y[lp.rows.cover], 0.0, self.penalty)
            new: list[Pattern] = []
            for t, host in enumerate(pr.hosts):
                cands = sorted((lp.reduced(p, y), p)
                               for _, p in self.pricer.greedy(t, pi, seeds=GREEDY_SEEDS))
                for rc, p in cands[:MAX_ADD]:
                    if rc < -RC_EPS * max(1.0, host.cost) and p not in self.seen \
                            and p not in new and p.content:
                        new.append(p)
            if new and time.monotonic() < self.deadline:
                for p in new:
                    self._remember(p)
                lp.add_many(new)
                continue
            x_all = list(h.getSolution().col_value)
            x = [(p, float(v)) for p, v in zip(lp.kind, x_all, strict=True)
                 if p is not None and v > FRAC_EPS]
            art = sum(x_all[j] for j in lp.artificial)
            whole = all(_frac(v) <= FRAC_EPS for _, v in x)
            integral = art <= FRAC_EPS and whole
            stuck = art > FRAC_EPS and whole
            if time.monotonic() >= self.deadline:
                # no time for exact pricing: the node stays open with the bound it has
                return _NodeOutcome(bound, z, x, integral, stuck, False)
            # exact pricing gives the Farley bound and proves the LP optimal; first at duals
            # smoothed towards the best-bound ones (Wentges), which needs fewer rounds
            proven = False
            points = [y] if center is None else [SMOOTHING * center + (1 - SMOOTHING) * y, y]
            for point in points:
                farley, clean, found = self._price(lp, point, y)
                bound = max(bound, farley)
                if farley > center_lb:
                    center, center_lb = point.copy(), farley
                new.extend(p for p in found if p not in new)
                proven = clean and point is y
                if new or time.monotonic() >= self.deadline:
                    break
            if proven and not new:
                bound = max(bound, z)
            if (proven and not new) or self.prunable(bound):
                return _NodeOutcome(bound, z, x, integral, stuck, True)
            if pr.round_bound(bound) >= pr.round_bound(z) - 1e-9:
                # the rounded bound cannot rise further at this node: branch on this LP
                return _NodeOutcome(bound, z, x, integral, stuck, True)
            if time.monotonic() >= self.deadline:
                return _NodeOutcome(bound, z, x, integral, stuck, False)
            if not new:
                # pricing neither found a column nor proved there is none (a MILP stopped on
                # its cap): the LP is not proven, so an integral one is offered as a plan but
                # the node is not closed; it keeps its bound as a node that cannot branch
                return _NodeOutcome(bound, z, x, integral, stuck or integral, True)
            for p in new:
                self._remember(p)
            lp.add_many(new)

    def _price(self, lp: _NodeLP, point: np.ndarray, y: np.ndarray
               ) -> tuple[float, bool, list[Pattern]]:
        """Exact pricing at a dual point: its Farley bound, whether it is dual feasible.

        Also the patterns found that have a negative reduced cost at the LP duals y.
        """
        pr = self.problem
        pi = np.clip(point[lp.rows.cover], 0.0, self.penalty)
        duals = [(b.bset, float(point[lp.n_base + r])) for r, b in enumerate(lp.branches)]
        theta = 1.0
        clean = True
        found: list[Pattern] = []
        for t, host in enumerate(pr.hosts):
            left = self.deadline - time.monotonic()
            if t and left <= 0:
                return -INF, False, found  # out of time: no bound without every type
            off = lp.offset(t, point)
            # only patterns with a negative reduced cost matter: below that, V_t <= c_t + off
            _, vbound, pat = self.pricer.exact_sets(t, pi, duals,
                                                    min(PRICE_SECONDS, max(left, 0.05)),
                                                    host.cost + off, until=self.deadline)
            if host.cost + off - vbound < -RC_EPS * max(1.0, host.cost):
                clean = False
            if host.cost > 0:
                theta = max(theta, (vbound - off) / host.cost)
            elif vbound - off > RC_EPS:
                theta = INF
            if pat is not None and pat.content and pat not in self.seen \
                    and lp.reduced(pat, y) < -RC_EPS * max(1.0, host.cost):
                found.append(pat)
        yb = point.copy()
        yb[lp.rows.cover] = pi
        farley = lp.dual_objective(yb) / theta if math.isfinite(theta) else 0.0
        return farley, clean, found

    def offer(self, x: list[tuple[Pattern, float]]) -> None:
        """Take an integral node solution as the incumbent if it is cheaper."""
        pats = [(p, round(v)) for p, v in x if round(v) > 0]
        cost = float(sum(self.problem.hosts[p.host].cost * k for p, k in pats))
        cover = [0] * len(self.problem.items)
        for p, k in pats:
            for i, a in p.content:
                cover[i] += a * k
        if any(c < it.demand for c, it in zip(cover, self.problem.items, strict=True)):
            return
        if cost < self.upper - 1e-9:
            self.upper = cost
            self.best = MasterSolution(sorted(pats), [], {}, cost, False)

    def try_pool(self, seconds: float) -> None:
        """Price-and-branch on the pool so far: an incumbent from the integer master."""
        ms = solve_integer_master(self.problem, [], self.pool, self.penalty, seconds)
        if ms is not None and not ms.slack and ms.objective < self.upper - 1e-9:
            self.upper = ms.objective
            self.best = ms
        if ms is not None and ms.interrupted:
            raise KeyboardInterrupt


def branch_and_price(problem: Problem, unit_pats: list[UnitPattern], pool: list[Pattern],
                     penalty: float, deadline: float, upper: float = INF) -> BnPResult | None:
    """Search for a plan cheaper than ``upper`` and prove a bound; None if not applicable.

    Returns the best plan found (None inside if nothing beat ``upper``) and a lower bound
    valid for every plan that places every copy: the least bound over nodes still open, or
    ``upper`` when the tree is closed (slack is dearer here than in the caller's master, so
    the bound says nothing of plans that leave copies unplaced; the engine calls this only
    when its best plan places every copy). Ctrl-C stops the search and returns what it has,
    marked interrupted.
    """
    if problem.units or unit_pats or len(problem.items) > MAX_CLASSES or not problem.hosts:
        return None
    t0 = time.monotonic()
    search = _Search(problem, pool, SLACK_FACTOR * penalty, deadline, upper)
    heap: list[_Node] = []
    stuck: list[float] = []  # bounds of nodes that cannot be branched (kept in the bound)
    order = 0
    nodes = 0
    current: _Node | None = _Node((0.0, 0, 0), (), 0.0, 0)
    interrupted = False
    tried_pool = len(search.pool)
    try:
        while current is not None and time.monotonic() < deadline:
            node = current
            if search.prunable(node.bound):
                current = _pop(heap, search)
                continue
            nodes += 1
            out = search.solve_node(node.branches, node.bound)
            node.bound = out.bound
            if out.integral and out.x:
                search.offer(out.x)
            if nodes == 1 or len(search.pool) > 1.5 * tried_pool:
                tried_pool = len(search.pool)
                left = deadline - time.monotonic()
                if left > 0.2:
                    search.try_pool(min(1.0, 0.15 * left))
            if not out.done:
                break  # out of time: the node stays open with the bound it reached
            if out.stuck or not out.x:
                stuck.append(out.bound)  # (checked first: an unproven integral LP is stuck)
                current = _pop(heap, search)
                continue
            if out.integral or search.prunable(out.bound):
                current = _pop(heap, search)
                continue
            bset, v = choose_branch(problem, out.x)
            lo = Branch(bset, False, math.floor(v))
            hi = Branch(bset, True, math.ceil(v))
            first, second = (hi, lo) if v - math.floor(v) >= 0.5 else (lo, hi)
            kids = []
            for b in (first, second):
                order += 1
                kids.append(_Node((out.bound, -(node.depth + 1), order),
                                  _merge(node.branches, b), out.bound, node.depth + 1))
            heapq.heappush(heap, kids[1])
            current = kids[0]  # plunge
    except KeyboardInterrupt:
        interrupted = True
    if current is not None:
        heapq.heappush(heap, current)  # being solved or not yet: open, with a valid bound
    open_bounds = [n.bound for n in heap if not search.prunable(n.bound)]
    open_bounds += [b for b in stuck if not search.prunable(b)]
    proven = not open_bounds
    lb = min([search.upper, *open_bounds])
    return BnPResult(search.best, lb, proven, nodes, search.pool, interrupted,
                     time.monotonic() - t0)


def _pop(heap: list[_Node], search: _Search) -> _Node | None:
    """The open node with the least bound (deepest first on ties), skipping pruned ones."""
    while heap:
        n = heapq.heappop(heap)
        if not search.prunable(n.bound):
            return n
    return None


def _merge(branches: tuple[Branch, ...], b: Branch) -> tuple[Branch, ...]:
    """Add a branching row, replacing a looser one on the same set and side."""
    out = [c for c in branches if not (c.bset == b.bset and c.up == b.up)]
    out.append(b)
    return tuple(out)
