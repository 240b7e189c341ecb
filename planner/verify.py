"""The independent verifier: re-checks a plan from the raw inputs, sharing no code with the model.

It recomputes capacities and demands from the catalog, policy and inventory itself, so a defect
in the engine's aggregation, rounding or decoding cannot hide behind the same defect here.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from planner.catalog import Catalog, Policy
from planner.errors import VerificationError
from planner.inventory import Inventory, Workload
from planner.plan import Plan

REL_TOL = 1e-9


def _usable(cores: float, mem: float, sto: float, p: Policy) -> tuple[float, float, float]:
    free = 1.0 - p.headroom
    return (
        (cores - p.host_reserved_cores) * p.cpu_overcommit * free,
        (mem - p.host_reserved_memory_gib) * p.memory_overcommit * free,
        sto * free,
    )


def _close(reported: float | None, exact: float) -> bool:
    return reported is not None and abs(reported - exact) <= 1e-6 * max(1.0, abs(exact))


def check_plan(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> list[str]:
    """Every problem found in the plan (an empty list means it is valid)."""
    problems: list[str] = []
    grow = (1.0 + policy.growth_per_year) ** catalog.term_years
    demand: dict[str, tuple[float, float, float]] = {}
    workload_of: dict[str, Workload] = {}
    expected: set[str] = set()
    excluded: set[str] = set()
    for w in inventory.workloads:
        names = [w.name] if w.count == 1 else [f"{w.name}#{k + 1}" for k in range(w.count)]
        sto = w.storage_gb
        if policy.storage_basis == "used" and w.storage_used_gb is not None:
            sto = w.storage_used_gb
        for n in names:
            demand[n] = (w.vcpu * grow, w.memory_gib * grow, sto * grow)
            workload_of[n] = w
            (expected if w.tier in policy.tiers else excluded).add(n)

    placed = Counter(n for h in plan.hosts for n in h.workloads)
    listed = Counter(u.name for u in plan.unplaced)
    outs = Counter(u.name for u in plan.out_of_scope)
    for n, k in (placed + listed).items():
        if k > 1:
            problems.append(f"workload {n} appears {k} times")
    for n in expected:
        if placed[n] + listed[n] == 0:
            problems.append(f"workload {n} is lost: neither placed nor listed as unplaced")
    for n in set(placed) | set(listed):
        if n not in expected:
            problems.append(f"unknown or out-of-scope workload {n} in the plan")
    if set(outs) != excluded:
        problems.append("out-of-scope list does not match the tiers in scope")

    hosts_by_name = {m.name: m for m in catalog.hosts}
    host_of: dict[str, str] = {}
    model_count: Counter[str] = Counter()
    for h in plan.hosts:
        m = hosts_by_name.get(h.model)
        if m is None:
            problems.append(f"{h.id}: unknown PC model {h.model}")
            continue
        model_count[h.model] += 1
        cap = _usable(m.cores, m.memory_gib, m.storage_gb, policy)
        used = [0.0, 0.0, 0.0]
        for n in h.workloads:
            host_of[n] = h.id
            if n in demand:
                used = [u + d for u, d in zip(used, demand[n], strict=True)]
        for dim, u, c in zip(("vcpu", "memory", "storage"), used, cap, strict=True):
            if u > c * (1 + REL_TOL) + 1e-9:
                problems.append(f"{h.id} ({h.model}) over usable {dim}: {u:.6g} > {c:.6g}")
        # the utilisation the plan reports is a claim too
        for key, u, c in zip(("vcpu", "memory_gib", "storage_gb"), used, cap, strict=True):
            if not _close(h.used.get(key), u) or not _close(h.usable.get(key), c):
                problems.append(f"{h.id} reports {key} used/usable {h.used.get(key)}/"
                                f"{h.usable.get(key)}, recomputed {u:.6g}/{c:.6g}")
        if not h.workloads:
            problems.append(f"{h.id} is contracted but runs nothing")
    all_ids = [h.id for h in plan.hosts] + [u.id for u in plan.units]
    if len(set(all_ids)) != len(all_ids):
        problems.append("PC and unit ids are not unique")

    aff: dict[str, list[str]] = {}
    anti: dict[str, list[str]] = {}
    for n in expected:
        w = workload_of[n]
        if w.affinity:
            aff.setdefault(w.affinity, []).append(n)
        if w.anti_affinity:
            anti.setdefault(w.anti_affinity, []).append(n)
    for g, names in aff.items():
        where = {host_of.get(n) for n in names}
        if len(where) > 1:
            problems.append(f"affinity group {g} is split over {sorted(map(str, where))}")
    for g, names in anti.items():
        on = Counter(host_of[n] for n in names if n in host_of)
        for hid, k in on.items():
            if k > 1:
                problems.append(f"anti-affinity group {g} has {k} members on {hid}")

    units_by_name = {u.name: u for u in catalog.units}
    if not catalog.units:
        if plan.units or any(h.unit for h in plan.hosts):
            problems.append("units in a plan whose catalog has none")
    else:
        ids = {h.id: h for h in plan.hosts}
        carried: Counter[str] = Counter()
        seats = 0
        for pu in plan.units:
            um = units_by_name.get(pu.model)
            if um is None:
                problems.append(f"{pu.id}: unknown unit model {pu.model}")
                continue
            slots = 0
            for hid in pu.hosts:
                carried[hid] += 1
                ph = ids.get(hid)
                if ph is None or ph.unit != pu.id:
                    problems.append(f"{pu.id} lists {hid}, which does not name it back")
                elif ph.model in hosts_by_name:
                    slots += hosts_by_name[ph.model].slots
            if slots > um.slots:
                problems.append(f"{pu.id} ({pu.model}) carries {slots} slots > {um.slots}")
            if pu.seats_used > um.seats or pu.seats_used < 0:
                problems.append(f"{pu.id} ({pu.model}) uses {pu.seats_used} seats of {um.seats}")
            seats += pu.seats_used
            if not pu.hosts and pu.seats_used == 0:
                problems.append(f"{pu.id} is contracted but carries nothing")
        for h in plan.hosts:
            if carried[h.id] != 1:
                problems.append(f"{h.id} sits in {carried[h.id]} units (must be exactly 1)")
        if policy.workstation_seats:
            need = sum(1 for n in placed if n in workload_of
                       and workload_of[n].kind == "workstation")
            if seats < need:
                problems.append(f"{need} placed workstations need seats, units give {seats}")
        for name, k in Counter(u.model for u in plan.units).items():
            um = units_by_name.get(name)
            if um is not None and um.available is not None and k > um.available:
                problems.append(f"{k} units of {name} exceed the {um.available} available")
    for name, k in model_count.items():
        m = hosts_by_name[name]
        if m.available is not None and k > m.available:
            problems.append(f"{k} PCs of {name} exceed the {m.available} available")

    has_fees = any(m.monthly_fee or m.setup_fee for m in catalog.hosts) or any(
        u.monthly_fee or u.setup_fee for u in catalog.units)
    if has_fees:
        term = Decimal(catalog.term_years * 12)
        total = Decimal(0)
        for h in plan.hosts:
            if h.model in hosts_by_name:
                m = hosts_by_name[h.model]
                total += m.setup_fee + m.monthly_fee * term
        for pu in plan.units:
            if pu.model in units_by_name:
                um = units_by_name[pu.model]
                total += um.setup_fee + um.monthly_fee * term
        if total != plan.cost:
            problems.append(f"reported cost {plan.cost} differs from the priced plan {total}")
    else:
        # count mode: PCs, with each unit as 1/1000 of a PC
        count = Decimal(len(plan.hosts)) + Decimal(len(plan.units)) / 1000
        if count != plan.cost:
            problems.append(f"reported count {plan.cost} differs from the plan's {count}")
    if plan.lower_bound is not None:
        if plan.lower_bound > plan.cost:
            problems.append(f"lower bound {plan.lower_bound} exceeds cost {plan.cost}")
        if plan.status == "optimal" and plan.lower_bound != plan.cost:
            problems.append("status optimal but the bound does not meet the cost")
    elif plan.status == "optimal":
        problems.append("status optimal without a lower bound")
    return problems


def verify_plan(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> None:
    """Raise VerificationError if the plan breaks any rule; a plan is never shown unverified."""
    problems = check_plan(plan, inventory, catalog, policy)
    if problems:
        raise VerificationError(problems)
