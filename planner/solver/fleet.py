"""Packing into a given fleet: the PC counts per type that the capacity bound found enough.

On inventories of many small workloads the capacity bound is nearly attained, and what the
first-fit heuristics miss is the mix of PC types. Given that mix, copies are placed largest
first into the PC whose normalised free capacity best matches them (dot product, Panigrahy
et al. 2011, or the cosine of free capacity and demand); a copy that fits nowhere is placed by
moving one copy out of the way, what is still left goes to new PCs by first-fit decreasing, and
every PC is then downsized to the cheapest model that holds its load.
"""

from __future__ import annotations

import math
import time

import highspy
import numpy as np

from planner.model.problem import Problem
from planner.solver.bounds import capacity_plan
from planner.solver.colgen import residual_problem
from planner.solver.heuristics import Packing, Pattern, cheapest_holding, ffd_multi
from planner.solver.highs import INF, fvec, ivec, new_highs, run_interruptible

#: above this many copies, one pass costs seconds; the other heuristics cover large inventories
#: (50,000 copies into 2,782 PCs: 2.4 s a pass, unloaded)
MAX_COPIES = 100_000
RULES = ("dot", "align")
ORDERS = ("max", "sum")
#: fleets up to this many PCs per model away from the bound's are tried, for few models
NEAR = 3
MAX_TYPES = 5
#: PCs looked at per left-over copy when making room for it
REPAIR_BINS = 20
#: where the bound's fleet leaves copies over on more PCs (E per model) than a nearby fleet
#: adds, the fleet grown by these shares of E is packed instead: a fleet with no room to
#: spare in two dimensions leaves the copies that arrive last, where a little room spread
#: over the fleet takes most of them
#: (50,000 real sizes, 2,782 PCs + 104 for the left-overs: +0 PCs 4.02 % above the bound,
#: +30 3.44 %, +60 3.14 %, +90 3.48 %)
GROW = (0.5, 0.25, 0.75)


def pack_fleet(problem: Problem, counts: list[int], rule: str = "dot",
               order: str = "max", deadline: float = float("inf")) -> Packing:
    """Place every copy into a fleet of ``counts[k]`` PCs of each type, extra PCs if needed.

    rule: "dot" or "align" (see the module doc); order: copies by their largest ("max") or
    summed ("sum") size relative to the fleet's mean PC.
    """
    return _pack(problem, counts, rule, order, deadline)[0]


def _pack(problem: Problem, counts: list[int], rule: str, order: str,
          deadline: float) -> tuple[Packing, list[int]]:
    """``pack_fleet``, and the extra PCs per model it opened for the copies the fleet left."""
    items = problem.items
    types = [k for k in sorted(range(len(counts)), key=lambda k: -problem.hosts[k].cost)
             for _ in range(counts[k])]
    nd = problem.nd
    free = np.array([problem.hosts[k].cap for k in types], dtype=np.int64).reshape(-1, nd)
    cap = np.maximum(free.astype(np.float64), 1.0)
    mean_cap = cap.mean(axis=0) if len(types) else np.ones(nd)
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, nd)
    norm = sizes / mean_cap
    key = norm.max(axis=1) if order == "max" else norm.sum(axis=1)
    ranked = sorted(range(len(items)), key=lambda i: (-key[i], items[i].key))
    contents: list[dict[int, int]] = [{} for _ in types]
    groups: list[set[str]] = [set() for _ in types]
    left = [0] * len(items)

    def scores(rows: int | slice, size: np.ndarray) -> np.ndarray:
        if rule == "dot":
            return np.asarray((free[rows] / cap[rows]) @ (size / mean_cap))
        # "align": the PC whose free capacity points the way the copy does (cosine), so
        # each model takes the workloads shaped like it
        rel = free[rows] / mean_cap
        return np.asarray((rel @ (size / mean_cap))
                          / np.maximum(np.linalg.norm(rel, axis=-1), 1e-12))

    for i in ranked:
        it = items[i]
        size = sizes[i]
        if not it.demand or not len(types):
            left[i] += it.demand
            continue
        # a class's copies in turn: only the PC that took the last copy changes, so its
        # feasibility and score are updated alone (the same choices as scoring every PC
        # for every copy, at a fraction of the cost on 50,000 copies)
        ok = np.all(free >= size, axis=1)
        score = np.where(ok, scores(slice(None), size), -np.inf)
        for n in range(it.demand - 1, -1, -1):  # n: copies of the class still to come
            if it.anti:
                allowed = ok.copy()
                for b in np.nonzero(ok)[0].tolist():
                    if groups[b].intersection(it.anti):
                        allowed[b] = False
                pick = np.where(allowed, score, -np.inf)
            else:
                pick = score
            b = int(np.argmax(pick))
            if pick[b] == -np.inf:
                left[i] += 1
                continue
            free[b] -= size
            contents[b][i] = contents[b].get(i, 0) + 1
            groups[b].update(it.anti)
            if n:
                ok[b] = bool(np.all(free[b] >= size))
                score[b] = float(scores(b, size)) if ok[b] else -np.inf
    if any(left):
        _repair(problem, sizes, free, contents, left, deadline)
    used = [0] * len(problem.hosts)
    kept = [(types[b], c) for b, c in enumerate(contents) if c]
    for k, _ in kept:
        used[k] += 1
    patterns: list[Pattern] = []
    for k, c in kept:
        pat = Pattern(k, tuple(sorted(c.items())))
        used[k] -= 1
        best = cheapest_holding(problem, pat.load(problem), used, k)
        used[best] += 1
        patterns.append(Pattern(best, pat.content))
    uncovered: dict[int, int] = {}
    extra = [0] * len(problem.hosts)
    if any(left):
        rest = _leftover(problem, left, used)
        patterns += rest.patterns
        uncovered = rest.uncovered
        for p in rest.patterns:
            extra[p.host] += 1
    return Packing(patterns, uncovered), extra


