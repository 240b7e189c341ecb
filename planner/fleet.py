"""Packing into a given fleet: the PC counts per type that the capacity bound found enough.

On inventories of many small workloads the capacity bound is nearly attained, and what the
first-fit heuristics miss is the mix of PC types. Given that mix, copies are placed largest
first into the PC whose normalised free capacity best matches them (dot product, Panigrahy
et al. 2011) or that they leave tightest; copies that fit nowhere go to new PCs by first-fit
decreasing, and every PC is then downsized to the cheapest model that holds its load.
"""

from __future__ import annotations

import time

import numpy as np

from planner.heuristics import Packing, Pattern, cheapest_holding, ffd_multi
from planner.problem import Item, Problem

#: above this many copies, one pass costs seconds; the other heuristics cover large inventories
MAX_COPIES = 20_000
RULES = ("align", "dot", "tight", "first")
ORDERS = ("max", "sum")


def pack_fleet(problem: Problem, counts: list[int], rule: str = "dot",
               order: str = "max") -> Packing:
    """Place every copy into a fleet of ``counts[k]`` PCs of each type, extra PCs if needed."""
    items = problem.items
    types = [k for k in sorted(range(len(counts)), key=lambda k: -problem.hosts[k].cost)
             for _ in range(counts[k])]
    free = np.array([problem.hosts[k].cap for k in types], dtype=np.int64).reshape(-1, 3)
    cap = np.maximum(free.astype(np.float64), 1.0)
    mean_cap = cap.mean(axis=0) if len(types) else np.ones(3)
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, 3)
    norm = sizes / mean_cap
    key = norm.max(axis=1) if order == "max" else norm.sum(axis=1)
    ranked = sorted(range(len(items)), key=lambda i: (-key[i], items[i].key))
    contents: list[dict[int, int]] = [{} for _ in types]
    groups: list[set[str]] = [set() for _ in types]
    left = [0] * len(items)
    for i in ranked:
        it = items[i]
        size = sizes[i]
        for _ in range(it.demand):
            ok = np.all(free >= size, axis=1) if len(types) else np.zeros(0, dtype=bool)
            if it.anti:
                for b in np.nonzero(ok)[0].tolist():
                    if groups[b].intersection(it.anti):
                        ok[b] = False
            if not ok.any():
                left[i] += 1
                continue
            if rule == "dot":
                score = (free / cap) @ (size / mean_cap)
                b = int(np.argmax(np.where(ok, score, -np.inf)))
            elif rule == "align":
                # the PC whose free capacity points the way the copy does (cosine), so each
                # model takes the workloads shaped like it
                rel = free / mean_cap
                score = (rel @ (size / mean_cap)) / np.maximum(np.linalg.norm(rel, axis=1),
                                                               1e-12)
                b = int(np.argmax(np.where(ok, score, -np.inf)))
            elif rule == "tight":
                slack = ((free - size) / cap).sum(axis=1)
                b = int(np.argmin(np.where(ok, slack, np.inf)))
            else:
                b = int(np.argmax(ok))
            free[b] -= size
            contents[b][i] = contents[b].get(i, 0) + 1
            groups[b].update(it.anti)
    if any(left):
        _repair(problem, sizes, free, contents, groups, left)
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
    if any(left):
        rest = _leftover(problem, left, used)
        patterns += rest.patterns
        uncovered = rest.uncovered
    return Packing(patterns, uncovered)


def _repair(problem: Problem, sizes: np.ndarray, free: np.ndarray,
            contents: list[dict[int, int]], groups: list[set[str]], left: list[int]) -> None:
    """Place left-over copies by moving one copy out of the way (one-level ejection).

    For a copy that fits no PC, find a PC where it would fit once one of its copies moves to
    another PC with room; tight fleets often need just that. Updates the arguments in place.
    """
    items = problem.items
    for i in range(len(items)):
        it = items[i]
        if it.anti:
            continue  # moving around anti-affinity groups is left to the other phases
        while left[i] > 0:
            placed = False
            for b in np.argsort(-(free / np.maximum(free.max(axis=0), 1)).sum(axis=1)).tolist():
                short = sizes[i] - free[b]
                for j in list(contents[b]):
                    if items[j].anti or not np.all(sizes[j] >= short) or j == i:
                        continue
                    room = np.all(free >= sizes[j], axis=1)
                    room[b] = False
                    if not room.any():
                        continue
                    b2 = int(np.argmax(room))
                    free[b2] -= sizes[j]
                    contents[b2][j] = contents[b2].get(j, 0) + 1
                    contents[b][j] -= 1
                    if not contents[b][j]:
                        del contents[b][j]
                    free[b] += sizes[j] - sizes[i]
                    contents[b][i] = contents[b].get(i, 0) + 1
                    left[i] -= 1
                    placed = True
                    break
                if placed:
                    break
            if not placed:
                break


def _leftover(problem: Problem, left: list[int], used: list[int]) -> Packing:
    """First-fit decreasing for the copies the fleet could not hold, within the stock left."""
    from dataclasses import replace

    items = [Item(it.key, it.size, it.members[:k], it.seats, it.anti)
             for it, k in zip(problem.items, left, strict=True)]
    hosts = [replace(h, available=None if h.available is None else h.available - u)
             for h, u in zip(problem.hosts, used, strict=True)]
    sub = Problem(items, hosts, problem.units, money=problem.money,
                  currency=problem.currency, scale=problem.scale)
    primary = min(range(len(hosts)), key=lambda k: (hosts[k].cost, k))
    return ffd_multi(sub, primary)


def fleet_packing(problem: Problem, counts: list[int], deadline: float) -> Packing | None:
    """The cheapest packing into the fleet over the placement rules, within the deadline."""
    if sum(it.demand for it in problem.items) > MAX_COPIES or sum(counts) == 0:
        return None
    best: Packing | None = None
    for order in ORDERS:
        for rule in RULES:
            if best is not None and time.monotonic() >= deadline:
                return best
            pk = pack_fleet(problem, counts, rule, order)
            if best is None or (sum(pk.uncovered.values()), pk.cost(problem)) < (
                    sum(best.uncovered.values()), best.cost(problem)):
                best = pk
    return best
