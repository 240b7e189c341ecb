"""Spare recovery PCs, N+k (policy ``spares``): one exact search over spare sets and tiers.

A plan with k spares must survive the loss of any k recovery PCs, spares included: the
workloads of the working PCs lost run on the surviving spares of the same mobile unit, or of
the site without units, where there are exactly k spares (the verifier counts them per unit).

Which spares suffice: a plan survives every loss of k PCs exactly when every working PC's load
fits every spare (of its unit), whether each lost PC moves whole onto one spare (a hot swap,
as the runbook restores a PC) or its workloads may be spread over several spares. Necessary,
even with spreading: if a working PC P does not fit spare j of its unit, losing P with the
k - 1 other spares there (k PCs) leaves j alone, and P's workloads must all go onto j.
Sufficient, even with hot swaps only: if every working PC fits every spare, a loss of j working
PCs and at most k - j spares leaves at least j spares, each holding any of the j whole. So the
search below is exact under either rule. (Hall's condition over working PCs alone, "at most
|T| PCs fit only spares in T", is the condition when spares cannot fail; here they can, and it
is not enough: with spares {small, large} a PC that only the large one holds is stranded when
it fails together with the large spare.)

So with spare models S_1..S_k (a multiset, mixed or not) the working PCs are the engine's
packing of the inventory on the catalog with every model's cores, memory and storage capped
at the least of the spares' (usable capacity is monotone in each), fees unchanged, each spare
model's stock less its spares (``capped_catalog``); the optimiser thereby balances the load
so that cheaper spares suffice (three half-full small PCs, one of them a spare, can beat one
full large PC and a large spare). A mix of spare models is worth a sub-problem only where a
cheaper spare model's stock runs short: swapping a spare for a model of the set with no stock
limit that costs no more keeps every plan and its price (``_dominated``; ``spare_sets``
enumerates the sets that no such swap beats, at most ``MAX_SPARE_SETS``).

Prices are the contract's (planner/model/prices.py): a spare is a contracted PC, priced by
the same expected per-item lines as a working PC, and counted in the PC count that earns a
volume discount. As in ``engine._plan_tiers``, each (spare set, discount tier t) pair is a
sub-problem: at least N_t - k working PCs, priced at tier t's discount, plus the spares' price
at that discount (a constant of the sub-problem). Every N+k plan of this shape is priced
exactly in the sub-problem of its own spare set and tier and no cheaper in any other, so the
least of the sub-problems' optima is the optimum over the shape and the least of their bounds
bounds it. Sub-problems are taken cheapest capacity bound first; one whose bound reaches the
best plan is skipped (its bound still counts). N+0 is planned first, for the comparison the
plan reports.

With mobile units the spares number k per unit carrying PCs, and each unit may carry its own
spare set (light PCs with small spares in one unit, heavy ones with large spares in another).
First the sub-problems above, one spare set in every unit carrying PCs, known only once the
units are chosen: each counts the spares in each of the fewest units any packing needs
(``_least_units``), the plan is priced exactly afterwards, and where the plan needs more
units than that, a gap may remain. A plan whose units carry different sets has two units or
more, which ``_two_unit_bound`` bounds (the working PCs' capacity bound without units, plus
two of the cheapest unit with k of the cheapest spares). Where that bound is below the best
plan, ``_per_unit_subs`` searches them exactly (restore deadlines packed or not): one problem
per discount tier in which every spare set Q is a unit group, PC models capped at Q's least
capacity, unit models less Q's slots and dearer by Q's k spares, a PC of group Q only in units
of group Q (``HostType.group``, ``unitpack.unit_patterns``); every plan with a set per unit is
a solution priced exactly. Stock limits are pools (``_group_stocks``): a unit of group Q counts
Q's spares of model M in M's stock beside the working PCs of M, and a unit model's variants
share its stock (``Pool.units``, honoured by the engine wherever it counts PCs). Since a plan
with one set in every unit is one of its solutions too, its bound bounds every plan. The
plan's bound covers plans with a set per unit (``stats.spares.per_unit_sets``) when the
two-unit bound, raised by the per-unit search's (which bounds every plan), reaches the one-set
bound or the plan has a set per unit; else it covers one set in every unit, and the scope says
so. With discount tiers a
relaxed sub-problem bounds (see ``capped_catalog``).

What the bound may not cover (the plan's warnings and stats say so, ``_scope``): other spare
models in different units (where the group problem would have more than
``MAX_UNIT_GROUP_TYPES`` PC types and the two-unit bound is low), and mixes beyond
``MAX_SPARE_SETS`` sets where the catalog has that many worth searching.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from planner.errors import InputError
from planner.model.plan import (
    FEASIBLE,
    INFEASIBLE,
    INTERRUPTED,
    INTERRUPTED_EMPTY,
    OPTIMAL,
    Plan,
    PlannedHost,
    PlannedUnit,
)
from planner.model.prices import Terms, item_price, keep_factor
from planner.model.problem import (
    COUNT_HOST,
    Pool,
    Problem,
    build_problem,
    ticks_of,
    usable_capacity,
)
from planner.readers.catalog import Catalog, DiscountTier, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory
from planner.solver import engine
from planner.solver.bounds import capacity_bound

#: at most this many sets of spare models are searched (the one-model sets first)
MAX_SPARE_SETS = 64


def _scope(k: int, units: bool, complete: bool, per_unit: bool = False) -> str:
    """What "optimal" and the bound of an N+k plan cover (its stats and warnings say it)."""
    where = (f"{k} in every mobile unit that carries PCs, "
             + ("each unit's own spare models" if per_unit else "the same spare models in each")
             if units else "at the site")
    left: list[str] = []
    if units and not per_unit:
        left.append("other spare models per unit")
    if not complete:
        left.append(f"mixes of spare models beyond the first {MAX_SPARE_SETS} sets")
    rest = f"; {' and '.join(left)} not covered" if left else ""
    return (f"over N+{k} plans whose {k} spare(s), of one model or mixed, are {where} (every "
            "working PC fits every spare of its own unit or site: exact whether a lost PC moves "
            f"whole onto one spare or its workloads are spread over several{rest})")


def capped_catalog(catalog: Catalog, spares: tuple[HostModel, ...],
                   relax: bool = False) -> Catalog:
    """The catalog the working PCs of an N+k plan with these k spares are packed on.

    Every PC model capped, in cores, memory and storage, at the least of the spares' (fees
    unchanged): a working PC must fit every spare (module docstring); each spare model's
    stock less its spares; volume discount thresholds lowered by k, since the k spares count
    among the contracted PCs (at least k). With mobile units the spares number k per unit
    carrying PCs, which a sub-problem cannot know beforehand: ``relax`` drops the thresholds
    to 0 (every tier's discount open to every plan), a relaxation whose bound stays a bound;
    its plans, and those of the sub-problems shifted by k, are priced exactly after.
    """
    k = len(spares)
    cores = min(s.cores for s in spares)
    memory = min(s.memory_gib for s in spares)
    storage = min(s.storage_gb for s in spares)
    count = Counter(s.name for s in spares)
    hosts = []
    for m in catalog.hosts:
        capped = replace(m, cores=min(m.cores, cores), memory_gib=min(m.memory_gib, memory),
                         storage_gb=min(m.storage_gb, storage))
        if count[m.name] and m.available is not None:
            capped = replace(capped, available=max(0, m.available - count[m.name]))
        hosts.append(capped)
    shift = (lambda n: 0) if relax else (lambda n: max(0, n - k))
    tiers = tuple(DiscountTier(shift(t.min_pcs), t.percent) for t in catalog.discounts)
    return replace(catalog, hosts=tuple(hosts), discounts=tiers)


def _room_for_spares(pr: Problem, spares: tuple[HostModel, ...]) -> None:
    """Mobile units: each that carries PCs keeps room for its k spares in its slots.

    Their price is not in the unit's (a unit carrying only staff seats needs none); the
    sub-problem counts k spares at least, the plan its own. A unit model without room for the
    spares carries no PCs (its patterns are empty), staff seats still.
    """
    need = sum(s.slots for s in spares)
    for u in pr.units:
        u.slots = max(0, u.slots - need)


def spare_set(spares: tuple[HostModel, ...] | list[HostModel]) -> str:
    """The spares in words: ``Small`` for one model, ``1 × Big + 2 × Small`` for a mix."""
    count = Counter(s.name for s in spares)
    if len(count) == 1:
        return next(iter(count))
    return " + ".join(f"{c} × {n}" for n, c in sorted(count.items()))


def _dominated(spares: tuple[HostModel, ...], price: dict[str, Decimal], units: bool) -> bool:
    """Whether a mixed set of spares is beaten by swapping one spare for another of the set.

    Swap spare model B for A (both in the set) where A has no stock limit, costs no more and,
    with mobile units, takes no more slots: the least capacity over the spares can only grow,
    so every plan with the old spares is a plan with the new ones at no higher price. The
    swaps end at sets kept (one model, or a mix whose cheaper models are stock-limited), so
    the kept sub-problems' optima and bounds still cover the skipped ones.
    """
    for a in spares:
        if a.available is not None:
            continue
        for b in spares:
            if b.name != a.name and price[a.name] <= price[b.name] \
                    and (not units or a.slots <= b.slots):
                return True
    return False


def _least_units(pr: Problem) -> int:
    """Units that must carry PCs in any packing of the problem (at least 1 where any PC is).

    Working PCs: at least the total demand over the largest capacity, per dimension, and the
    tier's least count; each takes at least the fewest slots of any model, and a unit holds at
    most the most slots any unit model has left beside its spares.
    """
    if not pr.items or not pr.hosts:
        return 1
    pcs = pr.min_pcs
    for d in range(3):
        cap = max(h.cap[d] for h in pr.hosts)
        need = sum(it.size[d] * it.demand for it in pr.items)
        if cap > 0:
            pcs = max(pcs, -(-need // cap))
    room = max((u.slots for u in pr.units if u.available != 0), default=0)
    if room <= 0:
        return 1
    return max(1, -(-pcs * min(h.slots for h in pr.hosts) // room))


@dataclass
class _Sub:
    """One sub-problem: the k spare models, their capped catalog, a discount tier, their price."""

    spares: tuple[HostModel, ...]
    catalog: Catalog
    problem: Problem
    fixed: Decimal  # the spares at this tier's discount (money), or their count (count mode)
    bound: Decimal  # the sub-problem's bound, spares included: capacity bound until searched
    cost: Decimal | None = None
    note: str = ""
    #: whether its bound bounds every plan of its tier (with units, only the relaxed one's)
    bounds_all: bool = True
    #: a spare set per unit (``_per_unit_subs``): each unit group's spares, and each variant
    #: model's name in the catalog
    groups: dict[str, tuple[HostModel, ...]] | None = None
    real: dict[str, str] | None = None
    #: the group of each unit of the plan found (unit id)
    group_of: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The spares in words (``spare_set``)."""
        return "a spare set per unit" if self.groups is not None else spare_set(self.spares)


#: a spare set per unit is searched while the combined problem has at most this many PC types
MAX_UNIT_GROUP_TYPES = 120


def _group_of(name: str) -> str:
    """The unit group a variant model's name carries (``Big ⟨Small⟩`` is in group ``Small``)."""
    return name[name.index(" ⟨") + 2:-1] if name.endswith("⟩") else ""


def _per_unit_catalog(catalog: Catalog, sets: list[tuple[HostModel, ...]], relax: bool,
                      prices: list[dict[str, Decimal]], rto: bool = False
                      ) -> tuple[Catalog, dict[str, tuple[HostModel, ...]], dict[str, str]]:
    """The catalog of a search with a spare set per mobile unit, its groups and real names.

    For each spare set Q (a group): every PC model capped at Q's least capacity (as
    ``capped_catalog``) and every unit model less Q's slots, named ``X ⟨Q⟩``; a PC of group Q
    goes only into units of group Q (``unitpack.unit_patterns``), whose cost the caller raises
    by Q's spares. A capped model that another of its group matches in capacity at no more
    slots and price (at every discount), with no stock limit and (``rto``: restore deadlines
    packed) restoring no slower, is left out. The plain unit models stay, for staff
    seats only (no PC is of their group). Thresholds as ``capped_catalog``'s.
    """
    hosts: list[HostModel] = []
    units: list[UnitModel] = []
    groups: dict[str, tuple[HostModel, ...]] = {}
    real: dict[str, str] = {}
    shifted = catalog
    for spares in sets:
        g = spare_set(spares)
        shifted = capped_catalog(catalog, spares, relax)
        need = sum(s.slots for s in spares)
        mine = [replace(u, name=f"{u.name} ⟨{g}⟩", slots=u.slots - need)
                for u in catalog.units if u.slots > need]
        room = max((u.slots for u in mine), default=0)
        capped = [m for m in shifted.hosts if m.slots <= room]

        def beats(a: HostModel, b: HostModel) -> bool:
            return (a.cores >= b.cores and a.memory_gib >= b.memory_gib
                    and a.storage_gb >= b.storage_gb and a.slots <= b.slots
                    and a.available is None  # a stock-limited one may run out
                    and (not rto or (a.restore_rate_gb_h >= b.restore_rate_gb_h
                                     and a.boot_minutes <= b.boot_minutes
                                     and a.delivery_hours <= b.delivery_hours))
                    and all(pr[a.name] <= pr[b.name] for pr in prices))
        kept = [b for i, b in enumerate(capped)
                if not any(beats(a, b) and (not beats(b, a) or j < i)
                           for j, a in enumerate(capped) if j != i)]
        if not kept or not mine:
            continue
        groups[g] = spares
        for m in kept:
            hosts.append(replace(m, name=f"{m.name} ⟨{g}⟩"))
            real[hosts[-1].name] = m.name
        for u, orig in zip(mine, (u for u in catalog.units if u.slots > need), strict=True):
            units.append(u)
            real[u.name] = orig.name
    for u in catalog.units:
        units.append(u)
        real[u.name] = u.name
    return (replace(catalog, hosts=tuple(hosts), units=tuple(units),
                    discounts=shifted.discounts), groups, real)


def _per_unit_subs(inventory: Inventory, catalog: Catalog, policy: Policy,
                   sets: list[tuple[HostModel, ...]], prices: list[dict[str, Decimal]],
                   price: Callable[[HostModel, Decimal], Decimal],
                   misfits: set[str]) -> list[_Sub] | None:
    """Sub-problems with a spare set per mobile unit, or None where they would not be exact.

    Kept to ``MAX_UNIT_GROUP_TYPES`` PC types; stock limits are pools over working PCs and
    units (``_group_stocks``); restore deadlines are packed on the variants as on any model
    (a capped model is left out only for one restoring no slower). One problem per discount
    tier holds every group (``_per_unit_catalog``); a unit of group Q costs its own price plus Q's
    spares at the tier's discount, so every such plan is priced exactly by its units, and
    each unit carrying PCs carries Q's k spares. Tiers as in ``plan_with_spares``: shifted by
    k to find plans, every threshold 0 (relaxed) to bound them. None too where a workload
    that fits a PC without spares fits no PC of any group (the spares' slots).
    """
    if not catalog.units:
        return None
    variants = [(False, not catalog.discounts)]
    if catalog.discounts:
        variants.append((True, True))
    subs: list[_Sub] = []
    for relax, bounds_all in variants:
        cat, groups, real = _per_unit_catalog(catalog, sets, relax, prices,
                                              bool(policy.rto_packing and policy.rto))
        if len(cat.hosts) > MAX_UNIT_GROUP_TYPES or not groups:
            return None
        for least, pct in engine.discount_tiers(cat):
            pr = build_problem(inventory, cat, policy, discount=pct, min_pcs=least)
            if {u.name for u in pr.unplaced} - misfits:
                return None
            for h in pr.hosts:
                h.group = _group_of(h.model.name)
            for u in pr.units:
                u.group = _group_of(u.model.name)
                if not u.group:
                    u.slots = 0  # staff seats only
                else:
                    extra = [price(s, pct) for s in groups[u.group]]
                    u.price += sum(extra, Decimal(0))
                    u.cost += (sum(ticks_of(x, pr.scale) for x in extra) if pr.money
                               else len(extra) * COUNT_HOST)
            pr.pools = (*pr.pools, *_group_stocks(catalog, pr, groups, real))
            quick = Decimal(int(pr.round_bound(capacity_bound(pr)))) / pr.scale
            subs.append(_Sub((), cat, pr, Decimal(0), quick, bounds_all=bounds_all,
                             groups=groups, real=real))
    return subs


def _group_stocks(catalog: Catalog, pr: Problem, groups: dict[str, tuple[HostModel, ...]],
                  real: dict[str, str]) -> list[Pool]:
    """The stocks of a search with a spare set per unit, as pools over its variants.

    A stock-limited PC model M: its working PCs of every group, and each unit of group Q
    counting Q's spares of model M (``Pool.units``). A stock-limited unit model: its
    variants, one per group, and its plain model (staff seats) in all.
    """
    pools: list[Pool] = []
    for m in catalog.hosts:
        if m.available is None:
            continue
        types = tuple(h.index for h in pr.hosts if real[h.model.name] == m.name)
        units = tuple((u.index, c) for u in pr.units if u.group
                      and (c := sum(1 for s in groups[u.group] if s.name == m.name)))
        if types or units:
            pools.append(Pool(types, m.available, units))
    for um in catalog.units:
        if um.available is not None:
            pools.append(Pool((), um.available, tuple(
                (u.index, 1) for u in pr.units if real[u.model.name] == um.name)))
    return pools


def spare_sets(models: list[HostModel], k: int, prices: list[dict[str, Decimal]],
               units: bool) -> tuple[list[tuple[HostModel, ...]], bool]:
    """The sets of k spare models worth a sub-problem, and whether every such set is there.

    Multisets of the models (by name), each model at most its stock, one model or a mix not
    ``_dominated`` at some discount (``prices``: per discount, each model's price). A set
    dominated stays dominated when it grows, so the sets are grown model by model and a
    dominated one is dropped with all its growths. At most ``MAX_SPARE_SETS`` sets: the
    one-model sets first, then the mixes in order; False when mixes were left out.
    """
    out: list[tuple[HostModel, ...]] = [
        (m,) * k for m in models if m.available is None or m.available >= k]
    mixes: list[tuple[HostModel, ...]] = []
    complete = True

    def grow(start: int, cur: list[HostModel]) -> None:
        nonlocal complete
        if len(mixes) > MAX_SPARE_SETS:
            complete = False
            return
        if len(cur) == k:
            if len({m.name for m in cur}) > 1:
                mixes.append(tuple(cur))
            return
        for i in range(start, len(models)):
            m = models[i]
            nxt = [*cur, m]
            if m.available is not None and nxt.count(m) > m.available:
                continue
            if all(_dominated(tuple(nxt), pr, units) for pr in prices):
                continue
            grow(i, nxt)

    if k >= 2:
        grow(0, [])
    room = max(0, MAX_SPARE_SETS - len(out))
    if len(mixes) > room:
        complete = False
    return out + mixes[:room], complete


def plan_with_spares(inventory: Inventory, catalog: Catalog, policy: Policy, *,
                     time_limit: float, progress: engine.ProgressFn | None = None,
                     on_plan: engine.PlanFn | None = None, start: Plan | None = None,
                     stop: engine.StopSignal | None = None) -> Plan:
    """The cheapest plan with ``policy.spares`` spare PCs (see the module docstring), unverified.

    The engine's ``plan`` verifies it. ``on_plan`` gets each better N+k plan as a sub-problem
    ends (snapshots inside a sub-problem have no spares yet, so they are not handed on).
    """
    k = policy.spares
    n0_policy = replace(policy, spares=0)
    t0 = time.monotonic()
    deadline = t0 + time_limit
    models = sorted(catalog.hosts, key=lambda m: m.name)
    plain = build_problem(inventory, catalog, n0_policy)
    misfits = {u.name for u in plain.unplaced}
    subs: list[_Sub] = []
    refused: dict[str, str] = {}
    money = plain.money
    terms = Terms.of(catalog, policy.scenario) if money else None
    pcts = [pct for _, pct in engine.discount_tiers(catalog)]

    def price(m: HostModel, pct: Decimal) -> Decimal:
        """One spare of model m at this discount (money), or one PC (count mode)."""
        if terms is None:
            return Decimal(1)
        return item_price(terms, policy.scenario, m, keep_factor(pct))

    sets, complete = spare_sets(models, k, [{m.name: price(m, pct) for m in models}
                                            for pct in pcts], bool(catalog.units))
    small: set[str] = set()  # spare models too small for some workload: every set with them too
    per_unit = _per_unit_subs(inventory, catalog, n0_policy, sets, [
        {m.name: price(m, pct) for m in models} for pct in pcts], price, misfits)
    for spares in sets:
        label = spare_set(spares)
        if small & {m.name for m in spares}:
            continue
        # with units and discount tiers: the tiers shifted by k find plans, the relaxed one
        # bounds them; without either, the shifted tiers are exact
        variants = [(capped_catalog(catalog, spares), not catalog.units)]
        if catalog.units and catalog.discounts:
            variants.append((capped_catalog(catalog, spares, relax=True), True))
        elif catalog.units:
            variants = [(variants[0][0], True)]
        for cat_s, bounds_all, least, pct in [(c, b, least, pct) for c, b in variants
                                               for least, pct in engine.discount_tiers(c)]:
            pr = build_problem(inventory, cat_s, n0_policy, discount=pct, min_pcs=least)
            if {u.name for u in pr.unplaced} - misfits:
                refused[label] = ("a workload fits no PC as small as this spare"
                                  if len(set(spares)) == 1 else
                                  "a workload fits no PC within the least of these spares")
                if len(set(spares)) == 1:
                    small.add(spares[0].name)
                break
            if _dominated(spares, {m.name: price(m, pct) for m in spares},
                          bool(catalog.units)):
                continue  # a swap of spares gives a plan as cheap in this tier
            copies = sum(it.demand for it in pr.items)
            stock = sum(h.available if h.available is not None else copies for h in pr.hosts)
            if least > min(copies, stock):
                continue  # no plan reaches this tier: every working PC must run a workload
            each = sum((price(m, pct) for m in spares), Decimal(0))
            # k spares at the site, or in each unit that carries PCs (at least _least_units)
            n_units = 1
            if catalog.units:
                _room_for_spares(pr, spares)
                n_units = _least_units(pr)
            fixed = n_units * each
            quick = Decimal(int(pr.round_bound(capacity_bound(pr)))) / pr.scale
            subs.append(_Sub(spares, cat_s, pr, fixed, quick + fixed, bounds_all=bounds_all))
    subs.sort(key=lambda x: (x.bound, x.label, x.problem.min_pcs))
    # N+0, for the comparison: a share of the time like one sub-problem
    base = engine.plan(inventory, catalog, n0_policy, verify=False, stop=stop, start=start,
                       time_limit=max(0.1, time_limit / (len(subs) + 1)), progress=progress)
    if not base.hosts and not base.interrupted:  # nothing placed, nothing to stand in for
        base.warnings.append(f"no workload is placed: the {k} spare PC(s) are not needed")
        base.stats["spares"] = {"k": k, "model": None, "n0_cost": float(base.cost),
                                "reason": "no workload is placed"}
        return base
    best: tuple[tuple[int, Decimal], Plan, _Sub] | None = None
    interrupted = base.interrupted
    shown = [math.inf]
    # with units, plans whose units carry different spare sets have at least two units: bounded
    # by ``_two_unit_bound``, searched (``per_unit``) only where that bound leaves room
    two = _two_unit_bound(inventory, catalog, n0_policy, k, models, price, pcts) \
        if catalog.units else None
    queue = list(subs)
    i = 0
    while True:
        if i == len(subs) and per_unit is not None and two is not None and not interrupted \
                and (best is None or best[0][0] or two < best[0][1]) and len(queue) == len(subs):
            queue += per_unit
        if i >= len(queue):
            break
        sub = queue[i]
        i += 1
        if interrupted:
            sub.note = "not searched: interrupted"
            continue
        if best is not None and not best[0][0] and sub.bound >= best[0][1]:
            # (a best plan leaving copies out is no plan: its price bounds nothing)
            sub.note = "skipped: its bound reaches the best plan"
            continue
        left = deadline - time.monotonic()
        if left < 0.3 and best is not None:
            sub.note = "skipped: no time left"
            continue
        search = engine._Search(inventory, sub.catalog, n0_policy,
                                max(0.1, left / (len(queue) - i + 1)),
                                _shifted(progress, sub, shown),
                                problem=sub.problem, baseline=base.baseline, stop=stop,
                                start=start)
        search.run()
        interrupted = search.interrupted
        sub.bound = max(sub.bound, Decimal(int(sub.problem.round_bound(search.lb)))
                        / sub.problem.scale + sub.fixed)
        if search.best.problem is None:
            continue
        found = search.result(verify=False, final=False)  # named PCs in named units
        if sub.real is not None:
            found = _real_names(found, sub)
        hosts = Counter(h.model for h in found.hosts)
        units = Counter(pu.model for pu in found.units)
        n_sets = sum(1 for pu in found.units if pu.hosts) if catalog.units else 1
        spared = Counter({m.name: c * n_sets for m, c in Counter(sub.spares).items()})
        if sub.groups is not None:
            spared = Counter(s.name for pu in found.units for s in _unit_spares(pu, sub))
        over = [m for m in models
                if m.available is not None and hosts[m.name] + spared[m.name] > m.available]
        if over:
            m = over[0]
            sub.note = (f"no plan: {hosts[m.name]} working and {spared[m.name]} spare "
                        f"{m.name} exceed its stock of {m.available}")
            continue
        short = [u for u in catalog.units if u.available is not None
                 and units[u.name] > u.available]  # a unit model's variants share its stock
        if short:
            sub.note = (f"no plan: {units[short[0].name]} {short[0].name} exceed its stock of "
                        f"{short[0].available}")
            continue
        total = _true_total(catalog, policy, terms, hosts, units, spared)
        key = (sum(search.best.uncovered.values()), total)
        sub.cost = total
        if best is None or (key[0], total) < best[0]:
            best = ((key[0], total), found, sub)
            if on_plan is not None and not key[0] and float(total) < shown[0]:
                shown[0] = float(total)
                on_plan(_with_spares(found, base, catalog, policy, sub, queue, refused,
                                     interrupted, t0, complete, two))
    if best is None or best[0][0]:
        # no N+k plan: stock runs out, or interrupted first; the N+0 plan says which
        why = ("interrupted before a plan with spares was found" if interrupted
               else "the vendor's stock leaves no room for them")
        base.warnings.append(f"{k} spare PC(s) not planned: {why}")
        base.stats["spares"] = {"k": k, "model": None, "n0_cost": float(base.cost),
                                "reason": why}
        if not interrupted and base.status != INFEASIBLE:
            if not queue:
                raise InputError(f"no PC model can serve as {k} spare(s): none is left in "
                                 "stock beyond the plan, or none holds every workload",
                                 field="spares",
                                 fix="lower spares, or add PC models or stock ('available')")
            base.status, base.lower_bound, base.gap = INFEASIBLE, None, None
        return base
    return _with_spares(best[1], base, catalog, policy, best[2], queue, refused, interrupted, t0,
                        complete, two)


def _two_unit_bound(inventory: Inventory, catalog: Catalog, policy: Policy, k: int,
                    models: list[HostModel], price: Callable[[HostModel, Decimal], Decimal],
                    pcts: list[Decimal]) -> Decimal:
    """A bound on every N+k plan whose working PCs sit in two units or more.

    Its working PCs pack the inventory on PC models no larger than the catalog's (capped at
    their unit's spares), so they cost at least the capacity bound of the plan without units
    or spares at the best discount; each of its units carrying PCs costs at least the
    cheapest unit model plus k of the cheapest PC model as spares. A plan whose units carry
    different spare sets has at least two units (with one unit the set is the plan's), so
    where this bound reaches the best plan of one spare set in every unit, none is cheaper.
    """
    pct = max(pcts)
    plain = build_problem(inventory, replace(catalog, units=(), discounts=()), policy,
                          discount=pct)
    pcs = Decimal(int(plain.round_bound(capacity_bound(plain)))) / plain.scale
    if not plain.money:
        unit = Decimal(1) / COUNT_HOST
    else:
        terms = Terms.of(catalog, policy.scenario)
        unit = min(item_price(terms, policy.scenario, u, keep_factor(pct))
                   for u in catalog.units)
    return pcs + 2 * (unit + k * min(price(m, pct) for m in models))


def _unit_spares(pu: PlannedUnit, sub: _Sub) -> tuple[HostModel, ...]:
    """The spares of one unit: none without PCs, else its group's set (or the plan's)."""
    if not pu.hosts:
        return ()
    if sub.groups is None:
        return sub.spares
    return sub.groups[sub.group_of[pu.id]]


def _real_names(p: Plan, sub: _Sub) -> Plan:
    """A plan of ``_per_unit_catalog`` with its models' real names; each unit's group kept."""
    assert sub.real is not None
    sub.group_of = {pu.id: _group_of(pu.model) for pu in p.units}
    return replace(p, hosts=[replace(h, model=sub.real[h.model]) for h in p.hosts],
                   units=[replace(pu, model=sub.real[pu.model]) for pu in p.units])


def _true_total(catalog: Catalog, policy: Policy, terms: Terms | None, hosts: Counter[str],
                units: Counter[str], spares: Counter[str]) -> Decimal:
    """An N+k plan's expected total: every PC, spare and unit at the discount of all its PCs.

    ``spares``: spare PCs per model. Count mode (no fees): PCs, spares among them, and each
    unit as 1/1000 of a PC.
    """
    pcs = sum(hosts.values()) + sum(spares.values())
    if terms is None:
        return Decimal(pcs) + Decimal(sum(units.values())) / COUNT_HOST
    keep = keep_factor(catalog.discount_percent(pcs))
    by_name: dict[str, HostModel | UnitModel] = {m.name: m for m in catalog.hosts}
    by_name.update({u.name: u for u in catalog.units})
    sc = policy.scenario
    total = Decimal(0)
    for name, c in (*hosts.items(), *spares.items(), *units.items()):
        total += c * item_price(terms, sc, by_name[name], keep)
    return total


def _shifted(progress: engine.ProgressFn | None, sub: _Sub,
             shown: list[float]) -> engine.ProgressFn | None:
    """A sub-problem's progress with its spares added to the best plan and the bound."""
    if progress is None:
        return None
    extra = float(sub.fixed)

    def report(phase: str, best: float | None, bound: float | None, left: float) -> None:
        own = None if best is None else best + extra
        if own is not None and not math.isinf(shown[0]):
            own = min(own, shown[0])
        progress(f"spares {sub.label}: {phase}", own,
                 None if bound is None else bound + extra, left)
    return report


def _with_spares(p: Plan, base: Plan, catalog: Catalog, policy: Policy,
                 sub: _Sub, subs: list[_Sub], refused: dict[str, str], interrupted: bool,
                 t0: float, complete: bool, two: Decimal | None = None) -> Plan:
    """A sub-problem's plan (``p``) with its k spares added, priced, bounded and worded.

    The bound: the least over the sub-problems of one spare set; with units, where plans
    with a spare set per unit are covered too (``two``: the two-unit bound, raised by the
    per-unit sub-problems' bound where searched, reaches it, or the plan is one of them),
    the least of both, and the scope says each unit's own spare models. Where the per-unit
    problem was queued, its bound bounds every plan with units (a plan with one set in every
    unit is one of its solutions too), so that bound is at least it; where the wider bound
    stays below the one-set bound and the plan has one set, the narrower claim is made.
    """
    k = policy.spares
    real = {m.name: m for m in catalog.hosts}
    hosts = []
    for h in p.hosts:  # planned on capped models: report the contracted model's usable capacity
        c = usable_capacity(real[h.model], policy)
        hosts.append(replace(h, usable={"vcpu": round(c[0], 6), "memory_gib": round(c[1], 6),
                                        "storage_gb": round(c[2], 6)}))
    def spare(i: int, unit: str | None, model: HostModel) -> PlannedHost:
        cap = usable_capacity(model, policy)
        return PlannedHost(id=f"spare-{i + 1:02d}", model=model.name, unit=unit,
                           workloads=[], used={"vcpu": 0.0, "memory_gib": 0.0, "storage_gb": 0.0},
                           usable={"vcpu": round(cap[0], 6), "memory_gib": round(cap[1], 6),
                                   "storage_gb": round(cap[2], 6)}, spare=True)

    spares: list[PlannedHost] = []
    units = []
    if catalog.units:  # k spares in each unit, in its slots
        for pu in p.units:
            if not pu.hosts:  # staff seats only: no PC to stand in for
                units.append(pu)
                continue
            own = _unit_spares(pu, sub)
            mine = [spare(len(spares) + j, pu.id, m) for j, m in enumerate(own)]
            spares += mine
            units.append(replace(pu, hosts=[*pu.hosts, *(h.id for h in mine)],
                                 slots_used=pu.slots_used + sum(m.slots for m in own)))
    else:
        spares = [spare(i, None, m) for i, m in enumerate(sub.spares)]
    counts = Counter(h.model for h in hosts)
    unit_counts = Counter(pu.model for pu in units)
    terms = Terms.of(catalog, policy.scenario) if p.objective == "money" else None
    by_model = Counter(h.model for h in spares)
    exact = _true_total(catalog, policy, terms, counts, unit_counts, by_model)
    common = min((s.bound for s in subs if s.bounds_all and s.groups is None), default=None)
    per_unit = min((s.bound for s in subs if s.bounds_all and s.groups is not None),
                   default=None)
    two_plus = two if per_unit is None or two is None else max(two, per_unit)
    own_sets = False
    bound = common
    wide = None  # a bound on every plan, per-unit sets included
    if two_plus is not None:
        wide = two_plus if common is None else min(common, two_plus)
        if per_unit is not None:
            # every plan with units, one set in all of them or not, is a solution of the
            # per-unit problem (its groups are the same spare sets): its bound bounds them all
            wide = max(wide, per_unit)
    # the wider claim where it costs the bound nothing or the plan has a set per unit; else
    # the one-set claim, proven further
    if wide is not None and (common is None or wide >= common or sub.groups is not None):
        own_sets = True
        bound = wide
    assert bound is not None  # a plan comes from a sub-problem, which has a bound
    if terms is not None:
        cost, lower = engine.money_out(exact, bound)
    else:
        cost = exact
        lower = Decimal(bound)
    lower = min(lower, cost)
    gap = 0.0 if cost == 0 else float((cost - lower) / cost)
    status = p.status
    if interrupted:
        status = INTERRUPTED if hosts else INTERRUPTED_EMPTY
    elif status in (OPTIMAL, FEASIBLE):
        status = OPTIMAL if gap == 0.0 else FEASIBLE
    claimed: tuple[Decimal | None, float | None] = (lower, gap)
    if status == INFEASIBLE:
        claimed = (None, None)
    stats = dict(p.stats)
    scope = _scope(k, bool(catalog.units), complete, own_sets)
    label = sub.label
    if sub.groups is not None:  # the sets the units carry: "Big (1 unit) / Small (2 units)"
        used = Counter(sub.group_of[pu.id] for pu in p.units if pu.hosts)
        label = " / ".join(f"{g} ({n} unit{'s' if n > 1 else ''})"
                           for g, n in sorted(used.items()))
    stats["spares"] = {
        "k": k, "model": label, "per_unit_sets": own_sets,
        **({"two_unit_bound": float(two)} if two is not None else {}),
        "by_model": dict(sorted(by_model.items())),
        "n0_cost": float(base.cost),
        "n0_status": base.status, "nk_cost": float(cost), "extra_cost": float(cost - base.cost),
        "n0_pcs": len(base.hosts), "nk_pcs": len(hosts) + len(spares), "spares": len(spares),
        "per_unit": bool(catalog.units), "scope": scope,
        "seconds": round(time.monotonic() - t0, 3),
        "sub_problems": [{"spare": s.label, "min_working_pcs": s.problem.min_pcs,
                          "percent": float(s.problem.discount), "bound": float(s.bound),
                          "bound_counts": s.bounds_all,
                          **({"cost": float(s.cost)} if s.cost is not None else {}),
                          **({"note": s.note} if s.note else {})} for s in subs],
        "refused": refused}
    warnings = [*p.warnings, f"N+{k}: cost, bound and status are {scope}"]
    return replace(p, hosts=[*hosts, *spares], units=units if catalog.units else p.units,
                   cost=cost, lower_bound=claimed[0], gap=claimed[1],
                   status=status, stats=stats, warnings=warnings,
                   solve_seconds=time.monotonic() - t0, baseline=base.baseline,
                   interrupted=interrupted)
