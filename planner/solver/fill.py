"""Sequential exact fill: build one PC at a time, filled as completely as the copies allow.

A minimum-bin-slack heuristic (Gupta & Ho 1999; Fleszar & Hindi 2002) for several dimensions
and PC types, aimed at tight instances where a perfect packing exists (every PC exactly full,
the capacity bound attained) and first-fit greedies open a PC or two too many:

* each step opens a PC with one of the largest copies left and completes it exactly in the
  binding dimensions: exact completions (up to four copies, six on few copies) are found by
  meet-in-the-middle over sums of singles, pairs and triples; the copy with the fewest
  completions goes first (fail first), its completion preferring large copies;
* when no exact completion exists, a small knapsack MILP (HiGHS) fills the PC as much as it can;
* the last copies, and whole problems of few copies, are searched depth-first for a perfect
  packing (`perfect_search`), backtracking over exact completions;
* a large-neighbourhood repair re-packs the PCs left with unused capacity together with PCs
  holding partners of their copies; restarts perturb the preferences with fixed seeds.

The same inputs give the same plan when time does not cut the search short.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction

import highspy
import numpy as np

from planner.model.problem import HostType, Item, Problem
from planner.solver.colgen import residual_problem
from planner.solver.compact import solve_compact
from planner.solver.cover import MAX_COPIES as COVER_MAX
from planner.solver.cover import MOST as COVER_MOST
from planner.solver.cover import pair_sums, perfect_cover, sum_radix, triple_sums
from planner.solver.heuristics import Packing, Pattern, cheapest_holding, ffd_multi
from planner.solver.highs import INF, new_highs, run_highs
from planner.solver.pool import pool_repair

#: share of the fill's time for an exact cover of the whole problem (when that may be needed)
WHOLE_SHARE = 0.75
#: perfect_types enumerates the price vertices only up to this many constraint sets
MAX_VERTEX_SETS = 20_000
#: the heuristic runs only on problems up to this many copies (it solves one MILP per PC)
MAX_COPIES = 3_000
#: ... and up to this many classes (each knapsack has one variable per class)
MAX_CLASSES = 600
#: branch-and-bound nodes per knapsack: a deterministic work limit
KNAPSACK_NODES = 20
#: wall-clock cap per knapsack, a safety net behind the node limit
KNAPSACK_SECONDS = 0.05
#: exact completions are searched among at most this many copies (pairs: its square / 2)
MAX_PAIRING = 700
#: ... and chosen among at most this many
MAX_COMBOS = 400
#: the largest classes tried, in turn, as the first copy of an exactly filled PC
SEEDS = 10
#: exact completions counted per seed when choosing the most constrained one
MRV_LIMIT = 16
#: the largest classes tried for completions of four copies or more (those cost more)
LONG_SEEDS = 3
#: exact fills prefer copies by size ** PREFER_POWER (2 beat 0, 1, 3 and 5 on the benchmarks)
PREFER_POWER = 2.0
#: perfect-packing search: PCs tried, and exact completions branched on per PC
PERFECT_NODES = 400
PERFECT_BRANCH = 8
#: the whole problem is searched for a perfect packing first up to this many copies, for
#: at most this share of the time
PERFECT_COPIES = 150
PERFECT_SHARE = 0.3
#: the sequential fill searches the last this many copies for a perfect packing
ENDGAME_COPIES = 60
ENDGAME_SECONDS = 0.5
#: the search runs only when a PC holds at most this many copies on average
PERFECT_DENSITY = 6.0
#: five-copy completions are searched when copies × pairs is at most this
MAX_TRIPLE_WORK = 1_500_000
#: ... and only when PCs hold this many copies on average (load / largest capacity): one
#: binary search per pair and copy took two thirds of the first pass on the n = 200
#: multiple-choice Caprara-Toth classes with two or three copies per PC (2.5-2.9 s) and found
#: nothing kept, while class 4 (about eight per PC) needs them
FIVE_DENSITY = 3.5
#: ... and up to six copies (pairs and triples) on at most this many copies
MAX_TRIPLING = 90
#: LNS repair: PCs with unused capacity freed per round (at most)
REPAIR_LOOSE = 12
#: per round: loose copies whose partners are freed, completions chosen from, random PCs
REPAIR_SEEDS = 3
REPAIR_CHOICES = 8
REPAIR_RANDOM = 2
#: per round: seconds for the compact MILP, restarts of the sequential fill
REPAIR_SECONDS = 1.0
REPAIR_RESTARTS = 4
#: share of the time left after the first pass that goes to repairing it
REPAIR_SHARE = 0.6
#: after the first pass, repair and restarts stop FOLLOW_MIN s + FOLLOW_FACTOR × its time
FOLLOW_MIN = 0.5
FOLLOW_FACTOR = 1.0
#: share of the time left after the first pass for regrouping the loose PCs' copies with
#: `planner.solver.pool` (PCs of many small copies) before the exact cover's neighbourhoods
POOL_SHARE = 0.5
#: where a perfect packing into PCs of the largest type would hold more than this many
#: copies per PC, the first pass and its `planner.solver.pool` regrouping (for at most this share of
#: the time) run before the whole cover: ~7 on the constructed 3-D instances with three
#: types (regrouped in 0.6-1.7 s at 200 copies, where the cover first took 2.4-9.8 s), 3 on
#: Caprara-Toth class 10 (triplets, which the cover finds faster)
EARLY_POOL_DENSITY = 4.0
EARLY_POOL_SHARE = 0.2
#: perfect-packing neighbourhoods (exact cover): copies freed per round, seconds per round
COVER_COPIES = 120
COVER_SECONDS = 0.5
#: ... each failed round searching twice as long, up to this (several PC types need longer)
COVER_GROWTH = 2.0
COVER_MAX_SECONDS = 2.0
#: ... and the least time a round takes besides its search (enumerating the subsets)
COVER_SETUP = 0.25


def _opening(problem: Problem, ht: HostType, used: list[int], sizes: np.ndarray, first: int,
             active: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A PC of model ``ht`` opened with copy ``first``: its capacity and the classes that fit.

    None when the model's stock (or a shared one) is used up or it cannot hold ``first``.
    """
    if (ht.available is not None or problem.pools) and not problem.room(ht.index, used):
        return None
    cap = np.array(ht.cap, dtype=np.int64)
    if np.any(sizes[first] > cap):
        return None
    return cap, active[np.all(sizes[active] <= cap, axis=1)]


