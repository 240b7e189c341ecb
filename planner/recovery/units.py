"""Carry an RTO plan's PCs and staff seats in the cheapest units that arrive in time.

``--enforce-rto`` packs PCs with the unit models quick enough for every deadline
(``quick_units``); a slower unit model can still carry a PC whose workloads all run by their
tier's RTO when it arrives then, and the seats of workstations whose tier's RTO it meets. Once
the PCs are packed each PC's latest delivery is exact:

    delivery(pc) <= min over its workloads w with a target of RTO(w) - restored(w) / rate - boot

(``restored(w)``: GB restored on that PC up to and including w's block), and a workstation's
seat must be on site by its tier's RTO. A small integer program (HiGHS) picks the cheapest units
carrying every PC by its latest delivery and enough seats by each deadline; the plan is re-priced
and kept only when it is cheaper, passes the verifier and meets every target it met before.
"""

from __future__ import annotations

from copy import deepcopy
from decimal import ROUND_HALF_UP, Decimal

from planner.model.plan import Plan, PlannedUnit
from planner.model.prices import (
    Terms,
    cents,
    item_price,
    keep_factor,
    tested_in_plan,
    tier_test_cost,
    tiered_tests,
)
from planner.model.problem import demand_of, growth_factor
from planner.readers.catalog import Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory
from planner.recovery.timeline import restore_blocks
from planner.solver.highs import INF, fvec, ivec, new_highs, run_highs

#: hours of slack when comparing a delivery with a PC's latest delivery (float sums)
SLACK = 1e-9


def latest_delivery(plan: Plan, inventory: Inventory, catalog: Catalog,
                    policy: Policy) -> dict[str, float]:
    """Per PC, the latest it may be on site for all its workloads to run by their RTO."""
    growth = growth_factor(policy, catalog)
    by_name = {n: w for w in inventory.workloads for n in w.instance_names()}
    storage = {n: demand_of(w, policy, growth)[2] for n, w in by_name.items()}
    hosts = {m.name: m for m in catalog.hosts}
    out: dict[str, float] = {}
    for h in plan.hosts:
        m = hosts[h.model]
        gb, latest = 0.0, float("inf")
        for _, size, _, members in restore_blocks(h.workloads, by_name, storage):
            gb += size
            for n in members:
                rto = policy.rto_hours(by_name[n].tier)
                if rto is not None:
                    latest = min(latest, rto - gb / m.restore_rate_gb_h - m.boot_minutes / 60.0)
        out[h.id] = latest
    return out


