"""Packing into the capacity bound's fleet: many small workloads reach the bound."""

from __future__ import annotations

import math
import random
import time
from decimal import Decimal

import numpy as np
import pytest

from planner.bench.instances import literature, mix_inventory, sample_catalog, sample_policy
from planner.bench.mixes import DEFAULT_MIX
from planner.model.problem import Problem, build_problem
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel
from planner.readers.inventory import Inventory, Workload
from planner.solver import engine, fleet
from planner.solver.bounds import capacity_plan
from planner.solver.colgen import column_generation, residual_problem
from planner.solver.engine import plan
from planner.solver.fleet import (
    _leftover,
    _pack,
    fleet_milp,
    fleet_packing,
    fleet_search,
    pack_fleet,
    round_down,
)
from planner.solver.heuristics import Packing, Pattern, ffd_multi
from planner.verify.verifier import check_plan


def _catalog() -> Catalog:
    # the large model is the cheapest per vCPU, the small one per GiB: the best fleet mixes
    return Catalog(hosts=(HostModel("S", 8, 64.0, 2000.0, monthly_fee=Decimal(60)),
                          HostModel("L", 32, 96.0, 2000.0, monthly_fee=Decimal(150))),
                   term_years=1, currency="USD")


def _small_workloads(seed: int, n: int) -> Inventory:
    rng = random.Random(seed)
    wl = tuple(Workload(f"vm{i:03d}", rng.choice([1, 1, 2]), float(rng.choice([2, 4, 8])),
                        float(rng.randint(10, 60))) for i in range(n))
    return Inventory(wl, "small")


def test_fleet_packing_places_every_copy_and_respects_capacity() -> None:
    problem = build_problem(_small_workloads(1, 120), _catalog(), PURE_PACKING)
    _, counts = capacity_plan(problem)
    assert counts is not None
    for rule in ("dot", "align"):
        pk = pack_fleet(problem, counts, rule)
        placed = {i: 0 for i in range(len(problem.items))}
        for p in pk.patterns:
            assert all(a <= c for a, c in zip(p.load(problem), problem.hosts[p.host].cap,
                                              strict=True))
            for i, k in p.content:
                placed[i] += k
        assert not pk.uncovered
        assert all(placed[i] == it.demand for i, it in enumerate(problem.items))


def test_fleet_too_small_spills_to_extra_pcs() -> None:
    problem = build_problem(_small_workloads(2, 60), _catalog(), PURE_PACKING)
    pk = pack_fleet(problem, [1, 0])
    assert not pk.uncovered
    assert sum(k for p in pk.patterns for _, k in p.content) == \
        sum(it.demand for it in problem.items)


def test_realistic_mix_is_proven_optimal_with_a_mix_of_models() -> None:
    # VM sizes drawn from the built-in mix (real VM size data): the capacity bound's fleet
    # holds them, so the plan is proven optimal
    cat, pol = sample_catalog(), sample_policy()
    inv = mix_inventory(150, 2, DEFAULT_MIX, cat, pol)
    result = plan(inv, cat, pol, time_limit=5.0)
    assert check_plan(result, inv, cat, pol) == []
    assert result.status == "optimal" and result.lower_bound == result.cost
    assert len({h.model for h in result.hosts}) >= 2


def _check_in_fleet(problem: Problem, pk: Packing, counts: list[int]) -> None:
    assert not pk.uncovered
    assert pk.host_counts(len(problem.hosts)) == counts
    placed = [0] * len(problem.items)
    for p in pk.patterns:
        assert all(a <= c for a, c in zip(p.load(problem), problem.hosts[p.host].cap,
                                          strict=True))
        groups = [g for i, k in p.content for g in problem.items[i].anti for _ in range(k)]
        assert len(groups) == len(set(groups))
        for i, k in p.content:
            placed[i] += k
    assert placed == [it.demand for it in problem.items]


def _check_valid(problem: Problem, pk: Packing) -> list[int]:
    """A packing's PCs per type, checked: within stock, capacity, anti-affinity, every copy once."""
    used = pk.host_counts(len(problem.hosts))
    assert all(h.available is None or used[h.index] <= h.available for h in problem.hosts)
    _check_in_fleet(problem, pk, used)
    return used