def _repair(problem: Problem, sizes: np.ndarray, free: np.ndarray,
            contents: list[dict[int, int]], left: list[int], deadline: float) -> None:
    """Place left-over copies by moving one copy out of the way (one-level ejection).

    For a copy that fits no PC, look at the PCs it misses by least; if one of their copies
    covers the shortfall and fits in another PC, move it and place the left-over copy there.
    Tight fleets often need just that. Updates the arguments in place.
    """
    items = problem.items
    scale = np.maximum(free.max(axis=0), 1).astype(np.float64) if len(free) else np.ones(3)
    movable = np.array([not it.anti for it in items])
    for i in range(len(items)):
        if items[i].anti:
            continue  # moving around anti-affinity groups is left to the other phases
        while left[i] > 0 and time.monotonic() < deadline:
            short = sizes[i] - free
            direct = np.all(short <= 0, axis=1)
            if direct.any():
                b = int(np.argmax(direct))
            else:
                b = -1
                miss = (np.maximum(short, 0) / scale).sum(axis=1)
                for cand_bin in np.argsort(miss, kind="stable")[:REPAIR_BINS].tolist():
                    js = np.array(sorted(contents[cand_bin]), dtype=np.int64)
                    if not js.size:
                        continue
                    ok = movable[js] & (js != i) & np.all(sizes[js] >= short[cand_bin], axis=1)
                    js = js[ok]
                    if not js.size:
                        continue
                    room = np.all(free[None, :, :] >= sizes[js][:, None, :], axis=2)
                    room[:, cand_bin] = False
                    hit = np.nonzero(room.any(axis=1))[0]
                    if not hit.size:
                        continue
                    j = int(js[hit[0]])
                    b2 = int(np.argmax(room[hit[0]]))
                    free[b2] -= sizes[j]
                    contents[b2][j] = contents[b2].get(j, 0) + 1
                    contents[cand_bin][j] -= 1
                    if not contents[cand_bin][j]:
                        del contents[cand_bin][j]
                    free[cand_bin] += sizes[j]
                    b = cand_bin
                    break
                if b < 0:
                    break
            free[b] -= sizes[i]
            contents[b][i] = contents[b].get(i, 0) + 1
            left[i] -= 1


def _leftover(problem: Problem, left: list[int], used: list[int]) -> Packing:
    """First-fit decreasing for the copies the fleet could not hold, within the stock left.

    New PCs of each model in turn (then downsized), the cheapest packing kept, ties to the
    cheapest model: the copies a full fleet leaves are often the ones heavy in its scarcest
    dimension, which the cheapest model holds at a dearer price per unit of it (50,000 real
    sizes: 6,235 copies on small PCs cost 2.00 M, on large ones 1.35 M).
    """
    sub = residual_problem(problem, left, used)
    best: Packing | None = None
    for primary in sorted(range(len(sub.hosts)), key=lambda k: (sub.hosts[k].cost, k)):
        pk = ffd_multi(sub, primary)
        if best is None or (sum(pk.uncovered.values()), pk.cost(sub)) \
                < (sum(best.uncovered.values()), best.cost(sub)):
            best = pk
    assert best is not None
    return best


