"""Perfect packings of a pool of copies by meet-in-the-middle subset sums.

The exact cover (`planner.solver.cover`) builds PCs of at most six copies. When the sequential fill
ends a PC or two above a bound that only a perfect packing meets, the PCs it leaves with
unused capacity hold its smallest copies, ten or more on a large PC (the constructed
instances with three PC types): no subset of six rebuilds them. Here the copies of those PCs
(and of a few exactly full ones) form a pool that is partitioned, depth first, into exactly
filled PCs: each PC is built around the pool's largest copy from a subset of up to WINDOW
others (a random window of them when the pool is larger), found by meet-in-the-middle over
the subset sums of two halves (Horowitz & Sahni 1974); a few such subsets, with different
classes, are tried per PC model, at random among all there are.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter

import numpy as np

from planner.model.problem import Problem
from planner.solver.cover import pairs_of_keys, sum_radix
from planner.solver.heuristics import Packing, Pattern

#: copies besides the largest among which a PC's content is looked for (halves of 2^12
#: subsets; 24 beat 16-22 and 26-30 on the constructed instances)
WINDOW = 24
#: matched pairs of halves checked for fit at most (a random sample beyond)
MATCHES = 100_000
#: subsets tried per PC type at each step of the search
BRANCH = 4
#: random windows tried per PC type when the pool is larger than one window
SAMPLES = 3
#: search steps per round (about 2 ms each on 500 copies), then a new pool
NODES = 300
#: exactly full PCs added to the pool, round after round (the loose ones are always in it)
EXTRA = (0, 2, 4, 0, 6, 3)
#: copies in a pool at most (far more than a round can regroup)
MAX_POOL = 500
#: rounds in a row without a cheaper packing before the repair gives up
STALL = 60


def subset_sums(sizes: np.ndarray, cap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every subset of the rows of ``sizes`` whose sum fits ``cap``: bit masks and sums."""
    masks = np.zeros(1, dtype=np.int64)
    sums = np.zeros((1, sizes.shape[1]), dtype=np.int64)
    for j in range(len(sizes)):
        new = sums + sizes[j]
        ok = np.all(new <= cap, axis=1)
        masks = np.concatenate([masks, masks[ok] | (1 << j)])
        sums = np.concatenate([sums, new[ok]])
    return masks, sums


def exact_with(sizes: np.ndarray, first: int, others: list[int], cap: np.ndarray,
               dims: np.ndarray, limit: int, rng: random.Random) -> list[list[int]]:
    """Up to ``limit`` subsets of ``others`` that with ``first`` fill ``cap`` exactly in ``dims``.

    They fit ``cap`` in every dimension; chosen at random among all there are. ``others``
    has at most 62 entries (two halves of bit masks).
    """
    need = cap - sizes[first]
    if np.any(need < 0) or math.prod(int(need[d]) + 1 for d in dims) >= 2**62:
        return []  # (sums keyed as one int64 would overflow)
    half = len(others) // 2
    left, right = others[:half], others[half:]
    lm, ls = subset_sums(sizes[left], need)
    rm, rs = subset_sums(sizes[right], need)
    radix = sum_radix(need, dims)
    lk = ls[:, dims] @ radix
    rk = rs[:, dims] @ radix
    goal = int(need[dims] @ radix)
    matched = pairs_of_keys(lk, rk, goal, MATCHES, rng)
    if matched is None or not len(matched[0]):
        return []
    li, ri = matched
    # each half fits; together they must fit in the dimensions outside the key too
    fit = np.all(ls[li] + rs[ri] <= need, axis=1)
    li, ri = li[fit], ri[fit]
    out: list[list[int]] = []
    for p in sorted(rng.sample(range(len(li)), min(limit, len(li)))):
        a, b = int(lm[li[p]]), int(rm[ri[p]])
        out.append([first] + [c for j, c in enumerate(left) if a >> j & 1]
                   + [c for j, c in enumerate(right) if b >> j & 1])
    return out


