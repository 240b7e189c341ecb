"""Exact pricing on large capacity grids: a dynamic program over reachable loads only.

The pricing problem of column generation is a multi-dimensional knapsack with copies: the best
value of a pattern (copies of each class on one PC) at the master's duals. Where the capacity
grid is small, a table over every load answers it (`colgen.Pricer._dynamic`); where it is not
(capacities of 1,000 or more units in two dimensions, as in the Caprara–Toth classes 1-5), a
MILP takes 30-300 ms a call. Here, only the loads that patterns reach are kept (the "list" or
sparse form of the knapsack DP), class by class, with two prunings that keep the lists short:

* loads reached twice keep their best value only;
* a load whose value plus an upper bound on what the classes still to come can add (a
  fractional knapsack on surrogate rows of the capacity, the bound the tree search uses)
  cannot beat the best pattern found so far is dropped.

Values may be any function of the copy count (branching bonuses), bounded above by
min(F_i, r_i k) where F_i is the best value of class i and r_i its best value per copy. The
search is exact; past ``state_limit`` loads or its deadline it gives up (None) and the caller
prices otherwise.
"""

from __future__ import annotations

import math
import time

import numpy as np

#: loads kept at once before the search gives up
STATE_LIMIT = 50_000
#: relative tolerance of "beats the best pattern so far"
TOL = 1e-9


def directions(nd: int) -> list[np.ndarray]:
    """Surrogate rows: each capacity row, their sum, and each doubled against the others."""
    out = [np.eye(nd)[d] for d in range(nd)]
    if nd > 1:
        out.append(np.ones(nd))
        out += [np.ones(nd) + np.eye(nd)[d] for d in range(nd)]
    return out