def applicable(problem: Problem) -> bool:
    """Whether the problem is small enough for one knapsack MILP per PC."""
    copies = sum(it.demand for it in problem.items)
    return 0 < copies <= MAX_COPIES and len(problem.items) <= MAX_CLASSES \
        and bool(problem.hosts)


def _largest_capacity(problem: Problem) -> np.ndarray:
    """Per dimension, the largest capacity of any PC model."""
    return np.array([max(h.cap[d] for h in problem.hosts) for d in range(problem.nd)],
                    dtype=np.float64)


def _relative_load(problem: Problem) -> np.ndarray:
    """Per dimension, the total demand in PCs of the largest capacity (0 where none has any)."""
    cap = _largest_capacity(problem)
    load = np.array([sum(it.size[d] * it.demand for it in problem.items)
                     for d in range(problem.nd)], dtype=np.float64)
    return np.divide(load, cap, out=np.zeros(problem.nd), where=cap > 0)


def _dimension_weights(problem: Problem) -> np.ndarray:
    """Weight per dimension: its total demand relative to the most loaded dimension.

    A dimension that never binds (storage in a 2-D instance) gets almost no weight, so the
    fill maximises the load of the dimensions that decide the PC count.
    """
    load = _relative_load(problem)
    top = float(load.max()) or 1.0
    # (a restore deadline no model can meet has capacity 0: weighed as if 1)
    return np.maximum(load / top, 1e-3) / np.maximum(_largest_capacity(problem), 1.0)


def _preference(base: np.ndarray) -> np.ndarray:
    """How much an exact fill wants each copy: ``base`` raised to PREFER_POWER."""
    return np.asarray(np.maximum(base, 1e-12) ** PREFER_POWER)


def _tight_dimensions(problem: Problem) -> np.ndarray:
    """Dimensions whose total demand is at least half that of the most loaded one.

    Only vCPU, memory and storage: a restore deadline is never filled exactly on purpose (the
    exact fills only have to fit it).
    """
    load = _relative_load(problem)
    tight = np.zeros(len(load), dtype=bool)
    tight[:3] = load[:3] >= 0.5 * load[:3].max()
    return tight


