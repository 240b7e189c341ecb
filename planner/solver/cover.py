"""Perfect packings by exact cover: partition copies into exactly filled PCs.

When the lower bound can only be met by PCs filled exactly in the dimensions that bind
(the total load equals the capacity bought at the best cost rate: a constructed instance,
or a neighbourhood of one), finding a plan is an exact-cover problem. The subsets of up to
six copies that fill a PC exactly are enumerated by meet-in-the-middle over pairs and
triples, and a depth-first search (Knuth's Algorithm X) partitions the copies into them,
branching on the class with the fewest subsets left and trying small subsets first.
The sequential fill places one PC at a time and cannot take back an early exact fill that
uses a partner a later PC needed; the search regroups a whole neighbourhood at once.
"""

from __future__ import annotations

import math
import random
import time

import numpy as np

from planner.model.problem import Problem
from planner.solver.heuristics import Pattern

#: copies per PC in an enumerated subset (triples + triples)
MOST = 6
#: the search runs on at most this many copies (triples grow with the cube)
MAX_COPIES = 250
#: enumerated subsets per PC type at most; larger subsets are dropped beyond it
MAX_ROWS = 60_000
#: first try's search nodes with restarts (deterministic, unlike time), and the growth of
#: each next one's
RESTART_NODES = 1_000
RESTART_GROWTH = 1.5