def best_pattern(stages: list[tuple[np.ndarray, np.ndarray]], cap: np.ndarray,
                 floor: float = 0.0, state_limit: int | None = None,
                 deadline: float = math.inf) -> tuple[float, list[int]] | None:
    """The best total value of at most one move per stage whose sizes fit in ``cap``.

    A stage is (sizes: moves × dimensions, non-negative integers; values: one per move): the
    copy counts of one class (or the joint counts of classes linked by a branching set),
    each with its size and value. Only patterns worth more than ``floor`` are sought: with
    none, returns ``floor`` and no move (``floor`` is then a valid upper bound). The choice
    is the move taken per stage, -1 for none. None when more than ``state_limit`` loads
    were needed (default STATE_LIMIT), or at ``deadline`` (time.monotonic()).
    """
    limit = STATE_LIMIT if state_limit is None else state_limit
    cap = np.asarray(cap, dtype=np.int64)
    nd = len(cap)
    choice = [-1] * len(stages)
    top = np.array([float(np.max(v, initial=0.0)) for _, v in stages])
    useful = [j for j in range(len(stages)) if top[j] > 0.0]
    if not useful:
        return max(floor, 0.0), choice
    scale = np.maximum(cap, 1).astype(np.float64)
    # large moves first: fewer of their loads fit, so the lists grow late
    norm = {j: float(np.max((stages[j][0] / scale).sum(axis=1))) for j in useful}
    order = sorted(useful, key=lambda j: (-norm[j], j))
    m = len(order)
    # suffix bounds: for each stage s and direction, the fractional knapsack of stages
    # order[s:] as (cumulative weight, cumulative value, density) in density order; a stage
    # gives at most min(top, density × weight) for any move, so the bound is valid
    dirs = directions(nd)
    dens_of = np.zeros((len(dirs), len(stages)))
    for j in useful:
        sz, v = stages[j]
        for q, lam in enumerate(dirs):
            w = (sz / scale) @ lam
            pos = v > 0.0
            # a move of no weight on this row: the stage costs nothing here (infinite density)
            dens_of[q, j] = (math.inf if np.any(pos & (w <= 0.0)) else
                             float(np.max(np.where(pos, v / np.where(w > 0.0, w, 1.0), 0.0))))
    # all suffixes at once: row s of a direction's tables masks out the stages before s
    # (zero weight and value), so searchsorted lands on the next stage of the suffix
    rank = np.arange(m)
    later = rank[None, :] >= np.arange(m + 1)[:, None]
    tables = []
    for q in range(len(dirs)):
        dens = dens_of[q, order]
        srt = np.argsort(-dens, kind="stable")
        weight = np.where(np.isinf(dens), 0.0, top[order] / np.maximum(dens, 1e-300))[srt]
        mask = later[:, srt]
        zero = np.zeros((m + 1, 1))
        cw = np.hstack([zero, np.cumsum(weight * mask, axis=1)])
        cv = np.hstack([zero, np.cumsum(top[order][srt] * mask, axis=1)])
        tables.append((cw, cv, np.append(dens[srt], 0.0)))

    def bound(s: int, load: np.ndarray) -> np.ndarray:
        out = np.full(len(load), np.inf)
        room_all = (cap - load) / scale
        for lam, (cw, cv, dens) in zip(dirs, tables, strict=True):
            room = room_all @ lam
            k = np.searchsorted(cw[s], room, side="right") - 1
            np.minimum(out, cv[s, k] + dens[k] * np.maximum(room - cw[s, k], 0.0), out=out)
        return out

    packed = math.prod(int(c) + 1 for c in cap) < 2**62
    radix = np.ones(nd, dtype=np.int64)
    for d in range(nd - 2, -1, -1) if packed else ():
        radix[d] = radix[d + 1] * (int(cap[d + 1]) + 1)
    load = np.zeros((1, nd), dtype=np.int64)
    val = np.zeros(1)
    best = max(floor, 0.0)
    best_at: tuple[int, int] | None = None

    def beats(x: np.ndarray) -> np.ndarray:
        """Worth more than the best pattern so far (by more than the tolerance)."""
        return np.asarray(x > best + TOL * max(1.0, abs(best)))

    # per stage: each kept load's parent (row in the previous stage) and move taken
    parents: list[np.ndarray] = []
    takes: list[np.ndarray] = []
    for s, j in enumerate(order):
        sz, v = stages[j]
        loads, vals = [load], [val]
        par, tk = [np.arange(len(load))], [np.full(len(load), -1, dtype=np.int64)]
        for q in range(len(v)):
            if v[q] <= 0.0:
                continue
            nl = load + sz[q].astype(np.int64)
            idx = np.nonzero(np.all(nl <= cap, axis=1))[0]
            if not len(idx):
                continue
            loads.append(nl[idx])
            vals.append(val[idx] + float(v[q]))
            par.append(idx)
            tk.append(np.full(len(idx), q, dtype=np.int64))
        load = np.concatenate(loads)
        val = np.concatenate(vals)
        p = np.concatenate(par)
        t = np.concatenate(tk)
        if s < m - 1:  # (at the last stage only its best load matters)
            # the same load twice: keep the better value
            if packed:
                key = load @ radix
                srt = np.lexsort((-val, key))
                first = np.ones(len(srt), dtype=bool)
                first[1:] = key[srt][1:] != key[srt][:-1]
            else:  # capacities too large to pack a load into one integer: compare rows
                srt = np.lexsort((-val, *load.T[::-1]))
                first = np.ones(len(srt), dtype=bool)
                first[1:] = np.any(load[srt][1:] != load[srt][:-1], axis=1)
            keep = srt[first]
            load, val, p, t = load[keep], val[keep], p[keep], t[keep]
        i = int(np.argmax(val))
        if beats(val[i]):
            best, best_at = float(val[i]), (s, i)
        if s == m - 1:
            parents.append(p)
            takes.append(t)
            break
        # drop loads that cannot lead to a better pattern (the best one is remembered)
        alive = beats(val + bound(s + 1, load))
        if best_at is not None and best_at[0] == s:
            alive[best_at[1]] = True
            keep = np.nonzero(alive)[0]
            best_at = (s, int(np.searchsorted(keep, best_at[1])))
        else:
            keep = np.nonzero(alive)[0]
        load, val, p, t = load[keep], val[keep], p[keep], t[keep]
        parents.append(p)
        takes.append(t)
        if not len(load):
            break  # no load can lead anywhere better
        if len(load) > limit or time.monotonic() > deadline:
            return None
    if best_at is not None:
        s, row = best_at
        while s >= 0:
            choice[order[s]] = int(takes[s][row])
            row = int(parents[s][row])
            s -= 1
    return best, choice


def copy_stages(sizes: np.ndarray, values: list[np.ndarray]
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """One stage per class: k = 1, 2, ... copies (values[i][k]; values[i][0] is unused)."""
    out = []
    for size, f in zip(sizes, values, strict=True):
        k = np.arange(1, len(f))
        out.append((np.outer(k, size).astype(np.int64).reshape(len(k), len(size)),
                    np.asarray(f[1:], dtype=np.float64)))
    return out