def plan_cost(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> Decimal:
    """The plan's cost as the engine reports it: its items' expected cost over the term."""
    if not catalog.has_fees:
        return Decimal(len(plan.hosts)) + Decimal(len(plan.units)) / 1000
    sc = policy.scenario
    terms = Terms.of(catalog, sc)
    keep = keep_factor(catalog.discount_percent(len(plan.hosts)))
    models: dict[str, HostModel | UnitModel] = {m.name: m for m in catalog.hosts}
    models.update({u.name: u for u in catalog.units})
    exact = sum((item_price(terms, sc, models[h.model], keep) for h in plan.hosts), Decimal(0))
    exact += sum((item_price(terms, sc, models[u.model], keep) for u in plan.units), Decimal(0))
    if tiered_tests(sc):
        tier_of = {n: w.tier for w in inventory.workloads for n in w.instance_names()}
        exact += tier_test_cost(terms, sc, catalog, tested_in_plan(
            sc, [(h.id, h.model, {tier_of[n] for n in h.workloads}) for h in plan.hosts],
            [(u.id, u.model, u.hosts) for u in plan.units]))
    places = next((Decimal(1).scaleb(-k) for k in range(2, 7)
                   if exact == exact.quantize(Decimal(1).scaleb(-k))), None)
    return exact.quantize(places, rounding=ROUND_HALF_UP) if places is not None else cents(exact)


def cheaper_units(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy,
                  time_limit: float = 5.0, force: bool = False) -> Plan | None:
    """The plan with its PCs and seats in the cheapest units arriving in time, or None.

    None when the catalog has no units, a PC has no unit model both large and quick enough,
    the program finds nothing, its units do not pack, or (unless ``force``: the plan's own
    units may be too late) the result is not cheaper.
    """
    if not catalog.units or not policy.rto or not plan.hosts:
        return None
    if any(h.unit is None for h in plan.hosts):
        return None
    units: list[UnitModel] = list(catalog.units)
    slots = {m.name: m.slots for m in catalog.hosts}
    latest = latest_delivery(plan, inventory, catalog, policy)
    by_name = {n: w for w in inventory.workloads for n in w.instance_names()}
    seats_on = policy.workstation_seats
    desks = sorted(
        (policy.rto_hours(by_name[n].tier) or float("inf")) for h in plan.hosts
        for n in h.workloads if seats_on and by_name[n].kind == "workstation")
    if catalog.has_fees:
        terms = Terms.of(catalog, policy.scenario)
        keep = keep_factor(catalog.discount_percent(len(plan.hosts)))
        price = [float(item_price(terms, policy.scenario, u, keep)) for u in units]
    else:
        price = [1.0 for _ in units]
    h = new_highs(time_limit)
    # columns: z_u (units of each model), s_u (seats used in them), a_(p,u) (PC p in model u)
    nu = len(units)
    for i, u in enumerate(units):
        h.addVar(0.0, INF if u.available is None else float(u.available))
        h.changeColCost(i, price[i])
    for i, u in enumerate(units):
        h.addVar(0.0, INF)
        # seats used within the seats of the units contracted: s_u - seats_u * z_u <= 0
        h.addRow(-INF, 0.0, 2, ivec([nu + i, i]), fvec([1.0, -float(u.seats)]))
    pairs: list[tuple[int, int]] = []
    for p, ph in enumerate(plan.hosts):
        ok = [i for i, u in enumerate(units)
              if u.slots >= slots[ph.model] and u.delivery_hours <= latest[ph.id] + SLACK]
        if not ok:
            return None
        cols = []
        for i in ok:
            cols.append(2 * nu + len(pairs))
            pairs.append((p, i))
            h.addVar(0.0, 1.0)
        h.addRow(1.0, 1.0, len(cols), ivec(cols), fvec([1.0] * len(cols)))
    for i, u in enumerate(units):
        idx = [2 * nu + k for k, (p, j) in enumerate(pairs) if j == i]
        val = [float(slots[plan.hosts[p].model]) for k, (p, j) in enumerate(pairs) if j == i]
        h.addRow(-INF, 0.0, len(idx) + 1, ivec([*idx, i]), fvec([*val, -float(u.slots)]))
    # seats by each deadline (Hall's condition for nested deadlines), and in all
    for level in sorted(set(desks)):
        need = sum(1 for d in desks if d <= level)
        idx = [nu + i for i, u in enumerate(units) if u.delivery_hours <= level + SLACK]
        h.addRow(float(need), INF, len(idx), ivec(idx), fvec([1.0] * len(idx)))
    n = h.getNumCol()
    h.changeColsIntegrality(n, ivec(list(range(n))), ivec([1] * n))
    run_highs(h)
    sol = h.getSolution()
    if not sol.value_valid:
        return None  # infeasible or nothing found in time (a solution found is checked below)
    z = [round(v) for v in sol.col_value[:nu]]
    s = [round(v) for v in sol.col_value[nu:2 * nu]]
    where = {p: i for k, (p, i) in enumerate(pairs) if sol.col_value[2 * nu + k] > 0.5}
    out = _pack(plan, units, z, s, where, slots)
    if out is None:
        return None
    out.cost = plan_cost(out, inventory, catalog, policy)
    return out if force or out.cost < plan.cost else None


def _pack(plan: Plan, units: list[UnitModel], z: list[int], s: list[int], where: dict[int, int],
          slots: dict[str, int]) -> Plan | None:
    """PCs into the chosen units (first fit, largest first), seats to the units in order."""
    out = deepcopy(plan)
    made: list[PlannedUnit] = []
    for i, u in enumerate(units):
        inst = [PlannedUnit("", u.name, [], 0, 0) for _ in range(z[i])]
        pcs = sorted((p for p, j in where.items() if j == i),
                     key=lambda p: (-slots[plan.hosts[p].model], p))
        for p in pcs:
            need = slots[plan.hosts[p].model]
            box = next((b for b in inst if b.slots_used + need <= u.slots), None)
            if box is None:
                return None
            box.hosts.append(plan.hosts[p].id)
            box.slots_used += need
        left = s[i]
        for b in inst:
            b.seats_used = min(left, u.seats)
            left -= b.seats_used
        made.extend(b for b in inst if b.hosts or b.seats_used)
    unit_of: dict[str, str] = {}
    for k, b in enumerate(made):
        b.id = f"unit-{k + 1:02d}"
        for hid in b.hosts:
            unit_of[hid] = b.id
    for ph in out.hosts:
        ph.unit = unit_of[ph.id]
    out.units = made
    return out
