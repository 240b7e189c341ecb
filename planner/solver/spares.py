"""Spare recovery PCs, N+k (policy ``spares``): one exact search over spare models and tiers.

A plan with k spares must survive the loss of any k recovery PCs: the workloads of the PCs
lost run on the spares. The plans searched here have k spares of one model S at the site
(catalogs without mobile units), each standing in for one lost PC whole (a hot swap: its
workloads, groups and all, move together). Such a plan survives every loss of k PCs exactly
when every working PC's load fits one S, i.e. when every working PC's usable capacity is capped
at S's. So the working PCs are the engine's packing of the inventory on the catalog with every
model's cores, memory and storage capped at S's (fees unchanged, S's stock less k); the
optimiser thereby balances the load so that cheaper spares suffice (three half-full small PCs,
one of them a spare, can beat one full large PC and a large spare).

Prices are the contract's (planner/model/prices.py): a spare is a contracted PC, priced by
the same expected per-item lines as a working PC, and counted in the PC count that earns a
volume discount. As in ``engine._plan_tiers``, each (spare model S, discount tier t) pair is a
sub-problem: at least N_t - k working PCs, priced at tier t's discount, plus k x S's price at
that discount (a constant of the sub-problem). Every N+k plan of this shape is priced exactly
in the sub-problem of its own S and tier and no cheaper in any other, so the least of the
sub-problems' optima is the optimum over the shape and the least of their bounds bounds it.
Sub-problems are taken cheapest capacity bound first; one whose bound reaches the best plan is
skipped (its bound still counts). N+0 is planned first, for the comparison the plan reports.

What the bound does not cover (the plan's warnings and stats say so): mixed spare models, and
a lost PC's workloads spread over several spares. "optimal" means optimal over plans whose k
spares are of one model, each standing in for one lost PC.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
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
)
from planner.model.prices import Terms, item_price, keep_factor
from planner.model.problem import Problem, build_problem, usable_capacity
from planner.readers.catalog import Catalog, DiscountTier, HostModel, Policy
from planner.readers.inventory import Inventory
from planner.solver import engine
from planner.solver.bounds import capacity_bound

#: what "optimal" and the bound mean for an N+k plan (stats and warnings carry it)
SCOPE = ("over N+{k} plans whose spares are all of one model, each standing in for one lost PC "
         "whole (mixed spare models and a lost PC spread over several spares not searched)")


def capped_catalog(catalog: Catalog, spare: HostModel, k: int) -> Catalog:
    """The catalog the working PCs of an N+k plan with spare model ``spare`` are packed on.

    Every PC model no larger than ``spare`` in cores, memory and storage (fees unchanged); the
    spare model's stock less k; volume discount thresholds lowered by k, since the k spares
    count among the contracted PCs.
    """
    hosts = []
    for m in catalog.hosts:
        capped = replace(m, cores=min(m.cores, spare.cores),
                         memory_gib=min(m.memory_gib, spare.memory_gib),
                         storage_gb=min(m.storage_gb, spare.storage_gb))
        if m.name == spare.name and m.available is not None:
            capped = replace(capped, available=max(0, m.available - k))
        hosts.append(capped)
    tiers = tuple(DiscountTier(max(0, t.min_pcs - k), t.percent) for t in catalog.discounts)
    return replace(catalog, hosts=tuple(hosts), discounts=tiers)


@dataclass
class _Sub:
    """One sub-problem: spare model, its capped catalog, a discount tier, the spares' price."""

    spare: HostModel
    catalog: Catalog
    problem: Problem
    fixed: Decimal  # k spares at this tier's discount (money), or k PCs (count mode)
    bound: Decimal  # the sub-problem's bound, spares included: capacity bound until searched
    cost: Decimal | None = None
    note: str = ""


