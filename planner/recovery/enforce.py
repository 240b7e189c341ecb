"""``--enforce-rto``: plan so that every tier is running by its recovery time objective.

Restore time on one PC is a capacity of its own per tier deadline: on a PC of model ``h`` that
is on site after ``d_h`` hours, restores at ``r_h`` GB/h and boots in ``b_h`` hours, the tiers up
to ``t`` are running by their RTO ``R_t`` when the storage of their workloads there fits

    sum(storage of the workloads of tier <= t on the PC) <= C_t(h) = r_h * (R_t - d_h - b_h)

(docs/recovery.md). The engine packs three dimensions; rather than a new dimension per deadline
inside it, this module hands the engine an equivalent-or-stricter storage demand: each workload
of tier ``k`` counts ``f_k = max(1, max_{t >= k, h} S_h / C_t(h))`` times its storage, where
``S_h`` is the PC's usable storage. Then for every PC and deadline
``sum_{tier <= t} s <= (C_t / S_h) sum f s <= C_t``: every plan of the inflated problem meets
every target, and the engine itself is unchanged (plans without ``--enforce-rto`` are the same).
The price is conservatism: ``f_k`` takes the slowest PC model and the latest unit delivery, so
the packing can cost more than the exact per-deadline capacities would. Once packed, the units
are chosen again from the whole catalog by each PC's exact latest delivery
(``planner.recovery.units.cheaper_units``). The result is checked by the recovery timeline and
the independent verifier, never taken on trust.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from planner.errors import VerificationError
from planner.model.plan import FEASIBLE, INFEASIBLE, INTERRUPTED_EMPTY, OPTIMAL, Plan
from planner.model.problem import demand_of, growth_factor, usable_capacity
from planner.readers.catalog import Catalog, HostModel, Policy
from planner.readers.inventory import Inventory, Workload
from planner.recovery.timeline import Timeline, timeline
from planner.recovery.units import cheaper_units
from planner.solver.engine import ProgressFn, StopSignal
from planner.solver.engine import plan as make_plan
from planner.verify.verifier import check_plan, check_rto, verify_plan


@dataclass
class RtoPlan:
    """The plan meeting the RTO, the plan ignoring it, and what could not be met and why."""

    plan: Plan
    unconstrained: Plan
    timeline: Timeline
    factors: dict[int, float]
    impossible: list[str] = field(default_factory=list)
    method: str = ""

    @property
    def meets(self) -> bool:
        """Whether every tier with a target meets it in the enforced plan."""
        return not self.timeline.misses

    @property
    def same_plan(self) -> bool:
        """Whether the answer is the plan that ignores the RTO (it meets it, or nothing better)."""
        return self.plan is self.unconstrained

    @property
    def exact(self) -> bool:
        """Whether the extra cost of meeting the RTO is exact (only when it is 0: same plan).

        Otherwise the enforced plan comes from a conservative restore capacity (docs/recovery.md),
        so its extra cost over the plan ignoring the RTO is an upper estimate: "at most".
        """
        return self.same_plan and self.meets


def planned_delivery(model: HostModel, catalog: Catalog, early: bool) -> float:
    """The delivery a packing assumes for a PC model.

    The latest unit's (sound whatever units carry it), or with ``early`` the quickest unit's
    (sound only once the units are chosen to match: ``cheaper_units(force=True)``).
    """
    return best_delivery(model, catalog) if early else worst_delivery(model, catalog)


def worst_delivery(model: HostModel, catalog: Catalog) -> float:
    """The latest a PC of this model can be on site: the slowest unit that can carry it."""
    if not catalog.units:
        return model.delivery_hours
    carriers = [u.delivery_hours for u in catalog.units if u.slots >= model.slots]
    return max(carriers, default=model.delivery_hours)


def best_delivery(model: HostModel, catalog: Catalog) -> float:
    """The earliest a PC of this model can be on site (the fastest unit that can carry it)."""
    if not catalog.units:
        return model.delivery_hours
    carriers = [u.delivery_hours for u in catalog.units if u.slots >= model.slots]
    return min(carriers, default=model.delivery_hours)


def deadline_capacity(model: HostModel, delivery: float, rto: float) -> float:
    """GB a PC can restore so that its last workload runs by ``rto`` hours (may be <= 0)."""
    return model.restore_rate_gb_h * (rto - delivery - model.boot_minutes / 60.0)


def _blocks(inventory: Inventory) -> list[tuple[str, int, list[Workload]]]:
    """Restore blocks: affinity groups (tier of their most critical member) and singles.

    A single row stands for each of its ``count`` copies (each restores on its own); a group's
    rows count every copy (the group restores as one block).
    """
    groups: dict[str, list[Workload]] = {}
    out: list[tuple[str, int, list[Workload]]] = []
    for w in inventory.workloads:
        if w.affinity:
            groups.setdefault(w.affinity, []).append(w)
        else:
            out.append((w.name, w.tier, [w]))
    out.extend((f"affinity group '{g}'", min(w.tier for w in ws), ws)
               for g, ws in groups.items())
    return out


def _copies(w: Workload) -> int:
    """Copies of a row restored in one block: all of an affinity group's, one of a single's."""
    return w.count if w.affinity else 1


def impossible_targets(inventory: Inventory, catalog: Catalog, policy: Policy) -> list[str]:
    """Workloads (or affinity groups) that miss their tier's RTO even alone on the best PC."""
    growth = growth_factor(policy, catalog)
    out: list[str] = []
    for label, tier, ws in _blocks(inventory):
        rto = policy.rto_hours(tier)
        if rto is None or tier not in policy.tiers:
            continue
        gb = sum(demand_of(w, policy, growth)[2] * _copies(w) for w in ws)
        best: tuple[float, str] | None = None
        for m in catalog.hosts:
            t = best_delivery(m, catalog) + gb / m.restore_rate_gb_h + m.boot_minutes / 60.0
            if best is None or t < best[0]:
                best = (t, m.name)
        if best is not None and best[0] > rto * (1 + 1e-9):
            m = next(h for h in catalog.hosts if h.name == best[1])
            out.append(f"{label} (tier {tier}) cannot run by the tier's RTO of {rto:g} h on any "
                       f"PC model: alone on the fastest, {m.name}, it runs after {best[0]:.1f} h "
                       f"(on site {best_delivery(m, catalog):g} h + {gb:,.0f} GB at "
                       f"{m.restore_rate_gb_h:,.0f} GB/h + boot {m.boot_minutes:g} min)")
    return out


