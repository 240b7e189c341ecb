"""N+k with mixed spare models (issue 22): the exact condition, the search, the verifier."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from itertools import combinations

from planner.model.plan import PlannedHost
from planner.readers.catalog import PURE_PACKING, parse_catalog
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan
from planner.solver.spares import MAX_SPARE_SETS, spare_set, spare_sets
from planner.verify.verifier import check_plan, verify_plan


def _catalog(*hosts: tuple[str, int, int, int, int | None]) -> object:
    """PC models (name, cores, memory GiB, monthly fee, stock), 10 TB each, no units."""
    return parse_catalog({"host": [
        {"name": n, "cores": c, "memory": f"{m} GiB", "storage": "10 TB", "monthly_fee": fee,
         **({"available": a} if a is not None else {})} for n, c, m, fee, a in hosts]})


def _inv(*sizes: tuple[int, int]) -> Inventory:
    return Inventory(tuple(Workload(f"w{i}", v, float(m), 1.0)
                           for i, (v, m) in enumerate(sizes)))


def _survives(lost: tuple[PlannedHost, ...], spares: list[PlannedHost], inv: Inventory) -> bool:
    """Each lost working PC's workloads, as a set, onto its own surviving spare (brute force)."""
    size = {w.name: (w.vcpu, w.memory_gib, w.storage_gb) for w in inv.workloads}
    left = [s for s in spares if s not in lost]
    work = [h for h in lost if not h.spare]

    def holds(h: PlannedHost, s: PlannedHost) -> bool:
        load = [sum(size[n][d] for n in h.workloads) for d in range(3)]
        cap = (s.usable["vcpu"], s.usable["memory_gib"], s.usable["storage_gb"])
        return all(x <= c + 1e-9 for x, c in zip(load, cap, strict=True))

    from itertools import permutations
    return any(all(holds(h, s) for h, s in zip(work, pick, strict=False))
               for pick in permutations(left, len(work)))


def test_mixed_spares_beat_every_one_model_set_when_stock_is_short() -> None:
    """k = 2. A (8 cores, 16 GiB) and B (4 cores, 64 GiB) cost 50 each, one of each in stock;
    C (8 cores, 64 GiB) costs 100. Two workloads of 2 vCPU, 8 GiB.
    One model: {C, C} + a working A (or B) = 250; {A, A} and {B, B} are out of stock.
    Mixed: {A, B}, working PCs capped at (4 cores, 16 GiB): one C holds both = 200; {A, C}
    and {B, C} with the other cheap model working also cost 200. The optimum is 200."""
    cat = _catalog(("A", 8, 16, 50, 1), ("B", 4, 64, 50, 1), ("C", 8, 64, 100, None))
    inv = _inv((2, 8), (2, 8))
    policy = replace(PURE_PACKING, spares=2)
    p = plan(inv, cat, policy, time_limit=10)  # type: ignore[arg-type]
    assert p.status == "optimal" and p.cost == 200 * 36 and p.lower_bound == p.cost
    spares = [h for h in p.hosts if h.spare]
    assert len(spares) == 2 and len({h.model for h in spares}) == 2  # a mix
    sp = p.stats["spares"]
    assert sp["by_model"] == {h.model: 1 for h in spares}
    assert sp["model"] == spare_set([next(m for m in cat.hosts if m.name == h.model)  # type: ignore[attr-defined]
                                     for h in spares])
    assert sp["nk_cost"] == 200 * 36 and sp["n0_cost"] == 50 * 36
    # every loss of two PCs, spares included, is re-packed onto the surviving spares
    for lost in combinations(p.hosts, 2):
        assert _survives(lost, spares, inv), [h.id for h in lost]
    verify_plan(p, inv, cat, policy)  # type: ignore[arg-type]