def _knapsack(sizes: np.ndarray, value: np.ndarray, upper: np.ndarray, cap: np.ndarray,
              groups: list[list[int]], seed: int, deadline: float) -> np.ndarray | None:
    """Copies per candidate class maximising value within capacity; ``seed`` placed first.

    groups: candidate indices sharing an anti-affinity group (at most one copy of a group).
    Returns None when HiGHS finds nothing in its limits.
    """
    n = len(value)
    h = new_highs(max(0.01, min(KNAPSACK_SECONDS, deadline - time.monotonic())))
    h.setOptionValue("mip_max_nodes", KNAPSACK_NODES)
    h.setOptionValue("presolve", "on")
    lp = highspy.HighsLp()
    lp.num_col_ = n
    rows: list[tuple[np.ndarray, np.ndarray, float]] = []
    for d in range(sizes.shape[1]):
        idx = np.nonzero(sizes[:, d])[0]
        rows.append((idx, sizes[idx, d].astype(np.float64), float(cap[d])))
    for g in groups:
        rows.append((np.asarray(g), np.ones(len(g)), 1.0))
    lp.num_row_ = len(rows)
    lp.col_cost_ = -value
    lower = np.zeros(n)
    lower[seed] = 1.0
    lp.col_lower_ = lower
    lp.col_upper_ = upper.astype(np.float64)
    lp.row_lower_ = np.full(len(rows), -INF)
    lp.row_upper_ = np.array([r[2] for r in rows], dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    starts = np.cumsum([0] + [len(r[0]) for r in rows]).astype(np.int32)
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.concatenate([r[0] for r in rows]).astype(np.int32)
    lp.a_matrix_.value_ = np.concatenate([r[1] for r in rows])
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    h.passModel(lp)
    run_highs(h)
    if h.getInfo().primal_solution_status != 2:  # no feasible solution
        return None
    x = np.rint(np.asarray(h.getSolution().col_value)).astype(np.int64)
    x = np.clip(x, 0, upper)
    # guard against rounding: drop copies until the fill holds (never happens in practice)
    while np.any(x @ sizes > cap) and x.any():
        x[int(np.argmax(x))] -= 1
    return x


class _Completions:
    """Exact completions of a PC: copies that, with one copy of a seed class, fill it exactly.

    Exact in the tight dimensions (the others only have to fit). Meet in the middle: sums of
    single copies and of pairs are encoded as integers and matched by binary search, so exact
    completions of up to four copies (five on few copies) are found in milliseconds where a
    MILP search may take a second. Built once per PC and type, then asked for several seeds.
    """

    def __init__(self, sizes: np.ndarray, cand: np.ndarray, upper: np.ndarray,
                 cap: np.ndarray, tight: np.ndarray) -> None:
        self.sizes, self.cap, self.tight = sizes, cap, tight
        self.reps = np.repeat(cand, np.minimum(upper, 4))
        self.s = sizes[self.reps]
        self.m = m = len(self.reps)
        self.dims = dims = np.nonzero(tight)[0]
        self.radix = radix = sum_radix(cap, dims)
        self.keys = self.s[:, dims] @ radix
        self.korder = np.argsort(self.keys, kind="stable")
        self.tkeys = np.zeros(0, dtype=np.int64)
        if m > MAX_PAIRING:
            self.a = self.b = self.pkeys = self.porder = np.zeros(0, dtype=np.int64)
            return
        self.a, self.b, psum = pair_sums(self.s, cap)
        self.pkeys = psum[:, dims] @ radix
        self.porder = np.argsort(self.pkeys, kind="stable")
        if m <= MAX_TRIPLING:  # triples: each kept pair with every later copy
            self.tp, self.tc, tsum = triple_sums(self.s, self.b, psum, cap)
            self.tkeys = tsum[:, dims] @ radix
            self.torder = np.argsort(self.tkeys, kind="stable")

    def restrict(self, cand: np.ndarray, upper: np.ndarray) -> _Completions:
        """The table a rebuild for a subset of the copies would give.

        cand: a subset of the classes built for; upper: their copies now, at most as built.
        Filters the sorted sums instead of sorting again (orders are kept, so the result,
        ties included, is the rebuild's). Rebuilds when the copy count crosses a threshold
        that switches pairs or triples on.
        """
        now = np.zeros(len(self.sizes), dtype=np.int64)
        now[cand] = np.minimum(upper, 4)
        # copy j of class c (in build order) stays when j < its copies now
        first = np.r_[0, np.flatnonzero(np.diff(self.reps)) + 1] if self.m else np.zeros(0, int)
        rank = np.arange(self.m) - np.repeat(first, np.diff(np.r_[first, self.m]))
        alive = rank < now[self.reps]
        m = int(alive.sum())
        if (m > MAX_PAIRING) != (self.m > MAX_PAIRING) or (m <= MAX_TRIPLING) != (
                self.m <= MAX_TRIPLING) or self.m > MAX_PAIRING:
            return _Completions(self.sizes, cand, upper, self.cap, self.tight)
        out = object.__new__(_Completions)
        out.sizes, out.cap, out.tight, out.dims, out.radix = (
            self.sizes, self.cap, self.tight, self.dims, self.radix)
        new = np.cumsum(alive) - 1
        out.reps, out.s, out.keys, out.m = self.reps[alive], self.s[alive], self.keys[alive], m
        out.korder = new[self.korder[alive[self.korder]]]
        pk = alive[self.a] & alive[self.b]
        pnew = np.cumsum(pk) - 1
        out.a, out.b, out.pkeys = new[self.a[pk]], new[self.b[pk]], self.pkeys[pk]
        out.porder = pnew[self.porder[pk[self.porder]]]
        out.tkeys = self.tkeys[:0]
        if len(self.tkeys):
            tk = pk[self.tp] & alive[self.tc]
            tnew = np.cumsum(tk) - 1
            out.tp, out.tc, out.tkeys = pnew[self.tp[tk]], new[self.tc[tk]], self.tkeys[tk]
            out.torder = tnew[self.torder[tk[self.torder]]]
        return out

    def _triple(self, t: int) -> tuple[int, int, int]:
        """The copies of triple ``t``."""
        p = int(self.tp[t])
        return int(self.a[p]), int(self.b[p]), int(self.tc[t])

    @staticmethod
    def _matches(need: np.ndarray, pool_keys: np.ndarray, order: np.ndarray
                 ) -> Iterator[tuple[int, np.ndarray]]:
        """For each need, the positions (in pool order) of pool entries with that key."""
        sk = pool_keys[order]
        lo = np.searchsorted(sk, need, "left")
        hi = np.searchsorted(sk, need, "right")
        for q in np.nonzero(hi > lo)[0].tolist():
            yield q, order[lo[q]:hi[q]]

    def complete(self, first: int, remaining: np.ndarray, anti: list[tuple[str, ...]],
                 prefer: np.ndarray, most: int = 6) -> dict[int, int] | None:
        """The completion of one ``first`` copy with the largest sum of ``prefer``, or None.

        Large copies first (``prefer`` grows faster than size): small ones are easier to
        place later.
        """
        found = self.completions(first, remaining, anti, prefer, 1, most)
        return found[0] if found else None

    def completions(self, first: int, remaining: np.ndarray, anti: list[tuple[str, ...]],
                    prefer: np.ndarray, limit: int, most: int = 6) -> list[dict[int, int]]:
        """Up to ``limit`` distinct exact completions of one ``first`` copy, best first.

        most: the largest number of copies a completion adds to ``first`` (3 is much the
        cheapest; 4 skips the five- and six-copy searches).
        """
        gather = max(MAX_COMBOS if limit == 1 else 4 * limit, limit)
        rest = self.cap - self.sizes[first]
        if np.any(rest < 0) or self.m > MAX_PAIRING:
            return []
        if not np.any(rest[self.dims]):
            return [{first: 1}]
        target = int(rest[self.dims] @ self.radix)
        keys, a, b, pkeys, porder = self.keys, self.a, self.b, self.pkeys, self.porder
        combos: list[tuple[int, ...]] = [(q,) for q in np.nonzero(keys == target)[0].tolist()]
        for i, js in self._matches(target - keys, keys, self.korder):
            combos.extend((i, int(j)) for j in js if j > i)
            if len(combos) > gather:
                break
        if len(combos) <= gather and len(pkeys):
            for i, ps in self._matches(target - keys, pkeys, porder):
                combos.extend((i, int(a[p]), int(b[p])) for p in ps if i < a[p])
                if len(combos) > gather:
                    break
        if most <= 3:
            pass
        elif len(combos) <= gather and len(pkeys):
            for p, qs in self._matches(target - pkeys, pkeys, porder):
                combos.extend((int(a[p]), int(b[p]), int(a[q]), int(b[q])) for q in qs
                              if b[p] < a[q])
                if len(combos) > gather:
                    break
        if most <= 4:
            pass
        elif not combos and len(self.tkeys):
            # five copies (a pair and a triple) and six (two triples), all distinct
            for p, ts in self._matches(target - pkeys, self.tkeys, self.torder):
                pair = (int(a[p]), int(b[p]))
                for t in ts.tolist():
                    tri = self._triple(t)
                    if pair[0] not in tri and pair[1] not in tri:
                        combos.append(pair + tri)
                if len(combos) > gather:
                    break
            for t, us in self._matches(target - self.tkeys, self.tkeys, self.torder):
                tri = self._triple(t)
                for u in us.tolist():
                    other = self._triple(u)
                    if t < u and not set(tri).intersection(other):
                        combos.append(tri + other)
                if len(combos) > 2 * gather:
                    break
        elif not combos and len(pkeys) and self.m * len(pkeys) <= MAX_TRIPLE_WORK:
            # five copies: one single and two pairs, all distinct
            sk = pkeys[porder]
            for i in range(self.m):
                need = target - keys[i] - pkeys
                lo = np.searchsorted(sk, need, "left")
                hi = np.searchsorted(sk, need, "right")
                for p in np.nonzero(hi > lo)[0].tolist():
                    for q in porder[lo[p]:hi[p]].tolist():
                        if b[p] < a[q] and i not in (a[p], b[p], a[q], b[q]):
                            combos.append((i, int(a[p]), int(b[p]), int(a[q]), int(b[q])))
                if len(combos) > gather:
                    break
        if not combos:
            return []
        # score all combinations at once (padding points at a zero row), then check the
        # best ones for copy counts and anti-affinity groups
        pad = np.full((len(combos), 6), self.m, dtype=np.int64)
        for r, combo in enumerate(combos):
            pad[r, :len(combo)] = combo
        s0 = np.vstack([self.s, np.zeros((1, self.s.shape[1]), dtype=np.int64)])
        p0 = np.append(prefer[self.reps], 0.0)
        total = s0[pad].sum(axis=1) + self.sizes[first]
        score = np.where(np.all(total <= self.cap, axis=1), p0[pad].sum(axis=1), -np.inf)
        out: list[dict[int, int]] = []
        seen: set[tuple[tuple[int, int], ...]] = set()
        for r in np.lexsort((np.arange(len(combos)), -score)).tolist():
            if not np.isfinite(score[r]) or len(out) >= limit:
                break
            content = {first: 1}
            groups = set(anti[first])
            ok = True
            for q in combos[r]:
                c = int(self.reps[q])
                content[c] = content.get(c, 0) + 1
                if content[c] > remaining[c] or (anti[c] and groups.intersection(anti[c])):
                    ok = False
                    break
                groups.update(anti[c])
            key = tuple(sorted(content.items()))
            if ok and key not in seen:
                seen.add(key)
                out.append(content)
        return out


def _one_pass(problem: Problem, weight: np.ndarray, tight: np.ndarray, noise: np.ndarray,
              deadline: float,
              budget: float | None) -> Packing | None:
    """One sequential fill of every copy; None when it cannot beat ``budget`` (cost ticks).

    noise: per-class multipliers of the knapsack values (ones on the first pass).
    """
    items = problem.items
    hosts = problem.hosts
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, problem.nd)
    remaining = np.array([it.demand for it in items], dtype=np.int64)
    used = [0] * len(hosts)
    patterns: list[Pattern] = []
    base = sizes @ weight  # value of a copy: its weighted normalised size
    value = base * noise
    spent = 0
    # a type's best possible score is an exact fill: try types in that order
    ceiling = [float(np.asarray(h.cap, dtype=np.float64) @ weight) / max(h.cost, 1)
               for h in hosts]
    order = sorted(hosts, key=lambda h: (-ceiling[h.index], h.cost, h.index))
    anti = [it.anti for it in items]
    prefer = _preference(base) * noise
    endgame = ENDGAME_COPIES > 0
    tables: dict[int, _Completions] = {}
    pcs = float(_relative_load(problem).max())  # remaining is still the whole demand
    longest = 6 if remaining.sum() >= FIVE_DENSITY * pcs else 4
    while remaining.any():
        if time.monotonic() >= deadline:
            return _finish(problem, patterns, remaining, used)
        if endgame and remaining.sum() <= ENDGAME_COPIES:
            # the last PCs are where a sequential fill gets stuck: search them instead
            endgame = False
            rest = residual_problem(problem, [int(r) for r in remaining], used)
            least = float(remaining @ (sizes @ (weight * tight))) * min(
                max(h.cost, 1) / float(np.asarray(h.cap, dtype=np.float64) @ (weight * tight))
                for h in hosts)
            tail = perfect_search(rest, least * (1 + 1e-9) + 0.5,
                                  min(deadline, time.monotonic() + ENDGAME_SECONDS),
                                  scales=(weight, tight))
            if tail is not None:
                return Packing(patterns + tail.patterns, {})
        active = np.nonzero(remaining)[0]
        # the largest remaining copy opens the PC (what first-fit decreasing would place)
        by_size = active[np.lexsort((active, -base[active]))]
        first = int(by_size[0])
        seeds = by_size[:SEEDS]
        best: tuple[float, int, dict[int, int]] | None = None
        for ht in order:
            if best is not None and best[0] >= ceiling[ht.index] - 1e-12:
                break  # no fill of this or any later type can score higher
            opened = _opening(problem, ht, used, sizes, first, active)
            if opened is None:
                continue
            cap, cand = opened
            per = np.min(np.where(sizes[cand] > 0, cap // np.maximum(sizes[cand], 1),
                                  np.iinfo(np.int64).max), axis=1)
            upper = np.minimum(remaining[cand], per)
            glist: dict[str, list[int]] = {}
            for j, i in enumerate(cand.tolist()):
                for g in items[i].anti:
                    glist.setdefault(g, []).append(j)
                if items[i].anti:
                    upper[j] = min(int(upper[j]), 1)
            # one table per type, filtered down as copies are placed (sorting is the cost)
            comp = tables[ht.index].restrict(cand, upper) if ht.index in tables \
                else _Completions(sizes, cand, upper, cap, tight)
            tables[ht.index] = comp
            exact = None
            fewest = MRV_LIMIT + 1
            for f in seeds:
                # among the largest copies, the one with the fewest exact completions of up
                # to three copies opens the PC (fail first: a copy with one way to be
                # completed must take it now)
                if np.all(sizes[f] <= cap):
                    found = comp.completions(int(f), remaining, anti, prefer, MRV_LIMIT, 3)
                    if found and len(found) < fewest:
                        exact, fewest = found[0], len(found)
                    if fewest == 1:
                        break
            for f in seeds[:LONG_SEEDS] if exact is None else ():
                # no short completion: one of the largest copies with a longer one
                if np.all(sizes[f] <= cap):
                    exact = comp.complete(int(f), remaining, anti, prefer, longest)
                    if exact is not None:
                        break
            if exact is not None:
                best = (ceiling[ht.index], ht.index, exact)
                continue
            seed = int(np.nonzero(cand == first)[0][0])
            x = _knapsack(sizes[cand], value[cand], upper, cap,
                          [g for g in glist.values() if len(g) > 1], seed, deadline)
            if x is None or x[seed] < 1:
                continue
            content = {int(cand[j]): int(x[j]) for j in np.nonzero(x)[0]}
            filled = float(sum(base[i] * k for i, k in content.items()))
            score = filled / max(ht.cost, 1)
            if best is None or score > best[0] + 1e-12:
                best = (score, ht.index, content)
        if best is None:
            return _finish(problem, patterns, remaining, used)
        _, t, content = best
        pat = Pattern(t, tuple(sorted(content.items())))
        t = cheapest_holding(problem, pat.load(problem), used, t)
        used[t] += 1
        spent += hosts[t].cost
        if budget is not None and spent >= budget:
            return None
        patterns.append(Pattern(t, pat.content))
        for i, k in content.items():
            remaining[i] -= k
    return Packing(patterns, {})


