"""Regression tests from a review of the engine's claims (bounds, optimality, feasibility).

Each test pins a defect found in review and since fixed.
"""

from __future__ import annotations

from decimal import Decimal

from planner.model.problem import build_problem, compress
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel, UnitModel
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import MAX_CLASSES, plan
from planner.verify.verifier import check_plan


def _wl(name: str, vcpu: int, mem: float, sto: float, **kw: object) -> Workload:
    return Workload(name=name, vcpu=vcpu, memory_gib=mem, storage_gb=sto, **kw)  # type: ignore[arg-type]


def test_free_pc_model_next_to_priced_one_does_not_crash() -> None:
    # colgen.bound_at divided by the PC type's cost: a model with no fees in a priced catalog
    # raised ZeroDivisionError (or a RuntimeWarning, an error under pytest)
    paid = HostModel("A", cores=4, memory_gib=8, storage_gb=100, monthly_fee=Decimal(10))
    free = HostModel("F", cores=2, memory_gib=4, storage_gb=100)
    inv = Inventory((_wl("a", 1, 1, 1), _wl("b", 3, 6, 50)))
    cat = Catalog(hosts=(paid, free), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert check_plan(p, inv, cat, PURE_PACKING) == []
    assert p.cost == Decimal(120) and p.lower_bound is not None and p.lower_bound <= p.cost


def test_workstations_with_no_seat_anywhere_are_unplaced_with_reason() -> None:
    # units without seats cannot hold a workstation's staff seat: the plan used to fail the
    # verifier (PCs in no unit) instead of listing the workstations as unplaced
    pc = HostModel("PC", cores=2, memory_gib=8, storage_gb=250)
    unit = UnitModel("U", slots=1, seats=0)
    inv = Inventory((_wl("ws", 1, 1, 1, kind="workstation", count=2),
                     _wl("grp-a", 1, 1, 1, kind="workstation", affinity="g"),
                     _wl("grp-b", 1, 1, 1, affinity="g"), _wl("srv", 1, 1, 1)))
    cat = Catalog(hosts=(pc,), units=(unit,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert check_plan(p, inv, cat, PURE_PACKING) == []
    assert [h.workloads for h in p.hosts] == [["srv"]]
    assert {u.name for u in p.unplaced} == {"ws#1", "ws#2", "grp-a", "grp-b"}
    assert all("seat" in u.reason for u in p.unplaced)


def test_scarce_unit_stock_is_reported_not_a_verification_failure() -> None:
    """Units' `available` too small for the PCs: an "infeasible" plan listing what does not fit.

    (Was a VerificationError: a packing whose units could not be covered was offered anyway.)
    """
    pc = HostModel("PC", cores=4, memory_gib=8, storage_gb=100, monthly_fee=Decimal(10))
    unit = UnitModel("U", slots=1, seats=0, monthly_fee=Decimal(5), available=1)
    inv = Inventory((_wl("a", 4, 8, 10), _wl("b", 4, 8, 10)))
    cat = Catalog(hosts=(pc,), units=(unit,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert p.status == "infeasible" and len(p.hosts) == 1 and len(p.unplaced) == 1


def test_scarce_seat_stock_is_reported_not_a_verification_failure() -> None:
    """Unit stock gives fewer seats than the workstations need: "infeasible", seats capped.

    (Was a VerificationError: the master's seat row ignored copies left out by the slack.)
    """
    pc = HostModel("PC", cores=4, memory_gib=8, storage_gb=100, monthly_fee=Decimal(10))
    unit = UnitModel("U", slots=2, seats=2, monthly_fee=Decimal(5), available=1)
    inv = Inventory((_wl("a", 1, 1, 10, kind="workstation", count=5),))
    cat = Catalog(hosts=(pc,), units=(unit,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert p.status == "infeasible" and sum(u.seats_used for u in p.units) == 2


def test_sub_cent_fees_are_priced_exactly() -> None:
    """Fees with more than two decimals are priced exactly (three-decimal currencies: KWD, BHD).

    (Was a VerificationError: costs were truncated to whole cents.)
    """
    pc = HostModel("A", cores=4, memory_gib=8, storage_gb=100, monthly_fee=Decimal("10.001"))
    inv = Inventory((_wl("a", 1, 1, 1),))
    cat = Catalog(hosts=(pc,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert p.cost == Decimal("120.012") and p.status == "optimal"
    assert p.lower_bound == p.cost


def _complementary_instance() -> tuple[Inventory, Catalog]:
    # > MAX_CLASSES classes, storage the binding dimension, so vCPU and memory get the coarsest
    # buckets; X fits only model A (cores), Y only model B (memory), same buckets otherwise
    a = HostModel("A", cores=256, memory_gib=16, storage_gb=1000)
    b = HostModel("B", cores=64, memory_gib=64, storage_gb=1000)
    rows = [_wl(f"f{i:03d}", 1, 0.125, float(100 + 3 * i), count=20)
            for i in range(MAX_CLASSES + 30)]
    rows += [_wl("X", 70, 10, 500), _wl("Y", 40, 30, 500)]
    return Inventory(tuple(rows)), Catalog(hosts=(a, b), term_years=1)


def test_compress_never_merges_classes_into_one_that_fits_no_pc() -> None:
    # compress merged X and Y into (70 vCPU, 30 GiB), which fits neither model: the plan said
    # "infeasible", blaming vendor stock that has no limit
    inv, cat = _complementary_instance()
    problem = build_problem(inv, cat, PURE_PACKING)
    merged = compress(problem, MAX_CLASSES)
    assert merged is not None
    upper, _lower = merged
    for it in upper.items:
        assert any(upper.fits(it.size, h) for h in upper.hosts), it.key
    p = plan(inv, cat, PURE_PACKING, time_limit=3)
    assert check_plan(p, inv, cat, PURE_PACKING) == []
    assert p.status != "infeasible" and not p.unplaced


def test_verifier_catches_false_utilisation_and_empty_units() -> None:
    from planner.verify.verifier import check_plan

    pc = HostModel("PC", cores=4, memory_gib=8, storage_gb=100, monthly_fee=Decimal(10))
    unit = UnitModel("U", slots=2, seats=2, monthly_fee=Decimal(5))
    inv = Inventory((_wl("a", 1, 1, 10),))
    cat = Catalog(hosts=(pc,), units=(unit,), term_years=1)
    p = plan(inv, cat, PURE_PACKING, time_limit=5)
    assert check_plan(p, inv, cat, PURE_PACKING) == []
    p.hosts[0].used["memory_gib"] = 0.5  # a wrong utilisation figure is a false claim
    assert any("memory_gib" in x for x in check_plan(p, inv, cat, PURE_PACKING))
    p.hosts[0].used["memory_gib"] = 1.0
    from planner.model.plan import PlannedUnit

    p.units.append(PlannedUnit("unit-99", "U", [], 0))
    assert any("carries nothing" in x for x in check_plan(p, inv, cat, PURE_PACKING))