def sum_radix(cap: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """Multipliers that encode a load in ``dims`` (each at most ``cap``) as one integer."""
    radix = np.ones(len(dims), dtype=np.int64)
    for k in range(len(dims) - 2, -1, -1):
        radix[k] = radix[k + 1] * (int(cap[dims[k + 1]]) + 1)
    return radix


def pair_sums(sizes: np.ndarray, cap: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Copies a < b whose sizes fit ``cap`` together, and their sums (in (a, b) order)."""
    a, b = np.triu_indices(len(sizes), 1)
    psum = sizes[a] + sizes[b]
    keep = np.all(psum <= cap, axis=1)
    return a[keep], b[keep], psum[keep]


def triple_sums(sizes: np.ndarray, b: np.ndarray, psum: np.ndarray, cap: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pair of `pair_sums` with every later copy c where the three fit ``cap``.

    Returns the pair's index, c, and the sums.
    """
    count = len(sizes) - b - 1
    at = np.repeat(np.arange(len(count)), count)
    offset = np.cumsum(count) - count
    c = b[at] + 1 + (np.arange(len(at)) - offset[at])
    tsum = psum[at] + sizes[c]
    ok = np.all(tsum <= cap, axis=1)
    return at[ok], c[ok], tsum[ok]


def pairs_of_keys(ka: np.ndarray, kb: np.ndarray, target: int, limit: int,
                  rng: random.Random | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Index pairs (i, j) with ka[i] + kb[j] == target, in order of i.

    More than ``limit`` of them: None, or with ``rng`` a random ``limit`` of them (in order).
    """
    order = np.argsort(kb, kind="stable")
    sk = kb[order]
    need = target - ka
    lo = np.searchsorted(sk, need, "left")
    count = np.searchsorted(sk, need, "right") - lo
    ends = np.cumsum(count)
    total = int(ends[-1]) if len(ends) else 0
    if total <= limit:
        pairs = np.arange(total)  # numbered 0..total-1 in order of i
    elif rng is None:
        return None
    else:
        pairs = np.array(sorted(rng.sample(range(total), limit)), dtype=np.int64)
    i = np.searchsorted(ends, pairs, "right")
    return i, order[lo[i] + pairs - (ends[i] - count[i])]


def exact_subsets(sizes: np.ndarray, cap: np.ndarray, dims: np.ndarray,
                  most: int = MOST, limit: int = MAX_ROWS,
                  deadline: float = math.inf) -> list[tuple[int, ...]]:
    """Sorted index tuples of up to ``most`` copies summing to ``cap`` in ``dims``, fitting it.

    sizes: one row per copy. Smaller subsets first. Work is bounded: triples are built only
    while there are at most ``40 × limit`` candidates, a size whose matches exceed
    ``4 × limit`` ends the enumeration, and so does the deadline (checked between stages);
    at most ``limit`` subsets are returned. Nothing when the sums do not fit one int64 key.
    """
    m = len(sizes)
    if m == 0 or not len(dims) or math.prod(int(cap[d]) + 1 for d in dims) >= 2**62:
        return []
    radix = sum_radix(cap, dims)
    goal = int(cap[dims] @ radix)
    out: list[tuple[int, ...]] = [(i,) for i in np.nonzero(sizes[:, dims] @ radix == goal)[0]
                                  .tolist() if np.all(sizes[i] <= cap)]
    if most < 2 or m < 2:
        return out
    a, b, psum = pair_sums(sizes, cap)
    pkey = psum[:, dims] @ radix
    hit = pkey == goal
    out += list(zip(a[hit].tolist(), b[hit].tolist(), strict=True))
    rows = [np.stack([a, b], axis=1)]
    sums, keys = [psum], [pkey]
    # triple candidates: each pair with every later copy
    if most >= 3 and len(a) and m >= 3 and time.monotonic() <= deadline \
            and int((m - b - 1).sum()) <= 40 * limit:
        at, c, tsum = triple_sums(sizes, b, psum, cap)
        trip = np.stack([a[at], b[at], c], axis=1)
        tkey = tsum[:, dims] @ radix
        hit = tkey == goal
        out += [tuple(r) for r in trip[hit].tolist()]
        rows.append(trip)
        sums.append(tsum)
        keys.append(tkey)
    for size, x, y in ((4, 0, 0), (5, 0, 1), (6, 1, 1)):
        if size > most or y >= len(rows) or len(out) > limit or time.monotonic() > deadline:
            break
        found = pairs_of_keys(keys[x], keys[y], goal, 4 * limit)
        if found is None:
            break
        i, j = found
        first, second = rows[x][i], rows[y][j]
        good = first[:, -1] < second[:, 0]  # each subset once, in increasing order
        fit = np.all(sums[x][i[good]] + sums[y][j[good]] <= cap, axis=1)
        out += [tuple(r) for r in np.hstack([first[good][fit], second[good][fit]]).tolist()]
    return out[:limit]


def exact_cover(counts: np.ndarray, rows: np.ndarray, cost: np.ndarray, upper: float,
                deadline: float, kind: np.ndarray | None = None,
                stock: np.ndarray | None = None,
                load: np.ndarray | None = None, seed: int | None = None,
                hardest_first: bool = False, nodes: int | None = None,
                report: dict[str, int] | None = None) -> list[int] | None:
    """Rows (copies per class) summing to ``counts`` exactly, costing less than ``upper``.

    kind, stock: each row's PC type, and how many rows of each type may be chosen (default
    no limit). load: a positive weight per class (classes x measures, e.g. sizes in the
    tight dimensions); the rows chosen below a node hold the copies left at the load left,
    so the copies-per-load ratio left is a weighted mean of theirs (a row of more copies
    than the mean needs one of fewer). Depth-first: the class with the fewest rows still
    fitting goes first; its rows in the given order, or with ``hardest_first`` those whose
    classes have the fewest rows left first; a row tried for it is not tried again below
    its siblings (any cover holding it was in its own subtree). seed: rows and ties between
    classes in a random order instead (for restarts). nodes: a work limit (search nodes).
    None when there is none, or none was found within the limits; ``report`` then gets
    ``complete`` = 1 when the search ended without hitting a limit (there is none).
    """
    rows = np.asarray(rows, dtype=np.int64)
    if report is not None:
        report["complete"] = 0
    if len(rows) == 0:
        if report is not None:
            report["complete"] = 1
        return None
    nc = rows.shape[1]
    width = max(1, int((rows > 0).sum(axis=1).max()))
    # each row as its classes (padded with a dummy class nc of unlimited stock) and counts
    idx = np.full((len(rows), width), nc, dtype=np.int64)
    cnt = np.zeros((len(rows), width), dtype=np.int64)
    r_nz, c_nz = np.nonzero(rows)  # row-major: each row's classes in increasing order
    starts = np.searchsorted(r_nz, np.arange(len(rows)))
    slot = np.arange(len(r_nz)) - starts[r_nz]
    idx[r_nz, slot] = c_nz
    cnt[r_nz, slot] = rows[r_nz, c_nz]
    copies = cnt.sum(axis=1)
    if load is not None and np.any(np.asarray(load) <= 0):
        load = None  # the cut needs positive loads
    weights = None if load is None else np.vstack(
        [np.asarray(load, dtype=np.int64).reshape(nc, -1),
         np.zeros((1, np.asarray(load).reshape(nc, -1).shape[1]), dtype=np.int64)])
    row_load = None if weights is None else np.einsum("rw,rwm->rm", cnt, weights[idx])
    cheapest = float(np.min(cost))
    kinds = np.zeros(len(rows), dtype=np.int64) if kind is None else np.asarray(kind)
    if stock is None:  # each row holds a copy: never more rows than copies
        stock = np.full(int(kinds.max()) + 1, int(np.sum(counts)) + 1, dtype=np.int64)
    chosen: list[int] = []
    budget = [math.inf if nodes is None else nodes]

    def search(alive: np.ndarray, left: np.ndarray, room: np.ndarray, spent: float) -> bool:
        if not left[:nc].any():
            return True
        budget[0] -= 1
        if budget[0] < 0 or time.monotonic() > deadline:
            return False
        sub = idx[alive]
        ok = np.all(left[sub] >= cnt[alive], axis=1) & (room[kinds[alive]] > 0)
        alive, sub = alive[ok], sub[ok]
        per = np.bincount(sub.ravel(), minlength=nc + 1)
        need = np.nonzero(left[:nc] > 0)[0]
        if np.any(per[need] == 0) or not len(alive):
            return False
        # the rows still affordable cannot hold the copies left, even at the largest row's
        # copy count (many small copies left for few PCs: the sequential fill's loose PCs)
        if cheapest > 0 and math.isfinite(upper):
            affordable = math.ceil((upper - spent) / cheapest) - 1
            if left[:nc].sum() > copies[alive].max() * affordable:
                return False
        if row_load is not None and weights is not None:
            # copies left / load left within the alive rows' range, per measure: at this
            # node, and after each row (rows leaving a ratio no others can make are dropped;
            # ratios of small integers over loads: floats separate them by far more than
            # their rounding error)
            n_left = int(left[:nc].sum())
            w_left = left[:nc] @ weights[:nc]
            rl = row_load[alive].astype(np.float64)
            ratio = copies[alive][:, None] / np.maximum(rl, 1.0)
            lo, hi = ratio.min(axis=0), ratio.max(axis=0)
            if np.any(n_left < lo * w_left * (1 - 1e-12)) \
                    or np.any(n_left > hi * w_left * (1 + 1e-12)):
                return False
            n2 = (n_left - copies[alive])[:, None]
            w2 = w_left[None, :] - rl
            ok = np.all((n2 >= lo * w2 * (1 - 1e-12)) & (n2 <= hi * w2 * (1 + 1e-12)), axis=1)
            alive, sub = alive[ok], sub[ok]
            per = np.bincount(sub.ravel(), minlength=nc + 1)
            if np.any(per[need] == 0) or not len(alive):
                return False
        c = int(need[np.argmin(per[need])] if seed is None
                else need[np.lexsort((prio[need], per[need]))[0]])
        cand = alive[np.any(sub == c, axis=1)]
        if hardest_first:
            real = per.copy()
            real[nc] = 0  # (the padding class is not a class)
            cand = cand[np.argsort(real[idx[cand]].sum(axis=1), kind="stable")]
        for r in cand.tolist():
            if spent + cost[r] < upper:
                chosen.append(r)
                after = left.copy()
                after[idx[r]] -= cnt[r]
                room[kinds[r]] -= 1
                found = search(alive, after, room, spent + float(cost[r]))
                room[kinds[r]] += 1
                if found:
                    return True
                chosen.pop()
            alive = alive[alive != r]
        return False

    left = np.append(np.asarray(counts, dtype=np.int64), np.iinfo(np.int64).max // 2)
    order = np.arange(len(rows))
    if seed is not None:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(rows))
        prio = rng.permutation(nc)
    found = search(order, left, np.asarray(stock, dtype=np.int64).copy(), 0.0)
    if not found and report is not None:
        report["complete"] = int(budget[0] >= 0 and time.monotonic() <= deadline)
    return list(chosen) if found else None


def perfect_cover(problem: Problem, tight: np.ndarray, hosts: list[int], upper: float,
                  deadline: float, whole: bool = False) -> list[Pattern] | None:
    """A packing of all copies into exactly filled PCs of the given types, cheaper than upper.

    Exactly filled: the load equals the capacity in the ``tight`` dimensions. Respects
    anti-affinity groups and PC stock. whole: the search for a whole problem (rather than a
    neighbourhood of a plan): with the copies-per-load cut and the hardest rows first (see
    `exact_cover`), in the given order for RESTART_NODES search nodes, then in random
    orders, each try RESTART_GROWTH times longer (the search's time to success is
    heavy-tailed); on Caprara-Toth class 10 at n = 200 it found 10 of 10 (median 1.8 s)
    where the plain search found 8 of 10 in 8 s. None when the problem is too large, or when
    no such packing was found before the deadline.
    """
    items = problem.items
    if not 0 < sum(it.demand for it in items) <= MAX_COPIES:
        return None
    # subsets are enumerated over copies, but a PC holds at most MOST of one class: more
    # identical copies would only repeat the same subsets (and crowd out larger ones)
    copies = np.repeat(np.arange(len(items)), [min(it.demand, MOST) for it in items])
    sizes = np.array([items[c].size for c in copies.tolist()],
                     dtype=np.int64).reshape(-1, problem.nd)
    dims = np.nonzero(tight)[0]
    seen: set[tuple[int, tuple[int, ...]]] = set()
    found: list[tuple[int, int, tuple[int, ...]]] = []  # (copies, host, classes)
    for h in hosts:
        ht = problem.hosts[h]
        cap = np.asarray(ht.cap, dtype=np.int64)
        fit = np.nonzero(np.all(sizes <= cap, axis=1))[0]
        if time.monotonic() > deadline:
            return None
        for sub in exact_subsets(sizes[fit], cap, dims, deadline=deadline):
            classes = tuple(int(copies[fit[q]]) for q in sub)
            groups = [g for c in classes for g in items[c].anti]
            if len(groups) != len(set(groups)) or (h, classes) in seen:
                continue
            seen.add((h, classes))
            found.append((len(classes), h, classes))
    if not found:
        return None
    found.sort(key=lambda f: (f[0], problem.hosts[f[1]].cost, f[1]))
    matrix = np.zeros((len(found), len(items)), dtype=np.int32)
    for r, (_, _, classes) in enumerate(found):
        np.add.at(matrix[r], list(classes), 1)
    cost = np.array([problem.hosts[h].cost for _, h, _ in found], dtype=np.float64)
    demand = np.array([it.demand for it in items], dtype=np.int32)
    kind = np.array([h for _, h, _ in found], dtype=np.int64)
    stock = np.array([int(demand.sum()) if ht.available is None else max(ht.available, 0)
                      for ht in problem.hosts], dtype=np.int64)
    load = np.array([[items[c].size[d] for d in dims.tolist()] for c in range(len(items))],
                    dtype=np.int64)
    chosen = None
    budget = RESTART_NODES
    attempt = 0
    while time.monotonic() < deadline:
        done: dict[str, int] = {}
        chosen = exact_cover(demand, matrix, cost, upper, deadline, kind, stock,
                             load if whole else None,
                             seed=attempt or None, hardest_first=whole,
                             nodes=budget if whole else None, report=done)
        if chosen is not None or not whole or done["complete"]:
            break  # (a complete search proves there is none, in any order)
        attempt += 1
        budget = int(budget * RESTART_GROWTH)
    if chosen is None:
        return None
    return [Pattern(found[r][1], tuple((int(c), int(matrix[r, c]))
                                       for c in np.nonzero(matrix[r])[0].tolist()))
            for r in chosen]


__all__ = ["exact_cover", "exact_subsets", "pair_sums", "pairs_of_keys", "perfect_cover",
           "sum_radix", "triple_sums"]