def _bound_fleet(cls: int, n: int, index: int) -> tuple[Problem, float, list[int]]:
    """A multiple-choice literature instance, its capacity bound and the bound's fleet."""
    inst = literature(cls, n, index, 1, 10.0, multi=True)
    problem = build_problem(inst.inventory, inst.catalog, inst.policy)
    lb, counts = capacity_plan(problem)
    assert counts is not None
    return problem, lb, counts


def _packs_at_bound(pk: Packing | None, problem: Problem, lb: float,
                    counts: list[int]) -> Packing:
    """The packing holds every copy in exactly the fleet and costs the bound."""
    assert pk is not None
    _check_in_fleet(problem, pk, counts)
    assert pk.cost(problem) == problem.round_bound(lb)
    return pk


def test_exact_fleet_finds_the_packing_the_bound_needs() -> None:
    # multiple-choice class 5: 50 small items on 4 PCs whose memory must be exactly full
    problem, lb, counts = _bound_fleet(5, 50, 7)
    _packs_at_bound(fleet_milp(problem, counts, time.monotonic() + 20), problem, lb, counts)
    fewer = list(counts)
    fewer[max(range(len(fewer)), key=lambda k: fewer[k])] -= 1
    assert fleet_milp(problem, fewer, time.monotonic() + 20) is None  # too little capacity


def test_exact_fleet_keeps_anti_affinity_members_apart() -> None:
    # three sizes, so three classes: only the group rows keep them apart
    wl = tuple(Workload(f"db{i}", 2, 4.0 + i, 10.0, anti_affinity="db") for i in range(3)) + \
        tuple(Workload(f"app{i}", 1, 2.0, 10.0) for i in range(6))
    inv = Inventory(wl, "anti")
    problem = build_problem(inv, _catalog(), PURE_PACKING)
    s_only = [3 if h.model.name == "S" else 0 for h in problem.hosts]
    pk = fleet_milp(problem, s_only, time.monotonic() + 20)
    assert pk is not None
    _check_in_fleet(problem, pk, s_only)
    two = [2 if h.model.name == "S" else 0 for h in problem.hosts]
    assert fleet_milp(problem, two, time.monotonic() + 20) is None  # three apart need three


