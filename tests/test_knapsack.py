"""The sparse pricing DP is exact: its value is the best pattern's, and its pattern fits.

Column generation's bound and branch-and-price's proofs rest on exact pricing, so the DP is
checked against enumeration on random knapsacks with copies, arbitrary values per count
(branching bonuses) and joint stages (classes linked by a branching set).
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.solver import knapsack
from planner.solver.knapsack import best_pattern, copy_stages


@st.composite
def knapsacks(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], float]:
    nd = draw(st.integers(1, 3))
    n = draw(st.integers(1, 6))
    cap = np.array([draw(st.integers(3, 60)) for _ in range(nd)])
    sizes = np.array([[draw(st.integers(0 if nd > 1 else 1, 30)) for _ in range(nd)]
                      for _ in range(n)]).reshape(n, nd)
    values = []
    for _ in range(n):
        u = draw(st.integers(0, 3))
        f = [0.0] + [draw(st.floats(-2.0, 5.0, allow_nan=False)) for _ in range(u)]
        values.append(np.array(f))
    floor = draw(st.sampled_from([0.0, 0.0, 1.5, 4.0]))
    return sizes, cap, values, floor


def _enumerate(sizes: np.ndarray, cap: np.ndarray, values: list[np.ndarray]) -> float:
    best = 0.0
    for ks in itertools.product(*(range(len(f)) for f in values)):
        if np.all(np.array(ks) @ sizes <= cap):
            best = max(best, float(sum(f[k] for f, k in zip(values, ks, strict=True))))
    return best


@settings(max_examples=300, deadline=None)
@given(case=knapsacks())
def test_matches_enumeration(case: tuple[np.ndarray, np.ndarray, list[np.ndarray], float]
                             ) -> None:
    sizes, cap, values, floor = case
    got = best_pattern(copy_stages(sizes, values), cap, floor)
    assert got is not None
    value, choice = got
    best = _enumerate(sizes, cap, values)
    counts = np.array([q + 1 for q in choice])
    tol = 1e-8 * max(1.0, best)  # improvements below 1e-9 (relative) are not pursued
    if best > floor + tol:
        assert abs(value - best) < tol
        assert np.all(counts @ sizes <= cap)  # the pattern fits
        assert abs(sum(f[k] for f, k in zip(values, counts, strict=True)) - value) < 1e-9
    else:  # nothing beats the floor (by more than the tolerance): it bounds the best
        assert value >= best - tol


def test_joint_stage_takes_one_move() -> None:
    """A stage is one decision: two moves of one stage never add up."""
    stages = [(np.array([[4, 1], [2, 2]]), np.array([5.0, 4.0])),
              (np.array([[3, 3]]), np.array([3.0]))]
    value, choice = best_pattern(stages, np.array([6, 6])) or (0.0, [])
    # moves 0 and 1 of stage 0 would give 9 and fit (6, 3), but only one may be taken
    assert value == 7.0 and choice == [1, 0]


def test_gives_up_past_state_limit() -> None:
    sizes = np.array([[i, 31 - i] for i in range(1, 16)])
    values = [np.array([0.0, 1.0 + i / 100]) for i in range(15)]
    assert best_pattern(copy_stages(sizes, values), np.array([200, 200]), 0.0, 5) is None
    assert knapsack.STATE_LIMIT > 5
    got = best_pattern(copy_stages(sizes, values), np.array([200, 200]))
    assert got is not None and got[0] > 0


def test_huge_capacities_do_not_merge_distinct_loads() -> None:
    """Loads that would overflow one packed integer are still told apart."""
    cap = np.array([2**40, 2**40, 2**40])
    sizes = np.array([[2**39, 1, 1], [1, 2**39, 1], [1, 1, 2**39], [2**39, 2**39, 2**39]])
    values = [np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0]),
              np.array([0.0, 2.5])]
    got = best_pattern(copy_stages(sizes, values), cap)
    assert got is not None
    value, choice = got
    assert value == _enumerate(sizes, cap, values) == 3.5
    counts = np.array([q + 1 for q in choice])
    assert np.all(counts @ sizes <= cap)


def test_moves_of_no_size_in_a_dimension_are_not_bounded_away() -> None:
    """A class with no size in a full dimension still fits there: the bound must know it."""
    sizes = np.array([[10, 1], [5, 5], [0, 3]])
    values = [np.array([0.0, 10.0]), np.array([0.0, 6.0, 12.0]), np.array([0.0, 3.0])]
    got = best_pattern(copy_stages(sizes, values), np.array([10, 10]))
    assert got is not None and got[0] == _enumerate(sizes, np.array([10, 10]), values) == 13.0