def inflation_factors(catalog: Catalog, policy: Policy, early: bool = False) -> dict[int, float]:
    """Per tier, the storage multiplier that makes the storage capacity imply every deadline.

    Only PC models that can meet every deadline with some storage count (a model too slow for a
    deadline gets no PCs' worth of tier-1 work anyway: see ``models_for``).
    """
    factors: dict[int, float] = {}
    for k in policy.tiers:
        f = 1.0
        for t, rto in policy.rto:
            if t < k:
                continue
            for m in models_for(catalog, policy, early):
                cap = deadline_capacity(m, planned_delivery(m, catalog, early), rto)
                usable = usable_capacity(m, policy)[2]
                f = max(f, usable / cap)
        factors[k] = f
    return factors


def quick_units(catalog: Catalog, policy: Policy) -> Catalog:
    """The catalog without the unit models that arrive too late for some PC to meet every RTO.

    Unchanged when every unit model is quick enough, or none is (nothing better to offer).
    """
    if not catalog.units or not policy.rto:
        return catalog
    # quick: carries some PC model that can restore before every deadline, or (staff seats
    # only) is on site before every deadline
    quick = tuple(u for u in catalog.units
                  if any(m.slots <= u.slots
                         and all(deadline_capacity(m, u.delivery_hours, r) > 0
                                 for _, r in policy.rto) for m in catalog.hosts)
                  or (u.slots == 0 and u.seats > 0
                      and all(u.delivery_hours <= r for _, r in policy.rto)))
    if not quick or len(quick) == len(catalog.units):
        return catalog
    return replace(catalog, units=quick)


def models_for(catalog: Catalog, policy: Policy, early: bool = False) -> list[HostModel]:
    """PC models with a positive restore capacity before every deadline (worst delivery)."""
    return [m for m in catalog.hosts
            if all(deadline_capacity(m, planned_delivery(m, catalog, early), r) > 0
                   for _, r in policy.rto)]


