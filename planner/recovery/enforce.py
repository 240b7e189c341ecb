"""``--enforce-rto``: plan so that every tier is running by its recovery time objective.

Restore time on one PC is a capacity of its own per tier deadline: on a PC of model ``h`` that
is on site after ``d_h`` hours, restores at ``r_h`` GB/h and boots in ``b_h`` hours, the tiers up
to ``t`` are running by their RTO ``R_t`` when the storage of their workloads there fits

    sum(storage of the blocks of tier <= t on the PC) <= C_t(h) = r_h * (R_t - d_h - b_h)

(docs/recovery.md). The engine packs these as extra dimensions, one per tier with an RTO
(``planner.model.problem.restore_deadlines``; an item counts its storage in every deadline of
its block tier or later, only the capacity depends on the PC model), so its plan meets every
target it can and its proof of optimality holds for the RTO problem itself, under the delivery
assumption: each PC on site by the latest unit model that can carry it (exact without units, or
when those units arrive together). Once packed, the units are chosen again from the whole
catalog by each PC's exact latest delivery (``planner.recovery.units.cheaper_units``). The
result is checked by the recovery timeline and the independent verifier, never taken on trust.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from planner.errors import VerificationError
from planner.model.plan import FEASIBLE, INFEASIBLE, INTERRUPTED_EMPTY, OPTIMAL, Plan
from planner.model.problem import (
    demand_of,
    growth_factor,
    model_delivery,
    restore_capacity,
)
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
    impossible: list[str] = field(default_factory=list)
    method: str = ""
    #: the delivery assumption the enforced plan's proof holds under ("" when it needs none:
    #: no mobile units, or the unit models that can carry each PC model arrive together)
    assumption: str = ""

    @property
    def meets(self) -> bool:
        """Whether every tier with a target meets it in the enforced plan."""
        return not self.timeline.misses

    @property
    def same_plan(self) -> bool:
        """Whether the answer is the plan that ignores the RTO (it meets it, or nothing better)."""
        return self.plan is self.unconstrained

    @property
    def proven(self) -> bool:
        """Whether no plan meeting every target (under ``assumption``) costs less than this one."""
        return self.meets and self.plan.status == OPTIMAL

    @property
    def exact(self) -> bool:
        """Whether the extra cost over the plan ignoring the RTO is exact, not an upper estimate.

        It is when that plan already meets every target (0 more), or when the enforced plan is
        proven the cheapest meeting every target (``proven``): the restore deadlines are packed
        exactly (docs/recovery.md), so the engine's proof holds for the RTO problem.
        """
        return self.meets and (self.same_plan or self.proven)


def planned_delivery(model: HostModel, catalog: Catalog, early: bool) -> float:
    """The delivery a packing assumes for a PC model.

    The latest unit's (sound whatever units carry it), or with ``early`` the quickest unit's
    (sound only once the units are chosen to match: ``cheaper_units(force=True)``).
    """
    return model_delivery(model, catalog, early)


def worst_delivery(model: HostModel, catalog: Catalog) -> float:
    """The latest a PC of this model can be on site: the slowest unit that can carry it."""
    return model_delivery(model, catalog)


def best_delivery(model: HostModel, catalog: Catalog) -> float:
    """The earliest a PC of this model can be on site (the fastest unit that can carry it)."""
    return model_delivery(model, catalog, early=True)


def deadline_capacity(model: HostModel, delivery: float, rto: float) -> float:
    """GB a PC can restore so that its last workload runs by ``rto`` hours (may be <= 0)."""
    return restore_capacity(model, delivery, rto)


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



def delivery_assumption(catalog: Catalog, full: Catalog) -> str:
    """The delivery the packing assumes, in words ("" when it is every PC's true delivery)."""
    if not full.units:
        return ""
    dropped = sorted({u.name for u in full.units} - {u.name for u in catalog.units})
    together = all(model_delivery(m, catalog) == model_delivery(m, catalog, early=True)
                   for m in catalog.hosts)
    if together and not dropped:
        return ""
    words = "each PC on site by the latest delivery of the unit models that can carry it"
    if dropped:
        words += f" (without {', '.join(dropped)}: too late for an RTO)"
    return words


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
        return RtoPlan(free, free, free_tl, impossible,
                       "the plan that ignores the RTO already meets every target")
    if not policy.rto:
        return RtoPlan(free, free, free_tl, impossible,
                       "not enforced: no RTO targets in the policy")
    if stopped:
        return RtoPlan(free, free, free_tl, impossible,
                       "not enforced: stopped before planning for the RTO")
    full = catalog
    catalog = quick_units(catalog, policy)
    # with unit models of different delivery, also pack as if each PC came in the quickest
    # unit of the whole catalog that can carry it, then choose units to match: a relaxation of
    # every plan meeting the RTO, so its bound holds for them all, with no delivery assumption
    modes = ["latest"] + (["earliest"] if len({u.delivery_hours for u in full.units}) > 1
                          else [])
    shares = {"latest": 1.0} if len(modes) == 1 else {"latest": 0.6, "earliest": 0.4}
    attempts: list[_Attempt] = []
    for mode in modes:
        if stop is not None and stop.is_set():
            break
        a = _attempt(inventory, full if mode == "earliest" else catalog, full, policy, free,
                     mode, half * shares[mode], progress, stop)
        if a.plan.status != INTERRUPTED_EMPTY:
            attempts.append(a)
    if not attempts:
        return RtoPlan(free, free, free_tl, impossible,
                       "not enforced: stopped before planning for the RTO")
    # the cheapest plan meeting every target; else the one leaving fewest workloads late
    best = min(attempts, key=lambda a: (a.timeline.late, a.plan.cost, modes.index(a.mode)))
    if best.timeline.misses and best.timeline.late >= free_tl.late:
        # the stricter plan cannot meet every target and leaves no fewer workloads late: the
        # cheaper plan that ignores the RTO is as good an answer
        return RtoPlan(free, free, free_tl, impossible,
                       f"not enforced: planning for the RTO left {best.timeline.late} "
                       f"workload(s) late, the plan that ignores it {free_tl.late}")
    assumption = delivery_assumption(catalog, full)
    # bounds on every plan meeting the RTO: the relaxation's (earliest delivery, whole
    # catalog), and under the delivery assumption (none without one) the latest delivery's
    # a packing that left out deadlines (with_deadlines) solved neither the RTO problem nor
    # the plain one: its bound is no bound; a plan missing a target claims only the bound on
    # every plan (the plan ignoring the RTO's)
    # (the deadlines are packed exactly: nested ones are implied, others come as PC variants
    # by the RTO tiers they hold, a stock-limited model's variants sharing its stock)
    sound = not best.timeline.misses and not any(a.dropped for a in attempts)
    anywhere = [a.bound for a in attempts if sound and (a.mode == "earliest" or not assumption)]
    assumed = [a.bound for a in attempts if sound and a.mode == "latest" and assumption]
    p, used = _claim(best.plan, free, anywhere, assumed, assumption)
    assumption = assumption if used else ""
    method = ("restore time on each PC packed as a capacity per tier deadline and PC model ("
              "storage of tier <= t restored by tier t's RTO)")
    if best.mode == "earliest":
        method += ("; packed as if each PC came in the quickest unit that can carry it, the "
                   "units then chosen by each PC's latest delivery")
    return RtoPlan(p, free, best.timeline, impossible, method, assumption)


@dataclass
class _Attempt:
    """One enforced solve: its plan and timeline, the delivery packed, the engine's bound."""

    plan: Plan
    timeline: Timeline
    mode: str
    #: the engine's lower bound on its own problem (the RTO problem under ``mode``'s delivery)
    bound: Decimal | None
    #: whether some workload's deadlines were left out of the packing (its bound is then none)
    dropped: bool = False


def _attempt(inventory: Inventory, catalog: Catalog, full: Catalog, policy: Policy, free: Plan,
             mode: str, seconds: float, progress: ProgressFn | None,
             stop: StopSignal | None = None) -> _Attempt:
    """Pack with the restore deadlines (``mode``: each PC's latest or earliest delivery)."""
    p = make_plan(inventory, catalog, replace(policy, rto_packing=mode), time_limit=seconds,
                  progress=progress, verify=False, stop=stop)
    bound = p.lower_bound
    p.baseline = free.baseline
    tl = timeline(p, inventory, full, policy)
    # what could not be packed by its deadline (planner.model.problem: with_deadlines)
    notes: list[str] = [w for w in p.warnings if "checked, not guaranteed" in w]
    dropped = bool(notes)
    if not p.interrupted:
        # each PC's latest delivery is exact once packed: the cheapest units (slower ones
        # included) arriving in time for it, and seats by each deadline
        better = cheaper_units(p, inventory, full, policy, force=mode == "earliest")
        if better is not None:
            # re-priced: the engine's bound (under the packed delivery) may not hold for it
            better = _claim(better, free, [])[0]
            better.baseline = free.baseline
            tl_b = timeline(better, inventory, full, policy)
            if not check_plan(better, inventory, full, policy) and (
                    (tl_b.late, better.cost) < (tl.late, p.cost)):
                notes.append("units chosen by each PC's latest delivery: "
                             + ", ".join(f"{k} x{v}" for k, v in better.unit_counts().items())
                             + (" (packed with the quick units only: " if mode == "latest"
                                else " (packed as if each PC came in its quickest unit: ")
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
    return _Attempt(p, tl, mode, bound, dropped)


def _claim(p: Plan, free: Plan, anywhere: list[Decimal | None],
           assumed: list[Decimal | None] | None = None,
           assumption: str = "") -> tuple[Plan, bool]:
    """The plan with the lower bound and status it can claim; whether that needs the assumption.

    Bounds on every plan meeting the RTO: the plan ignoring the RTO's (meeting an RTO only
    removes plans) and ``anywhere`` (enforced solves of a relaxation, given only when the
    deadlines are packed exactly); ``assumed`` hold only under the delivery ``assumption``
    (in words, kept in the plan's stats for the status words). A plan cheaper than a bound
    left its assumption (units chosen again, slower ones included): such a bound is not
    claimed. "optimal" only where a bound meets the cost.
    """
    keep = p.interrupted or p.status == INFEASIBLE
    sure = [b for b in [free.lower_bound, *anywhere] if b is not None and b <= p.cost]
    lb = max(sure, default=None)
    more = [b for b in assumed or [] if b is not None and b <= p.cost and (lb is None or b > lb)]
    used = bool(more)
    if more:
        lb = max(more)
    if lb is None:
        p.lower_bound, p.gap = None, None
        p.status = p.status if keep else FEASIBLE
    else:
        p.lower_bound = lb
        p.gap = 0.0 if p.cost == 0 or lb >= p.cost else float((p.cost - lb) / p.cost)
        p.status = p.status if keep else (OPTIMAL if lb >= p.cost else FEASIBLE)
    p.stats = {**p.stats, "rto_enforced": True, "rto_assumption": assumption if used else "",
               "bound": "the RTO problem's: the restore deadlines packed exactly, and the plan "
                        "ignoring the RTO's" if anywhere or assumed else
                        "the plan ignoring the RTO: its lower bound holds here too"}
    return p, used