def nearby_fleets(problem: Problem, counts: list[int], upper: float,
                  reach: int = NEAR) -> list[list[int]]:
    """Fleets within ``reach`` PCs per model of ``counts``, cheaper than ``upper``, by cost.

    Only fleets with enough total capacity in every dimension and within vendor stock are
    kept: the candidates to pack into when the bound's own fleet is too tight.
    """
    hosts = problem.hosts
    if len(hosts) > MAX_TYPES:
        return []
    need = np.array([sum(it.size[d] * it.demand for it in problem.items)
                     for d in range(problem.nd)], dtype=np.float64)
    ranges = []
    for k, h in enumerate(hosts):
        top = counts[k] + reach if h.available is None else min(h.available, counts[k] + reach)
        ranges.append(np.arange(max(0, counts[k] - reach), top + 1))
    grid = np.array(np.meshgrid(*ranges, indexing="ij")).reshape(len(hosts), -1).T
    cost = grid @ np.array([h.cost for h in hosts], dtype=np.float64)
    cap = grid @ np.array([h.cap for h in hosts], dtype=np.float64)
    keep = (cost < upper - 1e-9) & np.all(cap >= need, axis=1)
    chosen = grid[keep]
    order = np.lexsort((chosen.sum(axis=1), cost[keep]))
    return [[int(v) for v in row] for row in chosen[order]]


def fleet_packing(problem: Problem, counts: list[int], deadline: float,
                  upper: float = float("inf")) -> Packing | None:
    """The cheapest packing into the bound's fleet or a slightly larger one, by the deadline.

    The bound's fleet comes first with every placement rule; then nearby fleets in order of
    cost, or, where the copies it leaves took more PCs than such a fleet adds, the fleet
    grown by shares of those PCs (``GROW``); each with the rule that did best, until one
    holds every copy.
    """
    if sum(it.demand for it in problem.items) > MAX_COPIES or sum(counts) == 0:
        return None

    def key(pk: Packing) -> tuple[int, int]:
        return sum(pk.uncovered.values()), pk.cost(problem)

    best: Packing | None = None
    best_rule = (RULES[0], ORDERS[0])
    extra: list[int] = []
    for rule in RULES:
        for order in ORDERS:
            if best is not None and time.monotonic() >= deadline:
                return best
            pk, more = _pack(problem, counts, rule, order, deadline)
            if best is None or key(pk) < key(best):
                best, best_rule, extra = pk, (rule, order), more
    assert best is not None
    if sum(extra) > NEAR * len(counts):
        # the left-overs took more PCs than a nearby fleet adds: the fleet grown by shares
        # of them instead
        tried = [counts]
        for share in GROW:
            grown = [c + math.ceil(share * e) for c, e in zip(counts, extra, strict=True)]
            grown = [g if h.available is None else min(g, h.available)
                     for g, h in zip(grown, problem.hosts, strict=True)]
            if grown in tried:
                continue
            tried.append(grown)
            if time.monotonic() >= deadline:
                break
            pk = _pack(problem, grown, *best_rule, deadline)[0]
            if key(pk) < key(best):
                best = pk
        return best
    for fleet in nearby_fleets(problem, counts, min(upper, best.cost(problem))):
        if time.monotonic() >= deadline:
            break
        if fleet == counts:
            continue
        fleet_cost = sum(h.cost * n for h, n in zip(problem.hosts, fleet, strict=True))
        if fleet_cost >= best.cost(problem):
            break  # sorted by cost: no later fleet can beat the best packing
        pk = pack_fleet(problem, fleet, *best_rule, deadline)
        if key(pk) < key(best):
            best = pk
    return best