def _finish(problem: Problem, patterns: list[Pattern], remaining: np.ndarray,
            used: list[int]) -> Packing:
    """Out of time or no knapsack answer: pack the rest by first-fit decreasing."""
    rest = residual_problem(problem, [int(r) for r in remaining], used)
    runs = [ffd_multi(rest, 0, "sum", fit) for fit in ("first", "best")]
    done = min(runs, key=lambda pk: (sum(pk.uncovered.values()), pk.cost(rest)))
    return Packing(patterns + done.patterns, done.uncovered)


def exact_fill(problem: Problem, deadline: float, target: float = 0.0,
               upper: float = math.inf, restarts: int = 8,
               repair_seconds: float = math.inf,
               scales: tuple[np.ndarray, np.ndarray] | None = None) -> Packing | None:
    """The cheapest sequential exact-fill packing found before the deadline.

    target: a lower bound (cost ticks); the search stops once a packing meets it. upper: the
    cost of the best plan already known; passes that cannot beat it are abandoned. The first
    pass is repaired by large-neighbourhood search (up to ``repair_seconds``; until the
    deadline by exact cover when only a perfect packing meets ``target``), then restarts
    multiply each class's value by a random factor near one (fixed seeds). scales: dimension
    weights and tight dimensions (default: from this problem).
    """
    if not applicable(problem):
        return None
    weight, tight = scales or (_dimension_weights(problem), _tight_dimensions(problem))
    best: Packing | None = None
    best_cost = upper
    rng = random.Random(12345)
    start = time.monotonic()
    copies = sum(it.demand for it in problem.items)
    if repair_seconds > 0 and copies <= PERFECT_COPIES and math.isfinite(target) and target > 0:
        # few copies: look for a perfect packing (every PC exactly full) by search first
        found = perfect_search(problem, min(upper, target + 0.5), start + PERFECT_SHARE
                               * (deadline - start), scales=(weight, tight))
        if found is not None:
            return found
    perfect = perfect_types(problem, target, tight) if repair_seconds > 0 else []
    first: Packing | None = None
    largest = max((problem.hosts[t].cost for t in perfect), default=0)
    if perfect and copies <= COVER_MAX and copies > EARLY_POOL_DENSITY * target / largest:
        # large PCs of many small copies, which the whole cover (PCs of up to six copies)
        # mostly cannot build: the first pass and a short regrouping of its loose PCs first
        first = _one_pass(problem, weight, tight, np.ones(len(problem.items)), deadline, None)
        if first is not None and not first.uncovered and first.cost(problem) > target:
            first = pool_repair(problem, first, min(deadline, time.monotonic() + EARLY_POOL_SHARE
                                                    * (deadline - time.monotonic())),
                                target, perfect, tight)
        if first is not None and not first.uncovered and first.cost(problem) <= target:
            return first if first.cost(problem) < upper else None
    if perfect and copies <= COVER_MAX:
        # few copies: an exact cover of the whole problem by exactly filled PCs
        whole = perfect_cover(problem, tight, perfect, min(upper, target + 0.5),
                              time.monotonic() + WHOLE_SHARE * (deadline - time.monotonic()),
                              whole=True)
        if whole is not None:
            return Packing(whole, {})
    for r in range(restarts + 1):
        if r == 1:  # repair and restarts: a few times the first pass (none when not tight)
            deadline = min(deadline, start + FOLLOW_MIN
                           + FOLLOW_FACTOR * (time.monotonic() - start))
        if time.monotonic() >= deadline and not (r == 0 and first is not None):
            break  # (the early first pass is kept even when the whole cover used the time)
        noise = np.array([1.0 + (0.1 * rng.random() if r else 0.0) for _ in problem.items])
        # the first pass runs to the end: the repair may make it cheaper than ``upper``
        pk = first if r == 0 and first is not None else _one_pass(
            problem, weight, tight, noise, deadline,
            best_cost if r and math.isfinite(best_cost) else None)
        if pk is None or pk.uncovered:
            continue
        if r == 0 and repair_seconds > 0 and pk.cost(problem) > target:
            now = time.monotonic()
            until = min(now + min(repair_seconds, REPAIR_SHARE * (deadline - now)),
                        start + FOLLOW_MIN + FOLLOW_FACTOR * (now - start))
            if perfect:  # only a perfect packing meets the bound: regroup neighbourhoods
                pk = pool_repair(problem, pk, now + POOL_SHARE * (deadline - now), target,
                                 perfect, tight, seed=int(first is not None))
                pk = cover_repair(problem, pk, deadline, target, perfect, tight, weight)
            # (after the exact cover only if it could not run: too many copies on loose PCs)
            pk = repair(problem, pk, until, target)
        cost = pk.cost(problem)
        if cost < best_cost:
            best, best_cost = pk, cost
        if best_cost <= target:
            break
    return best