class _Search:
    """Depth-first partition of a pool into exactly filled PCs of the given types."""

    def __init__(self, sizes: np.ndarray, kinds: list[int], groups: list[tuple[str, ...]],
                 caps: list[np.ndarray], types: list[int], stock: list[float], dims: np.ndarray,
                 rng: random.Random, nodes: int, deadline: float) -> None:
        """A search over copies of the given sizes, classes and anti-affinity groups.

        kinds: each copy's class (copies of one class are interchangeable). stock: PCs left
        per entry of ``types`` (not per model index).
        """
        self.sizes, self.kinds, self.groups, self.caps = sizes, kinds, groups, caps
        self.types = types
        self.stock, self.dims, self.rng = stock, dims, rng
        self.nodes, self.deadline = nodes, deadline
        # the largest type's capacity, to rank copies by their largest relative size
        self.scale = np.maximum(np.max(np.array(caps), axis=0), 1).astype(np.float64)

    def _apart(self, copies: list[int]) -> bool:
        """No two copies share an anti-affinity group."""
        seen: set[str] = set()
        for c in copies:
            for g in self.groups[c]:
                if g in seen:
                    return False
                seen.add(g)
        return True

    def run(self, pool: list[int]) -> list[tuple[int, list[int]]] | None:
        """PCs (type, copies) holding exactly ``pool``, or None (none found in the budget)."""
        if not pool:
            return []
        self.nodes -= 1
        if self.nodes < 0 or time.monotonic() > self.deadline:
            return None
        total = self.sizes[pool].sum(axis=0)
        first = max(pool, key=lambda c: (float((self.sizes[c] / self.scale).max()), -c))
        rest = [c for c in pool if c != first]
        for k in sorted(range(len(self.types)),
                        key=lambda k: (-float((self.caps[k] / self.scale).sum()), k)):
            cap = self.caps[k]
            if self.stock[k] < 1 or np.any(total[self.dims] < cap[self.dims]):
                continue
            if np.array_equal(total[self.dims], cap[self.dims]):
                if np.all(total <= cap) and self._apart(pool):
                    return [(self.types[k], pool)]
                continue
            found: list[list[int]] = []
            for _ in range(1 if len(rest) <= WINDOW else SAMPLES):
                window = rest if len(rest) <= WINDOW else self.rng.sample(rest, WINDOW)
                found = exact_with(self.sizes, first, window, cap, self.dims, 4 * BRANCH,
                                   self.rng)
                if found:
                    break
            seen: set[tuple[int, ...]] = set()
            for sub in found:
                # the same classes from other copies would only repeat a subtree
                content = tuple(sorted(self.kinds[c] for c in sub))
                if len(seen) >= BRANCH or content in seen or not self._apart(sub):
                    continue
                seen.add(content)
                taken = set(sub)
                self.stock[k] -= 1
                res = self.run([c for c in pool if c not in taken])
                self.stock[k] += 1
                if res is not None:
                    return [(self.types[k], sub), *res]
                if self.nodes < 0:
                    return None
        return None


def _loose(problem: Problem, pattern: Pattern, dims: np.ndarray) -> bool:
    """Whether the PC has unused capacity in ``dims``."""
    load = np.asarray(pattern.load(problem), dtype=np.int64)
    return bool(np.any(load[dims] < np.asarray(problem.hosts[pattern.host].cap)[dims]))


def pool_repair(problem: Problem, packing: Packing, deadline: float, target: float,
                hosts: list[int], tight: np.ndarray, seed: int = 0) -> Packing:
    """Regroup the copies of the PCs with unused capacity into exactly filled PCs.

    Each round pools the copies of every PC with unused capacity in the ``tight`` dimensions
    and of a few exactly full ones (EXTRA), and partitions the pool into exactly filled PCs
    of the types ``hosts`` (`_Search`, NODES steps); a partition replaces those PCs when it
    costs less. Stops at the deadline or at ``target``. Respects anti-affinity and stock.
    """
    if packing.uncovered or not packing.patterns or not hosts:
        return packing
    dims = np.nonzero(tight)[0]
    items = problem.items
    pats = list(packing.patterns)
    rng = random.Random(seed)
    # sums are keyed as one int64: on the grid divided by each dimension's common factor
    caps = np.array([problem.hosts[h].cap for h in hosts], dtype=np.int64).reshape(-1, problem.nd)
    every = np.array([it.size for it in items], dtype=np.int64).reshape(-1, problem.nd)
    unit = np.gcd.reduce(np.vstack([caps, every]), axis=0)
    unit = np.where(unit > 0, unit, 1)
    caps //= unit
    if math.prod(int(caps[:, d].max()) + 1 for d in dims) >= 2**62:
        return packing
    rounds = stalled = 0
    while time.monotonic() < deadline and stalled < STALL:
        cost = sum(problem.hosts[p.host].cost for p in pats)
        if cost <= target:
            break
        loose = [b for b, p in enumerate(pats) if _loose(problem, p, dims)]
        if not loose:
            break
        free = set(loose)
        full = [b for b in range(len(pats)) if b not in free]
        extra = EXTRA[rounds % len(EXTRA)]
        rounds += 1
        stalled += 1
        pick = list(loose)
        cls = [i for b in pick for i, k in pats[b].content for _ in range(k)]
        if len(cls) > MAX_POOL:
            break  # (every round holds them all)
        for b in rng.sample(full, min(extra, len(full))):
            more = [i for i, k in pats[b].content for _ in range(k)]
            if len(cls) + len(more) <= MAX_POOL:
                pick.append(b)
                cls += more
        sizes = every[cls] // unit
        chosen = set(pick)
        used = [0] * len(problem.hosts)
        for b, p in enumerate(pats):
            if b not in chosen:
                used[p.host] += 1
        stock = [_left(problem.hosts[h].available, used[h]) for h in hosts]
        search = _Search(sizes, cls, [items[i].anti for i in cls], list(caps), hosts, stock,
                         dims, rng, NODES, deadline)
        found = search.run(list(range(len(cls))))
        if found is None:
            continue
        new = [Pattern(h, tuple(sorted(Counter(cls[c] for c in copies).items())))
               for h, copies in found]
        if sum(problem.hosts[p.host].cost for p in new) \
                < sum(problem.hosts[pats[b].host].cost for b in pick):
            pats = [p for b, p in enumerate(pats) if b not in chosen] + new
            stalled = 0
    return Packing(pats, {})


def _left(available: int | None, used: int) -> float:
    """PCs of a model still in stock (inf without a limit)."""
    return math.inf if available is None else float(available - used)


__all__ = ["exact_with", "pool_repair", "subset_sums"]
