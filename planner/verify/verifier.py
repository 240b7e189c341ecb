"""The independent verifier: re-checks a plan from the raw inputs, sharing no code with the model.

It recomputes capacities and demands from the catalog, policy and inventory itself, so a defect
in the engine's aggregation, rounding or decoding cannot hide behind the same defect here.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from planner.errors import VerificationError
from planner.model.plan import Plan
from planner.readers.catalog import Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory, Workload

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


@dataclass
class _Facts:
    """What the raw inputs say, recomputed here: each workload copy's demand and scope."""

    demand: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    workload_of: dict[str, Workload] = field(default_factory=dict)
    expected: set[str] = field(default_factory=set)
    excluded: set[str] = field(default_factory=set)
    host_of: dict[str, str] = field(default_factory=dict)


def _facts(inventory: Inventory, catalog: Catalog, policy: Policy) -> _Facts:
    """Every copy's name, demand after growth (storage per the policy's basis) and scope."""
    f = _Facts()
    grow = (1.0 + policy.growth_per_year) ** catalog.term_years
    for w in inventory.workloads:
        names = [w.name] if w.count == 1 else [f"{w.name}#{k + 1}" for k in range(w.count)]
        sto = w.storage_gb
        if policy.storage_basis == "used" and w.storage_used_gb is not None:
            sto = w.storage_used_gb
        for n in names:
            f.demand[n] = (w.vcpu * grow, w.memory_gib * grow, sto * grow)
            f.workload_of[n] = w
            (f.expected if w.tier in policy.tiers else f.excluded).add(n)
    return f