def _waste(problem: Problem, pattern: Pattern, weight: np.ndarray) -> float:
    """Weighted unused capacity of a PC (0 for an exactly filled one)."""
    cap = np.asarray(problem.hosts[pattern.host].cap, dtype=np.float64)
    return float((cap - np.asarray(pattern.load(problem), dtype=np.float64)) @ weight)


def repair(problem: Problem, packing: Packing, deadline: float, target: float,
           seed: int = 0) -> Packing:
    """Large-neighbourhood search: re-pack the PCs with unused capacity with related ones.

    Each round frees the PCs that are not exactly full, plus exactly filled PCs holding the
    partners of their largest copies (the copies of an exact completion of that copy over
    the whole problem, one completion chosen at random per round), plus a few random PCs,
    and looks for a cheaper packing of the freed copies (perfect-packing search, then the
    sequential fill, then the compact MILP). In a perfect packing the leftover copies lack
    partners that an earlier PC took in a wrong exact fill: freeing that PC lets the search
    regroup them. Stops at the deadline or once the cost meets ``target`` (ticks).
    """
    if packing.uncovered or not packing.patterns:
        return packing
    weight = _dimension_weights(problem) * _tight_dimensions(problem)
    tight = _tight_dimensions(problem)
    items = problem.items
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, problem.nd)
    demand = np.array([it.demand for it in items], dtype=np.int64)
    base = sizes @ _dimension_weights(problem)
    prefer = _preference(base)
    anti = [it.anti for it in items]
    comps: dict[int, _Completions] = {}
    pats = list(packing.patterns)
    rounds = 0
    rng = random.Random(seed)
    tiny = 1e-9
    while time.monotonic() < deadline - 0.05:
        cost = sum(problem.hosts[p.host].cost for p in pats)
        if cost <= target:
            break
        waste = [_waste(problem, p, weight) for p in pats]
        loose = sorted((i for i in range(len(pats)) if waste[i] > tiny),
                       key=lambda i: (-waste[i], i))
        if not loose:
            break
        if len(loose) > REPAIR_LOOSE:  # the two emptiest, and others at random
            loose = loose[:2] + sorted(rng.sample(loose[2:], REPAIR_LOOSE - 2))
        pick = list(loose)
        rounds += 1
        if rounds > 1:
            holders: dict[int, list[int]] = {}
            for b, p in enumerate(pats):
                for c, _ in p.content:
                    holders.setdefault(c, []).append(b)
            loose_copies = sorted({c for b in loose for c, _ in pats[b].content},
                                  key=lambda c: (-base[c], c))
            for c in loose_copies[:REPAIR_SEEDS]:
                t = rng.choice([h.index for h in problem.hosts if problem.fits(items[c].size, h)])
                if t not in comps:
                    cap = np.array(problem.hosts[t].cap, dtype=np.int64)
                    cand = np.nonzero(np.all(sizes <= cap, axis=1))[0]
                    upper = demand[cand].copy()
                    upper[[bool(anti[k]) for k in cand.tolist()]] = 1
                    comps[t] = _Completions(sizes, cand, upper, cap, tight)
                found = comps[t].completions(c, demand, anti, prefer, REPAIR_CHOICES)
                if not found:
                    continue
                for k in rng.choice(found):
                    if k != c:
                        outside = [b for b in holders.get(k, []) if b not in pick]
                        if outside:
                            pick.append(rng.choice(outside))
            others = [b for b in range(len(pats)) if b not in set(pick)]
            pick += rng.sample(others, min(len(others), REPAIR_RANDOM))
        better = _repack(problem, [pats[b] for b in pick], pats, deadline)
        if better is not None:
            chosen = set(pick)
            pats = [p for b, p in enumerate(pats) if b not in chosen] + better
    return Packing(pats, {})