def test_a_large_spare_does_not_rescue_a_pc_only_it_holds() -> None:
    """Spares {Small, Big} and one working PC only Big holds: the loss of that PC and the Big
    spare strands it, so the verifier refuses the plan (Hall's condition over the working PCs
    alone would accept it); the engine plans every working PC within the smaller spare."""
    cat = _catalog(("Small", 4, 64, 60, None), ("Big", 8, 64, 100, None))
    inv = _inv((6, 8), (2, 8))
    policy = replace(PURE_PACKING, spares=2)
    p = plan(inv, cat, policy, time_limit=10)  # type: ignore[arg-type]
    verify_plan(p, inv, cat, policy)  # type: ignore[arg-type]
    # the engine: the 6-vCPU workload needs a Big, so both spares are Big (Big + 2 Big = 300)
    assert p.status == "optimal" and p.cost == 300 * 36
    assert sorted(h.model for h in p.hosts if h.spare) == ["Big", "Big"]
    # a hand-made plan with spares {Small, Big}: w0 on a Big, w1 on a Small
    work = [h for h in p.hosts if not h.spare]

    def pc(i: str, model: str, names: list[str], cores: float, spare: bool) -> PlannedHost:
        used = sum(w.vcpu for w in inv.workloads if w.name in names)
        return replace(work[0], id=i, model=model, workloads=names, spare=spare,
                       used={"vcpu": float(used), "memory_gib": 8.0 * len(names),
                             "storage_gb": float(len(names))},
                       usable={"vcpu": cores, "memory_gib": 64.0, "storage_gb": 10000.0})

    hosts = [pc("pc-01", "Big", ["w0"], 8.0, False), pc("pc-02", "Small", ["w1"], 4.0, False),
             pc("spare-01", "Small", [], 4.0, True), pc("spare-02", "Big", [], 8.0, True)]
    bad = replace(p, hosts=hosts, cost=Decimal(320 * 36), lower_bound=None, gap=None,
                  status="feasible")
    problems = check_plan(bad, inv, cat, policy)  # type: ignore[arg-type]
    assert any("pc-01, spare-02" in x and "cannot be absorbed" in x for x in problems), problems
    spares = [h for h in hosts if h.spare]
    assert not _survives((hosts[0], hosts[3]), spares, inv)
    # whereas losing two working PCs alone would be absorbed (Small takes w1, Big takes w0)
    assert _survives((hosts[0], hosts[1]), spares, inv)


def test_spare_sets_keep_one_model_sets_and_undominated_mixes() -> None:
    """Mixes worth a sub-problem: a swap to a model of the set with no stock limit that costs
    no more would beat them; the one-model sets always stay."""
    cat = _catalog(("A", 8, 16, 50, 1), ("B", 4, 64, 50, 1), ("C", 8, 64, 100, None),
                   ("D", 8, 64, 120, None))
    models = sorted(cat.hosts, key=lambda m: m.name)  # type: ignore[attr-defined]
    price = [{m.name: Decimal(m.monthly_fee) for m in models}]
    sets, complete = spare_sets(models, 2, price, units=False)
    names = sorted("".join(m.name for m in s) for s in sets)
    # AA and BB exceed the stock; CD is beaten by CC (C: no limit, cheaper); AB, AC, AD, BC,
    # BD keep a stock-limited cheaper model
    assert names == ["AB", "AC", "AD", "BC", "BD", "CC", "DD"] and complete
    # one spare: the one-model sets only
    one, _ = spare_sets(models, 1, price, units=False)
    assert sorted(s[0].name for s in one) == ["A", "B", "C", "D"]
    # without stock limits a mix is never worth a sub-problem
    free = [replace(m, available=None) for m in models]
    sets, _ = spare_sets(free, 3, price, units=False)
    assert all(len({m.name for m in s}) == 1 for s in sets) and len(sets) == 4
    assert MAX_SPARE_SETS >= 8


def test_mixed_spares_sit_in_each_unit_that_carries_pcs() -> None:
    """The stock-short case in a van of 4 slots (fee 10): spares A and B and one working C in
    one van, 200 + 10; the spares take their slots and stand in for the van's own PC."""
    cat = parse_catalog({
        "host": [{"name": n, "cores": c, "memory": f"{m} GiB", "storage": "10 TB",
                  "monthly_fee": fee, **({"available": a} if a is not None else {})}
                 for n, c, m, fee, a in (("A", 8, 16, 50, 1), ("B", 4, 64, 50, 1),
                                         ("C", 8, 64, 100, None))],
        "unit": [{"name": "van", "slots": 4, "seats": 0, "monthly_fee": 10}]})
    inv = _inv((2, 8), (2, 8))
    policy = replace(PURE_PACKING, spares=2)
    p = plan(inv, cat, policy, time_limit=10)
    assert p.status == "optimal" and p.cost == 210 * 36
    spares = [h for h in p.hosts if h.spare]
    assert len(spares) == 2 and len({h.model for h in spares}) == 2
    assert len(p.units) == 1 and p.units[0].slots_used == 3
    assert p.stats["spares"]["per_unit"]
    for lost in combinations(p.hosts, 2):
        assert _survives(lost, spares, inv), [h.id for h in lost]