def round_down(problem: Problem, pool: list[Pattern], x: list[float],
               deadline: float) -> Packing:
    """A master LP's solution rounded down, the copies it leaves packed into their own fleet.

    Each column takes floor(x) PCs (largest x first, within the demand still uncovered, the
    vendor's stock and the shared stocks); the rest is a residual problem whose capacity
    bound's fleet ``fleet_packing`` fills (first-fit decreasing on each model where it has
    none). On many copies the residual holds thousands of copies, which the placement rules
    pack within a fraction of a percent of the residual's bound, while the LP's whole PCs
    balance the dimensions where the rules alone leave every PC full in one dimension and
    short in another (50,000 real sizes: LP after 30 s 32.50 M, rounded down and packed
    32.30 M; the rules alone 33.22 M).
    """
    demand = [it.demand for it in problem.items]
    fixed = [0] * len(problem.hosts)
    chosen: list[Pattern] = []
    for v, p in sorted(zip(x, pool, strict=True), key=lambda vp: (-vp[0], vp[1])):
        for _ in range(math.floor(v + 1e-6)):
            if any(demand[i] < k for i, k in p.content) or not problem.room(p.host, fixed):
                break
            for i, k in p.content:
                demand[i] -= k
            fixed[p.host] += 1
            chosen.append(p)
    if not any(demand):
        return Packing(chosen, {})
    sub = residual_problem(problem, demand, fixed)
    _, counts = capacity_plan(sub, max(0.05, min(2.0, deadline - time.monotonic())))
    rest = fleet_packing(sub, counts, deadline) if counts is not None else None
    if rest is None:
        rest = _leftover(problem, demand, fixed)
    return Packing(chosen + rest.patterns, dict(rest.uncovered))


#: above this many class-per-PC variables the exact fleet model is not attempted
MAX_FLEET_VARIABLES = 6_000


def _fitting(problem: Problem, counts: list[int]) -> dict[int, list[int]]:
    """Per PC model of the fleet, the classes (with copies) that fit it."""
    return {k: [i for i, it in enumerate(problem.items)
                if it.demand and problem.fits(it.size, problem.hosts[k])]
            for k, n in enumerate(counts) if n}


def fleet_variables(problem: Problem, counts: list[int]) -> int:
    """Integer variables the exact fleet model would have (class-per-PC counts)."""
    return sum(len(v) * counts[k] for k, v in _fitting(problem, counts).items())


def fleet_milp(problem: Problem, counts: list[int], deadline: float) -> Packing | None:
    """Every copy placed in exactly the fleet ``counts``, by HiGHS, or None (none found).

    The capacity bound's fleet often holds the demand only when packed exactly (its PCs full
    in some dimension); the placement rules miss such packings, an exact model finds them
    and, the fleet costing the bound, can prove the plan optimal. Copies of a class
    are one integer per PC. No symmetry rows: ordering a model's PCs by load slowed HiGHS
    down on the literature instances (4 of 90 fleets found in 3 s, against 6 without).
    """
    items = problem.items
    fitting = _fitting(problem, counts)
    placeable = {i for v in fitting.values() for i in v}
    if not fitting or any(it.demand and i not in placeable for i, it in enumerate(items)) \
            or sum(len(v) * counts[k] for k, v in fitting.items()) > MAX_FLEET_VARIABLES:
        return None
    bins = [k for k in range(len(counts)) for _ in range(counts[k])]
    xs: list[tuple[int, int]] = []
    ubs: list[int] = []
    for b, k in enumerate(bins):
        host = problem.hosts[k]
        for i in fitting[k]:
            it = items[i]
            ub = min([it.demand] + [host.cap[d] // it.size[d]
                                    for d in range(problem.nd) if it.size[d]])
            xs.append((i, b))
            ubs.append(min(ub, 1) if it.anti else ub)
    seconds = deadline - time.monotonic()
    if seconds <= 0.01:
        return None
    h = new_highs(seconds)
    for ub in ubs:
        h.addVar(0.0, float(ub))
    n = len(xs)
    h.changeColsIntegrality(n, ivec(list(range(n))),
                            np.array([highspy.HighsVarType.kInteger] * n))
    by_item: dict[int, list[int]] = {}
    by_bin: dict[int, list[tuple[int, int]]] = {}
    for j, (i, b) in enumerate(xs):
        by_item.setdefault(i, []).append(j)
        by_bin.setdefault(b, []).append((i, j))
    for i, it in enumerate(items):
        if it.demand:
            cols = by_item[i]
            h.addRow(float(it.demand), float(it.demand), len(cols), ivec(cols),
                     fvec([1.0] * len(cols)))
    for b, k in enumerate(bins):
        host = problem.hosts[k]
        members = by_bin.get(b, [])
        cols = [j for _, j in members]
        for d in range(problem.nd):
            h.addRow(-INF, float(host.cap[d]), len(cols), ivec(cols),
                     fvec([float(items[i].size[d]) for i, _ in members]))
        groups: dict[str, list[int]] = {}
        for i, j in members:
            for g in items[i].anti:
                groups.setdefault(g, []).append(j)
        for gcols in groups.values():
            if len(gcols) > 1:
                h.addRow(-INF, 1.0, len(gcols), ivec(gcols), fvec([1.0] * len(gcols)))
    if run_interruptible(h):
        raise KeyboardInterrupt
    sol = h.getSolution()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or not sol.value_valid:
        return None
    contents: dict[int, dict[int, int]] = {}
    for j, (i, b) in enumerate(xs):
        v = round(sol.col_value[j])
        if v > 0:
            contents.setdefault(b, {})[i] = v
    patterns = [Pattern(bins[b], tuple(sorted(c.items()))) for b, c in sorted(contents.items())]
    # rounding within HiGHS's tolerances must not overfill an exactly full PC
    for p in patterns:
        held = [g for i, k in p.content for g in items[i].anti for _ in range(k)]
        if any(a > c for a, c in zip(p.load(problem), problem.hosts[p.host].cap, strict=True)) \
                or len(held) != len(set(held)):
            return None
    return Packing(patterns, {})