def _freed(problem: Problem, chosen: list[Pattern], all_pats: list[Pattern]
           ) -> tuple[Problem, list[int]]:
    """The copies on ``chosen`` PCs as a problem of their own, and their classes' indices.

    Stock limits are net of the PCs not chosen.
    """
    count: dict[int, int] = {}
    for p in chosen:
        for i, k in p.content:
            count[i] = count.get(i, 0) + k
    classes = sorted(count)
    items = [Item(problem.items[i].key, problem.items[i].size,
                  problem.items[i].members[:count[i]], 0, problem.items[i].anti)
             for i in classes]
    used = [0] * len(problem.hosts)
    for p in all_pats:
        used[p.host] += 1
    for p in chosen:
        used[p.host] -= 1
    hosts = [replace(h, available=None if h.available is None else h.available - u)
             for h, u in zip(problem.hosts, used, strict=True)]
    # no units here: their draw on a pool is left out (a relaxation; ``_Search`` checks it)
    pools = tuple(replace(p, limit=p.limit - sum(used[t] for t in p.types), units=())
                  for p in problem.pools)
    return Problem(items, hosts, [], money=problem.money, scale=problem.scale,
                   dims=problem.dims, deadlines=problem.deadlines,
                   held=problem.held, pools=pools), classes


def _resource_prices(problem: Problem, dims: list[int]) -> list[Fraction] | None:
    """Best prices per unit of capacity in ``dims``: no PC type worth more than its cost.

    Best: the most total load value, in the relative interior of the optimal face. The
    vertices of {p >= 0 : sum_d p_d cap_td <= cost_t}, found in floating point and checked
    in rational arithmetic, and the average of the optimal ones (a type at zero reduced
    cost there is at zero reduced cost at every optimal p; a vertex lost to rounding only
    makes fewer claims). None when there are too many vertices to enumerate.
    """
    k = len(dims)
    # (a type without capacity in these dimensions constrains no price)
    rows = sorted({(*(Fraction(h.cap[d]) for d in dims), Fraction(h.cost))
                   for h in problem.hosts if any(h.cap[d] > 0 for d in dims)})
    rows += [(*(Fraction(-1 if j == i else 0) for j in range(k)), Fraction(0))
             for i in range(k)]
    if math.comb(len(rows), k) > MAX_VERTEX_SETS:
        return None
    a = np.array([[float(x) for x in r[:k]] for r in rows])
    b = np.array([float(r[k]) for r in rows])
    norm = np.abs(a).max(axis=1)  # rows scaled to unit size: capacities span many decades
    a, b = a / norm[:, None], b / norm
    combos = np.array(list(itertools.combinations(range(len(rows)), k)), dtype=np.int64)
    sys_a = a[combos]
    regular = np.abs(np.linalg.det(sys_a)) > 1e-12
    combos, sys_a = combos[regular], sys_a[regular]
    if not len(combos):
        return None
    p = np.linalg.solve(sys_a, b[combos][:, :, None])[:, :, 0]
    near = np.all(p >= -1e-9 * (np.abs(p).max(axis=1, keepdims=True) + 1e-300), axis=1) \
        & np.all(p @ a.T <= b + 1e-9 * (np.abs(b) + np.abs(p) @ np.abs(a).T), axis=1)
    load = [Fraction(sum(it.size[d] * it.demand for it in problem.items)) for d in dims]
    best: list[list[Fraction]] = []
    best_value: Fraction | None = None
    for combo in combos[near].tolist():
        q = _solve_exact([list(rows[i][:k]) for i in combo], [rows[i][k] for i in combo])
        if q is None or any(x < 0 for x in q) \
                or any(sum(r[j] * q[j] for j in range(k)) > r[k] for r in rows):
            continue
        value = sum((load[j] * q[j] for j in range(k)), Fraction(0))
        if best_value is None or value > best_value:
            best, best_value = [q], value
        elif value == best_value and q not in best:
            best.append(q)
    if not best:
        return None
    return [sum((q[j] for q in best), Fraction(0)) / len(best) for j in range(k)]