def test_plan_proves_a_dense_multiple_choice_instance_by_its_exact_fleet(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # class 4, 50 items, 7 PCs: the placement rules, the fill and column generation left it
    # open in 10 s; the bound's fleet packed exactly proves the optimum (the tabu search,
    # which now finds it first, is switched off)
    monkeypatch.setattr(engine, "fleet_search", lambda *a, **k: None)
    # the exact fill finds it first on some runs (seen under load): switched off as well
    monkeypatch.setattr(engine, "exact_fill", lambda *a, **k: None)
    inst = literature(4, 50, 7, 1, 6.0, multi=True)
    result = plan(inst.inventory, inst.catalog, inst.policy, time_limit=6.0)
    assert check_plan(result, inst.inventory, inst.catalog, inst.policy) == []
    assert result.status == "optimal" and result.cost == result.lower_bound
    assert result.stats["source"] == "exact fleet"


def test_fleet_search_packs_a_fleet_full_to_a_tenth_of_a_percent() -> None:
    # multiple-choice class 4, 100 items: the bound's 13 PCs hold the memory demand with 13
    # units to spare out of 12,500; rules, exact fill and HiGHS found no packing in seconds
    problem, lb, counts = _bound_fleet(4, 100, 3)
    pk = _packs_at_bound(fleet_search(problem, counts, time.monotonic() + 20), problem, lb,
                         counts)
    again = fleet_search(problem, counts, time.monotonic() + 20)
    assert again is not None and again.patterns == pk.patterns  # same inputs, same plan


def test_fleet_search_gives_up_where_no_packing_exists() -> None:
    # three copies of 5 vCPUs on two 8-vCPU PCs: capacity is enough in total, no packing is
    inv = Inventory((Workload("w", 5, 4.0, 10.0, count=3),), "x")
    cat = Catalog(hosts=(HostModel("H", 8, 64.0, 1000.0, monthly_fee=Decimal(10)),),
                  term_years=1)
    problem = build_problem(inv, cat, PURE_PACKING)
    assert fleet_search(problem, [2], time.monotonic() + 0.3) is None
    pk = fleet_search(problem, [3], time.monotonic() + 5)
    assert pk is not None
    _check_in_fleet(problem, pk, [3])


def _valid(problem: Problem, pk: Packing, counts: list[int]) -> bool:
    try:
        _check_in_fleet(problem, pk, [min(a, b) for a, b in
                                      zip(pk.host_counts(len(counts)), counts, strict=True)])
    except AssertionError:
        return False
    return True


def test_fleet_search_keeps_anti_affinity_members_apart() -> None:
    # random small inventories with anti-affinity groups, packed into their bound's fleet and
    # one PC more: every packing returned holds its copies within capacity and its groups
    # apart, including those the search had to repair (the start overfull)
    found = repaired = 0
    for seed in range(60):
        rng = random.Random(seed)
        wl = tuple(Workload(f"w{i}", rng.randint(1, 6), float(rng.choice([4, 8, 16, 24])),
                            10.0, count=rng.choice([1, 1, 2]),
                            anti_affinity=rng.choice(["", "", "a", "b", "c"]))
                   for i in range(rng.randint(8, 16)))
        problem = build_problem(Inventory(wl, "anti"), _catalog(), PURE_PACKING)
        _, counts = capacity_plan(problem)
        assert counts is not None
        for extra in (0, 1):
            fleet = list(counts)
            fleet[0] += extra
            pk = fleet_search(problem, fleet, time.monotonic() + 0.3)
            if pk is None:
                continue
            assert _valid(problem, pk, fleet)
            found += 1
            # a deadline already passed: only a start that needs no repair is returned
            repaired += fleet_search(problem, fleet, time.monotonic() - 1.0) is None
    assert found >= 30 and repaired >= 5


def test_fleet_search_places_a_member_of_two_groups() -> None:
    # an affinity group whose members are in anti-affinity groups g1 and g2 must be apart from
    # both the g1 and the g2 member: X on one PC, A and B together on the other
    wl = (Workload("a", 5, 40.0, 10.0, anti_affinity="g1"),
          Workload("b", 2, 20.0, 10.0, anti_affinity="g2"),
          Workload("x1", 2, 10.0, 10.0, affinity="x", anti_affinity="g1"),
          Workload("x2", 2, 10.0, 10.0, affinity="x", anti_affinity="g2"))
    problem = build_problem(Inventory(wl, "two"), _catalog(), PURE_PACKING)
    two = [2 if h.model.name == "S" else 0 for h in problem.hosts]
    pk = fleet_search(problem, two, time.monotonic() + 5)
    assert pk is not None
    _check_in_fleet(problem, pk, two)


def test_plan_proves_class_4_at_100_items_by_the_fleet_search() -> None:
    # (a long limit: the search gets a tenth of it, and the plan returns once proven)
    inst = literature(4, 100, 5, 1, 30.0, multi=True)
    result = plan(inst.inventory, inst.catalog, inst.policy, time_limit=30.0)
    assert check_plan(result, inst.inventory, inst.catalog, inst.policy) == []
    assert result.status == "optimal" and result.cost == result.lower_bound
    assert result.stats["source"] == "fleet search"


def _scored_per_copy(problem: Problem, counts: list[int], rule: str,
                     order: str) -> list[tuple[tuple[int, int], ...]] | None:
    """Reference placement: every PC scored afresh for every copy (pack_fleet before it
    updated only the PC that changed); the PCs' contents, or None if copies were left over."""
    items = problem.items
    types = [k for k in sorted(range(len(counts)), key=lambda k: -problem.hosts[k].cost)
             for _ in range(counts[k])]
    free = np.array([problem.hosts[k].cap for k in types], dtype=np.int64)
    cap = np.maximum(free.astype(np.float64), 1.0)
    mean_cap = cap.mean(axis=0)
    sizes = np.array([it.size for it in items], dtype=np.int64)
    norm = sizes / mean_cap
    key = norm.max(axis=1) if order == "max" else norm.sum(axis=1)
    contents: list[dict[int, int]] = [{} for _ in types]
    groups: list[set[str]] = [set() for _ in types]
    for i in sorted(range(len(items)), key=lambda i: (-key[i], items[i].key)):
        for _ in range(items[i].demand):
            ok = np.all(free >= sizes[i], axis=1)
            for b in np.nonzero(ok)[0].tolist():
                if groups[b].intersection(items[i].anti):
                    ok[b] = False
            if not ok.any():
                return None
            if rule == "dot":
                score = (free / cap) @ (sizes[i] / mean_cap)
            else:
                rel = free / mean_cap
                score = (rel @ (sizes[i] / mean_cap)) / np.maximum(
                    np.linalg.norm(rel, axis=1), 1e-12)
            b = int(np.argmax(np.where(ok, score, -np.inf)))
            free[b] -= sizes[i]
            contents[b][i] = contents[b].get(i, 0) + 1
            groups[b].update(items[i].anti)
    return sorted(tuple(sorted(c.items())) for c in contents if c)


def test_pack_fleet_places_as_scoring_every_pc_for_every_copy() -> None:
    # the incremental scoring (only the PC that took a copy is re-scored) makes the same
    # choices as scoring every PC each time, anti-affinity groups included
    compared = 0
    for seed in range(12):
        rng = random.Random(seed)
        wl = tuple(Workload(f"w{i}", rng.randint(1, 4), float(rng.choice([2, 4, 8, 16])),
                            float(rng.randint(10, 400)), count=rng.choice([1, 2, 3]),
                            anti_affinity=rng.choice(["", "", "", "a", "b"]))
                   for i in range(rng.randint(10, 30)))
        problem = build_problem(Inventory(wl, "inc"), _catalog(), PURE_PACKING)
        _, counts = capacity_plan(problem)
        assert counts is not None
        for rule in ("dot", "align"):
            for order in ("max", "sum"):
                for extra in (0, 2):
                    fleet = [c + extra for c in counts]
                    ref = _scored_per_copy(problem, fleet, rule, order)
                    if ref is None:
                        continue
                    pk = pack_fleet(problem, fleet, rule, order)
                    assert sorted(p.content for p in pk.patterns) == ref
                    compared += 1
    assert compared >= 40


def _full_fleet_case(seed: int, n: int) -> tuple[Inventory, Catalog, Problem, list[int]]:
    """Two models (the small one's stock limited), memory and storage scarce: the bound's
    fleet, packed by the placement rules, leaves copies over on these seeds."""
    cat = Catalog(hosts=(HostModel("S", 16, 32.0, 1000.0, monthly_fee=Decimal(50),
                                   available=6),
                         HostModel("L", 32, 128.0, 2000.0, monthly_fee=Decimal(120))),
                  term_years=1, currency="USD")
    rng = random.Random(seed)
    wl = tuple(Workload(f"w{i}", rng.randint(1, 4), float(rng.choice([4, 8, 16, 24, 48])),
                        float(rng.choice([50, 100, 300, 600])),
                        anti_affinity=rng.choice(["", "", "", "", "a"]))
               for i in range(n))
    inv = Inventory(wl, "full")
    problem = build_problem(inv, cat, PURE_PACKING)
    _, counts = capacity_plan(problem)
    assert counts is not None
    return inv, cat, problem, counts


@pytest.mark.parametrize(("seed", "n"), [(1, 60), (6, 30), (9, 40)])
def test_fleet_packing_grows_a_fleet_with_no_room_and_stays_valid(
        monkeypatch: pytest.MonkeyPatch, seed: int, n: int) -> None:
    inv, cat, problem, counts = _full_fleet_case(seed, n)
    _, extra = _pack(problem, counts, "dot", "max", float("inf"))
    assert sum(extra) > 0  # the bound's own fleet leaves copies over
    # grown fleets replace nearby ones past NEAR PCs per model (50,000 copies: 104 PCs);
    # NEAR 0 makes these small cases take that path
    monkeypatch.setattr(fleet, "NEAR", 0)
    grown: list[list[int]] = []
    real = fleet._pack

    def spy(problem: Problem, counts: list[int], *args: object) -> tuple[Packing, list[int]]:
        grown.append(list(counts))
        return real(problem, counts, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(fleet, "_pack", spy)
    pk = fleet_packing(problem, counts, time.monotonic() + 5.0)
    assert any(g != counts for g in grown)  # a grown fleet was packed
    assert pk is not None and not pk.uncovered
    _check_valid(problem, pk)
    # never below the optimum, which the engine proves on this small case
    best = plan(inv, cat, PURE_PACKING, time_limit=5.0)
    assert best.status == "optimal"
    assert pk.cost(problem) >= best.cost * problem.scale


def test_leftover_copies_go_to_the_cheapest_of_the_models_packings() -> None:
    # what the fleet leaves is packed on new PCs of each model in turn: never dearer than
    # first-fit decreasing on any one model, stock kept
    _, _, problem, _ = _full_fleet_case(1, 60)
    left = [it.demand for it in problem.items]
    used = [0] * len(problem.hosts)
    pk = _leftover(problem, left, used)
    assert not pk.uncovered
    sub = residual_problem(problem, left, used)
    assert all(pk.cost(problem) <= ffd_multi(sub, k).cost(sub) for k in range(len(sub.hosts)))
    _check_valid(problem, pk)


@pytest.mark.parametrize(("seed", "n"), [(1, 60), (6, 30), (9, 40)])
def test_round_down_packs_every_copy_within_stock_never_below_the_optimum(
        seed: int, n: int) -> None:
    # the LP on the real classes, rounded down, the rest packed into the residual's fleet
    inv, cat, problem, _ = _full_fleet_case(seed, n)
    start = ffd_multi(problem, 1).patterns
    penalty = float(max(h.cost for h in problem.hosts) + 1)
    cg = column_generation(problem, [], start, penalty, time.monotonic() + 0.5, math.inf,
                           want_bound=False)
    pk = round_down(problem, cg.pool, cg.x, time.monotonic() + 1.0)
    assert not pk.uncovered
    _check_valid(problem, pk)
    best = plan(inv, cat, PURE_PACKING, time_limit=5.0)
    assert best.status == "optimal"
    assert pk.cost(problem) >= best.cost * problem.scale


def test_round_down_keeps_stock_and_demand_when_the_lp_asks_for_more() -> None:
    # x beyond the stock of the small model and beyond the demand: whole PCs only within
    # both, the rest packed anew
    _, _, problem, _ = _full_fleet_case(1, 60)
    small = next(h.index for h in problem.hosts if h.available is not None)
    content = tuple((i, 1) for i, it in enumerate(problem.items)
                    if problem.fits(it.size, problem.hosts[small]) and not it.anti)[:1]
    p = Pattern(small, content)
    pk = round_down(problem, [p], [40.7], time.monotonic() + 1.0)
    used = pk.host_counts(len(problem.hosts))
    assert used[small] <= problem.hosts[small].available  # type: ignore[operator]
    assert not pk.uncovered
    _check_in_fleet(problem, pk, used)


@pytest.mark.parametrize("seed", [1, 5])
def test_plan_rounds_the_real_classes_lp_on_merged_classes(
        monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    # the lp_rounding phase on small cases with the gap still open after the fleets (merging
    # and the copy threshold lowered): its plan passes the verifier, never undercuts the bound
    monkeypatch.setattr(engine, "MAX_CLASSES", 8)
    monkeypatch.setattr(engine, "ROUND_COPIES", 0)
    seen: list[str] = []
    real = engine.round_down

    def spy(*args: object, **kwargs: object) -> Packing:
        seen.append("round_down")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "round_down", spy)
    cat = Catalog(hosts=(HostModel("S", 16, 32.0, 1000.0, monthly_fee=Decimal(50), available=6),
                         HostModel("L", 32, 128.0, 2000.0, monthly_fee=Decimal(120))),
                  term_years=1, currency="USD")
    rng = random.Random(seed)
    wl = tuple(Workload(f"w{i}", rng.randint(3, 12), float(rng.choice([8, 16, 24, 40, 56])),
                        float(rng.choice([100, 300, 600, 900])),
                        anti_affinity=rng.choice(["", "", "", "", "a"])) for i in range(40))
    inv = Inventory(wl, "large items")
    result = plan(inv, cat, PURE_PACKING, time_limit=1.5)
    assert check_plan(result, inv, cat, PURE_PACKING) == []
    assert result.stats.get("merged_classes") is not None
    assert "round_lp_value" in result.stats and seen
    assert result.lower_bound is not None and result.lower_bound <= result.cost
