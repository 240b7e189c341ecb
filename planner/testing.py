"""Test helpers shipped with the package: instances with a known optimum, plan comparisons."""

from __future__ import annotations

import random

from planner.model.plan import Plan
from planner.readers.catalog import PURE_PACKING, Catalog, HostModel, Policy
from planner.readers.inventory import Inventory, Workload


def split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Split a positive integer into ``parts`` positive integers that sum to it."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def constructed_instance(
    bins: int, seed: int, cores: int = 16, memory_gib: int = 64, storage_gb: int = 1000,
    max_parts: int = 6,
) -> tuple[Inventory, Catalog, Policy, int]:
    """Workloads that exactly fill ``bins`` PCs in all three dimensions, shuffled.

    The optimum is ``bins`` PCs: total demand equals bins × capacity in every dimension.
    Returns inventory, a one-model catalog without fees (count mode), a pure-packing policy,
    and the optimal PC count.
    """
    rng = random.Random(seed)
    rows: list[tuple[int, int, int]] = []
    for _ in range(bins):
        k = rng.randint(2, min(max_parts, cores))
        rows.extend(zip(split(cores, k, rng), split(memory_gib, k, rng),
                        split(storage_gb, k, rng), strict=True))
    rng.shuffle(rows)
    workloads = tuple(
        Workload(name=f"vm{n:04d}", vcpu=c, memory_gib=float(m), storage_gb=float(s))
        for n, (c, m, s) in enumerate(rows))
    catalog = Catalog(hosts=(HostModel("PC", cores, float(memory_gib), float(storage_gb)),),
                      term_years=1)
    return Inventory(workloads, "constructed"), catalog, PURE_PACKING, bins


def same_plan(a: Plan, b: Plan) -> bool:
    """Whether two plans contract the same PCs and units and place workloads identically."""
    def key(p: Plan) -> tuple[object, ...]:
        return (p.status, p.cost, sorted((h.model, tuple(sorted(h.workloads))) for h in p.hosts),
                sorted((u.model, u.seats_used, len(u.hosts)) for u in p.units))
    return key(a) == key(b)


__all__ = ["constructed_instance", "same_plan", "split"]