def _solve_exact(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction] | None:
    """The solution of the square system a x = b (Gauss-Jordan), None when singular."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for c in range(n):
        piv = next((r for r in range(c, n) if m[r][c] != 0), None)
        if piv is None:
            return None
        m[c], m[piv] = m[piv], m[c]
        for r in range(n):
            if r != c and m[r][c] != 0:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def perfect_types(problem: Problem, target: float, tight: np.ndarray) -> list[int]:
    """PC types a packing costing ``target`` must use, every PC exactly full; [] if none.

    With prices p per unit of capacity in the tight dimensions such that no PC type's
    capacity is worth more than its cost, every plan costs at least the load's worth at p.
    When ``target`` is no more than that worth, a plan meeting it fills every PC exactly in
    each dimension of positive price and uses only types whose capacity is worth exactly
    their cost (`_resource_prices`: the best such p, exactly). [] unless every tight
    dimension has a positive price, or when such a plan would hold more than
    `planner.solver.cover.MOST` copies per PC on average even in PCs of its cheapest model (many
    small workloads: the perfect-packing searches were built and measured for fewer per PC;
    the other phases pack such inventories).
    """
    dims = [d for d in range(len(tight)) if tight[d]]
    if not 0 < target < math.inf or not dims or not problem.hosts:
        return []
    p = _resource_prices(problem, dims)
    if p is None or any(x <= 0 for x in p):
        return []
    worth = sum((p[j] * sum(it.size[d] * it.demand for it in problem.items)
                 for j, d in enumerate(dims)), Fraction(0))
    if Fraction(target) > worth:
        return []
    types = [h.index for h in problem.hosts
             if h.cost > 0 and sum(p[j] * h.cap[d] for j, d in enumerate(dims)) == h.cost]
    if not types:
        return []
    most_pcs = Fraction(target) / min(problem.hosts[t].cost for t in types)
    if sum(it.demand for it in problem.items) > COVER_MOST * most_pcs:
        return []
    return types


def needs_perfect(problem: Problem, target: float) -> bool:
    """Whether only a perfect packing (every PC exactly full) can cost ``target``."""
    return bool(perfect_types(problem, target, _tight_dimensions(problem)))


def cover_repair(problem: Problem, packing: Packing, deadline: float, target: float,
                 hosts: list[int], tight: np.ndarray, weight: np.ndarray,
                 seed: int = 0) -> Packing:
    """Large-neighbourhood search for a perfect packing, by exact cover.

    Each round frees the PCs with unused capacity and exactly filled ones at random, up to
    COVER_COPIES copies, and partitions the freed copies into exactly filled PCs of the
    types ``hosts`` (`planner.solver.cover.perfect_cover`). Stops at the deadline or at ``target``.
    Every round must free all the PCs with unused capacity: with the bound one PC away,
    only they together hold copies summing to whole PCs. tight, weight: as in `exact_fill`.
    """
    if packing.uncovered or not packing.patterns:
        return packing
    weight = weight * tight
    pats = list(packing.patterns)
    rng = random.Random(seed)
    setup = COVER_SETUP  # time a round takes besides its search (the last one's)
    rounds = 0
    while time.monotonic() < deadline - setup:
        began = time.monotonic()
        if sum(problem.hosts[p.host].cost for p in pats) <= target:
            break
        loose = [b for b, p in enumerate(pats) if _waste(problem, p, weight) > 1e-9]
        size = [sum(k for _, k in p.content) for p in pats]
        if not loose or sum(size[b] for b in loose) > COVER_MAX:
            break  # (a round must free them all)
        rng.shuffle(loose)
        # exactly filled PCs the subsets could rebuild: more copies than that on a PC are
        # small ones, and the loose PCs already hold too many of those
        free = set(loose)
        others = [b for b in range(len(pats)) if b not in free and size[b] <= COVER_MOST]
        rng.shuffle(others)
        pick: list[int] = []
        copies = 0
        for b in loose + others:
            if b not in free and (copies + size[b] > COVER_MAX or copies >= COVER_COPIES):
                continue
            pick.append(b)
            copies += size[b]
        sub, classes = _freed(problem, [pats[b] for b in pick], pats)
        upper = float(sum(problem.hosts[pats[b].host].cost for b in pick))
        # searches that find a cover mostly do so early, but larger neighbourhood problems
        # (several PC types: more subsets) need longer: each failed round allows more
        search = min(COVER_MAX_SECONDS, COVER_SECONDS * COVER_GROWTH ** min(rounds, 30))
        rounds += 1
        found = perfect_cover(sub, tight, hosts, upper, min(deadline, began + setup + search))
        setup = max(COVER_SETUP, time.monotonic() - began - search)
        if found is not None:
            chosen = set(pick)
            pats = [p for b, p in enumerate(pats) if b not in chosen] + [
                Pattern(p.host, tuple((classes[i], k) for i, k in p.content)) for p in found]
    return Packing(pats, {})


def _repack(problem: Problem, chosen: list[Pattern], all_pats: list[Pattern],
            deadline: float) -> list[Pattern] | None:
    """A cheaper packing of the copies on ``chosen`` PCs (compact MILP), or None."""
    sub, classes = _freed(problem, chosen, all_pats)
    upper = float(sum(problem.hosts[p.host].cost for p in chosen))
    seconds = min(REPAIR_SECONDS, deadline - time.monotonic())
    if seconds <= 0.02:
        return None
    # a perfect packing of these copies (all PCs exactly full), then the sequential fill
    scales = (_dimension_weights(problem), _tight_dimensions(problem))
    found = perfect_search(sub, upper, time.monotonic() + 0.5 * seconds, scales=scales)
    if found is None:
        found = exact_fill(sub, time.monotonic() + 0.5 * seconds, 0.0, upper,
                           REPAIR_RESTARTS, repair_seconds=0.0, scales=scales)
    if found is None:
        res = solve_compact(sub, [], upper, deadline_left(deadline, REPAIR_SECONDS))
        if res is not None and res.interrupted:
            raise KeyboardInterrupt
        if res is None or res.patterns is None or res.cost >= upper:
            return None
        found = Packing(res.patterns, {})
    return [Pattern(p.host, tuple((classes[i], k) for i, k in p.content))
            for p in found.patterns]


def deadline_left(deadline: float, cap: float) -> float:
    """Seconds to the deadline, at most ``cap``."""
    return max(0.01, min(cap, deadline - time.monotonic()))


def perfect_search(problem: Problem, upper: float, deadline: float,
                   nodes: int = PERFECT_NODES,
                   scales: tuple[np.ndarray, np.ndarray] | None = None) -> Packing | None:
    """Depth-first search for a packing of exactly filled PCs cheaper than ``upper``.

    The largest copy left opens the next PC, branching over PC types and over the exact
    completions of that copy (best first); a branch dies when its copy has none. Exact
    fills are rare in several dimensions, so the tree is narrow, and on a handful of PCs
    it finds the perfect packing the sequential fill missed by choosing a wrong exact fill.
    Stops after ``nodes`` PCs tried or at the deadline; None when nothing was found.
    scales: dimension weights and tight dimensions (default: from this problem).
    """
    items = problem.items
    sizes = np.array([it.size for it in items], dtype=np.int64).reshape(-1, problem.nd)
    remaining = np.array([it.demand for it in items], dtype=np.int64)
    if not remaining.any() or not applicable(problem):
        return None
    weight, tight = scales or (_dimension_weights(problem), _tight_dimensions(problem))
    # copies per PC of the most cost-efficient type (the cheapest among equals)
    eff = min(problem.hosts, key=lambda h: (max(h.cost, 1) / float(
        np.asarray(h.cap, dtype=np.float64) @ (weight * tight)), h.cost, h.index))
    room = float(np.asarray(eff.cap, dtype=np.float64) @ (weight * tight))
    if remaining.sum() > PERFECT_DENSITY * float(remaining @ (sizes @ (weight * tight))) / room:
        return None  # small copies, many to a PC: beyond six-copy completions, and slow
    anti = [it.anti for it in items]
    base = sizes @ weight
    prefer = _preference(base)
    rate = min(max(h.cost, 1) / float(np.asarray(h.cap, dtype=np.float64) @ (weight * tight))
               for h in problem.hosts)
    tight_value = sizes @ (weight * tight)
    used = [0] * len(problem.hosts)
    chosen: list[Pattern] = []
    budget = [nodes]

    def dfs(spent: int) -> bool:
        if not remaining.any():
            return spent < upper
        if budget[0] <= 0 or time.monotonic() >= deadline:
            return False
        # even perfectly filled, the rest costs at least its tight load at the best rate
        if spent + float(remaining @ tight_value) * rate >= upper - 1e-9 * max(1.0, upper):
            return False
        active = np.nonzero(remaining)[0]
        by_size = active[np.lexsort((active, -base[active]))]
        first = int(by_size[0])
        for ht in sorted(problem.hosts, key=lambda h: (h.cost, h.index)):
            opened = _opening(problem, ht, used, sizes, first, active)
            if opened is None:
                continue
            cap, cand = opened
            upper_k = remaining[cand].copy()
            for j, i in enumerate(cand.tolist()):
                if items[i].anti:
                    upper_k[j] = min(int(upper_k[j]), 1)
            comp = _Completions(sizes, cand, upper_k, cap, tight)
            options: list[dict[int, int]] = []
            for f in by_size[:SEEDS].tolist():  # fail first, as in the sequential fill
                if np.all(sizes[f] <= cap):
                    found = comp.completions(f, remaining, anti, prefer, PERFECT_BRANCH, 3)
                    if found and (not options or len(found) < len(options)):
                        options = found
                    if len(options) == 1:
                        break
            if not options:
                options = comp.completions(first, remaining, anti, prefer, PERFECT_BRANCH)
            for content in options:
                budget[0] -= 1
                if budget[0] <= 0:
                    return False
                for i, k in content.items():
                    remaining[i] -= k
                used[ht.index] += 1
                chosen.append(Pattern(ht.index, tuple(sorted(content.items()))))
                if dfs(spent + ht.cost):
                    return True
                chosen.pop()
                used[ht.index] -= 1
                for i, k in content.items():
                    remaining[i] += k
        return False

    return Packing(list(chosen), {}) if dfs(0) else None
