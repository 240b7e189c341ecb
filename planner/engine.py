"""The planning engine: heuristic plan, column-generation bound, price-and-branch, verified plan."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from decimal import Decimal

from planner.bounds import capacity_plan
from planner.branch import MAX_CLASSES as BNP_CLASSES
from planner.branch import BranchPricer, branch_and_price
from planner.catalog import Catalog, Policy
from planner.colgen import column_generation, dive, solve_integer_master
from planner.compact import MAX_VARIABLES, compact_size, solve_compact
from planner.fill import applicable as fill_applicable
from planner.fill import exact_fill, needs_perfect
from planner.fleet import (
    MAX_FLEET_VARIABLES,
    fleet_milp,
    fleet_packing,
    fleet_search,
    fleet_variables,
)
from planner.heuristics import Packing, Pattern, portfolio
from planner.inventory import Inventory
from planner.plan import Baseline, Plan, PlannedHost, PlannedUnit, UnplacedWorkload
from planner.problem import (
    COUNT_HOST,
    Problem,
    build_problem,
    compress,
    demand_of,
    growth_factor,
)
from planner.problem import usable_capacity as _usable
from planner.unitpack import UnitCover, UnitPattern, cover_units, unit_patterns
from planner.verify import verify_plan

ProgressFn = Callable[[str, float | None, float | None, float], None]
STOCK_REASON = "the vendor's stock ('available') of PC or unit models ran out"
#: above this many item classes, near-identical classes are merged (see problem.compress)
MAX_CLASSES = 250
#: compact models up to this many variables are tried first (they often prove optimality)
SMALL_COMPACT = 6_000
#: fleets of the capacity bound holding this many copies per PC or more are also packed
#: exactly by HiGHS, on this share of the time: it finds the packings the rules miss (class 4
#: and 5 multiple-choice instances: 2-13 PCs, 7-16 copies each) in 0.01-1.6 s, or none in 5 s
#: (HiGHS's time to a packing varies with its random seed from 0.02 s to 3 s: a margin)
FLEET_MILP_DENSITY = 5.0
FLEET_MILP_SHARE = 0.25
#: share of the time limit the placement rules may spend on the capacity bound's fleet
FLEET_PACKING_SHARE = 0.15
#: time kept back from the limit to decode, verify and hand over the plan: a fixed part and
#: a part per copy (at 50,000 copies decoding and verifying took 0.9 s, a caller's second
#: check as long, and the last phase ended up to 1.5 s past its deadline: 119.8 s of 120 on
#: the old 2.2 s reserve; 5,000 copies 29.92 s of 30 on 0.4 s)
RESERVE_SECONDS = 0.2
RESERVE_PER_COPY = 6e-5
#: share of the time limit the tabu search may spend on the capacity bound's fleet (it packs
#: the multiple-choice classes 4 and 5 in 0.01-0.4 s, or not in 5 s), tried where the fleet
#: holds this many copies per PC: with two or three, which copies pair up decides, which the
#: capacity bound ignores (mc-CT2/3/6/7/8-n100: none of 12 fleets packed, each still
#: descending after 1 s)
FLEET_SEARCH_SHARE = 0.1
FLEET_SEARCH_DENSITY = 3.0
#: share of the time left after the bound that the sequential exact fill may use
FILL_SHARE = 0.5
#: ... and when only a perfect packing (every PC exactly full) can meet the bound
PERFECT_FILL_SHARE = 0.95
#: column generation starts only with this much time left, plus so much per copy: its first
#: round (one master solve and pricing, on the merged and on the relaxed classes) runs to the
#: end whatever the deadline; 0.76 s on 503 copies (constructed-3d-multi-500-s1)
LP_MIN_SECONDS = 0.2
LP_SECONDS_PER_COPY = 1e-3


class _Done(Exception):
    """The best plan meets the bound: nothing left to search."""


class _Best:
    """The best solution so far: the problem it packs, PC patterns, units, uncovered copies."""

    def __init__(self) -> None:
        self.problem: Problem | None = None
        self.patterns: list[tuple[Pattern, int]] = []
        self.units: list[tuple[UnitPattern, int]] = []
        self.uncovered: dict[int, int] = {}
        self.cost = math.inf
        self.source = ""

    def offer(self, problem: Problem, patterns: list[tuple[Pattern, int]],
              units: list[tuple[UnitPattern, int]], uncovered: dict[int, int], cost: float,
              source: str) -> bool:
        key = (sum(uncovered.values()), cost)
        if key < (sum(self.uncovered.values()) if self.source else math.inf, self.cost):
            self.problem = problem
            self.patterns, self.units, self.uncovered = patterns, units, uncovered
            self.cost, self.source = cost, source
            return True
        return False


def _group(patterns: list[Pattern]) -> list[tuple[Pattern, int]]:
    counts: dict[Pattern, int] = {}
    for p in patterns:
        counts[p] = counts.get(p, 0) + 1
    return sorted(counts.items())


def plan(inventory: Inventory, catalog: Catalog, policy: Policy | None = None, *,
         time_limit: float = 30.0, progress: ProgressFn | None = None,
         verify: bool = True) -> Plan:
    """Plan the cheapest set of recovery PCs and mobile units for an inventory.

    Returns a plan that has passed the independent verifier, with a proven lower bound and gap.
    Phases: constructive heuristics on the real sizes; column generation (on merged classes
    when there are many, with the bound taken from the relaxed problem); price-and-dive and
    price-and-branch on the column pool. Ctrl-C at any point keeps the best plan so far.
    """
    policy = policy or Policy()
    t0 = time.monotonic()
    original = build_problem(inventory, catalog, policy)
    copies = sum(it.demand for it in original.items)
    # the comparison with physical imaging is part of the answer: it counts against the limit
    baseline = physical_baseline(inventory, catalog, policy, original)
    # keep time to decode, verify and export the plan inside the limit
    reserve = min(0.1 * time_limit, RESERVE_SECONDS + RESERVE_PER_COPY * copies)
    deadline = t0 + max(0.1, time_limit - reserve)
    stats: dict[str, object] = {"classes": len(original.items), "copies": copies}
    merged = compress(original, MAX_CLASSES)
    work, relaxed = merged if merged is not None else (original, None)
    if merged is not None:
        stats["merged_classes"] = len(work.items)

    def report(phase: str, best_cost: float | None, bound: float | None) -> None:
        if progress:
            progress(phase, None if best_cost is None else original.to_money(best_cost),
                     None if bound is None else original.to_money(bound),
                     max(0.0, deadline - time.monotonic()))

    best = _Best()
    lb = 0.0
    lp_optimal = False
    interrupted = False
    if original.items and original.hosts:
        upats = unit_patterns(original) if original.units else []
        seats = original.seats_needed
        cache: dict[tuple[int, ...], UnitCover] = {}

        def cover(counts: list[int], need: int = seats) -> UnitCover:
            key = (*counts, need)
            if key not in cache:
                cache[key] = cover_units(original, counts, need, upats)
            return cache[key]

        def unit_cost(counts: list[int]) -> int:
            c = cover(counts)
            return c.cost if c.feasible else 10**15

        def offer(pr: Problem, pk: Packing, source: str) -> None:
            """Offer a packing with its units; if unit stock cannot hold it, drop PCs."""
            pats = sorted(pk.patterns)
            unc = dict(pk.uncovered)
            while True:
                need = sum(pr.items[i].seats * k for p in pats for i, k in p.content)
                uc = cover(Packing(pats, {}).host_counts(len(pr.hosts)), need)
                if uc.feasible:
                    best.offer(pr, _group(pats), uc.patterns, unc,
                               sum(pr.hosts[p.host].cost for p in pats) + uc.cost, source)
                    return
                if not pats:
                    return
                drop = min(pats, key=lambda p: (sum(k for _, k in p.content), p))
                pats.remove(drop)
                for i, k in drop.content:
                    unc[i] = unc.get(i, 0) + k

        try:
            report("heuristic", None, None)
            offer(original, portfolio(original, unit_cost, t0 + 0.25 * (deadline - t0)),
                  "heuristic")
            # starting columns for the merged classes: one cheap pass, not the whole portfolio
            work_start = portfolio(work, unit_cost, time.monotonic()) \
                if work is not original else None
            if work_start is not None:
                offer(work, work_start, "heuristic (merged classes)")
            report("heuristic", best.cost, None)
            lb, fleet = capacity_plan(original)
            stats["capacity_bound"] = original.to_money(lb)
            report("bound", best.cost, lb)
            goal = original.round_bound(lb)
            perfect = needs_perfect(original, goal)
            filling = fill_applicable(original)
            if fleet is not None and goal < best.cost - 1e-9 and not (perfect and filling):
                # many small workloads: the bound's own mix of PC models is often enough (not
                # when only a perfect packing meets the bound and the exact fill will run:
                # placement rules never found one on the benchmarks up to 500 workloads, and
                # the fill needs the time; beyond the fill's size they are the best there is)
                pk = fleet_packing(original, fleet,
                                   time.monotonic() + FLEET_PACKING_SHARE * (deadline - t0),
                                   best.cost)
                if pk is not None:
                    offer(original, pk, "fleet packing")
                    report("heuristic", best.cost, lb)
            max_h = max(h.cost for h in original.hosts)
            max_u = max((u.cost for u in original.units), default=0)
            penalty = float(max_h + 2 * max_u + 1)

            def open_gap() -> bool:
                return bool(original.round_bound(lb) < best.cost - 1e-9
                            or best.uncovered)

            if not open_gap():
                raise _Done
            if fleet is not None and not perfect \
                    and copies >= FLEET_SEARCH_DENSITY * sum(fleet):
                # the bound's fleet with some PCs nearly full: a local search packs it where
                # the rules stop (a perfect packing is the exact fill's job)
                report("fill", best.cost, lb)
                pk = fleet_search(original, fleet, min(
                    deadline, time.monotonic() + FLEET_SEARCH_SHARE * (deadline - t0)))
                if pk is not None:
                    offer(original, pk, "fleet search")
                if not open_gap():
                    raise _Done
            # few PCs holding many copies each: the bound's fleet may hold the demand only
            # packed exactly, which the placement rules miss and HiGHS often finds quickly
            exact_fleet = fleet is not None and copies >= FLEET_MILP_DENSITY * sum(fleet) \
                and fleet_variables(original, fleet) <= MAX_FLEET_VARIABLES
            fleet_seconds = FLEET_MILP_SHARE * (deadline - t0)
            if filling:  # tight packings: fill PCs one at a time, exactly
                report("fill", best.cost, lb)
                # when only a perfect packing meets the bound, the fill's exact-cover search
                # is what can find it; column generation and branch-and-price could raise
                # such a bound only where no perfect packing exists (docs/formulation.md)
                share = PERFECT_FILL_SHARE if perfect else FILL_SHARE
                fill_deadline = time.monotonic() + share * (deadline - time.monotonic())
                if exact_fleet:  # the fill usually succeeds or gives up first: it goes first
                    fill_deadline = min(fill_deadline, deadline - fleet_seconds)
                filled = exact_fill(original, fill_deadline, goal, best.cost)
                if filled is not None:
                    offer(original, filled, "exact fill")
            if exact_fleet and open_gap():
                assert fleet is not None
                report("fill", best.cost, lb)
                pk = fleet_milp(original, fleet, min(deadline, time.monotonic() + fleet_seconds))
                if pk is not None:
                    offer(original, pk, "exact fleet")
            lp_min = LP_MIN_SECONDS + LP_SECONDS_PER_COPY * copies
            if not open_gap() or (filling and deadline - time.monotonic() < lp_min):
                raise _Done  # closed, or no time left for one round of the LP

            def compact(seconds: float) -> None:
                nonlocal lb
                report("compact", best.cost, lb)
                res = solve_compact(original, upats, best.cost, seconds)
                if res is None:
                    return
                lb = max(lb, res.bound)
                stats["compact_bound"] = original.to_money(res.bound)
                if res.patterns is not None and res.cost < best.cost:
                    offer(original, Packing(res.patterns, {}), "compact MILP")
                report("compact", best.cost, lb)
                if res.interrupted:
                    raise KeyboardInterrupt
                if not open_gap():
                    raise _Done

            size = compact_size(original, best.cost) if not best.uncovered else MAX_VARIABLES + 1
            stats["compact_variables"] = size
            # small instances without units: branch-and-price closes gaps the pool cannot,
            # so the compact model and the dive leave it more of the time
            exact = relaxed is None and not original.units and len(work.items) <= BNP_CLASSES
            start = [p for p, k in best.patterns for _ in range(k)] \
                if best.problem is work else (work_start.patterns if work_start else [])
            cg_deadline = t0 + (0.4 if relaxed else 0.6) * (deadline - t0)
            cg = column_generation(
                work, upats, start, penalty, cg_deadline, best.cost,
                progress=lambda ph, b, bd: report(ph, best.cost, max(lb, bd or 0.0)),
                pricer=BranchPricer(work) if exact else None)
            stats.update(cg_iterations=cg.iterations, columns=len(cg.pool),
                         lp_value=work.to_money(cg.lp_value), lp_optimal=cg.lp_optimal,
                         cg_seconds=round(cg.seconds, 3))
            if relaxed is None:
                lb = max(lb, cg.lower_bound)
                lp_optimal = cg.lp_optimal
            # the LP's bound can no longer rise: proven optimal, or its rounding already meets
            # the LP value's (time is better spent branching)
            settled = cg.lp_optimal or (relaxed is None and work.round_bound(cg.lower_bound)
                                        >= work.round_bound(cg.lp_value) - 1e-9)
            if cg.interrupted:
                raise KeyboardInterrupt
            if relaxed is not None:
                # merged classes: the bound must hold for the real sizes, so it comes from
                # the relaxed (smallest-size) problem, warm-started with the merged columns
                rcg = column_generation(
                    relaxed, upats, cg.pool, penalty, t0 + 0.6 * (deadline - t0), best.cost,
                    progress=lambda ph, b, bd: report(ph, best.cost, max(lb, bd or 0.0)))
                lb = max(lb, rcg.lower_bound)
                stats["relaxed_bound"] = original.to_money(rcg.lower_bound)
                if rcg.interrupted:
                    raise KeyboardInterrupt
            report("bound", best.cost, lb)
            pool = list(cg.pool)

            if open_gap() and deadline - time.monotonic() > 0.05:
                report("dive", best.cost, lb)
                # a converged LP leaves branch-and-price room to work; else the dive finds more
                share = 0.3 if exact and settled else 0.6
                dv = dive(work, upats, pool, penalty,
                          time.monotonic() + share * (deadline - time.monotonic()))
                if dv is not None:
                    chosen, pool = dv
                    offer(work, Packing(chosen, {}), "price-and-dive")
                stats["columns"] = len(pool)
            # (where branch-and-price runs, it proves more per second than the compact model)
            if open_gap() and not exact and size <= SMALL_COMPACT:
                compact(0.4 * (deadline - time.monotonic()))
            elif open_gap() and not exact and size <= MAX_VARIABLES \
                    and deadline - time.monotonic() > 0.5:
                compact(0.5 * (deadline - time.monotonic()))
            if open_gap() and deadline - time.monotonic() > 0.05:
                report("branch", best.cost, lb)
                warm = (best.patterns, best.units) if best.problem is work else None
                ms = solve_integer_master(work, upats, pool, penalty,
                                          (0.3 if exact and settled else 1.0)
                                          * (deadline - time.monotonic()),
                                          start=warm)
                if ms is not None:
                    best.offer(work, ms.patterns, ms.unit_patterns, ms.slack, ms.objective,
                               "price-and-branch")
                report("branch", best.cost, lb)
                if ms is not None and ms.interrupted:
                    raise KeyboardInterrupt
            if exact and not best.uncovered and open_gap() \
                    and deadline - time.monotonic() > 0.2:
                report("branch", best.cost, lb)
                bp = branch_and_price(work, upats, pool, penalty, deadline, best.cost)
                if bp is not None:
                    if bp.solution is not None:
                        best.offer(work, bp.solution.patterns, [], {}, bp.solution.objective,
                                   "branch-and-price")
                    lb = max(lb, bp.lower_bound)
                    known = set(pool)
                    pool = pool + [p for p in bp.pool if p not in known]
                    stats.update(bnp_nodes=bp.nodes, bnp_seconds=round(bp.seconds, 3),
                                 bnp_proven=bp.proven)
                    report("branch", best.cost, lb)
                    if bp.interrupted:
                        raise KeyboardInterrupt
            # time left (the pool's integer master was solved): keep tightening the bound
            if open_gap() and deadline - time.monotonic() > 0.5:
                report("bound", best.cost, lb)
                target = relaxed if relaxed is not None else work
                more = column_generation(
                    target, upats, pool, penalty, deadline, best.cost,
                    progress=lambda ph, b, bd: report(ph, best.cost, max(lb, bd or 0.0)))
                lb = max(lb, more.lower_bound)
                lp_optimal = lp_optimal or (relaxed is None and more.lp_optimal)
                stats["final_cg_iterations"] = more.iterations
                if more.interrupted:
                    raise KeyboardInterrupt
                if relaxed is None and open_gap() and more.pool \
                        and deadline - time.monotonic() > 0.1:
                    ms = solve_integer_master(work, upats, pool + more.pool, penalty,
                                              deadline - time.monotonic(),
                                              start=(best.patterns, best.units)
                                              if best.problem is work else None)
                    if ms is not None:
                        best.offer(work, ms.patterns, ms.unit_patterns, ms.slack,
                                   ms.objective, "price-and-branch")
            # still time: small instances go back to the exact compact model
            if open_gap() and size <= MAX_VARIABLES and deadline - time.monotonic() > 0.5:
                compact(deadline - time.monotonic())
        except _Done:
            pass
        except KeyboardInterrupt:
            interrupted = True
    result = _assemble(best.problem or original, original, inventory, catalog, policy, best,
                       lb, baseline)
    result.solve_seconds = time.monotonic() - t0
    stats.update(source=best.source, interrupted=interrupted)
    result.stats = stats
    if lp_optimal:
        result.stats["bound"] = "column generation LP (Gilmore–Gomory), proven"
    if verify:
        verify_plan(result, inventory, catalog, policy)
    return result


def _assemble(problem: Problem, original: Problem, inventory: Inventory, catalog: Catalog,
              policy: Policy, best: _Best, lb: float, baseline: Baseline) -> Plan:
    """Turn patterns into named PCs and units, dropping over-covered copies and empty items."""
    growth = growth_factor(policy, catalog)
    by_name = {n: w for w in inventory.workloads for n in w.instance_names()}
    # copies the solution leaves uncovered (vendor stock) are not placed, even where a PC
    # pattern would have room for them: their seats and slots were not planned
    keep = [max(0, it.demand - best.uncovered.get(i, 0)) for i, it in enumerate(problem.items)]
    queues = [list(it.members[:k]) for it, k in zip(problem.items, keep, strict=True)]
    unplaced = [UnplacedWorkload(u.name, u.reason) for u in problem.unplaced]
    unplaced.extend(UnplacedWorkload(n, STOCK_REASON) for it, k in
                    zip(problem.items, keep, strict=True) for copy in it.members[k:]
                    for n in copy)
    hosts: list[PlannedHost] = []
    host_type: list[int] = []
    for pat, mult in sorted(best.patterns):
        ht = problem.hosts[pat.host]
        cap = _usable(ht.model, policy)
        for _ in range(mult):
            names: list[str] = []
            for i, k in pat.content:
                for _ in range(k):
                    if queues[i]:
                        names.extend(queues[i].pop(0))
            if not names:
                continue
            used = [0.0, 0.0, 0.0]
            for n in names:
                d = demand_of(by_name[n], policy, growth)
                used = [a + b for a, b in zip(used, d, strict=True)]
            hosts.append(PlannedHost(
                id=f"pc-{len(hosts) + 1:03d}", model=ht.model.name, unit=None, workloads=names,
                used={"vcpu": round(used[0], 6), "memory_gib": round(used[1], 6),
                      "storage_gb": round(used[2], 6)},
                usable={"vcpu": round(cap[0], 6), "memory_gib": round(cap[1], 6),
                        "storage_gb": round(cap[2], 6)}))
            host_type.append(pat.host)
    for i, q in enumerate(queues):
        for copy in q:
            reason = STOCK_REASON if best.uncovered.get(i) else "not placed by the engine"
            unplaced.extend(UnplacedWorkload(n, reason) for n in copy)
    placed_seats = 0
    if problem.units:
        seat_names = {n for it in problem.items if it.seats for m in it.members for n in m}
        placed_seats = sum(1 for h in hosts for n in h.workloads if n in seat_names)
    units: list[PlannedUnit] = []
    if problem.units:
        free = {t: [j for j, ht in enumerate(host_type) if ht == t]
                for t in range(len(problem.hosts))}
        seats_left = placed_seats
        for up, mult in sorted(best.units, key=lambda x: (x[0].unit, x[0].hosts)):
            um = problem.units[up.unit]
            for _ in range(mult):
                members: list[int] = []
                for t, cnt in enumerate(up.hosts):
                    take, free[t] = free[t][:cnt], free[t][cnt:]
                    members.extend(take)
                seats_here = min(seats_left, um.seats)
                if not members and seats_here == 0:
                    continue
                seats_left -= seats_here
                uid = f"unit-{len(units) + 1:02d}"
                for j in members:
                    hosts[j].unit = uid
                units.append(PlannedUnit(uid, um.model.name, [hosts[j].id for j in members],
                                         seats_here,
                                         sum(problem.hosts[host_type[j]].slots for j in members)))
    unit_type = {u.model.name: u for u in problem.units}
    cost = sum((catalog.item_cost(problem.hosts[t].model) for t in host_type), Decimal(0))
    cost += sum((catalog.item_cost(unit_type[pu.model].model) for pu in units), Decimal(0))
    ticks = (sum(problem.hosts[t].cost for t in host_type)
             + sum(unit_type[pu.model].cost for pu in units))
    if problem.money:
        cost_out = cost
    else:
        cost_out = Decimal(ticks) / problem.scale
    stock_short = any(u.reason == STOCK_REASON for u in unplaced)
    if stock_short:
        status, lower, gap = "infeasible", None, None
    else:
        lb_ticks = min(int(problem.round_bound(lb)), ticks)
        lower = Decimal(lb_ticks) / problem.scale
        status = "optimal" if lb_ticks >= ticks else "feasible"
        gap = 0.0 if ticks == 0 else (ticks - lb_ticks) / ticks
    warnings = list(problem.warnings)
    if stock_short:
        warnings.append("vendor stock limits leave workloads unplaced; no bound is claimed")
    return Plan(
        status=status, cost=cost_out, lower_bound=lower, gap=gap,
        currency=catalog.currency if problem.money else "PCs", hosts=hosts, units=units,
        unplaced=unplaced,
        out_of_scope=[UnplacedWorkload(u.name, u.reason) for u in problem.out_of_scope],
        baseline=baseline,
        solve_seconds=0.0, term_years=catalog.term_years,
        objective="money" if problem.money else "count", warnings=warnings)


def physical_baseline(inventory: Inventory, catalog: Catalog, policy: Policy,
                      problem: Problem | None = None) -> Baseline:
    """One PC per in-scope workload (cheapest model holding it with no overcommit), plus units."""
    problem = problem or build_problem(inventory, catalog, policy)
    growth = growth_factor(policy, catalog)
    models = sorted(catalog.hosts, key=lambda m: (catalog.item_cost(m), m.cores, m.name))
    used = {m.name: 0 for m in models}
    counts = [0] * len(problem.hosts)
    type_of = {ht.model.name: ht.index for ht in problem.hosts}
    unplaced: list[UnplacedWorkload] = []
    seats = 0
    cost = Decimal(0)
    for w in inventory.workloads:
        if w.tier not in policy.tiers:
            continue
        d = demand_of(w, policy, growth)
        for name in w.instance_names():
            choice = None
            for m in models:
                if m.available is not None and used[m.name] >= m.available:
                    continue
                if d[0] <= m.cores and d[1] <= m.memory_gib and d[2] <= m.storage_gb \
                        and (not problem.units or m.name in type_of):
                    choice = m
                    break
            if choice is None:
                unplaced.append(UnplacedWorkload(name, "no PC model holds it without overcommit"))
                continue
            used[choice.name] += 1
            cost += catalog.item_cost(choice)
            if choice.name in type_of:
                counts[type_of[choice.name]] += 1
            if w.kind == "workstation" and policy.workstation_seats:
                seats += 1
    n_units = 0
    units_by_model: dict[str, int] = {}
    if problem.units:
        cov = cover_units(problem, counts, seats)
        n_units = sum(k for _, k in cov.patterns)
        for p, k in cov.patterns:
            name = problem.units[p.unit].model.name
            units_by_model[name] = units_by_model.get(name, 0) + k
        cost += sum((catalog.item_cost(problem.units[p.unit].model) * k for p, k in cov.patterns),
                    Decimal(0))
    by_model = {k: v for k, v in used.items() if v}
    if not catalog.has_fees:
        cost = Decimal(sum(used.values())) + Decimal(n_units) / COUNT_HOST
    return Baseline(sum(used.values()), n_units, cost, by_model, unplaced,
                    {k: v for k, v in sorted(units_by_model.items()) if v})