def plan_with_spares(inventory: Inventory, catalog: Catalog, policy: Policy, *,
                     time_limit: float, progress: engine.ProgressFn | None = None,
                     on_plan: engine.PlanFn | None = None, start: Plan | None = None,
                     stop: engine.StopSignal | None = None) -> Plan:
    """The cheapest plan with ``policy.spares`` spare PCs (see the module docstring), unverified.

    The engine's ``plan`` verifies it. ``on_plan`` gets each better N+k plan as a sub-problem
    ends (snapshots inside a sub-problem have no spares yet, so they are not handed on).
    """
    k = policy.spares
    if catalog.units:
        raise InputError("spare PCs (policy spares) are planned for PCs at the site only; this "
                         "catalog has mobile units", field="spares",
                         fix="set spares = 0, or plan with a catalog without [[unit]] models")
    n0_policy = replace(policy, spares=0)
    t0 = time.monotonic()
    deadline = t0 + time_limit
    models = sorted(catalog.hosts, key=lambda m: m.name)
    models = [m for m in models if m.available is None or m.available >= k]
    plain = build_problem(inventory, catalog, n0_policy)
    misfits = {u.name for u in plain.unplaced}
    subs: list[_Sub] = []
    refused: dict[str, str] = {}
    money = plain.money
    terms = Terms.of(catalog, policy.scenario) if money else None
    for s in models:
        cat_s = capped_catalog(catalog, s, k)
        for least, pct in engine.discount_tiers(cat_s):
            pr = build_problem(inventory, cat_s, n0_policy, discount=pct, min_pcs=least)
            if {u.name for u in pr.unplaced} - misfits:
                refused[s.name] = "a workload fits no PC as small as this spare"
                break
            copies = sum(it.demand for it in pr.items)
            stock = sum(h.available if h.available is not None else copies for h in pr.hosts)
            if least > min(copies, stock):
                continue  # no plan reaches this tier: every working PC must run a workload
            fixed = (k * item_price(terms, policy.scenario, s, keep_factor(pct))
                     if terms is not None else Decimal(k))
            quick = Decimal(int(pr.round_bound(capacity_bound(pr)))) / pr.scale
            subs.append(_Sub(s, cat_s, pr, fixed, quick + fixed))
    subs.sort(key=lambda x: (x.bound, x.spare.name, x.problem.min_pcs))
    # N+0, for the comparison: a share of the time like one sub-problem
    base = engine.plan(inventory, catalog, n0_policy, verify=False, stop=stop, start=start,
                       time_limit=max(0.1, time_limit / (len(subs) + 1)), progress=progress)
    if not base.hosts and not base.interrupted:  # nothing placed, nothing to stand in for
        base.warnings.append(f"no workload is placed: the {k} spare PC(s) are not needed")
        base.stats["spares"] = {"k": k, "model": None, "n0_cost": float(base.cost),
                                "reason": "no workload is placed"}
        return base
    best: tuple[tuple[int, Decimal], engine._Search, _Sub] | None = None
    interrupted = base.interrupted
    shown = [math.inf]
    for i, sub in enumerate(subs):
        if interrupted:
            sub.note = "not searched: interrupted"
            continue
        if best is not None and sub.bound >= best[0][1]:
            sub.note = "skipped: its bound reaches the best plan"
            continue
        left = deadline - time.monotonic()
        if left < 0.3 and best is not None:
            sub.note = "skipped: no time left"
            continue
        search = engine._Search(inventory, sub.catalog, n0_policy,
                                max(0.1, left / (len(subs) - i)), _shifted(progress, sub, shown),
                                problem=sub.problem, baseline=base.baseline, stop=stop,
                                start=start)
        search.run()
        interrupted = search.interrupted
        sub.bound = max(sub.bound, Decimal(int(sub.problem.round_bound(search.lb)))
                        / sub.problem.scale + sub.fixed)
        key = search.true_price()
        if key is None:
            continue
        n = sum(c for _, c in search.best.patterns)
        total = key[1] + _spare_price(terms, policy, sub, n, k)
        sub.cost = total
        if best is None or (key[0], total) < best[0]:
            best = ((key[0], total), search, sub)
            if on_plan is not None and not key[0] and float(total) < shown[0]:
                shown[0] = float(total)
                on_plan(_with_spares(search, base, catalog, policy, sub, subs, refused,
                                     interrupted, t0))
    if best is None or best[0][0]:
        # no N+k plan: stock runs out, or interrupted first; the N+0 plan says which
        why = ("interrupted before a plan with spares was found" if interrupted
               else "the vendor's stock leaves no room for them")
        base.warnings.append(f"{k} spare PC(s) not planned: {why}")
        base.stats["spares"] = {"k": k, "model": None, "n0_cost": float(base.cost),
                                "reason": why}
        if not interrupted and base.status != INFEASIBLE:
            if not subs:
                raise InputError(f"no PC model can serve as {k} spare(s): none is left in "
                                 "stock beyond the plan, or none holds every workload",
                                 field="spares",
                                 fix="lower spares, or add PC models or stock ('available')")
            base.status, base.lower_bound, base.gap = INFEASIBLE, None, None
        return base
    return _with_spares(best[1], base, catalog, policy, best[2], subs, refused, interrupted, t0)