def plan_meeting_rto(inventory: Inventory, catalog: Catalog, policy: Policy, *,
                     time_limit: float = 30.0, progress: ProgressFn | None = None,
                     unconstrained: Plan | None = None,
                     stop: StopSignal | None = None) -> RtoPlan:
    """The cheapest plan found whose timeline meets every tier's RTO, and the one ignoring it.

    Workloads that cannot meet their target on any PC (``impossible_targets``) are named; they
    are planned as usual (never dropped) and their tier is reported as missing its target.
    The time limit is split between the two solves. ``stop`` (a Stop button) ends the solve
    running and skips the rest: the plan ignoring the RTO is then the answer unless an enforced
    attempt already finished.
    """
    half = time_limit / 2
    free = unconstrained or make_plan(inventory, catalog, policy, time_limit=half,
                                      progress=progress, stop=stop)
    stopped = stop is not None and stop.is_set()
    impossible = impossible_targets(inventory, catalog, policy)
    free_tl = timeline(free, inventory, catalog, policy)
    if policy.rto and not free_tl.misses:
        return RtoPlan(free, free, free_tl, {}, impossible,
                       "the plan that ignores the RTO already meets every target")
    full = catalog
    catalog = quick_units(catalog, policy)
    fast = models_for(catalog, policy)
    if not policy.rto or not fast:
        why = ("no RTO targets in the policy" if not policy.rto else
               "no PC model can restore anything before every deadline (delivery + boot "
               "exceed an RTO)")
        return RtoPlan(free, free, free_tl, {},
                       impossible + ([] if not policy.rto else [why]), "not enforced: " + why)
    if stopped:
        return RtoPlan(free, free, free_tl, {}, impossible,
                       "not enforced: stopped before planning for the RTO")
    factors = inflation_factors(catalog, policy)
    # with unit models of different delivery, also pack as if each PC came in the quickest
    # unit that can carry it, then choose the units to match (kept only if that works)
    early = [False] + ([True] if len({u.delivery_hours for u in catalog.units}) > 1 else [])
    runs = [(beta, e) for e in early for beta in (BETAS if not e else BETAS[:2])]
    attempts = []
    for beta, e in runs:
        if stop is not None and stop.is_set():
            break
        base = inflation_factors(catalog, policy, True) if e else factors
        a = _attempt(inventory, catalog, full, policy, free, base, beta, half / len(runs),
                     progress, stop, e)
        if a[0].status != INTERRUPTED_EMPTY:
            attempts.append(a)
    if not attempts:
        return RtoPlan(free, free, free_tl, {}, impossible,
                       "not enforced: stopped before planning for the RTO")
    # the cheapest plan meeting every target; else the one leaving fewest workloads late
    p, tl, beta, e = min(attempts, key=lambda a: (a[1].late, a[0].cost, -a[2], a[3]))
    if e:
        factors = inflation_factors(catalog, policy, True)
    if tl.misses and tl.late >= free_tl.late:
        # the stricter plan cannot meet every target and leaves no fewer workloads late: the
        # cheaper plan that ignores the RTO is as good an answer
        return RtoPlan(free, free, free_tl, factors, impossible,
                       f"not enforced: planning for the RTO left {tl.late} workload(s) late, the "
                       f"plan that ignores it {free_tl.late}")
    used = {k: max(1.0, beta * f) for k, f in factors.items()}
    extra = "" if beta == 1.0 else ", PC storage capped to match"
    if e:
        extra += ("; as if each PC came in the quickest unit that can carry it, the units then "
                  "chosen by each PC's latest delivery")
    method = ("each PC's restore capacity before every tier deadline, as a stricter storage "
              "demand per tier (factors " + ", ".join(
                  f"tier {k} ×{f:.2f}" for k, f in sorted(used.items())) + extra + ")")
    return RtoPlan(p, free, tl, used, impossible, method)


#: scales of the tier factors tried: 1 keeps every PC's storage; below 1 the factors shrink
#: and each PC model's usable storage is capped to keep every deadline (sound for any scale)
BETAS = (1.0, 0.6, 0.35)


def capped_storage(model: HostModel, catalog: Catalog, policy: Policy,
                   factors: dict[int, float], early: bool = False) -> float:
    """Usable storage [GB] a PC model may keep under these tier factors.

    With non-increasing factors ``f_k >= 1``, a PC meets deadline ``t`` when its usable storage
    is at most ``f_t * C_t``: then ``sum_{tier <= t} s <= sum f s / f_t <= C_t``.
    """
    usable = usable_capacity(model, policy)[2]
    for t, rto in policy.rto:
        f = factors.get(t, min(factors.values(), default=1.0))
        usable = min(usable, f * deadline_capacity(
            model, planned_delivery(model, catalog, early), rto))
    return usable