#: the tabu search is tried up to this many copies (one move scans every copy per candidate)
MAX_SEARCH_COPIES = 3_000
#: candidate copies x copies scored at once (memory: 3 dimensions x 8 bytes each)
BLOCK = 60_000
#: tabu tenure: a moved copy may not go back to its PC for this many moves (plus a random
#: part and the number of overfull PCs)
TENURE = 3


def fleet_search(problem: Problem, counts: list[int], deadline: float,
                 seed: int = 0) -> Packing | None:
    """Every copy placed in exactly the fleet ``counts`` by tabu search, or None by the deadline.

    The fleet's PCs may be overfull while searching; the search minimises the total overload
    (normalised per dimension) by moving a copy out of an overfull PC or swapping it with a
    copy elsewhere, the best move not tabu each time (Buljubašić & Vasquez 2016 search a
    fixed number of bins in this way for vector packing). It finds the near-perfect packings
    of the multiple-choice classes 4 and 5 (every PC full to 0.1 % in memory) in 0.01-0.4 s,
    which neither the placement rules nor HiGHS nor the exact fill find in seconds. Overload is
    counted on the integer grid, so a packing found is exact. Anti-affinity is kept hard: no
    move puts two members of a group on one PC.
    """
    items = problem.items
    cls = np.array([i for i, it in enumerate(items) for _ in range(it.demand)], dtype=np.int64)
    bins = [k for k in range(len(counts)) for _ in range(counts[k])]
    if not bins or not len(cls) or len(cls) > MAX_SEARCH_COPIES:
        return None
    cap = np.array([problem.hosts[k].cap for k in bins], dtype=np.int64).reshape(-1, problem.nd)
    size = np.array([items[i].size for i in cls], dtype=np.int64).reshape(-1, problem.nd)
    if np.any(size.sum(axis=0) > cap.sum(axis=0)) \
            or not np.all(np.any(np.all(size[:, None, :] <= cap[None, :, :], axis=2), axis=1)):
        return None  # more demand than capacity, or a copy fitting no PC: no packing exists
    names = sorted({g for it in items if it.demand for g in it.anti})
    column = {g: k for k, g in enumerate(names)}
    member = np.zeros((len(cls), len(names)), dtype=np.int64)  # copy x anti-affinity group
    mine: list[np.ndarray] = []  # per copy, its groups' columns
    for c, i in enumerate(cls.tolist()):
        mine.append(np.array(sorted(column[g] for g in items[i].anti), dtype=np.int64))
        member[c, mine[-1]] = 1
    held = np.zeros((len(bins), len(names)), dtype=np.int64)  # members per PC and group
    weight = 1.0 / np.maximum(cap.mean(axis=0), 1.0)
    rng = np.random.default_rng(seed)

    def overload(load: np.ndarray, capacity: np.ndarray) -> np.ndarray:
        return (np.maximum(load - capacity, 0) * weight).sum(axis=-1)

    # start: members of most anti-affinity groups first, then largest copies first, each where
    # it adds least overload (then most room left); a member no PC can take ends the search
    load = np.zeros_like(cap)
    where = np.zeros(len(cls), dtype=np.int64)
    first = np.lexsort((-(size * weight).max(axis=1), -member.sum(axis=1)))
    for n, c in enumerate(first.tolist()):
        if n % 64 == 63 and time.monotonic() >= deadline:
            return None
        after = load + size[c]
        added = overload(after, cap)
        if mine[c].size:
            clash = (held[:, mine[c]] > 0).any(axis=1)
            if clash.all():
                return None
            added = np.where(clash, np.inf, added)
        b = int(np.lexsort((-((cap - after) * weight).min(axis=1), added))[0])
        where[c] = b
        load[b] += size[c]
        held[b] += member[c]
    tabu = np.zeros((len(cls), len(bins)), dtype=np.int64)
    over = overload(load, cap)
    current = float(over.sum())
    best = current
    step = 0
    per_block = max(1, BLOCK // len(cls))
    everyone = np.arange(len(cls))
    while np.any(load > cap):
        if time.monotonic() >= deadline:
            return None
        step += 1
        full = np.nonzero(np.any(load > cap, axis=1))[0]
        move: tuple[int, int, int] | None = None  # (copy, PC, copy swapped back or -1)
        best_delta = np.inf
        cands = np.nonzero(np.isin(where, full))[0]
        # candidates in blocks: each block's moves and swaps are scored at once
        for lo in range(0, len(cands), per_block):
            if time.monotonic() >= deadline:
                return None
            cs = cands[lo:lo + per_block]
            home = where[cs]
            out = overload(load[home] - size[cs], cap[home]) - over[home]
            # move a copy to another PC: (block, PCs)
            rel = out[:, None] + overload(load[None] + size[cs][:, None], cap[None]) - over[None]
            rel[np.arange(len(cs)), home] = np.inf
            # swap it with a copy of another class in another PC: (block, copies)
            sw = (overload(load[home][:, None] - size[cs][:, None] + size[None], cap[home][:, None])
                  - over[home][:, None]
                  + overload(load[where][None] - size[None] + size[cs][:, None], cap[where][None])
                  - over[where][None])
            sw[(where[None] == home[:, None]) | (cls[None] == cls[cs][:, None])] = np.inf
            if names:
                for r, c in enumerate(cs.tolist()):
                    if mine[c].size:
                        gc = mine[c]
                        rel[r, (held[:, gc] > 0).any(axis=1)] = np.inf
                        # c's groups in the other PC, not counting the copy swapped out
                        sw[r, ((held[:, gc][where] - member[:, gc]) > 0).any(axis=1)] = np.inf
                    # the other copy's groups in c's PC, c taken out
                    present = np.nonzero(held[home[r]] - member[c] > 0)[0]
                    if present.size:
                        sw[r, member[:, present].any(axis=1)] = np.inf
            rel = np.where((tabu[cs] <= step) | (current + rel < best - 1e-12), rel, np.inf)
            sw = np.where(((tabu[cs[:, None], where[None]] <= step)
                           & (tabu[everyone[None], home[:, None]] <= step))
                          | (current + sw < best - 1e-12), sw, np.inf)
            low = float(min(rel.min(), sw.min()))
            if low < best_delta - 1e-12:
                ties = np.concatenate([np.flatnonzero(rel <= low + 1e-12),
                                       rel.size + np.flatnonzero(sw <= low + 1e-12)])
                pick = int(rng.choice(ties))
                if pick < rel.size:
                    r, b = divmod(pick, rel.shape[1])
                    best_delta, move = low, (int(cs[r]), b, -1)
                else:
                    r, j = divmod(pick - rel.size, sw.shape[1])
                    best_delta, move = low, (int(cs[r]), int(where[j]), j)
        if move is None:
            tabu[:] = 0  # everything tabu: forget and go on
            continue
        c, b, j = move
        a = int(where[c])
        tenure = step + TENURE + int(rng.integers(0, 7)) + len(full)
        for copy, src, dst in [(c, a, b)] + ([(j, b, a)] if j >= 0 else []):
            load[src] -= size[copy]
            load[dst] += size[copy]
            held[src] -= member[copy]
            held[dst] += member[copy]
            where[copy] = dst
            tabu[copy, src] = tenure
        over = overload(load, cap)
        current = float(over.sum())
        best = min(best, current)
    if np.any(held > 1):
        return None  # (cannot happen: every move keeps the groups apart)
    contents: dict[int, dict[int, int]] = {}
    for c, b in enumerate(where.tolist()):
        slot = contents.setdefault(b, {})
        slot[int(cls[c])] = slot.get(int(cls[c]), 0) + 1
    return Packing([Pattern(bins[b], tuple(sorted(v.items())))
                    for b, v in sorted(contents.items())], {})
