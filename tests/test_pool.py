"""Perfect packings of a pool of copies: subset sums are complete, partitions are real.

The pool search claims to find the subsets that fill a PC exactly together with a given
copy, of any size (not only up to six copies, as the exact cover), and to regroup the copies of the
PCs a packing leaves loose into exactly full PCs: a cheaper plan at the bound, with every
copy placed once, within capacity, anti-affinity groups apart and the vendor's stock kept.
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.bench.instances import constructed
from planner.model.problem import HostType, Item, Problem, build_problem
from planner.solver.fill import _tight_dimensions, exact_fill, perfect_types
from planner.solver.heuristics import Packing, Pattern
from planner.solver.pool import exact_with, pool_repair, subset_sums
from tests.test_fill import _check


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 12), st.integers(1, 3))
def test_exact_with_finds_every_subset(seed: int, m: int, nd: int) -> None:
    rng = random.Random(seed)
    cap = np.array([rng.randint(6, 20) for _ in range(3)])
    sizes = np.array([[rng.randint(0 if d else 1, max(1, int(c) // 2)) for d, c in enumerate(cap)]
                      for _ in range(m + 1)], dtype=np.int64)
    dims = np.arange(nd)  # the other dimensions only have to fit
    others = list(range(1, m + 1))
    want = {(0, *combo) for k in range(m + 1) for combo in itertools.combinations(others, k)
            if np.all(sizes[[0, *combo]].sum(axis=0)[dims] == cap[dims])
            and np.all(sizes[[0, *combo]].sum(axis=0) <= cap)}
    got = exact_with(sizes, 0, others, cap, dims, 10**6, random.Random(seed))
    assert {(s[0], *sorted(s[1:])) for s in got} == want
    assert len(got) == len(want)  # each subset once
    # a limit takes that many of them
    few = exact_with(sizes, 0, others, cap, dims, 2, random.Random(seed))
    assert len(few) == min(2, len(want))
    assert all((s[0], *sorted(s[1:])) in want for s in few)


def test_subset_sums_are_every_fitting_subset() -> None:
    sizes = np.array([[1, 2], [2, 1], [3, 3], [1, 1]], dtype=np.int64)
    cap = np.array([4, 4])
    masks, sums = subset_sums(sizes, cap)
    want = {m for m in range(16)
            if np.all(sum(sizes[j] for j in range(4) if m >> j & 1) <= cap)}
    assert set(masks.tolist()) == want and len(masks) == len(want)
    for m, s in zip(masks.tolist(), sums.tolist(), strict=True):
        assert s == [sum(int(sizes[j][d]) for j in range(4) if m >> j & 1) for d in range(2)]


def test_pool_repair_reaches_the_bound_from_the_first_pass() -> None:
    # three PC types priced in proportion to capacity: only PCs exactly full in vCPU, memory
    # and storage meet the optimum, and the large ones hold many small copies; the
    # sequential fill's first pass ends one small PC above it
    for seed in (1, 2):
        inst = constructed(150, 3, True, seed, 10.0)
        problem = build_problem(inst.inventory, inst.catalog, inst.policy)
        tight = _tight_dimensions(problem)
        assert inst.optimum is not None
        target = inst.optimum * problem.scale
        hosts = perfect_types(problem, target, tight)
        assert hosts == [0, 1, 2]
        start = exact_fill(problem, time.monotonic() + 30, target, restarts=0,
                           repair_seconds=0.0)
        assert start is not None and start.cost(problem) > target
        better = pool_repair(problem, start, time.monotonic() + 30, target, hosts, tight)
        _check(problem, better)
        assert better.cost(problem) == target  # the optimum
        for p in better.patterns:
            assert p.load(problem) == problem.hosts[p.host].cap  # every PC exactly full


def _halves() -> Problem:
    """Eight copies of a half-PC size a and four quarter-size copies b, c, d, e of a PC."""
    items = [Item("a", (2, 2, 1), [[f"a{i}"] for i in range(8)], 0)]
    items += [Item(k, (1, 1, 1), [[k]], 0) for k in "bcde"]
    return Problem(items, [HostType(0, None, (4, 4, 10), 100, 1, None)], [], money=False,
                   scale=1)


def test_pool_repair_keeps_anti_affinity_and_stock() -> None:
    problem = _halves()
    tight = np.array([True, True, False])
    # a loose start: each quarter copy alone, the halves paired
    start = Packing([Pattern(0, ((0, 2),))] * 4
                    + [Pattern(0, ((i, 1),)) for i in range(1, 5)], {})
    better = pool_repair(problem, start, time.monotonic() + 10, 5 * 100, [0], tight)
    _check(problem, better)
    assert better.cost(problem) == 5 * 100
    # b and c may not share a PC: halves with two quarters each keep them apart
    items = list(problem.items)
    for i in (1, 2):
        items[i] = replace(items[i], anti=("g",))
    apart = replace(problem, items=items)
    kept = pool_repair(apart, start, time.monotonic() + 10, 5 * 100, [0], tight)
    _check(apart, kept)  # (b and c on different PCs)
    assert kept.cost(apart) == 5 * 100
    # no two quarters together: no PC can be filled exactly with them, the start is kept
    for i in (3, 4):
        items[i] = replace(items[i], anti=("g",))
    alone = replace(problem, items=items)
    kept = pool_repair(alone, start, time.monotonic() + 2, 5 * 100, [0], tight)
    _check(alone, kept)
    assert kept.patterns == start.patterns
    # two models alike but one with three PCs in stock: the repair never takes a fourth
    two = replace(problem, hosts=[replace(problem.hosts[0], available=3),
                                  replace(problem.hosts[0], index=1)])
    mixed = Packing([Pattern(0, ((0, 2),))] * 3 + [Pattern(1, ((0, 2),))]
                    + [Pattern(1, ((i, 1),)) for i in range(1, 5)], {})
    done = pool_repair(two, mixed, time.monotonic() + 10, 500, [0, 1], tight)
    _check(two, done)
    assert done.cost(two) == 500


def test_pool_repair_on_a_fine_grid() -> None:
    # capacities of millions in every dimension: sums keyed as one integer would overflow
    # without dividing out each dimension's common factor
    big = 1_000_003
    problem = _halves()
    scaled = replace(problem, items=[replace(it, size=tuple(big * x for x in it.size))
                                     for it in problem.items],
                     hosts=[replace(problem.hosts[0], cap=(4 * big, 4 * big, 10 * big))])
    start = Packing([Pattern(0, ((0, 2),))] * 4
                    + [Pattern(0, ((i, 1),)) for i in range(1, 5)], {})
    tight = np.array([True, True, False])
    better = pool_repair(scaled, start, time.monotonic() + 10, 500, [0], tight)
    _check(scaled, better)
    assert better.cost(scaled) == 500


def test_pool_repair_counts_stock_per_model_across_new_pcs() -> None:
    # a double-size model worth its price, one in stock, listed second among the perfect
    # models: the search prefers it, but may open only one
    problem = _halves()
    small = problem.hosts[0]
    double = replace(small, index=1, cap=(8, 8, 20), cost=200, available=1)
    two = replace(problem, hosts=[small, double])
    start = Packing([Pattern(0, ((0, 1),))] * 8  # every PC loose: all regrouped at once
                    + [Pattern(0, ((i, 1),)) for i in range(1, 5)], {})
    tight = np.array([True, True, False])
    done = pool_repair(two, start, time.monotonic() + 10, 500, [1, 0], tight)
    _check(two, done)  # (at most one double PC)
    assert done.cost(two) == 500
    assert sum(p.host == 1 for p in done.patterns) == 1


def test_pool_repair_keeps_dimensions_outside_the_key_within_capacity() -> None:
    # four quarters fill a PC exactly in vCPU and memory but not in storage (16 > 10): every
    # PC must take at most two of them, whatever order the search takes
    items = [Item("a", (2, 2, 1), [[f"a{i}"] for i in range(8)], 0),
             Item("q", (1, 1, 4), [[f"q{i}"] for i in range(4)], 0)]
    problem = Problem(items, [HostType(0, None, (4, 4, 10), 100, 1, None)], [], money=False,
                      scale=1)
    start = Packing([Pattern(0, ((0, 2),))] * 4 + [Pattern(0, ((1, 1),))] * 4, {})
    tight = np.array([True, True, False])
    for seed in range(5):
        done = pool_repair(problem, start, time.monotonic() + 10, 500, [0], tight, seed=seed)
        _check(problem, done)
        assert done.cost(problem) == 500


def test_exact_with_samples_when_there_are_too_many_matches() -> None:
    # 25 identical copies: C(24, 12) = 2.7 million ways to fill a PC of 13 with the first
    sizes = np.ones((25, 3), dtype=np.int64)
    got = exact_with(sizes, 0, list(range(1, 25)), np.array([13, 13, 13]), np.arange(3), 16,
                     random.Random(0))
    assert len(got) == 16
    assert all(len(s) == 13 == len(set(s)) and s[0] == 0 for s in got)