def check_plan(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> list[str]:
    """Every problem found in the plan (an empty list means it is valid)."""
    f = _facts(inventory, catalog, policy)
    return [*_check_accounting(plan, f), *_check_hosts(plan, f, catalog, policy),
            *_check_rules(f), *_check_units(plan, f, catalog, policy),
            *_check_stock(plan, catalog), *_check_cost(plan, catalog, policy, f),
            *_check_claims(plan), *_check_spares(plan, f, catalog, policy)]


def _check_accounting(plan: Plan, f: _Facts) -> list[str]:
    """Every in-scope copy placed or listed once; nothing unknown; out of scope as the tiers."""
    problems: list[str] = []
    placed = Counter(n for h in plan.hosts for n in h.workloads)
    listed = Counter(u.name for u in plan.unplaced)
    outs = Counter(u.name for u in plan.out_of_scope)
    for n, k in (placed + listed).items():
        if k > 1:
            problems.append(f"workload {n} appears {k} times")
    for n in f.expected:
        if placed[n] + listed[n] == 0:
            problems.append(f"workload {n} is lost: neither placed nor listed as unplaced")
    for n in set(placed) | set(listed):
        if n not in f.expected:
            problems.append(f"unknown or out-of-scope workload {n} in the plan")
    if set(outs) != f.excluded:
        problems.append("out-of-scope list does not match the tiers in scope")
    return problems


def _check_hosts(plan: Plan, f: _Facts, catalog: Catalog, policy: Policy) -> list[str]:
    """Each PC within its usable capacity, its reported utilisation true, ids unique."""
    problems: list[str] = []
    hosts_by_name = {m.name: m for m in catalog.hosts}
    for h in plan.hosts:
        m = hosts_by_name.get(h.model)
        if m is None:
            problems.append(f"{h.id}: unknown PC model {h.model}")
            continue
        cap = _usable(m.cores, m.memory_gib, m.storage_gb, policy)
        used = [0.0, 0.0, 0.0]
        for n in h.workloads:
            f.host_of[n] = h.id
            if n in f.demand:
                used = [u + d for u, d in zip(used, f.demand[n], strict=True)]
        for dim, u, c in zip(("vcpu", "memory", "storage"), used, cap, strict=True):
            if u > c * (1 + REL_TOL) + 1e-9:
                problems.append(f"{h.id} ({h.model}) over usable {dim}: {u:.6g} > {c:.6g}")
        # the utilisation the plan reports is a claim too
        for key, u, c in zip(("vcpu", "memory_gib", "storage_gb"), used, cap, strict=True):
            if not _close(h.used.get(key), u) or not _close(h.usable.get(key), c):
                problems.append(f"{h.id} reports {key} used/usable {h.used.get(key)}/"
                                f"{h.usable.get(key)}, recomputed {u:.6g}/{c:.6g}")
        if not h.workloads and not h.spare:
            problems.append(f"{h.id} is contracted but runs nothing")
        if h.spare and h.workloads:
            problems.append(f"{h.id} is a spare but runs workloads")
    all_ids = [h.id for h in plan.hosts] + [u.id for u in plan.units]
    if len(set(all_ids)) != len(all_ids):
        problems.append("PC and unit ids are not unique")
    return problems


def _check_rules(f: _Facts) -> list[str]:
    """Affinity groups on one PC, anti-affinity members on different PCs."""
    problems: list[str] = []
    aff: dict[str, list[str]] = {}
    anti: dict[str, list[str]] = {}
    for n in f.expected:
        w = f.workload_of[n]
        if w.affinity:
            aff.setdefault(w.affinity, []).append(n)
        if w.anti_affinity:
            anti.setdefault(w.anti_affinity, []).append(n)
    for g, names in aff.items():
        where = {f.host_of.get(n) for n in names}
        if len(where) > 1:
            problems.append(f"affinity group {g} is split over {sorted(map(str, where))}")
    for g, names in anti.items():
        on = Counter(f.host_of[n] for n in names if n in f.host_of)
        for hid, k in on.items():
            if k > 1:
                problems.append(f"anti-affinity group {g} has {k} members on {hid}")
    return problems


def _check_units(plan: Plan, f: _Facts, catalog: Catalog, policy: Policy) -> list[str]:
    """Each PC in exactly one unit, slots and seats within each unit, seats for workstations."""
    problems: list[str] = []
    if not catalog.units:
        if plan.units or any(h.unit for h in plan.hosts):
            problems.append("units in a plan whose catalog has none")
        return problems
    hosts_by_name = {m.name: m for m in catalog.hosts}
    units_by_name = {u.name: u for u in catalog.units}
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
        placed = {n for h in plan.hosts for n in h.workloads}
        need = sum(1 for n in placed if n in f.workload_of
                   and f.workload_of[n].kind == "workstation")
        if seats < need:
            problems.append(f"{need} placed workstations need seats, units give {seats}")
    return problems


def _check_stock(plan: Plan, catalog: Catalog) -> list[str]:
    """No more PCs or units of a model than the vendor has available."""
    problems: list[str] = []
    units_by_name = {u.name: u for u in catalog.units}
    for name, k in Counter(u.model for u in plan.units).items():
        um = units_by_name.get(name)
        if um is not None and um.available is not None and k > um.available:
            problems.append(f"{k} units of {name} exceed the {um.available} available")
    hosts_by_name = {m.name: m for m in catalog.hosts}
    for name, k in Counter(h.model for h in plan.hosts).items():
        m = hosts_by_name.get(name)
        if m is not None and m.available is not None and k > m.available:
            problems.append(f"{k} PCs of {name} exceed the {m.available} available")
    return problems


def _expected_total(plan: Plan, catalog: Catalog, policy: Policy,
                    f: _Facts) -> Fraction | str:
    """The plan's expected cost over the term, in exact rational arithmetic (or what is wrong).

    Derived here in closed form, not from the model's per-year lines: each PC or unit costs
    rate * (capacity fees * (1 - discount) + usage) over the term, with the escalated years
    summed once (S = sum of (1 + e)^(y - 1)); a virtual PC adds the hypervisor licence and T
    years of subscription (docs/cost-model.md). A test of some tiers adds its days on the PCs
    holding a workload of those tiers and on the units carrying them.
    """
    sc = policy.scenario
    rate = Fraction(1)
    if sc.currency is not None and sc.currency != catalog.currency:
        given = dict(sc.rates)
        if catalog.currency not in given:
            return f"no rate from {catalog.currency} to {sc.currency}"
        rate = Fraction(given[catalog.currency])
    term = catalog.term_years
    esc = Fraction(catalog.annual_escalation)
    years = sum((1 + esc) ** y for y in range(term))
    pcs = len(plan.hosts)
    pct = max((Fraction(t.percent) for t in catalog.discounts if t.min_pcs <= pcs),
              default=Fraction(0))
    every = [t for t in sc.tests if t.tiers is None]
    pc_days = sum((t.per_year * Fraction(t.pc_days) for t in every), Fraction(0))
    unit_days = sum((t.per_year * Fraction(t.unit_days) for t in every), Fraction(0))
    per_year = Fraction(sc.declarations) / term
    days = Fraction(sc.disaster_days)

    def one(setup: Decimal, monthly: Decimal, decl: Decimal, daily: Decimal,
            test_days: Fraction) -> Fraction:
        capacity = Fraction(setup) + 12 * Fraction(monthly) * years
        usage = years * (per_year * (Fraction(decl) + days * Fraction(daily))
                         + test_days * Fraction(daily))
        return rate * (capacity * (1 - pct / 100) + usage)

    own = Fraction(sc.hypervisor_licence) + term * Fraction(sc.hypervisor_subscription)
    each = {m.name: one(m.setup_fee, m.monthly_fee, m.declaration_fee, m.daily_fee, pc_days)
            + own for m in catalog.hosts}
    each.update({u.name: one(u.setup_fee, u.monthly_fee, u.declaration_fee, u.daily_fee,
                             unit_days) for u in catalog.units})
    hosts = Counter(h.model for h in plan.hosts)
    units = Counter(pu.model for pu in plan.units)
    total = sum((k * each[name] for name, k in [*hosts.items(), *units.items()] if name in each),
                Fraction(0))
    daily = {m.name: Fraction(m.daily_fee) for m in catalog.hosts}
    daily.update({u.name: Fraction(u.daily_fee) for u in catalog.units})
    for t in sc.tests:
        if t.tiers is None or t.per_year <= 0:
            continue
        taking = {h.id: h.model for h in plan.hosts
                  if any(n in f.workload_of and f.workload_of[n].tier in t.tiers
                         for n in h.workloads)}
        carrying = [pu.model for pu in plan.units if set(pu.hosts) & set(taking)]
        day = (Fraction(t.pc_days) * sum((daily.get(m, Fraction(0)) for m in taking.values()),
                                         Fraction(0))
               + Fraction(t.unit_days) * sum((daily.get(m, Fraction(0)) for m in carrying),
                                             Fraction(0)))
        total += rate * years * t.per_year * day
    return total


def _to_cents(x: Fraction) -> Decimal:
    """An exact amount rounded to the cent, half up."""
    c = math.floor(x * 100 + Fraction(1, 2))
    return Decimal(c) / 100


def _check_cost(plan: Plan, catalog: Catalog, policy: Policy, f: _Facts) -> list[str]:
    """The reported cost equals the plan priced from the catalog (or counted, without fees)."""
    models: list[HostModel | UnitModel] = [*catalog.hosts, *catalog.units]
    has_fees = any(m.monthly_fee or m.setup_fee or m.declaration_fee or m.daily_fee
                   for m in models)
    if has_fees:
        total = _expected_total(plan, catalog, policy, f)
        if isinstance(total, str):
            return [f"cannot price the plan: {total}"]
        # exact, or rounded once to the cent where the exact total has more decimals
        if Fraction(plan.cost) != total and _to_cents(total) != plan.cost:
            return [f"reported cost {plan.cost} differs from the priced plan {_to_cents(total)}"]
        return []
    # count mode: PCs, with each unit as 1/1000 of a PC
    count = Decimal(len(plan.hosts)) + Decimal(len(plan.units)) / 1000
    if count != plan.cost:
        return [f"reported count {plan.cost} differs from the plan's {count}"]
    return []


#: every k-set of lost PCs is checked up to this many sets; beyond, every single loss
MAX_LOSS_SETS = 5000


def _check_spares(plan: Plan, f: _Facts, catalog: Catalog, policy: Policy) -> list[str]:
    """N+k: k spares (at the site, or in each unit carrying PCs), every k-loss survived.

    Every loss of k PCs, spares included (every single loss on large plans). A unit's spares
    may be of several models, and units may carry different ones. A loss is survived when each
    lost PC that ran workloads can be moved whole onto its own surviving spare of the same
    mobile unit (or at the site without units): a matching, found by augmenting paths, its load
    recomputed here. Moving whole is no restriction: with exactly k spares per unit, survival
    with a lost PC's workloads spread over several spares also needs every working PC to fit
    every spare of its unit (planner/solver/spares.py).
    """
    k = policy.spares
    spares = [h for h in plan.hosts if h.spare]
    if not k:
        return [f"{h.id} is a spare but the policy asks for none" for h in spares]
    if ((plan.status == "infeasible" or plan.interrupted) and not spares) or not plan.hosts:
        return []  # none when stock runs out or a stop came first (a warning says so)
    # PCs at the site: k spares; PCs in mobile units: k spares in every unit, standing in for
    # the PCs of their own unit
    spare_ids = {h.id for h in spares}
    carrying = [u for u in plan.units if any(x not in spare_ids for x in u.hosts)]
    want = k * len(carrying) if catalog.units else k
    if len(spares) != want:
        where = f" ({k} in each of {len(carrying)} units with PCs)" if catalog.units else ""
        return [f"policy spares = {k} but the plan has {len(spares)} spare PC(s), not "
                f"{want}{where}"]
    # exactly k in each unit: the survival condition (every working PC fits every spare of its
    # unit) is exact for k spares per unit, whether lost workloads move whole or spread
    in_unit = Counter(h.unit for h in spares)
    for u in carrying:
        if in_unit[u.id] != k:
            return [f"policy spares = {k} but {u.id} carries {in_unit[u.id]} spare PC(s)"]
    unit_of = {h.id: h.unit for h in plan.hosts}
    models = {m.name: m for m in catalog.hosts}
    caps = {h.id: _usable(models[h.model].cores, models[h.model].memory_gib,
                          models[h.model].storage_gb, policy)
            for h in spares if h.model in models}
    loads = {}
    for h in plan.hosts:
        if not h.spare:
            used = [0.0, 0.0, 0.0]
            for n in h.workloads:
                if n in f.demand:
                    used = [u + d for u, d in zip(used, f.demand[n], strict=True)]
            loads[h.id] = used
    ids = [h.id for h in plan.hosts]
    n_sets = 1
    for i in range(k):
        n_sets = n_sets * (len(ids) - i) // (i + 1)
    losses: Iterable[tuple[str, ...]] = (
        combinations(ids, k) if n_sets <= MAX_LOSS_SETS else ((x,) for x in ids))
    for lost in losses:
        if not _absorbed([x for x in lost if x in loads], loads,
                         [s for s in caps if s not in lost], caps, unit_of):
            return [f"the loss of {', '.join(lost)} cannot be absorbed by the spares"]
    return []


def _absorbed(lost: list[str], loads: dict[str, list[float]], spares: list[str],
              caps: dict[str, tuple[float, float, float]],
              unit_of: dict[str, str | None]) -> bool:
    """Whether each lost PC's load fits a distinct surviving spare of its own unit (or site).

    A bipartite matching, found by augmenting paths.
    """
    fits = {pc: [s for s in spares if unit_of.get(s) == unit_of.get(pc)
                 and all(u <= c * (1 + REL_TOL) + 1e-9
                         for u, c in zip(loads[pc], caps[s], strict=True))]
            for pc in lost}
    match: dict[str, str] = {}

    def augment(pc: str, seen: set[str]) -> bool:
        for s in fits[pc]:
            if s in seen:
                continue
            seen.add(s)
            if s not in match or augment(match[s], seen):
                match[s] = pc
                return True
        return False

    return all(augment(pc, set()) for pc in lost)


def _check_claims(plan: Plan) -> list[str]:
    """The bound below the cost; "optimal" only where the bound meets the cost."""
    problems: list[str] = []
    if plan.lower_bound is not None:
        if plan.lower_bound > plan.cost:
            problems.append(f"lower bound {plan.lower_bound} exceeds cost {plan.cost}")
        if plan.status == "optimal" and plan.lower_bound != plan.cost:
            problems.append("status optimal but the bound does not meet the cost")
    elif plan.status == "optimal":
        problems.append("status optimal without a lower bound")
    if plan.status == "optimal" and plan.interrupted:
        problems.append("status optimal on an interrupted solve")
    if plan.status == "optimal" and plan.unplaced and not plan.hosts:
        problems.append("status optimal with nothing placed and workloads unplaced")
    if plan.status == "optimal" and any(u.reason == "not placed by the engine"
                                        for u in plan.unplaced):
        problems.append("status optimal with placeable workloads left unplaced")
    if plan.interrupted != plan.status.startswith("interrupted"):
        problems.append(f"status {plan.status!r} disagrees with interrupted={plan.interrupted}")
    return problems


def verify_plan(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> None:
    """Raise VerificationError if the plan breaks any rule; a plan is never shown unverified."""
    problems = check_plan(plan, inventory, catalog, policy)
    if problems:
        raise VerificationError(problems)


def check_rto(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> list[str]:
    """Every PC's tier deadline missed, recomputed from the raw inputs (docs/recovery.md).

    On a PC that is on site after its unit's (or its own) delivery, restores run one after
    another: singles at their tier, an affinity group as one block at its most critical
    member's tier, smaller first within a tier; a workload runs its PC model's boot time after
    its block is restored, a workstation needing a staff seat not before its seat's unit is on
    site. A tier with an unplaced workload never fully runs. An empty list means every target
    holds.
    """
    f = _facts(inventory, catalog, policy)
    hosts = {m.name: m for m in catalog.hosts}
    units = {u.name: u for u in catalog.units}
    unit_of = {pu.id: units[pu.model] for pu in plan.units if pu.model in units}
    latest: dict[tuple[int, str], float] = {}
    ready: dict[str, tuple[str, float]] = {}
    for h in plan.hosts:
        m = hosts.get(h.model)
        if m is None:
            continue
        clock = unit_of[h.unit].delivery_hours if h.unit in unit_of else m.delivery_hours
        groups: dict[str, list[str]] = {}
        blocks: list[tuple[int, float, str, list[str]]] = []
        for n in h.workloads:
            w = f.workload_of.get(n)
            if w is None:
                continue
            if w.affinity:
                groups.setdefault(w.affinity, []).append(n)
            else:
                blocks.append((w.tier, f.demand[n][2], n, [n]))
        for g, names in groups.items():
            blocks.append((min(f.workload_of[n].tier for n in names),
                           sum(f.demand[n][2] for n in names), f"affinity:{g}", names))
        for _, size, _, names in sorted(blocks):
            clock += size / m.restore_rate_gb_h
            for n in names:
                ready[n] = (h.id, clock + m.boot_minutes / 60.0)
    # a workstation needing a staff seat runs once its seat's unit is on site too: seats by
    # arrival go to the workstations by tier, then by readiness (docs/recovery.md)
    if policy.workstation_seats and catalog.units:
        arrivals = sorted(units[pu.model].delivery_hours for pu in plan.units
                          if pu.model in units for _ in range(pu.seats_used))
        desk = sorted((n for n in ready if f.workload_of[n].kind == "workstation"),
                      key=lambda n: (f.workload_of[n].tier, ready[n][1], n))
        for n, at in zip(desk, arrivals, strict=False):
            ready[n] = (ready[n][0], max(ready[n][1], at))
    for n, (hid, at) in ready.items():
        key = (f.workload_of[n].tier, hid)
        latest[key] = max(latest.get(key, 0.0), at)
    problems: list[str] = []
    for tier, rto in policy.rto:
        if tier not in policy.tiers:
            continue
        for u in plan.unplaced:
            if u.name in f.workload_of and f.workload_of[u.name].tier == tier:
                problems.append(f"tier {tier}: {u.name} is unplaced, the tier never fully runs")
        for (t, hid), last in sorted(latest.items()):
            if t == tier and last > rto * (1 + REL_TOL) + 1e-9:
                problems.append(f"{hid}: tier {tier} runs at {last:.4g} h, after its RTO of "
                                f"{rto:g} h")
    return problems
