"""Peers: what a user would otherwise run. Independent of the engine's code.

All peers work on :class:`Grid`, the instance on the engine's integer grid (milli-vCPU, MiB,
MB; demand rounded up, capacity down), computed here from the raw inputs, so a peer's packing
is valid for the engine's verifier too. A packing is a list of bins (PC model, item indexes).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np

from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.solver.highs import new_highs, run_highs

SCALE = (1000, 1024, 1000)
Bins = list[tuple[int, list[int]]]


@dataclass
class Grid:
    """Item sizes and PC model capacities on an integer grid, model costs and stock."""

    names: list[str]
    sizes: np.ndarray  # (n, 3) int64
    caps: np.ndarray  # (T, 3) int64
    costs: list[float]
    available: list[int | None]
    models: list[str]
    dropped: list[str] = field(default_factory=list)

    def fits(self, i: int, t: int) -> bool:
        """Whether item ``i`` fits an empty PC of model ``t``."""
        return bool(np.all(self.sizes[i] <= self.caps[t]))

    def fitting(self, t: int) -> list[int]:
        """Items that fit an empty PC of model ``t``."""
        return np.nonzero(np.all(self.sizes <= self.caps[t], axis=1))[0].tolist()


def to_grid(inventory: Inventory, catalog: Catalog, policy: Policy) -> Grid:
    """The instance on the grid; workloads that fit no model are dropped (and listed)."""
    grow = (1.0 + policy.growth_per_year) ** catalog.term_years
    keep = 1.0 - policy.headroom
    caps, costs, avail, models = [], [], [], []
    for m in catalog.hosts:
        c = (max(0.0, m.cores - policy.host_reserved_cores) * policy.cpu_overcommit * keep,
             max(0.0, m.memory_gib - policy.host_reserved_memory_gib)
             * policy.memory_overcommit * keep,
             m.storage_gb * keep)
        caps.append([math.floor(x * s + 1e-9) for x, s in zip(c, SCALE, strict=True)])
        costs.append(float(catalog.item_cost(m)) if catalog.has_fees else 1.0)
        avail.append(m.available)
        models.append(m.name)
    cap_arr = np.array(caps, dtype=np.int64).reshape(-1, 3)
    names: list[str] = []
    sizes: list[list[int]] = []
    dropped: list[str] = []
    for w in inventory.workloads:
        sto = w.storage_gb
        if policy.storage_basis == "used" and w.storage_used_gb is not None:
            sto = w.storage_used_gb
        d = (w.vcpu * grow, w.memory_gib * grow, sto * grow)
        g = [math.ceil(x * s - 1e-9) for x, s in zip(d, SCALE, strict=True)]
        inst = w.instance_names()
        if not np.any(np.all(np.array(g) <= cap_arr, axis=1)):
            dropped.extend(inst)
            continue
        names.extend(inst)
        sizes.extend([g] * len(inst))
    return Grid(names, np.array(sizes, dtype=np.int64).reshape(-1, 3), cap_arr, costs,
                avail, models, dropped)


def check_packing(grid: Grid, bins: Bins) -> list[str]:
    """Independent feasibility check: every item once, no bin over capacity, stock respected."""
    problems: list[str] = []
    seen = np.zeros(len(grid.names), dtype=np.int64)
    per_model = [0] * len(grid.models)
    for b, (t, items) in enumerate(bins):
        per_model[t] += 1
        load = grid.sizes[items].sum(axis=0) if items else np.zeros(3, dtype=np.int64)
        if np.any(load > grid.caps[t]):
            problems.append(f"bin {b} ({grid.models[t]}) over capacity")
        for i in items:
            seen[i] += 1
    if np.any(seen != 1):
        problems.append(f"{int(np.sum(seen != 1))} items not placed exactly once")
    for t, k in enumerate(per_model):
        a = grid.available[t]
        if a is not None and k > a:
            problems.append(f"{k} PCs of {grid.models[t]} > available {a}")
    return problems


def packing_cost(grid: Grid, bins: Bins) -> float:
    """Total cost (or PC count) of a packing."""
    return sum(grid.costs[t] for t, _ in bins)


# --- first-fit decreasing and Panigrahy et al. (2011) greedy variants -----------------------

FFD_MEASURES = ("sum", "product", "max", "norm")
BIN_CENTRIC = ("dot", "l2")


def _ffd(grid: Grid, items: list[int], t: int, measure: str) -> Bins:
    """Item-centric FFD of ``items`` onto PCs of model ``t``, sorted by a normalised measure."""
    cap = grid.caps[t].astype(np.float64)
    norm = grid.sizes[items] / cap if items else np.zeros((0, 3))
    key = {"sum": norm.sum(axis=1), "product": norm.prod(axis=1), "max": norm.max(axis=1),
           "norm": np.sqrt((norm ** 2).sum(axis=1))}[measure]
    order = [items[j] for j in np.lexsort((np.array(items), -key))]
    residual = np.zeros((0, 3), dtype=np.int64)
    contents: list[list[int]] = []
    for i in order:
        s = grid.sizes[i]
        fit: list[int] = (np.nonzero(np.all(residual >= s, axis=1))[0].tolist()
                          if len(residual) else [])
        if len(fit):
            b = fit[0]
            residual[b] -= s
            contents[b].append(i)
        else:
            residual = np.vstack([residual, grid.caps[t] - s])
            contents.append([i])
    return [(t, c) for c in contents]


def _bin_centric(grid: Grid, items: list[int], t: int, rule: str) -> Bins:
    """Panigrahy's bin-centric greedy (dot product or L2 norm).

    Open a PC, repeatedly add the fitting item with the largest dot product with the residual
    ('dot') or the smallest L2 distance to it ('l2'), all normalised by capacity; identical
    items are handled as classes.
    """
    cap = grid.caps[t].astype(np.float64)
    keys, inv, counts = np.unique(grid.sizes[items], axis=0, return_inverse=True,
                                  return_counts=True)
    members: list[list[int]] = [[] for _ in range(len(keys))]
    for j, cls in zip(items, np.asarray(inv).ravel().tolist(), strict=True):
        members[int(cls)].append(j)
    counts = counts.astype(np.int64)
    nsize = keys / cap
    bins: Bins = []
    while counts.sum() > 0:
        residual = grid.caps[t].copy()
        content: list[int] = []
        while True:
            ok = (counts > 0) & np.all(keys <= residual, axis=1)
            if not ok.any():
                break
            r = residual / cap
            if rule == "dot":
                score = nsize @ r
                score[~ok] = -np.inf
                c = int(np.argmax(score))
            else:
                score = np.sqrt(((r - nsize) ** 2).sum(axis=1))
                score[~ok] = np.inf
                c = int(np.argmin(score))
            counts[c] -= 1
            content.append(members[c].pop())
            residual = residual - keys[c]
        if not content:  # cannot happen: every item fits an empty PC of this model
            raise RuntimeError("item does not fit an empty PC")
        bins.append((t, content))
    return bins


def greedy_packing(grid: Grid, measure: str) -> tuple[Bins | None, str]:
    """The cheapest single-model packing for one greedy rule.

    For each PC model: items that fit it are packed onto it; items that do not go onto the
    cheapest model that holds them (what a script on one 'standard' PC would do). Stock limits
    are respected by discarding models that would exceed them. Returns (bins, model) or None.
    """
    best: Bins | None = None
    best_model = ""
    n = len(grid.names)
    for t in range(len(grid.models)):
        fits = grid.fitting(t)
        fset = set(fits)
        rest = [i for i in range(n) if i not in fset]
        bins = (_ffd(grid, fits, t, measure) if measure in FFD_MEASURES
                else _bin_centric(grid, fits, t, measure))
        by_model: dict[int, list[int]] = {}
        for i in rest:
            ok = [u for u in range(len(grid.models)) if grid.fits(i, u)]
            u = min(ok, key=lambda u: (grid.costs[u], u))
            by_model.setdefault(u, []).append(i)
        for u, its in sorted(by_model.items()):
            bins += _ffd(grid, its, u, "sum") if measure in FFD_MEASURES else \
                _bin_centric(grid, its, u, measure)
        if check_packing(grid, bins):
            continue
        if best is None or packing_cost(grid, bins) < packing_cost(grid, best):
            best, best_model = bins, grid.models[t]
    return best, best_model


# --- the plain assignment MILP a user writes in PuLP, and CP-SAT ----------------------------

#: models larger than this many binaries are not built (they would not even load in time)
MAX_BINARIES = 3_000_000
#: a MILP peer's "infeasible" counts as proven only when its solve took less than this share
#: of its time limit
INFEASIBLE_BEFORE = 0.9


def _bin_slots(grid: Grid) -> list[int]:
    """Candidate PCs per model: the FFD count on that model alone (a user's natural cap)."""
    out = []
    for t in range(len(grid.models)):
        fits = grid.fitting(t)
        k = len(_ffd(grid, fits, t, "sum")) if fits else 0
        a = grid.available[t]
        out.append(min(k, a) if a is not None else k)
    return out


Space = tuple[list[tuple[int, int]], list[tuple[int, int]]]


def _assignment_space(grid: Grid) -> Space | dict[str, Any]:
    """Candidate PCs (model, copy) and the (workload, PC) pairs that fit, or a skip record.

    Shared by the MILP and CP-SAT peers: both model the same workload x PC assignment.
    """
    slots = _bin_slots(grid)
    bins = [(t, k) for t in range(len(slots)) for k in range(slots[t])]
    fit = [grid.fitting(t) for t in range(len(slots))]
    size = sum(len(fit[t]) for t, _ in bins)
    if size > MAX_BINARIES:
        return {"status": "skipped", "note": f"{size:,} binaries > {MAX_BINARIES:,}"}
    return bins, [(i, b) for b, (t, _) in enumerate(bins) for i in fit[t]]


def price_step(grid: Grid) -> float:
    """The step between plan costs, so a bound within it proves a plan optimal.

    1 when every PC price is whole, 0.01 when they are whole cents, else 0 (none known).
    """
    for tick in (1.0, 0.01):
        if all(abs(c / tick - round(c / tick)) < 1e-6 for c in grid.costs):
            return tick
    return 0.0


def _closes(grid: Grid, bound: float, cost: float) -> bool:
    """Whether ``bound`` proves ``cost`` optimal.

    Plan costs are sums of PC prices: on whole units or whole cents no plan costs less than
    ``cost`` yet at least ``bound`` once the bound is within one such step of it.
    """
    step = price_step(grid)
    return bound > cost - step + 1e-9 * max(1.0, abs(cost)) if step else \
        bound >= cost - 1e-9 * max(1.0, abs(cost))


def infeasible_claim(said: bool, seconds: float, limit: float) -> bool:
    """Whether a solver's "infeasible" proves it: only when it stopped before its limit.

    PuLP reports CBC stopped by its time limit with no incumbent as infeasible (seen on a
    500-workload constructed instance, 12.3 s against 10 s, where a packing exists).
    """
    return said and seconds < INFEASIBLE_BEFORE * limit


def pulp_milp(grid: Grid, solver: str, time_limit: float) -> dict[str, Any]:
    """Workload x PC assignment MILP in PuLP, solved by 'highs' (highspy) or 'cbc'."""
    import pulp

    t0 = time.monotonic()
    n = len(grid.names)
    space = _assignment_space(grid)
    if isinstance(space, dict):
        return space
    bins, pairs = space
    prob = pulp.LpProblem("assign", pulp.LpMinimize)
    y = [prob.add_variable(f"y{b}", cat="Binary") for b in range(len(bins))]
    x = {(i, b): prob.add_variable(f"x{i}_{b}", cat="Binary") for i, b in pairs}
    prob += pulp.lpSum(grid.costs[t] * y[b] for b, (t, _) in enumerate(bins))
    by_item: dict[int, list[Any]] = {}
    by_bin: dict[int, list[tuple[int, Any]]] = {}
    for (i, b), v in x.items():
        by_item.setdefault(i, []).append(v)
        by_bin.setdefault(b, []).append((i, v))
    for i in range(n):
        prob += pulp.lpSum(by_item.get(i, [])) == 1
    for b, (t, _) in enumerate(bins):
        for d in range(3):
            prob += (pulp.lpSum(int(grid.sizes[i, d]) * v for i, v in by_bin.get(b, []))
                     <= int(grid.caps[t, d]) * y[b])
        if b + 1 < len(bins) and bins[b + 1][0] == t:  # symmetry: open PCs of a model in order
            prob += y[b] >= y[b + 1]
    left = max(1.0, time_limit - (time.monotonic() - t0))
    with warnings.catch_warnings():
        # PuLP 3.3 announces PULP_CBC_CMD's removal in PuLP 4; it is still the CBC a user has
        warnings.simplefilter("ignore", DeprecationWarning)
        if solver == "highs":
            s: Any = pulp.HiGHS(msg=False, timeLimit=left, threads=1)
        else:
            s = pulp.PULP_CBC_CMD(msg=False, timeLimit=left, threads=1)
        began = time.monotonic()
        prob.solve(s)
    proven_infeasible = infeasible_claim(prob.status == pulp.LpStatusInfeasible,
                                         time.monotonic() - began, left)
    out: dict[str, Any] = {"status": "infeasible" if proven_infeasible else "no solution",
                           "note": "" if proven_infeasible else "no incumbent in the time limit"}
    bound = None
    if solver == "highs" and getattr(prob, "solverModel", None) is not None:
        try:
            bound = float(prob.solverModel.getInfo().mip_dual_bound)
        except Exception:  # the bound is optional
            bound = None
    if prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        packing: Bins = [(t, []) for t, _ in bins]
        for (i, b), v in x.items():
            if (v.value() or 0) > 0.5:
                packing[b][1].append(i)
        packing = [(t, its) for t, its in packing if its]
        proven = prob.sol_status == pulp.LpSolutionOptimal
        cost = packing_cost(grid, packing)
        if proven and bound is not None and not _closes(grid, bound, cost):
            # HiGHS calls a solution optimal within its default relative gap (1e-4, which
            # PuLP leaves as it is): only a bound that reaches the cost proves it
            proven = False
        out = {"status": "optimal" if proven else "feasible", "bins": packing, "cost": cost,
               "lower_bound": cost if proven else bound}
        if not proven and prob.sol_status == pulp.LpSolutionOptimal:
            out["note"] = "stopped at HiGHS's default 0.01 % gap"
    elif bound is not None:
        out["lower_bound"] = bound
    return out


def cpsat(grid: Grid, time_limit: float, workers: int = 2) -> dict[str, Any]:
    """OR-Tools CP-SAT with the standard bin-packing model (x item-bin, y bin open)."""
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        return {"status": "skipped", "note": "ortools not installed (pip install '.[bench]')"}
    t0 = time.monotonic()
    n = len(grid.names)
    space = _assignment_space(grid)
    if isinstance(space, dict):
        return space
    bins, pairs = space
    m = cp_model.CpModel()
    y = [m.new_bool_var(f"y{b}") for b in range(len(bins))]
    x = {(i, b): m.new_bool_var(f"x{i}_{b}") for i, b in pairs}
    by_item: dict[int, list[Any]] = {}
    by_bin: dict[int, list[tuple[int, Any]]] = {}
    for (i, b), v in x.items():
        by_item.setdefault(i, []).append(v)
        by_bin.setdefault(b, []).append((i, v))
    for i in range(n):
        m.add_exactly_one(by_item[i])
    # CP-SAT minimises integers: prices in their step (a finer grid, rounded, proves nothing)
    step = price_step(grid)
    scale = round(1 / step) if step else 10_000
    for b, (t, _) in enumerate(bins):
        for d in range(3):
            m.add(sum(int(grid.sizes[i, d]) * v for i, v in by_bin.get(b, []))
                  <= int(grid.caps[t, d]) * y[b])
        if b + 1 < len(bins) and bins[b + 1][0] == t:
            m.add(y[b] >= y[b + 1])
    m.minimize(sum(round(grid.costs[t] * scale) * y[b] for b, (t, _) in enumerate(bins)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, time_limit - (time.monotonic() - t0))
    solver.parameters.num_workers = workers
    st = solver.solve(m)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {"status": "infeasible" if st == cp_model.INFEASIBLE else "no solution"}
    packing: Bins = [(t, []) for t, _ in bins]
    for (i, b), v in x.items():
        if solver.value(v):
            packing[b][1].append(i)
    packing = [(t, its) for t, its in packing if its]
    cost = packing_cost(grid, packing)
    proven = st == cp_model.OPTIMAL and step > 0
    return {"status": "optimal" if proven else "feasible", "bins": packing,
            "cost": cost, "lower_bound": solver.best_objective_bound / scale if step else None}


# --- an exact check: every pattern enumerated, set cover in HiGHS -------------------------

#: the pattern check gives up beyond this many patterns (all PC types together)
MAX_PATTERNS = 300_000


def _patterns(sizes: np.ndarray, count: np.ndarray, cap: np.ndarray,
              limit: int) -> list[list[tuple[int, int]]] | None:
    """Every non-empty multiset of classes (class, copies) fitting ``cap``; None past limit."""
    out: list[list[tuple[int, int]]] = []

    def grow(start: int, load: np.ndarray, chosen: list[tuple[int, int]]) -> bool:
        for j in range(start, len(sizes)):
            now = load
            for k in range(1, int(count[j]) + 1):
                now = now + sizes[j]
                if np.any(now > cap):
                    break
                out.append([*chosen, (j, k)])
                if len(out) > limit or not grow(j + 1, now, out[-1]):
                    return False
        return True

    return out if grow(0, np.zeros(3, dtype=np.int64), []) else None


def pattern_milp(grid: Grid, time_limit: float,
                 max_patterns: int = MAX_PATTERNS) -> dict[str, Any]:
    """Optimum by complete enumeration: every set of workloads fitting a PC, set cover in HiGHS.

    Independent of the engine's column generation and branch-and-price (no pricing, no
    branching rules of ours): where it proves an optimum, it confirms or refutes the
    engine's. Identical workloads form one class. Skipped beyond ``max_patterns``.
    """
    t0 = time.monotonic()
    if not len(grid.names):
        return {"status": "optimal", "bins": [], "cost": 0.0, "lower_bound": 0.0}
    uniq, inverse, count = np.unique(grid.sizes, axis=0, return_inverse=True,
                                     return_counts=True)
    inverse = np.asarray(inverse).reshape(-1)
    pats: list[tuple[int, list[tuple[int, int]]]] = []
    for t in range(len(grid.models)):
        found = _patterns(uniq, count, grid.caps[t], max_patterns - len(pats))
        if found is None:
            return {"status": "skipped", "note": f"more than {max_patterns:,} patterns"}
        pats += [(t, p) for p in found]
    h = new_highs(max(1.0, time_limit - (time.monotonic() - t0)))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(pats), len(uniq) + len(grid.models)
    lp.col_cost_ = np.array([grid.costs[t] for t, _ in pats], dtype=np.float64)
    lp.col_lower_ = np.zeros(len(pats))
    lp.col_upper_ = np.full(len(pats), float(count.max()))
    stock = [highspy.kHighsInf if a is None else float(a) for a in grid.available]
    lp.row_lower_ = np.concatenate([count.astype(np.float64), np.zeros(len(grid.models))])
    lp.row_upper_ = np.concatenate([np.full(len(uniq), highspy.kHighsInf), stock])
    idx = [np.array([j for j, _ in p] + [len(uniq) + t], dtype=np.int32) for t, p in pats]
    val = [np.array([k for _, k in p] + [1], dtype=np.float64) for _, p in pats]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.cumsum([0] + [len(i) for i in idx]).astype(np.int32)
    lp.a_matrix_.index_ = np.concatenate(idx)
    lp.a_matrix_.value_ = np.concatenate(val)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(pats)
    h.passModel(lp)
    run_highs(h)
    info = h.getInfo()
    bound = float(info.mip_dual_bound)
    if info.primal_solution_status != 2:
        return {"status": "no solution", "note": "no incumbent in the time limit",
                "lower_bound": bound}
    # each chosen pattern takes its workloads from its classes' pools (a cover may hold
    # more copies of a class than are left: those slots stay empty)
    pool = {j: list(np.nonzero(inverse == j)[0].tolist()) for j in range(len(uniq))}
    bins: Bins = []
    x = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    for c in np.nonzero(x > 0)[0].tolist():
        t, p = pats[c]
        for _ in range(int(x[c])):
            items = [pool[j].pop() for j, k in p for _ in range(k) if pool[j]]
            if items:
                bins.append((t, items))
    cost = packing_cost(grid, bins)
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal and \
        _closes(grid, bound, cost)
    return {"status": "optimal" if proven else "feasible", "bins": bins, "cost": cost,
            "lower_bound": cost if proven else bound}
