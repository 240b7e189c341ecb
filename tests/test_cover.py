"""Perfect packings by exact cover: the subsets are all found, the cover is a real partition.

A perfect packing is the only plan that meets a capacity bound attained exactly; the
exact-cover search claims to find every exactly filled subset of up to six copies and a
partition of the copies into them, or to say there is none.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from dataclasses import replace

import highspy
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.model.problem import HostType, Item, Problem, build_problem
from planner.solver.cover import exact_cover, exact_subsets, perfect_cover
from planner.solver.fill import (
    _dimension_weights,
    _resource_prices,
    _tight_dimensions,
    cover_repair,
    perfect_types,
)
from planner.solver.heuristics import Packing, ffd_multi
from planner.testing import constructed_instance
from tests.test_fill import _check


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(2, 11), st.integers(1, 3))
def test_exact_subsets_match_enumeration(seed: int, m: int, nd: int) -> None:
    rng = random.Random(seed)
    cap = np.array([rng.randint(4, 12) for _ in range(3)])
    sizes = np.array([[rng.randint(0 if d else 1, int(c)) for d, c in enumerate(cap)]
                      for _ in range(m)], dtype=np.int64)
    dims = np.arange(nd)  # the other dimensions only have to fit
    want = {combo for k in range(1, 7) for combo in itertools.combinations(range(m), k)
            if np.all(sizes[list(combo)].sum(axis=0)[dims] == cap[dims])
            and np.all(sizes[list(combo)].sum(axis=0) <= cap)}
    got = exact_subsets(sizes, cap, dims)
    assert len(got) == len(set(got))  # each subset once
    assert set(got) == want


def test_exact_cover_partitions_or_says_none() -> None:
    # classes a, b, c with 2, 1, 1 copies; rows: {a, a}, {a, b}, {a, c}, {b, c}
    rows = np.array([[2, 0, 0], [1, 1, 0], [1, 0, 1], [0, 1, 1]])
    cost = np.ones(4)
    chosen = exact_cover(np.array([2, 1, 1]), rows, cost, 10.0, time.monotonic() + 5)
    assert chosen is not None
    assert rows[chosen].sum(axis=0).tolist() == [2, 1, 1]
    # no partition of three copies of a: pairs only
    assert exact_cover(np.array([3, 0, 0]), rows, cost, 10.0, time.monotonic() + 5) is None
    # a partition exists, but not one cheaper than two rows
    assert exact_cover(np.array([2, 1, 1]), rows, cost, 2.0, time.monotonic() + 5) is None


def _problem(bins: int, seed: int) -> Problem:
    inv, cat, pol, _ = constructed_instance(bins, seed)
    return build_problem(inv, cat, pol)


def test_perfect_cover_finds_constructed_optimum() -> None:
    for seed in range(4):
        problem = _problem(8, seed)
        tight = _tight_dimensions(problem)
        found = perfect_cover(problem, tight, [0], 1e18, time.monotonic() + 10)
        assert found is not None
        _check(problem, Packing(found, {}))
        assert len(found) == 8  # the optimum, every PC exactly full
        for p in found:
            assert p.load(problem) == problem.hosts[0].cap


def test_perfect_cover_respects_stock_and_anti_affinity() -> None:
    problem = _problem(6, 3)
    tight = _tight_dimensions(problem)
    short = replace(problem, hosts=[replace(problem.hosts[0], available=5)])
    assert perfect_cover(short, tight, [0], 1e18, time.monotonic() + 10) is None
    # two copies that share a PC in every perfect packing cannot be kept apart
    found = perfect_cover(problem, tight, [0], 1e18, time.monotonic() + 10)
    assert found is not None
    a, b = found[0].content[0][0], found[0].content[1][0]
    items = list(problem.items)
    for i in (a, b):
        items[i] = replace(items[i], anti=("g",))
    apart = replace(problem, items=items)
    again = perfect_cover(apart, tight, [0], 1e18, time.monotonic() + 10)
    if again is not None:  # another perfect packing may exist: it must keep them apart
        _check(apart, Packing(again, {}))


def test_perfect_types_only_when_the_bound_needs_full_pcs() -> None:
    problem = _problem(10, 1)
    tight = _tight_dimensions(problem)
    cost = problem.hosts[0].cost
    assert perfect_types(problem, 10 * cost, tight) == [0]
    assert perfect_types(problem, 11 * cost, tight) == []
    # one grid unit of storage short among a billion: 100 PCs are possible, not all full
    quarter = 2_500_000
    items = [Item("a", (1000, 2048, quarter), [[f"a{i}"] for i in range(399)], 0),
             Item("b", (1000, 2048, quarter - 1), [["b"]], 0)]
    fine = Problem(items, [HostType(0, None, (4000, 8192, 4 * quarter), 1000, 1, None)], [],
                   money=False, scale=1000)
    assert perfect_types(fine, 100_000, _tight_dimensions(fine)) == []
    # eight copies on every PC: beyond the exact-cover search, which builds up to six
    dense = Problem([Item("w", (500, 1024, 1), [[f"w{i}"] for i in range(80)], 0)],
                    [HostType(0, None, (4000, 8192, 100), 1000, 1, None)], [], money=False,
                    scale=1000)
    assert perfect_types(dense, 10_000, _tight_dimensions(dense)) == []


def test_perfect_types_by_resource_prices_with_several_models() -> None:
    # big, half and wide (full CPU, half memory) PC models. Prices of 0.4 per CPU and 0.6
    # per memory unit make the big and wide models worth exactly their cost, so no plan
    # costs less than the load's worth; at every best price only the big model is worth its
    # cost, so a plan at that bound fills big PCs exactly. (The former rule, cost per
    # load-weighted capacity, rated the wide model best and claimed nothing.)
    rng = random.Random(3)
    triples = []
    for _ in range(12):
        a, b, c, d = (rng.randint(25, 50) for _ in range(4))
        triples += [(a, c), (b, d), (100 - a - b, 100 - c - d)]
    items = [Item(f"i{j}", (w, v, 1), [[f"i{j}"]], 0) for j, (w, v) in enumerate(triples)]
    hosts = [HostType(0, None, (100, 100, 10**6), 100, 1, None),
             HostType(1, None, (50, 50, 10**6), 55, 1, None),
             HostType(2, None, (100, 50, 10**6), 70, 1, None)]
    problem = Problem(items, hosts, [], money=False, scale=1)
    tight = np.array([True, True, False])
    assert perfect_types(problem, 12 * 100, tight) == [0]
    assert perfect_types(problem, 12 * 100 + 1, tight) == []
    assert perfect_types(problem, math.inf, tight) == []  # no bound known: no claim
    found = perfect_cover(problem, tight, [0], 12 * 100 + 0.5, time.monotonic() + 10,
                          whole=True)
    assert found is not None and len(found) == 12
    _check(problem, Packing(found, {}))


def test_whole_search_stops_once_it_proves_there_is_no_cover() -> None:
    # sizes 6, 6, 6, 2, 2, 2, 3, 3 on PCs of 10: exact subsets exist, a partition does not;
    # restarts in other orders cannot change that, so the search must not spend its time
    sizes = [6, 6, 6, 2, 2, 2, 3, 3]
    items = [Item(f"i{j}", (w, w, 1), [[f"i{j}"]], 0) for j, w in enumerate(sizes)]
    problem = Problem(items, [HostType(0, None, (10, 10, 100), 10, 1, None)], [],
                      money=False, scale=1)
    began = time.monotonic()
    assert perfect_cover(problem, np.array([True, True, False]), [0], 1e9,
                         time.monotonic() + 30, whole=True) is None
    assert time.monotonic() - began < 5


def test_resource_prices_are_feasible_and_optimal() -> None:
    # against HiGHS on random catalogs: exactly feasible, and worth the LP optimum
    rng = random.Random(11)
    for case in range(40):
        k = 2 + case % 2
        hosts = [HostType(j, None, (rng.randint(1, 64) * 1000, rng.randint(1, 512) * 1024,
                                    rng.randint(1, 8) * 10**6), rng.randint(1, 9000), 1, None)
                 for j in range(rng.randint(1, 12))]
        if case % 5 == 0:  # a model without CPU or memory constrains no price
            hosts.append(HostType(len(hosts), None, (0, 0, 10**6), 10, 1, None))
        items = [Item(f"i{j}", (rng.randint(1, 4000), rng.randint(1, 8192),
                                rng.randint(1, 10**6)), [[f"i{j}"]], 0) for j in range(5)]
        problem = Problem(items, hosts, [], money=False, scale=1)
        dims = list(range(k))
        p = _resource_prices(problem, dims)
        assert p is not None and all(x >= 0 for x in p)
        assert all(sum(p[j] * h.cap[d] for j, d in enumerate(dims)) <= h.cost for h in hosts)
        load = [sum(it.size[d] for it in items) for d in dims]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for j in range(k):
            h.addVar(0.0, highspy.kHighsInf)
            h.changeColCost(j, -float(load[j]))
        for t in hosts:
            h.addRow(-highspy.kHighsInf, float(t.cost), k, np.arange(k, dtype=np.int32),
                     np.array([float(t.cap[d]) for d in dims]))
        h.run()
        best = -h.getInfo().objective_function_value
        worth = float(sum(p[j] * load[j] for j in range(k)))
        assert abs(worth - best) <= 1e-7 * max(1.0, best)


def test_exact_cover_against_brute_force_with_costs_and_stock() -> None:
    rng = np.random.default_rng(5)
    for _ in range(300):
        nc = int(rng.integers(1, 4))
        rows = rng.integers(0, 3, size=(int(rng.integers(1, 7)), nc))
        rows = rows[rows.sum(axis=1) > 0]
        if not len(rows):
            continue
        counts = rng.integers(0, 4, size=nc)
        if not counts.any():
            continue
        cost = rng.integers(1, 4, size=len(rows)).astype(float)
        kind = rng.integers(0, 2, size=len(rows))
        stock = rng.integers(0, 4, size=2)
        upper = float(rng.integers(1, 12))
        best = None
        for mult in itertools.product(range(4), repeat=len(rows)):
            m = np.array(mult)
            if np.array_equal(m @ rows, counts) and m @ cost < upper and all(
                    m[kind == k].sum() <= stock[k] for k in (0, 1)):
                best = m
                break
        # the copies-per-load cut holds for any positive class loads, and random orders
        # (restarts) search the same space
        load = rng.integers(1, 6, size=(nc, 2))
        for extra in ({}, {"load": load}, {"load": load, "seed": int(rng.integers(1, 99))}):
            got = exact_cover(counts, rows, cost, upper, time.monotonic() + 5, kind, stock,
                              **extra)
            assert (got is None) == (best is None)
            if got is not None:
                assert rows[got].sum(axis=0).tolist() == counts.tolist()
                assert cost[got].sum() < upper
                assert all(int((kind[got] == k).sum()) <= stock[k] for k in (0, 1))


def test_perfect_cover_with_stock_on_the_cheap_type_and_identical_copies() -> None:
    # two copies that each fill a PC; one PC of the cheap type in stock: one of each
    one = Problem([Item("a", (4, 4, 1), [["a0"], ["a1"]], 0)],
                  [HostType(0, None, (4, 4, 10), 100, 1, 1),
                   HostType(1, None, (4, 4, 10), 200, 1, None)], [], scale=100)
    found = perfect_cover(one, np.array([True, True, False]), [0, 1], 1e9,
                          time.monotonic() + 5)
    assert found is not None and sorted(p.host for p in found) == [0, 1]
    # forty identical quarter-size copies: ten PCs of four
    many = Problem([Item("w", (1000, 2048, 10), [[f"w{i}"] for i in range(40)], 0)],
                   [HostType(0, None, (4000, 8192, 100), 1000, 1, None)], [], money=False,
                   scale=1000)
    found = perfect_cover(many, _tight_dimensions(many), [0], 1e18, time.monotonic() + 5)
    assert found is not None and len(found) == 10
    _check(many, Packing(found, {}))


def test_cover_repair_reaches_the_bound_from_a_greedy_packing() -> None:
    for seed in range(3):
        problem = _problem(25, 10 + seed)
        weight, tight = _dimension_weights(problem), _tight_dimensions(problem)
        start = ffd_multi(problem, 0, "sum", "first")
        assert start.cost(problem) > 25 * problem.hosts[0].cost
        better = cover_repair(problem, start, time.monotonic() + 20,
                              25 * problem.hosts[0].cost, [0], tight, weight)
        _check(problem, better)
        assert better.cost(problem) == 25 * problem.hosts[0].cost  # the optimum