def _attempt(inventory: Inventory, catalog: Catalog, full: Catalog, policy: Policy, free: Plan,
             base: dict[int, float], beta: float, seconds: float,
             progress: ProgressFn | None,
             stop: StopSignal | None = None, early: bool = False
             ) -> tuple[Plan, Timeline, float, bool]:
    """One enforced solve: tier factors ``max(1, beta * base)``, PC storage capped to match."""
    factors = {k: max(1.0, beta * f) for k, f in base.items()}
    growth = growth_factor(policy, catalog)
    fast: list[HostModel] = []
    for m in models_for(catalog, policy, early):
        keep = capped_storage(m, catalog, policy, factors, early)
        if keep <= 0:
            continue
        full_use = usable_capacity(m, policy)[2]
        if keep < full_use * (1 - 1e-12):
            m = replace(m, storage_gb=m.storage_gb * keep / full_use * (1 - 1e-9))
        fast.append(m)
    caps = [usable_capacity(m, policy) for m in fast]
    caps_all = [usable_capacity(m, policy) for m in catalog.hosts]

    def fits(ws: list[Workload], f: float, on: list[tuple[float, float, float]]) -> bool:
        need = [sum(demand_of(w, policy, growth)[d] * _copies(w) for w in ws) for d in range(3)]
        need[2] *= f
        return any(all(n <= c for n, c in zip(need, cap, strict=True)) for cap in on)

    notes: list[str] = []
    keep_slow = False
    scale: dict[str, float] = {}
    for label, tier, ws in _blocks(inventory):
        if tier not in policy.tiers:
            continue
        f = factors.get(tier, 1.0)
        if not fits(ws, 1.0, caps_all):
            continue  # fits no PC at all: the engine lists it as unplaced with the reason
        if not fits(ws, 1.0, caps):
            keep_slow = True  # only a model too slow for a deadline holds it
            notes.append(f"{label} fits only PC models too slow for the RTO; its tier is "
                         "checked, not guaranteed")
            continue
        if f > 1.0 and not fits(ws, f, caps):
            notes.append(f"{label} is too large for the stricter restore capacity; its tier "
                         "is checked, not guaranteed")
            continue
        for w in ws:
            scale[w.name] = f
    work = [replace(w, storage_gb=w.storage_gb * scale[w.name],
                    storage_used_gb=None if w.storage_used_gb is None
                    else w.storage_used_gb * scale[w.name])
            if scale.get(w.name, 1.0) > 1.0 else w for w in inventory.workloads]
    # a model too slow for a deadline takes no part, unless a workload fits nothing else
    cat = replace(catalog, hosts=tuple(fast)) if fast and not keep_slow else catalog
    p = make_plan(Inventory(tuple(work), inventory.source), cat, policy,
                  time_limit=seconds, progress=progress, verify=False, stop=stop)
    p = _restore_sizes(p, inventory, full, policy, free)
    tl = timeline(p, inventory, full, policy)
    if not p.interrupted:
        # each PC's latest delivery is exact once packed: the cheapest units (slower ones
        # included) arriving in time for it, and seats by each deadline
        better = cheaper_units(p, inventory, full, policy, force=early)
        if better is not None:
            better = _restore_sizes(better, inventory, full, policy, free)
            tl_b = timeline(better, inventory, full, policy)
            if not check_plan(better, inventory, full, policy) and (
                    (tl_b.late, better.cost) < (tl.late, p.cost)):
                notes.append("units chosen by each PC's latest delivery: "
                             + ", ".join(f"{k} x{v}" for k, v in better.unit_counts().items())
                             + " (packed with the quick units only: "
                             + ", ".join(f"{k} x{v}" for k, v in p.unit_counts().items()) + ")")
                p, tl = better, tl_b
    verify_plan(p, inventory, full, policy)
    if len(catalog.units) < len(full.units):
        slow = sorted({u.name for u in full.units} - {u.name for u in catalog.units}
                      - set(p.unit_counts()))
        if slow:
            notes.append(f"mobile units {', '.join(slow)} arrive too late for an RTO and are "
                         "not used")
    tl.notes.extend(notes)
    # the independent verifier recomputes every PC's tier deadlines: it must agree
    found = check_rto(p, inventory, full, policy)
    if bool(found) != bool(tl.misses):
        raise VerificationError([*found, "the recovery timeline and the verifier disagree on "
                                 "the RTO"])
    return p, tl, beta, early


def _restore_sizes(p: Plan, inventory: Inventory, catalog: Catalog, policy: Policy,
                   free: Plan) -> Plan:
    """The enforced plan with its true storage use and the real physical imaging baseline."""
    growth = growth_factor(policy, catalog)
    by_name = {n: w for w in inventory.workloads for n in w.instance_names()}
    models = {m.name: m for m in catalog.hosts}
    for h in p.hosts:
        h.used["storage_gb"] = round(sum(demand_of(by_name[n], policy, growth)[2]
                                         for n in h.workloads), 6)
        h.usable["storage_gb"] = round(usable_capacity(models[h.model], policy)[2], 6)
    p.baseline = free.baseline
    # the engine's bound holds for the stricter storage problem, not for the exact RTO one; the
    # unconstrained plan's bound does (meeting the RTO only removes plans), so that is claimed
    # "optimal" only where that bound meets the cost: proven for the RTO-constrained problem
    keep = p.interrupted or p.status == INFEASIBLE
    if free.lower_bound is None or p.lower_bound is None:
        p.lower_bound, p.gap = None, None
        p.status = p.status if keep else FEASIBLE
    else:
        p.lower_bound = min(free.lower_bound, p.cost)
        p.gap = 0.0 if p.cost == 0 else float((p.cost - p.lower_bound) / p.cost)
        p.status = p.status if keep else (OPTIMAL if p.lower_bound == p.cost else FEASIBLE)
    p.stats = {**p.stats, "rto_enforced": True,
               "bound": "the plan ignoring the RTO: its lower bound holds here too"}
    return p