def _spare_price(terms: Terms | None, policy: Policy, sub: _Sub, working: int,
                 k: int) -> Decimal:
    """The k spares' expected cost at the discount working + k PCs earn (or k in count mode)."""
    if terms is None:
        return Decimal(k)
    keep = keep_factor(sub.catalog.discount_percent(working))  # thresholds already less k
    return k * item_price(terms, policy.scenario, sub.spare, keep)


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
        progress(f"spares {sub.spare.name}: {phase}", own,
                 None if bound is None else bound + extra, left)
    return report


def _with_spares(search: engine._Search, base: Plan, catalog: Catalog, policy: Policy,
                 sub: _Sub, subs: list[_Sub], refused: dict[str, str], interrupted: bool,
                 t0: float) -> Plan:
    """The sub-problem's plan with its k spares added, priced, bounded and worded."""
    k = policy.spares
    p = search.result(verify=False, final=False)
    real = {m.name: m for m in catalog.hosts}
    hosts = []
    for h in p.hosts:  # planned on capped models: report the contracted model's usable capacity
        c = usable_capacity(real[h.model], policy)
        hosts.append(replace(h, usable={"vcpu": round(c[0], 6), "memory_gib": round(c[1], 6),
                                        "storage_gb": round(c[2], 6)}))
    cap = usable_capacity(sub.spare, policy)
    spares = [PlannedHost(id=f"spare-{i + 1:02d}", model=sub.spare.name, unit=None,
                          workloads=[], used={"vcpu": 0.0, "memory_gib": 0.0, "storage_gb": 0.0},
                          usable={"vcpu": round(cap[0], 6), "memory_gib": round(cap[1], 6),
                                  "storage_gb": round(cap[2], 6)}, spare=True)
              for i in range(k)]
    n = len(hosts)
    terms = Terms.of(catalog, policy.scenario) if p.objective == "money" else None
    if terms is not None:
        keep = keep_factor(sub.catalog.discount_percent(n))
        exact = sum((item_price(terms, policy.scenario, real[h.model], keep)
                     for h in hosts), Decimal(0))
        exact += k * item_price(terms, policy.scenario, sub.spare, keep)
        bound = min(s.bound for s in subs)
        cost, lower = engine.money_out(exact, bound)
    else:
        cost = Decimal(n + k)
        lower = Decimal(math.ceil(min(s.bound for s in subs)))
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
    scope = SCOPE.format(k=k)
    stats["spares"] = {
        "k": k, "model": sub.spare.name, "n0_cost": float(base.cost),
        "n0_status": base.status, "nk_cost": float(cost), "extra_cost": float(cost - base.cost),
        "n0_pcs": len(base.hosts), "nk_pcs": n + k, "scope": scope,
        "seconds": round(time.monotonic() - t0, 3),
        "sub_problems": [{"spare": s.spare.name, "min_working_pcs": s.problem.min_pcs,
                          "percent": float(s.problem.discount), "bound": float(s.bound),
                          **({"cost": float(s.cost)} if s.cost is not None else {}),
                          **({"note": s.note} if s.note else {})} for s in subs],
        "refused": refused}
    warnings = [*p.warnings, f"N+{k}: cost, bound and status are {scope}"]
    return replace(p, hosts=[*hosts, *spares], cost=cost, lower_bound=claimed[0], gap=claimed[1],
                   status=status, stats=stats, warnings=warnings,
                   solve_seconds=time.monotonic() - t0, baseline=base.baseline,
                   interrupted=interrupted)
