"""Constructive packings: a plan at once, and the first-fit-decreasing baseline.

Packings are lists of patterns: (PC type, copies of each item class). They know nothing of
units; the engine covers the chosen PCs with mobile units afterwards.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from planner.model.problem import HostType, Problem


@dataclass(frozen=True, order=True)
class Pattern:
    """One PC of a given type and the copies of each item class on it."""

    host: int
    content: tuple[tuple[int, int], ...]
    #: the hash, kept: patterns are set and dict keys in every pricing round of the search
    _hash: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.host, self.content)))

    def __hash__(self) -> int:
        return self._hash

    def load(self, problem: Problem) -> tuple[int, ...]:
        """Total demand on the grid."""
        nd = problem.nd
        tot = [0] * nd
        for i, k in self.content:
            s = problem.items[i].size
            for d in range(nd):
                tot[d] += s[d] * k
        return tuple(tot)


@dataclass
class Packing:
    """A multiset of patterns, and the copies that could not be placed (vendor limits)."""

    patterns: list[Pattern]
    uncovered: dict[int, int]

    def host_counts(self, n_types: int) -> list[int]:
        """Number of PCs per type."""
        counts = [0] * n_types
        for p in self.patterns:
            counts[p.host] += 1
        return counts

    def cost(self, problem: Problem) -> int:
        """PC cost in ticks (units excluded)."""
        return sum(problem.hosts[p.host].cost for p in self.patterns)


def cheapest_holding(problem: Problem, load: tuple[int, ...], used: list[int],
                      current: int) -> int:
    """The cheapest PC type with stock left that holds a load (downsizing a filled PC)."""
    best = current
    for h in problem.hosts:
        if h.cost >= problem.hosts[best].cost or not all(
                a <= c for a, c in zip(load, h.cap, strict=True)):
            continue
        if not problem.room(h.index, used, freed=current):
            continue
        if h.slots > problem.hosts[current].slots:
            continue
        best = h.index
    return best


def reach_pcs(problem: Problem, patterns: list[Pattern], least: int) -> list[Pattern] | None:
    """The packing split until it contracts ``least`` PCs (a discount tier's threshold).

    Each step moves one copy off a PC holding two or more to a new PC of the cheapest type
    that holds it, downsizing the PC it left; the move that adds least cost is taken. None
    when no move is left (fewer copies than ``least``, or no stock).
    """
    pats = list(patterns)
    used = [0] * len(problem.hosts)
    for p in pats:
        used[p.host] += 1
    while len(pats) < least:
        best: tuple[int, int, int, int, int] | None = None  # (delta, j, item, new type, down)
        for j, p in enumerate(pats):
            if sum(k for _, k in p.content) < 2:
                continue
            for i, _ in p.content:
                size = problem.items[i].size
                fresh = [h for h in problem.hosts if problem.fits(size, h)
                         and problem.room(h.index, used)]
                if not fresh:
                    continue
                t = min(fresh, key=lambda h: (h.cost, h.index)).index
                rest = Pattern(p.host, tuple((a, b - (a == i)) for a, b in p.content
                                             if b - (a == i) > 0))
                down = cheapest_holding(problem, rest.load(problem), used, p.host)
                delta = (problem.hosts[t].cost + problem.hosts[down].cost
                         - problem.hosts[p.host].cost)
                if best is None or (delta, j, i) < best[:3]:
                    best = (delta, j, i, t, down)
        if best is None:
            return None
        _, j, i, t, down = best
        p = pats[j]
        used[p.host] -= 1
        used[down] += 1
        used[t] += 1
        pats[j] = Pattern(down, tuple((a, b - (a == i)) for a, b in p.content
                                      if b - (a == i) > 0))
        pats.append(Pattern(t, ((i, 1),)))
    return pats


def _fill(problem: Problem, host: HostType, remaining: list[int], order: list[int],
          rule: str, arrays: tuple[np.ndarray, np.ndarray] | None = None
          ) -> tuple[tuple[int, int], ...]:
    """Fill one PC: 'largest' takes classes in order; 'dot' picks by fit with the residual."""
    items = problem.items
    res = np.array(host.cap, dtype=np.int64)
    taken: dict[int, int] = {}
    groups: set[str] = set()
    if rule == "largest":
        for i in order:
            if remaining[i] <= 0:
                continue
            it = items[i]
            if it.anti and groups.intersection(it.anti):
                continue
            k = min(remaining[i], *(int(res[d] // it.size[d]) if it.size[d] else remaining[i]
                                    for d in range(len(res))))
            if it.anti:
                k = min(k, 1)
            if k <= 0:
                continue
            taken[i] = taken.get(i, 0) + k
            remaining[i] -= k
            res -= np.array(it.size, dtype=np.int64) * k
            groups.update(it.anti)
        return tuple(sorted(taken.items()))
    sizes, anti_mask = arrays if arrays is not None else _class_arrays(problem)
    # (a restore deadline the PC cannot meet has capacity 0: normalised as if 1)
    cap = np.maximum(np.array(host.cap, dtype=np.float64), 1.0)
    rem_all = np.asarray(remaining, dtype=np.int64)
    active = np.nonzero(rem_all > 0)[0]  # only classes with copies left are scanned
    sz = sizes[active]
    nm = sz / cap
    am = anti_mask[active]
    rem = rem_all[active]
    seed = order[0] if order and remaining[order[0]] > 0 else None
    while True:
        ok = (rem > 0) & np.all(sz <= res, axis=1)
        if groups:
            for jj in np.nonzero(ok & am)[0].tolist():
                if groups.intersection(items[int(active[jj])].anti):
                    ok[jj] = False
        if not ok.any():
            break
        pos = int(np.searchsorted(active, seed)) if seed is not None else -1
        if seed is not None and pos < len(active) and active[pos] == seed and ok[pos]:
            jj = pos  # seed with the class the caller is placing, as FFD would
        else:
            score = nm @ (res / cap)
            score[~ok] = -1.0
            jj = int(np.argmax(score))
        seed = None
        j = int(active[jj])
        taken[j] = taken.get(j, 0) + 1
        rem[jj] -= 1
        remaining[j] -= 1
        res -= sizes[j].astype(np.int64)
        groups.update(items[j].anti)
    return tuple(sorted(taken.items()))


def _class_arrays(problem: Problem) -> tuple[np.ndarray, np.ndarray]:
    """Class sizes as an array, and which classes have anti-affinity groups."""
    sizes = np.array([it.size for it in problem.items],
                     dtype=np.float64).reshape(-1, problem.nd)
    return sizes, np.array([bool(it.anti) for it in problem.items], dtype=bool)


class OutOfTime(Exception):
    """A constructive heuristic ran past its deadline and was abandoned."""


def greedy(problem: Problem, primary: int, rule: str = "largest",
           deadline: float | None = None) -> Packing:
    """Pack every class, opening PCs of the primary type while it has stock and fits."""
    items = problem.items
    hosts = problem.hosts
    ph = hosts[primary]
    remaining = [it.demand for it in items]
    used = [0] * len(hosts)
    order = sorted(range(len(items)),
                   key=lambda i: (-sum(s / max(c, 1)
                                       for s, c in zip(items[i].size, ph.cap, strict=True)),
                                  items[i].key))
    patterns: list[Pattern] = []
    uncovered: dict[int, int] = {}
    by_cost = sorted(hosts, key=lambda h: (h.cost, h.index))
    arrays = _class_arrays(problem)
    for i in order:
        while remaining[i] > 0:
            if deadline is not None and time.monotonic() > deadline:
                raise OutOfTime
            size = items[i].size
            choice = None
            for h in [ph, *by_cost]:
                if (h.available is not None or problem.pools) and not problem.room(h.index, used):
                    continue
                if problem.fits(size, h):
                    choice = h
                    break
            if choice is None:
                uncovered[i] = remaining[i]
                remaining[i] = 0
                break
            content = _fill(problem, choice, remaining,
                            [i, *order] if rule == "largest" else [i], rule, arrays)
            pat = Pattern(choice.index, content)
            best = cheapest_holding(problem, pat.load(problem), used, choice.index)
            used[best] += 1
            patterns.append(Pattern(best, content))
    return Packing(patterns, uncovered)


#: a first-fit pass looks at the clock once per this many copies (a look costs ~0.1 µs, a
#: copy 50-130 µs at 50,000 copies: a pass stops within ~10 ms of its deadline)
CLOCK_EVERY = 64


def ffd_multi(problem: Problem, primary: int, measure: str = "sum",
              fit: str = "first", deadline: float | None = None) -> Packing:
    """Item-centric first-fit decreasing over PCs of several types, then each PC downsized.

    New PCs are of the primary type while it has stock and holds the item, else the cheapest
    type that does; once packed, every PC becomes the cheapest type that still holds its load.
    Copies are sorted by their normalised size on the primary type (sum, product, max or L2).
    fit: 'first' open PC that holds the copy, or 'best': the one left tightest (smallest sum
    of normalised residual capacity), which packs multi-dimensional loads more evenly.
    deadline: past it the pass stops and raises ``OutOfTime`` (its partial packing is no
    plan and is dropped); it looks at the clock every ``CLOCK_EVERY`` copies.
    """
    items = problem.items
    hosts = problem.hosts
    ph = hosts[primary]
    pcap = np.maximum(np.array(ph.cap, dtype=np.float64), 1.0)
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, problem.nd)
    norm = sizes / pcap
    keyf = {"sum": norm.sum(axis=1), "product": norm.prod(axis=1),
            "max": norm.max(axis=1), "norm": np.sqrt((norm ** 2).sum(axis=1))}[measure]
    order = sorted(range(len(items)), key=lambda i: (-keyf[i], items[i].key))
    by_cost = sorted(hosts, key=lambda h: (h.cost, h.index))
    residual = np.zeros((64, problem.nd), dtype=np.int64)
    nb = 0
    types: list[int] = []
    contents: list[dict[int, int]] = []
    groups: list[set[str]] = []
    used = [0] * len(hosts)
    uncovered: dict[int, int] = {}
    placed = 0
    for i in order:
        it = items[i]
        size = sizes[i]
        for _ in range(it.demand):
            placed += 1
            if deadline is not None and placed % CLOCK_EVERY == 0 \
                    and time.monotonic() > deadline:
                raise OutOfTime
            ok = np.all(residual[:nb] >= size, axis=1)
            b = -1
            if it.anti:
                for cand in np.nonzero(ok)[0].tolist():
                    if not groups[cand].intersection(it.anti):
                        b = cand
                        break
            elif nb and ok.any():
                if fit == "best":
                    slack = ((residual[:nb] - size) / pcap).sum(axis=1)
                    b = int(np.argmin(np.where(ok, slack, np.inf)))
                else:
                    b = int(np.argmax(ok))
            if b < 0:
                choice = None
                for h in [ph, *by_cost]:
                    if ((h.available is None and not problem.pools)
                            or problem.room(h.index, used)) and problem.fits(it.size, h):
                        choice = h
                        break
                if choice is None:
                    uncovered[i] = uncovered.get(i, 0) + 1
                    continue
                if nb == len(residual):
                    residual = np.vstack([residual, np.zeros_like(residual)])
                residual[nb] = choice.cap
                b = nb
                nb += 1
                types.append(choice.index)
                contents.append({})
                groups.append(set())
                used[choice.index] += 1
            residual[b] -= size
            contents[b][i] = contents[b].get(i, 0) + 1
            groups[b].update(it.anti)
    patterns: list[Pattern] = []
    for b in range(nb):
        pat = Pattern(types[b], tuple(sorted(contents[b].items())))
        used[types[b]] -= 1
        best = cheapest_holding(problem, pat.load(problem), used, types[b])
        used[best] += 1
        patterns.append(Pattern(best, pat.content))
    return Packing(patterns, uncovered)


def portfolio(problem: Problem, unit_cost: Callable[[list[int]], int],
              deadline: float | None = None) -> Packing:
    """The cheapest of several constructive packings (with units), within a time budget.

    Item-centric FFD variants are cheap (one pass over the copies) and always run; the
    bin-centric greedies cost classes × PCs, so they run only while the class count is modest
    (the engine also runs them on the merged classes) and while the budget lasts.
    """
    copies = sum(it.demand for it in problem.items)
    total = [max(1, sum(it.size[d] * it.demand for it in problem.items)) for d in range(3)]
    # cost per share of the whole demand the PC covers in its scarcest dimension (vCPU,
    # memory, storage: a restore deadline may have no capacity on a PC that is still useful)
    eff = sorted(problem.hosts,
                 key=lambda h: (h.cost / min(h.cap[d] / total[d] for d in range(3)), h.index))
    small = copies <= 6_000
    measures = ("sum", "max", "norm", "product") if small else ("sum", "max", "norm")
    primaries = [h.index for h in eff] if small else [eff[0].index]
    # most promising first: FFD and the dot-product greedy on the most cost-efficient model
    first = eff[0].index
    # cheap one-pass runs first, then the bin-centric greedies while the budget lasts
    runs: list[tuple[str, int, str, str]] = [("ffd", first, "sum", "first"),
                                             ("greedy", first, "dot", "")]
    runs += [("ffd", first, m, f) for m in measures for f in ("first", "best")
             if (m, f) != ("sum", "first")]
    runs += [("greedy", first, "largest", "")]
    runs += [("ffd", t, m, f) for t in primaries if t != first for m in measures
             for f in ("first", "best")]
    runs += [("greedy", h.index, r, "") for h in eff[1:] for r in ("dot", "largest")]

    def key(pk: Packing) -> tuple[int, int]:
        return (sum(pk.uncovered.values()),
                pk.cost(problem) + unit_cost(pk.host_counts(len(problem.hosts))))

    best: Packing | None = None
    try:
        for kind, t, rule, fit in runs:
            if best is not None and deadline is not None and time.monotonic() >= deadline:
                break
            # the first run always completes (a plan at once); later ones stop on the clock
            # and count for nothing then (50,000 copies: 2.7-6.4 s a first-fit pass)
            stop = deadline if best is not None else None
            try:
                pk = (ffd_multi(problem, t, rule, fit, stop) if kind == "ffd"
                      else greedy(problem, t, rule, stop))
            except OutOfTime:
                continue
            if best is None or key(pk) < key(best):
                best = pk
    except KeyboardInterrupt:
        if best is None:
            raise
        raise PortfolioInterrupted(problem, best) from None
    assert best is not None
    return best


class PortfolioInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a stop) during the portfolio, carrying its best packing so far to keep."""

    def __init__(self, problem: Problem, packing: Packing) -> None:
        super().__init__()
        self.problem, self.packing = problem, packing
