"""The planning engine: heuristic plan, column-generation bound, price-and-branch, verified plan."""

from __future__ import annotations

import ctypes
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from copy import deepcopy
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal
from functools import partial

from planner.model.plan import (
    FEASIBLE,
    INFEASIBLE,
    INTERRUPTED,
    INTERRUPTED_EMPTY,
    OPTIMAL,
    Baseline,
    Plan,
    PlannedHost,
    PlannedUnit,
    UnplacedWorkload,
)
from planner.model.prices import (
    Terms,
    cents,
    item_price,
    keep_factor,
    tested_in_plan,
    tested_physically,
    tier_test_cost,
    tiered_tests,
)
from planner.model.problem import (
    COUNT_HOST,
    Problem,
    build_problem,
    compress,
    demand_of,
    growth_factor,
    ticks_of,
)
from planner.model.problem import usable_capacity as _usable
from planner.readers.catalog import Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory
from planner.solver.bounds import (
    CapacityRow,
    capacity_bound,
    capacity_plan,
    capacity_rows,
    lift,
)
from planner.solver.branch import MAX_CLASSES as BNP_CLASSES
from planner.solver.branch import BranchPricer, branch_and_price
from planner.solver.colgen import CGResult, column_generation, dive, solve_integer_master
from planner.solver.compact import MAX_VARIABLES, compact_size, solve_compact
from planner.solver.fill import applicable as fill_applicable
from planner.solver.fill import exact_fill, needs_perfect
from planner.solver.fleet import (
    MAX_FLEET_VARIABLES,
    fleet_milp,
    fleet_packing,
    fleet_search,
    fleet_variables,
    round_down,
)
from planner.solver.heuristics import (
    Packing,
    Pattern,
    PortfolioInterrupted,
    portfolio,
    reach_pcs,
)
from planner.solver.unitpack import UnitCover, UnitPattern, cover_units, unit_patterns
from planner.solver.warm import warm_packing
from planner.verify.verifier import check_plan, verify_plan

ProgressFn = Callable[[str, float | None, float | None, float], None]
STOCK_REASON = "the vendor's stock ('available') of PC or unit models ran out"
NOT_PLACED = "not placed by the engine"
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
#: with mobile units and at most this many classes (not merged), column generation runs
#: before the capacity bound's fleet is packed, until this share of the time: its rounds are
#: cheap there and its bound (units integral) says whether that fleet can hold the demand at
#: all (the sample: 31 classes, bound above the fleet's cost after 0.5 s, while packing the
#: fleet took 2.1 s of the 5 s and the LP's first round came after the limit)
EARLY_LP_CLASSES = 64
#: ... until these shares of the time: the LP, a dive on its pool, the LP again against the
#: dive's plan (under load the first LP alone often ended before its bound had risen)
EARLY_LP_SHARES = (0.3, 0.6)
#: ... pricing exactly at least every this many rounds (at load 4 the sample's greedy rounds
#: found columns until the early LP's deadline, which left it without a bound)
EARLY_LP_EXACT_EVERY = 2
#: ... and price-and-dive on its pool in between, on this share of the time at most
EARLY_DIVE_SHARE = 0.1
#: least share of the time left that column generation on the relaxed (rounded-down) classes
#: gets for the bound, where classes were merged
RELAXED_SHARE = 0.7
#: share of the time left the exact fleet model may take when packing that fleet proves
#: the plan optimal (the count bound's fleet costing the bound)
FLEET_PROOF_SHARE = 0.8
#: past this many copies on merged classes, column generation also runs on the real classes
#: for a plan: its LP, rounded down, the rest packed into its own fleet (``lp_rounding``);
#: up to here the merged classes' search closed the gaps measured (draws of 5,000, 10,000
#: and 20,000 real sizes: 0.00, 0.11 and 0.05 %) and keeps its time
ROUND_COPIES = 20_000
#: ... until this share of the time limit, then the residual's packing on this share
ROUND_LP_SHARE = 0.7
ROUND_PACK_SHARE = 0.1
#: ... and the constructive portfolio then gets this share of the limit, not a quarter: 0,
#: its first pass only (50,000 real sizes at load 2: first-fit 2.7 s for 42.6 M, then the
#: dot-product greedy, 1.1 s for 36.9 M, and two first-fit passes of 6.4 and 3.2 s for
#: 42.7 and 43.4 M, 13.4 s in all for a plan fleet packing beats by 10 % at once; the LP
#: gets the time)
ROUND_PORTFOLIO_SHARE = 0.0


PlanFn = Callable[[Plan], None]


class StopSignal:
    """Asks a running solve to stop and keep its best plan, as Ctrl-C does (a Stop button).

    ``request`` may come from any thread: it sets a flag the engine checks between phases and
    at every progress report, and raises KeyboardInterrupt in the solving thread while it is
    searching, so a long phase (or a HiGHS run, which the engine cancels) stops at once too.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._thread: int | None = None

    def request(self) -> None:
        """Stop the solve: it returns its best plan so far, marked interrupted (once)."""
        with self._lock:
            first = not self._event.is_set()
            self._event.set()
            if first and self._thread is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(self._thread), ctypes.py_object(KeyboardInterrupt))

    def is_set(self) -> bool:
        """Whether a stop was requested."""
        return self._event.is_set()

    def enter(self) -> None:
        """The engine starts searching in this thread (a request may interrupt it now)."""
        with self._lock:
            self._thread = threading.get_ident()
        if self._event.is_set():
            raise KeyboardInterrupt

    def leave(self) -> None:
        """The search is over: later requests only set the flag."""
        with self._lock:
            self._thread = None


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
         verify: bool = True, on_plan: PlanFn | None = None, start: Plan | None = None,
         stop: StopSignal | None = None) -> Plan:
    """Plan the cheapest set of recovery PCs and mobile units for an inventory.

    Returns a plan that has passed the independent verifier, with a proven lower bound and gap.
    The phases run in order (``_Search.PHASES``), each on its share of the time limit; any of
    them may close the gap and end the search. Ctrl-C at any point keeps the best plan so far.

    Anytime use (the dashboard): ``on_plan`` receives each better plan as soon as it is found,
    already verified; ``start`` is an earlier plan (say, before a policy change or under other
    money assumptions) whose PCs that still fit are kept and the rest packed anew, a first
    plan at once; ``stop`` ends the solve from another thread, keeping the best plan.
    A catalog with volume discount tiers is solved one sub-problem per tier (``_plan_tiers``).
    """
    policy = policy or Policy()
    if policy.spares:  # N+k: its own search over spare models and tiers (solver/spares.py)
        from planner.solver.spares import plan_with_spares

        spared = plan_with_spares(inventory, catalog, policy, time_limit=time_limit,
                                  progress=progress, on_plan=on_plan, start=start, stop=stop)
        if verify:
            verify_plan(spared, inventory, catalog, policy)
        return spared
    tiers = discount_tiers(catalog)
    if len(tiers) > 1:
        return _plan_tiers(inventory, catalog, policy, tiers, time_limit, progress, verify,
                           on_plan, start, stop)
    search = _Search(inventory, catalog, policy, time_limit, progress, on_plan=on_plan,
                     start=start, stop=stop)
    search.run()
    return search.result(verify)


def discount_tiers(catalog: Catalog) -> list[tuple[int, Decimal]]:
    """The distinct volume discounts: (least PCs, percent), from (0, no discount) upwards.

    A tier whose percent is no better than a lower threshold's is left out (it only asks for
    more PCs). Count mode (no fees) has the one tier (0, 0).
    """
    out = [(0, catalog.discount_percent(0))]
    if catalog.has_fees:
        for t in catalog.discounts:
            pct = catalog.discount_percent(t.min_pcs)
            if pct > out[-1][1]:
                out.append((t.min_pcs, pct))
    return out


def _plan_tiers(inventory: Inventory, catalog: Catalog, policy: Policy,
                tiers: list[tuple[int, Decimal]], time_limit: float,
                progress: ProgressFn | None, verify: bool, on_plan: PlanFn | None,
                start: Plan | None, stop: StopSignal | None) -> Plan:
    """Volume discounts solved exactly: one sub-problem per tier, the cheapest plan kept.

    Tier t asks for at least N_t PCs and prices capacity fees at its discount. Every plan with
    P PCs is priced at the best tier P reaches, no dearer than in any sub-problem it belongs
    to, so the optimum is the least of the sub-problems' optima and the least of their bounds
    bounds it. Sub-problems are taken cheapest capacity bound first, each on an equal share
    of the time left; one whose bound reaches the best plan found is skipped. Time the skipped
    ones leave goes to the best plan's sub-problem again, started from that plan.
    """
    t0 = time.monotonic()
    baseline: Baseline | None = None
    subs: list[tuple[Decimal, int, Decimal, Problem]] = []
    for least, pct in tiers:
        pr = build_problem(inventory, catalog, policy, discount=pct, min_pcs=least)
        baseline = baseline or _baseline_memo(inventory, catalog, policy, pr)
        copies = sum(it.demand for it in pr.items)
        stock = sum(h.available if h.available is not None else copies for h in pr.hosts)
        if least > min(copies, stock):
            continue  # no plan reaches this tier: every PC must run a workload
        quick = Decimal(int(pr.round_bound(capacity_bound(pr)))) / pr.scale
        subs.append((quick, least, pct, pr))
    subs.sort(key=lambda x: (x[0], x[1]))
    best: tuple[tuple[int, Decimal], _Search, int] | None = None
    # each tier's bound: its capacity bound until its search raises it
    bounds = [quick for quick, _, _, _ in subs]
    log: list[dict[str, object]] = []
    order = list(range(len(subs)))
    interrupted = resumed = False
    shown = [Decimal("Infinity")]

    def hand_on(found: Plan) -> None:
        # snapshots of one tier may be dearer than another tier's best: only better ones
        if on_plan is not None and found.cost < shown[0]:
            shown[0] = found.cost
            on_plan(found)

    def least_with(k: int) -> Callable[[Decimal], Decimal]:
        # a snapshot's bound: the least over the tiers, tier k's raised by its search so far
        return lambda own: min([max(b, own) if j == k else b for j, b in enumerate(bounds)])

    def tier_progress(k: int) -> ProgressFn | None:
        """Progress of tier k's search, its bound taken over every tier.

        A tier's own bound holds only for plans of that tier; the best shown is the least
        plan handed on so far (when plans are handed on).
        """
        if progress is None:
            return None
        least = least_with(k)

        def report(phase: str, b: float | None, bd: float | None, left: float) -> None:
            shown_best = None if shown[0].is_infinite() else float(shown[0])
            progress(phase, shown_best if shown_best is not None else b,
                     None if bd is None else float(least(Decimal(repr(bd)))), left)
        return report

    while not interrupted:
        if not order:
            # time left and the best tier still open: once more, from its best plan
            if resumed or best is None or best[0][0] or bounds[best[2]] >= best[0][1] \
                    or t0 + time_limit - time.monotonic() < 1.0:
                break
            order.append(best[2])
            resumed = True
        k = order.pop(0)
        quick, least, pct, pr = subs[k]
        entry: dict[str, object] = {"min_pcs": least, "percent": float(pct),
                                    "capacity_bound": float(quick)}
        log.append(entry)
        if best is not None and bounds[k] >= best[0][1]:
            entry["skipped"] = "its bound reaches the best plan"
            continue
        left = t0 + time_limit - time.monotonic()
        if left < 0.3 and best is not None:
            entry["skipped"] = "no time left"
            continue
        again = resumed and best is not None and best[2] == k
        search = _Search(inventory, catalog, policy, max(0.1, left / (len(order) + 1)),
                         tier_progress(k), problem=pr, baseline=baseline, stop=stop,
                         on_plan=hand_on if on_plan is not None else None,
                         start=best[1].result(False, final=False) if again and best else start)
        search.global_bound = least_with(k)
        search.run()
        interrupted = search.interrupted
        bounds[k] = max(bounds[k], Decimal(int(pr.round_bound(search.lb))) / pr.scale)
        key = search.true_price()
        entry.update(bound=float(bounds[k]), seconds=round(time.monotonic() - search.t0, 3),
                     resumed=again)
        if key is not None:
            entry["cost"] = float(key[1])
            if best is None or key <= best[0]:
                best = (key, search, k)
    if best is None:  # no tier has a plan: the undiscounted problem reports why
        search = _Search(inventory, catalog, policy, 0.1, progress, baseline=baseline)
        search.global_bound = None
        return search.result(verify)
    chosen = best[1]
    chosen.stats["tiers"] = log
    chosen.t0 = t0
    return chosen.result(verify, bound=min(bounds))


class _Search:
    """One solve: the problem, the clock, the best plan and the bound, and the phases on them.

    Each phase reads what earlier phases left here (the best plan, the bound, the column pool)
    and hands on the same way; ``run`` calls them in order until one closes the gap.
    """

    def __init__(self, inventory: Inventory, catalog: Catalog, policy: Policy,
                 time_limit: float, progress: ProgressFn | None, *,
                 on_plan: PlanFn | None = None, start: Plan | None = None,
                 stop: StopSignal | None = None, problem: Problem | None = None,
                 baseline: Baseline | None = None) -> None:
        self.inventory, self.catalog, self.policy = inventory, catalog, policy
        self.progress, self.on_plan, self.start, self.stop = progress, on_plan, start, stop
        self.t0 = time.monotonic()
        self.original = original = problem or build_problem(inventory, catalog, policy)
        self.copies = copies = sum(it.demand for it in original.items)
        # the comparison with physical imaging is part of the answer: it counts against the limit
        self.baseline = baseline or _baseline_memo(inventory, catalog, policy, original)
        # keep time to decode, verify and export the plan inside the limit
        reserve = min(0.1 * time_limit, RESERVE_SECONDS + RESERVE_PER_COPY * copies)
        self.deadline = self.t0 + max(0.1, time_limit - reserve)
        self.stats: dict[str, object] = {"classes": len(original.items), "copies": copies}
        merged = compress(original, MAX_CLASSES)
        self.work: Problem = merged[0] if merged is not None else original
        self.relaxed: Problem | None = merged[1] if merged is not None else None
        if merged is not None:
            self.stats["merged_classes"] = len(self.work.items)
        self.best = _Best()
        self.lb = 0.0
        self.lp_optimal = False
        self.interrupted = False
        self.upats = unit_patterns(original) if original.units else []
        self._covers: dict[tuple[int, ...], UnitCover] = {}
        # handed on between phases
        self.work_start: Packing | None = None
        self.fleet: list[int] | None = None
        self.goal = math.inf
        self.perfect = self.filling = self.use_fleet_milp = self.exact = self.settled = False
        self.penalty = 0.0
        self.size = 0
        self.pool: list[Pattern] = []
        #: the capacity bound's rows on the real sizes, for column generation's bound
        self.capacity: list[CapacityRow] = capacity_rows(original)
        self.warm_columns: list[Pattern] = []  # the warm start's PCs, extra starting columns
        self.early: CGResult | None = None  # the early LP's outcome (early_lp)
        self.early_fleet: list[int] | None = None  # the early LP's count bound's fleet
        self.fleet_proves = False  # packing self.fleet would meet the bound
        #: a tier sub-problem's snapshots report the least bound over every tier (_plan_tiers)
        self.global_bound: Callable[[Decimal], Decimal] | None = None

    # -- the orchestrator -------------------------------------------------------------------

    PHASES = ("warm_start", "heuristics", "capacity_bound", "early_lp", "fleet_packing",
              "fleet_search", "exact_fill", "exact_fleet", "lp_rounding", "lp_bound", "dive",
              "early_compact", "integer_master",
              "branch_and_price", "tighten_bound", "late_compact")

    def run(self) -> None:
        """Run the phases in order until the gap closes, the clock runs out or Ctrl-C."""
        if not (self.original.items and self.original.hosts):
            return
        try:
            try:
                if self.stop is not None:
                    self.stop.enter()
                for name in self.PHASES:
                    if self.stop is not None and self.stop.is_set():
                        raise KeyboardInterrupt
                    getattr(self, name)()
            except _Done:
                pass
            except KeyboardInterrupt as exc:
                self.interrupted = True
                if isinstance(exc, PortfolioInterrupted):  # Ctrl-C inside the constructive
                    self.offer(exc.problem, exc.packing, "heuristic (interrupted)")  # packings
            finally:
                if self.stop is not None:
                    self.stop.leave()
        except KeyboardInterrupt:  # a stop request landing as the search ends
            self.interrupted = True

    def result(self, verify: bool, final: bool = True, bound: Decimal | None = None) -> Plan:
        """The best plan as named PCs and units, checked by the independent verifier.

        ``final`` False: a snapshot during the search (for ``on_plan``), its stats copied.
        ``bound``: a lower bound in money that replaces this search's own (the least over
        the discount tiers' sub-problems).
        """
        if bound is None:
            bound = Decimal(int(self.original.round_bound(self.lb))) / self.original.scale
            if self.global_bound is not None:
                bound = self.global_bound(bound)
        result = _assemble(self.best.problem or self.original, self.original, self.inventory,
                           self.catalog, self.policy, self.best, self.lb, self.baseline, bound,
                           interrupted=self.interrupted)
        result.solve_seconds = time.monotonic() - self.t0
        self.stats.update(source=self.best.source, interrupted=self.interrupted)
        result.stats = self.stats if final else dict(self.stats)
        if self.lp_optimal:
            result.stats["bound"] = "column generation LP (Gilmore–Gomory), proven"
        if verify:
            verify_plan(result, self.inventory, self.catalog, self.policy)
        return result

    # -- shared helpers ---------------------------------------------------------------------

    def left(self) -> float:
        """Seconds to the deadline."""
        return self.deadline - time.monotonic()

    def report(self, phase: str, bound: float | None = None) -> None:
        """Tell the caller the phase, the best cost and the bound (in money or PCs)."""
        if self.stop is not None and self.stop.is_set():
            raise KeyboardInterrupt
        if self.progress:
            best = self.best.cost
            self.progress(phase, None if math.isinf(best) else self.original.to_money(best),
                          None if bound is None else self.original.to_money(bound),
                          max(0.0, self.left()))

    def raise_bound(self, bound: float) -> None:
        """Take a bound proven by a phase, lifted to the costs fleets can add up to."""
        if bound > self.lb:
            self.lb = max(self.lb, lift(self.original, bound, min(1.0, max(0.05, self.left()))))

    def counted(self, bound: bool) -> list[CapacityRow] | None:
        """The capacity rows for column generation's count bound, where it pays.

        With mobile units (their costs dominate and come in large steps, which the count
        bound keeps integral) or on rounded-down classes (whose patterns forget the real
        sizes); not on the merged problem (its bound is not used). Elsewhere branch-and-price
        and the compact model prove the bound, and a count solve per round only costs time.
        """
        if not bound:
            return None
        return self.capacity if self.original.units or self.relaxed is not None else None

    def open_gap(self) -> bool:
        """Whether the best plan may still be beaten (or leaves copies uncovered)."""
        return bool(self.original.round_bound(self.lb) < self.best.cost - 1e-9
                    or self.best.uncovered)

    def cover(self, counts: list[int], need: int | None = None) -> UnitCover:
        """The cheapest mobile units carrying these PCs and seats (memoised)."""
        need = self.original.seats_needed if need is None else need
        key = (*counts, need)
        if key not in self._covers:
            self._covers[key] = cover_units(self.original, counts, need, self.upats)
        return self._covers[key]

    def unit_cost(self, counts: list[int]) -> int:
        """The units' cost for these PC counts (prohibitive where no cover exists)."""
        c = self.cover(counts)
        return c.cost if c.feasible else 10**15

    def true_price(self) -> tuple[int, Decimal] | None:
        """The best plan's copies left out and its price at the discount its PC count earns."""
        b = self.best
        if b.problem is None:
            return None
        n = sum(k for _, k in b.patterns)
        keep = keep_factor(self.catalog.discount_percent(n))
        terms = Terms.of(self.catalog, self.policy.scenario)
        sc = self.policy.scenario
        total = sum((item_price(terms, sc, b.problem.hosts[p.host].model, keep) * k
                     for p, k in b.patterns), Decimal(0))
        total += sum((item_price(terms, sc, b.problem.units[u.unit].model, keep) * k
                      for u, k in b.units), Decimal(0))
        return sum(b.uncovered.values()), total

    def accept(self, pr: Problem, patterns: list[tuple[Pattern, int]],
               units: list[tuple[UnitPattern, int]], uncovered: dict[int, int], cost: float,
               source: str) -> None:
        """Offer a solution with its units; split PCs first if it has fewer than the tier's."""
        if sum(k for _, k in patterns) >= pr.min_pcs:
            self.record(pr, patterns, units, uncovered, cost, source)
        else:
            self.offer(pr, Packing([p for p, k in patterns for _ in range(k)],
                                   dict(uncovered)), source)

    def offer(self, pr: Problem, pk: Packing, source: str) -> None:
        """Offer a packing with its units; if unit stock cannot hold it, drop PCs.

        In a discount tier's sub-problem a packing with too few PCs is split until it has
        enough (or dropped when it cannot be).
        """
        pats = sorted(pk.patterns)
        unc = dict(pk.uncovered)
        while (pool := pr.over_pool(Packing(pats, {}).host_counts(len(pr.hosts)))) is not None:
            # a packing that ignored a shared stock (Problem.pools): its least-filled PC of
            # the pool's types goes, its copies uncovered
            drop = min((p for p in pats if p.host in pool.types),
                       key=lambda p: (sum(k for _, k in p.content), p))
            pats.remove(drop)
            for i, k in drop.content:
                unc[i] = unc.get(i, 0) + k
        if len(pats) < pr.min_pcs:
            split = reach_pcs(pr, pats, pr.min_pcs)
            if split is None:
                return
            pats = sorted(split)
        while True:
            need = sum(pr.items[i].seats * k for p in pats for i, k in p.content)
            uc = self.cover(Packing(pats, {}).host_counts(len(pr.hosts)), need)
            if uc.feasible:
                if len(pats) < pr.min_pcs:
                    return
                self.record(pr, _group(pats), uc.patterns, unc,
                            sum(pr.hosts[p.host].cost for p in pats) + uc.cost, source)
                return
            if not pats:
                return
            drop = min(pats, key=lambda p: (sum(k for _, k in p.content), p))
            pats.remove(drop)
            for i, k in drop.content:
                unc[i] = unc.get(i, 0) + k

    def record(self, problem: Problem, patterns: list[tuple[Pattern, int]],
               units: list[tuple[UnitPattern, int]], uncovered: dict[int, int], cost: float,
               source: str) -> None:
        """Keep a solution if it beats the best; hand it on, verified, to ``on_plan``.

        One that breaks a shared stock (``Problem.pools``, its units counted) is offered as a
        packing instead, which drops PCs until it and its units (``cover_units``) keep them.
        """
        counts = [0] * len(problem.hosts)
        for p, k in patterns:
            counts[p.host] += k
        per_unit = [0] * len(problem.units)
        for q, k in units:
            per_unit[q.unit] += k
        if problem.over_pool(counts, per_unit) is not None:
            self.offer(problem, Packing([p for p, k in patterns for _ in range(k)],
                                        dict(uncovered)), source)
            return
        if self.best.offer(problem, patterns, units, uncovered, cost, source) and self.on_plan:
            found = self.result(verify=False, final=False)
            if not check_plan(found, self.inventory, self.catalog, self.policy):
                self.on_plan(found)

    def lp_progress(self, phase: str, best: float | None, bound: float | None) -> None:
        """Column generation's progress, reported with the best plan and the bound so far."""
        self.report(phase, max(self.lb, bound or 0.0))

    def best_start(self) -> tuple[list[tuple[Pattern, int]], list[tuple[UnitPattern, int]]] | None:
        """The best plan as a MIP start for the working problem, when it packs that problem."""
        return (self.best.patterns, self.best.units) if self.best.problem is self.work else None

    # -- the phases, in order ---------------------------------------------------------------

    def warm_start(self) -> None:
        """An earlier plan's PCs that still fit, the rest packed anew: a plan at once."""
        if self.start is None:
            return
        self.report("warm start")
        pk = warm_packing(self.original, self.start)
        if pk is not None:
            self.warm_columns = list(dict.fromkeys(pk.patterns))
            self.offer(self.original, pk, "warm start")
            self.report("warm start")

    def heuristics(self) -> None:
        """Constructive packings on the real sizes (a quarter of the time at most)."""
        self.report("heuristic")
        first = False
        if self.on_plan is not None and self.best.source == "":
            # someone is waiting for a first plan: the portfolio's first, one-pass packing
            # now (the whole portfolio may take a quarter of the time limit on large estates)
            self.offer(self.original, portfolio(self.original, self.unit_cost,
                                                time.monotonic()), "heuristic (first pass)")
            first = True
        # (where lp_rounding will run, its LP gets the time: the portfolio's plan on 50,000
        # real sizes, 36.9 M after 14-30 s, is beaten by every later phase; a pass running at
        # the deadline stops and counts for nothing, the first always completes)
        share = ROUND_PORTFOLIO_SHARE if self.rounding() else 0.25
        until = self.t0 + share * (self.deadline - self.t0)
        if not (first and time.monotonic() >= until):  # (else only that first pass again)
            self.offer(self.original, portfolio(self.original, self.unit_cost, until),
                       "heuristic")
        # starting columns for the merged classes: one cheap pass, not the whole portfolio
        if self.work is not self.original:
            self.work_start = portfolio(self.work, self.unit_cost, time.monotonic())
            self.offer(self.work, self.work_start, "heuristic (merged classes)")
        self.report("heuristic")

    def capacity_bound(self) -> None:
        """A capacity bound with integral counts, and its own mix of PC models (the fleet)."""
        self.lb, self.fleet = capacity_plan(self.original)
        self.stats["capacity_bound"] = self.original.to_money(self.lb)
        self.report("bound", self.lb)
        self.goal = self.original.round_bound(self.lb)
        self.perfect = needs_perfect(self.original, self.goal)
        self.filling = fill_applicable(self.original)
        o = self.original
        self.penalty = float(max(h.cost for h in o.hosts)
                             + 2 * max((u.cost for u in o.units), default=0) + 1)
        # few PCs holding many copies each: the bound's fleet may hold the demand only packed
        # exactly, which the placement rules miss and HiGHS often finds quickly
        self.use_fleet_milp = self.fleet is not None \
            and self.copies >= FLEET_MILP_DENSITY * sum(self.fleet) \
            and fleet_variables(o, self.fleet) <= MAX_FLEET_VARIABLES

    def early_lp(self) -> None:
        """Few classes with mobile units: the LP bound, a dive, the LP again, before the fleets.

        A capacity-bound fleet the count bound rules out is replaced by the count bound's own.
        """
        o = self.original
        if not (o.units and self.relaxed is None and len(o.items) <= EARLY_LP_CLASSES
                and self.open_gap() and not self.best.uncovered):
            return
        span = self.deadline - self.t0
        pool = [p for p, k in self.best.patterns for _ in range(k)] \
            if self.best.problem is o else []
        pool += [p for p in self.warm_columns if p not in set(pool)]
        cg: CGResult | None = None
        for share in EARLY_LP_SHARES:
            if self.t0 + share * span <= time.monotonic():
                break
            self.report("bound", self.lb)
            cg = column_generation(o, self.upats, pool, self.penalty, self.t0 + share * span,
                                   self.best.cost, progress=self.lp_progress,
                                   capacity=self.capacity, exact_every=EARLY_LP_EXACT_EVERY)
            self.raise_bound(cg.lower_bound)
            self.lp_optimal = self.lp_optimal or cg.lp_optimal
            self.stats.update(early_lp_bound=o.to_money(self.lb),
                              early_lp_seconds=round(time.monotonic() - self.t0, 3))
            known = set(cg.pool)
            pool = cg.pool + [p for p in pool if p not in known]
            if cg.fleet is not None:
                self.early_fleet = cg.fleet
            if cg.interrupted:
                raise KeyboardInterrupt
            if not self.open_gap():
                raise _Done
            # price-and-dive on the pool (a fraction of a second on few classes): the
            # sample's optimum comes from it; the next LP goes on against its plan
            self.report("dive", self.lb)
            dv = dive(o, self.upats, pool, self.penalty,
                      time.monotonic() + EARLY_DIVE_SHARE * span)
            if dv is not None:
                chosen, pool = dv
                self.offer(o, Packing(chosen, {}), "price-and-dive")
            if not self.open_gap():
                raise _Done
        if cg is None:
            return
        cg.pool = pool
        self.early = cg
        if self.fleet is not None:
            cost = sum(h.cost * k for h, k in zip(o.hosts, self.fleet, strict=True)) \
                + self.unit_cost(self.fleet)
            if o.round_bound(self.lb) > cost:
                # no packing into the capacity bound's fleet (with its units) reaches the bound:
                # the count bound's own fleet is the one to pack (it costs the bound)
                self.fleet = self.early_fleet
                self.use_fleet_milp = self.fleet is not None \
                    and self.copies >= FLEET_MILP_DENSITY * sum(self.fleet) \
                    and fleet_variables(o, self.fleet) <= MAX_FLEET_VARIABLES
                self.stats["fleet_ruled_out"] = True
                if self.fleet is not None:
                    # packing this fleet proves its plan optimal: the exact fleet model
                    # gets most of the time (the sample's 12 RPC-L: 2.3 s unloaded)
                    self.fleet_proves = sum(
                        h.cost * k for h, k in zip(o.hosts, self.fleet, strict=True)) \
                        + self.unit_cost(self.fleet) <= o.round_bound(self.lb)
        self.goal = o.round_bound(self.lb)
        if not self.open_gap():
            raise _Done

    def fleet_packing(self) -> None:
        """Placement rules on the bound's fleet (many small workloads: often enough)."""
        # not when only a perfect packing meets the bound and the exact fill will run:
        # placement rules never found one on the benchmarks up to 500 workloads, and the fill
        # needs the time; beyond the fill's size they are the best there is
        if self.fleet is not None and self.goal < self.best.cost - 1e-9 \
                and not (self.perfect and self.filling):
            pk = fleet_packing(self.original, self.fleet, time.monotonic()
                               + FLEET_PACKING_SHARE * (self.deadline - self.t0),
                               self.best.cost)
            if pk is not None:
                self.offer(self.original, pk, "fleet packing")
                self.report("heuristic", self.lb)
        if not self.open_gap():
            raise _Done

    def fleet_search(self) -> None:
        """Tabu search repairing the bound's fleet where some PCs are nearly full."""
        if self.fleet is None or self.perfect \
                or self.copies < FLEET_SEARCH_DENSITY * sum(self.fleet):
            return  # (a perfect packing is the exact fill's job)
        self.report("fill", self.lb)
        pk = fleet_search(self.original, self.fleet, min(
            self.deadline, time.monotonic() + FLEET_SEARCH_SHARE * (self.deadline - self.t0)))
        if pk is not None:
            self.offer(self.original, pk, "fleet search")
        if not self.open_gap():
            raise _Done

    def exact_fill(self) -> None:
        """Tight packings: fill PCs one at a time, exactly (most of the time if only perfect)."""
        if not self.filling:
            return
        self.report("fill", self.lb)
        # when only a perfect packing meets the bound, the fill's exact-cover search is what
        # can find it; column generation and branch-and-price could raise such a bound only
        # where no perfect packing exists (docs/formulation.md)
        share = PERFECT_FILL_SHARE if self.perfect else FILL_SHARE
        fill_deadline = time.monotonic() + share * self.left()
        if self.use_fleet_milp:  # the fill usually succeeds or gives up first: it goes first
            fill_deadline = min(fill_deadline, self.deadline - self.fleet_seconds())
        filled = exact_fill(self.original, fill_deadline, self.goal, self.best.cost)
        if filled is not None:
            self.offer(self.original, filled, "exact fill")

    def fleet_seconds(self) -> float:
        """The exact fleet model's seconds: its share, or most of what is left (a proof)."""
        share = FLEET_MILP_SHARE * (self.deadline - self.t0)
        return max(share, FLEET_PROOF_SHARE * self.left()) if self.fleet_proves else share

    def exact_fleet(self) -> None:
        """The bound's fleet packed exactly by HiGHS (few PCs, many copies each)."""
        if self.use_fleet_milp and self.open_gap():
            assert self.fleet is not None
            self.report("fill", self.lb)
            pk = fleet_milp(self.original, self.fleet,
                            min(self.deadline, time.monotonic() + self.fleet_seconds()))
            if pk is not None:
                self.offer(self.original, pk, "exact fleet")
        lp_min = LP_MIN_SECONDS + LP_SECONDS_PER_COPY * self.copies
        if not self.open_gap() or (self.filling and self.left() < lp_min):
            raise _Done  # closed, or no time left for one round of the LP

    def rounding(self) -> bool:
        """Whether ``lp_rounding`` runs: merged classes and more than ROUND_COPIES copies."""
        return self.relaxed is not None and self.copies > ROUND_COPIES

    def lp_rounding(self) -> None:
        """Many copies on merged classes: the real classes' LP rounded down, the rest packed.

        The merged classes (largest member sizes) plan above their LP, which sits several
        percent above the real classes' (50,000 real sizes: 35.5 M against <= 32.5 M); the
        placement rules leave each PC full in one dimension and short in another. Column
        generation on the real classes from the best plan's PCs balances the dimensions;
        ``round_down`` keeps its whole PCs and packs the rest into the residual's fleet. No
        bound is taken from it (the bound stays with ``lp_bound``).
        """
        o = self.original
        if not self.rounding() or self.best.uncovered or not self.open_gap():
            return
        span = self.deadline - self.t0
        self.report("bound", self.lb)
        start = list(dict.fromkeys(p for p, _ in self.best.patterns)) \
            if self.best.problem is o else []
        cg = column_generation(o, self.upats, start, self.penalty,
                               max(time.monotonic(), self.t0 + ROUND_LP_SHARE * span), math.inf,
                               progress=self.lp_progress, want_bound=False)
        self.stats.update(round_lp_value=o.to_money(cg.lp_value),
                          round_cg_iterations=cg.iterations)
        if cg.interrupted:
            raise KeyboardInterrupt
        if not cg.pool:
            return
        self.report("heuristic", self.lb)
        pk = round_down(o, cg.pool, cg.x, min(self.deadline,
                                               time.monotonic() + ROUND_PACK_SHARE * span))
        self.offer(o, pk, "LP rounding")
        self.report("heuristic", self.lb)
        if not self.open_gap():
            raise _Done

    def lp_bound(self) -> None:
        """Column generation: the LP bound and the column pool (relaxed classes if merged)."""
        o, work, relaxed = self.original, self.work, self.relaxed
        self.size = compact_size(o, self.best.cost) if not self.best.uncovered \
            else MAX_VARIABLES + 1
        self.stats["compact_variables"] = self.size
        # small instances without units: branch-and-price closes gaps the pool cannot, so the
        # compact model and the dive leave it more of the time
        self.exact = relaxed is None and not o.units and len(work.items) <= BNP_CLASSES
        start = [p for p, k in self.best.patterns for _ in range(k)] \
            if self.best.problem is work else \
            (self.work_start.patterns if self.work_start else [])
        if self.warm_columns and work is o:
            start = start + [p for p in self.warm_columns if p not in set(start)]
        cg_deadline = self.t0 + (0.4 if relaxed else 0.6) * (self.deadline - self.t0)
        if self.early is not None:
            # the early LP ran on these classes: its pool and bound stand (no second start)
            cg = self.early
            known = set(cg.pool)
            cg.pool = cg.pool + [p for p in start if p not in known]
        else:
            cg = column_generation(work, self.upats, start, self.penalty, cg_deadline,
                                   self.best.cost, progress=self.lp_progress,
                                   pricer=BranchPricer(work) if self.exact else None,
                                   capacity=self.counted(relaxed is None))
        self.stats.update(cg_iterations=cg.iterations, columns=len(cg.pool),
                          lp_value=work.to_money(cg.lp_value), lp_optimal=cg.lp_optimal,
                          cg_seconds=round(cg.seconds, 3))
        if relaxed is None:
            self.raise_bound(cg.lower_bound)
            self.lp_optimal = cg.lp_optimal
        # the LP's bound can no longer rise: proven optimal, or its rounding already meets the
        # LP value's (time is better spent branching)
        self.settled = cg.lp_optimal or (relaxed is None and work.round_bound(cg.lower_bound)
                                         >= work.round_bound(cg.lp_value) - 1e-9)
        if cg.interrupted:
            raise KeyboardInterrupt
        if relaxed is not None:
            # merged classes: the bound must hold for the real sizes, so it comes from the
            # relaxed (smallest-size) problem, warm-started with the merged columns
            # most of the time left: the bound is this phase's answer, and where the
            # phases before took most of 0.6 of the limit (the 805-VM workbook: 11.7 s of 30)
            # it got 6 s, too few for its first exact round to come after the LP's tail
            rcg = column_generation(
                relaxed, self.upats, cg.pool, self.penalty,
                max(self.t0 + 0.6 * (self.deadline - self.t0),
                    time.monotonic() + RELAXED_SHARE * self.left()), self.best.cost,
                progress=self.lp_progress, capacity=self.capacity)
            self.raise_bound(rcg.lower_bound)
            self.stats["relaxed_bound"] = o.to_money(rcg.lower_bound)
            if rcg.interrupted:
                raise KeyboardInterrupt
        self.report("bound", self.lb)
        self.pool = list(cg.pool)

    def dive(self) -> None:
        """Price-and-dive on the pool (less of the time where branch-and-price will run)."""
        if not (self.open_gap() and self.left() > 0.05):
            return
        self.report("dive", self.lb)
        # a converged LP leaves branch-and-price room to work; else the dive finds more
        share = 0.3 if self.exact and self.settled else 0.6
        dv = dive(self.work, self.upats, self.pool, self.penalty,
                  time.monotonic() + share * self.left())
        if dv is not None:
            chosen, self.pool = dv
            self.offer(self.work, Packing(chosen, {}), "price-and-dive")
        self.stats["columns"] = len(self.pool)

    def compact(self, seconds: float) -> None:
        """The exact compact assignment model: a plan and a bound on small instances."""
        self.report("compact", self.lb)
        res = solve_compact(self.original, self.upats, self.best.cost, seconds)
        if res is None:
            return
        self.raise_bound(res.bound)
        self.stats["compact_bound"] = self.original.to_money(res.bound)
        if res.patterns is not None and res.cost < self.best.cost:
            self.offer(self.original, Packing(res.patterns, {}), "compact MILP")
        self.report("compact", self.lb)
        if res.interrupted:
            raise KeyboardInterrupt
        if not self.open_gap():
            raise _Done

    def early_compact(self) -> None:
        """The compact model on small instances (where branch-and-price will not run)."""
        # (where branch-and-price runs, it proves more per second than the compact model)
        if self.open_gap() and not self.exact and self.size <= SMALL_COMPACT:
            self.compact(0.4 * self.left())
        elif self.open_gap() and not self.exact and self.size <= MAX_VARIABLES \
                and self.left() > 0.5 and self.early is None:
            # (after the early LP the integer master over its pool goes first: on the
            # sample it finds the optimum where the compact model finds nothing in 1.6 s)
            self.compact(0.5 * self.left())

    def integer_master(self) -> None:
        """Price-and-branch: the integer master over the column pool, from the best plan."""
        if not (self.open_gap() and self.left() > 0.05):
            return
        self.report("branch", self.lb)
        ms = solve_integer_master(self.work, self.upats, self.pool, self.penalty,
                                  (0.3 if self.exact and self.settled else 1.0) * self.left(),
                                  start=self.best_start())
        if ms is not None:
            self.accept(self.work, ms.patterns, ms.unit_patterns, ms.slack, ms.objective,
                        "price-and-branch")
        self.report("branch", self.lb)
        if ms is not None and ms.interrupted:
            raise KeyboardInterrupt

    def branch_and_price(self) -> None:
        """Exact branch-and-price on small instances without mobile units."""
        if not (self.exact and not self.best.uncovered and self.open_gap()
                and self.left() > 0.2):
            return
        self.report("branch", self.lb)
        bp = branch_and_price(self.work, self.upats, self.pool, self.penalty, self.deadline,
                              self.best.cost)
        if bp is None:
            return
        if bp.solution is not None:
            self.accept(self.work, bp.solution.patterns, [], {}, bp.solution.objective,
                        "branch-and-price")
        self.raise_bound(bp.lower_bound)
        known = set(self.pool)
        self.pool = self.pool + [p for p in bp.pool if p not in known]
        self.stats.update(bnp_nodes=bp.nodes, bnp_seconds=round(bp.seconds, 3),
                          bnp_proven=bp.proven)
        self.report("branch", self.lb)
        if bp.interrupted:
            raise KeyboardInterrupt

    def tighten_bound(self) -> None:
        """Time left after the integer master: more column generation, then the master again."""
        if not (self.open_gap() and self.left() > 0.5):
            return
        self.report("bound", self.lb)
        relaxed = self.relaxed
        target = relaxed if relaxed is not None else self.work
        more = column_generation(target, self.upats, self.pool, self.penalty, self.deadline,
                                 self.best.cost, progress=self.lp_progress,
                                 capacity=self.counted(True))
        self.raise_bound(more.lower_bound)
        self.lp_optimal = self.lp_optimal or (relaxed is None and more.lp_optimal)
        self.stats["final_cg_iterations"] = more.iterations
        if more.interrupted:
            raise KeyboardInterrupt
        if relaxed is None and self.open_gap() and more.pool and self.left() > 0.1:
            ms = solve_integer_master(self.work, self.upats, self.pool + more.pool,
                                      self.penalty, self.left(), start=self.best_start())
            if ms is not None:
                self.accept(self.work, ms.patterns, ms.unit_patterns, ms.slack,
                            ms.objective, "price-and-branch")

    def late_compact(self) -> None:
        """Still time: small instances go back to the exact compact model."""
        if self.open_gap() and self.size <= MAX_VARIABLES and self.left() > 0.5:
            self.compact(self.left())


def _assemble(problem: Problem, original: Problem, inventory: Inventory, catalog: Catalog,
              policy: Policy, best: _Best, lb: float, baseline: Baseline,
              bound: Decimal | None = None, *, interrupted: bool = False) -> Plan:
    """Turn patterns into named PCs and units, dropping over-covered copies and empty items.

    In money mode the cost is the expected total over the term of every per-PC and per-unit
    line (planner.model.prices) at the discount the PC count earns, rounded once to the cent;
    ``bound`` (money, the same lines) is rounded the same way, which keeps it a bound. The
    status is true: "optimal" only where the bound meets the cost with nothing dropped; no
    bound where stock ran out; "interrupted ..." after Ctrl-C or a Stop.
    """
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
            reason = STOCK_REASON if best.uncovered.get(i) else NOT_PLACED
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
    ticks = (sum(problem.hosts[t].cost for t in host_type)
             + sum(unit_type[pu.model].cost for pu in units))
    stock_short = any(u.reason == STOCK_REASON for u in unplaced)
    # not placed by the engine: only when a solve was cut short (Ctrl-C before any plan)
    dropped = any(u.reason == NOT_PLACED for u in unplaced)
    lower: Decimal | None = None
    gap: float | None = None
    notes: list[str] = []
    if problem.money:
        sc = policy.scenario
        terms = Terms.of(catalog, sc)
        pay = keep_factor(catalog.discount_percent(len(hosts)))
        models: list[HostModel | UnitModel] = [
            *(problem.hosts[t].model for t in set(host_type)),
            *{unit_type[pu.model].model for pu in units}]
        each = {m.name: item_price(terms, sc, m, pay) for m in models}
        exact = sum((each[h.model] for h in hosts), Decimal(0))
        exact += sum((each[pu.model] for pu in units), Decimal(0))
        # tests of some tiers use the PCs holding them: a cost of the packing that no item
        # price carries, added to the plan's cost but not to its bound (still a bound)
        if tiered_tests(sc):
            tier_of = {n: w.tier for n, w in by_name.items()}
            tiered = tier_test_cost(terms, sc, catalog, tested_in_plan(
                sc, [(h.id, h.model, {tier_of[n] for n in h.workloads}) for h in hosts],
                [(u.id, u.model, u.hosts) for u in units]))
            exact += tiered
            if tiered > 0:
                notes.append(
                    f"tests of some tiers ({', '.join(t.kind for t in tiered_tests(sc))}) cost "
                    f"{cents(tiered):,.2f} {problem.currency} over the term on the PCs holding "
                    "those tiers: in the plan's cost, not in its lower bound, so the gap "
                    "includes them")
        if bound is None:
            bound = Decimal(int(problem.round_bound(lb))) / problem.scale
        cost_out, rounded = money_out(exact, bound)
        if not (stock_short or dropped):
            lower = min(rounded, cost_out)
            gap = 0.0 if cost_out == 0 else float((cost_out - lower) / cost_out)
    else:
        cost_out = Decimal(ticks) / problem.scale
        if not (stock_short or dropped):
            lb_ticks = min(int(problem.round_bound(lb)), ticks)
            lower = Decimal(lb_ticks) / problem.scale
            gap = 0.0 if ticks == 0 else (ticks - lb_ticks) / ticks
    if interrupted:
        status = INTERRUPTED if best.source else INTERRUPTED_EMPTY
    elif stock_short or (unplaced and not hosts):
        status = INFEASIBLE
    elif dropped:
        status = FEASIBLE
    else:
        status = OPTIMAL if gap == 0.0 else FEASIBLE
    if status == INFEASIBLE:
        lower, gap = None, None
    warnings = list(problem.warnings) + notes
    if stock_short:
        warnings.append("vendor stock limits leave workloads unplaced; no bound is claimed")
    elif unplaced and not hosts and not interrupted:
        warnings.append("no workload in scope fits any PC model (see unplaced); no plan")
    if interrupted:
        warnings.append("interrupted (Ctrl-C or Stop): " + (
            "the best plan found so far, not proven optimal" if best.source
            else "stopped before the first plan; nothing is placed"))
    return Plan(
        status=status, cost=cost_out, lower_bound=lower, gap=gap,
        currency=problem.currency if problem.money else "PCs", hosts=hosts, units=units,
        unplaced=unplaced,
        out_of_scope=[UnplacedWorkload(u.name, u.reason) for u in problem.out_of_scope],
        baseline=baseline,
        solve_seconds=0.0, term_years=catalog.term_years,
        objective="money" if problem.money else "count", warnings=warnings,
        interrupted=interrupted)


def money_out(exact: Decimal, bound: Decimal) -> tuple[Decimal, Decimal]:
    """A plan's exact expected total and a bound on it, as reported (cost, bound).

    Exact where the total has at most six decimals (fees such as 10.001), else rounded once to
    the cent, half up: rounding is monotone, so the bound rounded the same way stays below
    every plan's reported cost.
    """
    places = next((Decimal(1).scaleb(-k) for k in range(2, 7)
                   if exact == exact.quantize(Decimal(1).scaleb(-k))), None)
    if places is not None:
        return exact.quantize(places), bound.quantize(places, rounding=ROUND_FLOOR)
    return cents(exact), cents(bound)


_BASELINES: OrderedDict[tuple[object, ...], Baseline] = OrderedDict()
_BASELINES_LOCK = threading.Lock()
#: physical baselines kept per process: a what-if that moves overcommit or headroom re-plans
#: the same estate, whose physical imaging (no overcommit) has not changed
BASELINE_MEMO = 16


def _baseline_memo(inventory: Inventory, catalog: Catalog, policy: Policy,
                   problem: Problem) -> Baseline:
    """``physical_baseline``, remembered by everything it depends on.

    It reads the inventory, the catalog, the tiers, growth, storage basis and seats of the
    policy (not overcommit, headroom or reserves), which PC models the problem kept, and in
    money mode the scenario (the models are chosen by expected cost); its unit cover is a
    MILP that can take seconds on large estates.
    """
    key = (inventory, catalog, policy.tiers, policy.growth_per_year, policy.storage_basis,
           policy.workstation_seats, tuple(h.model.name for h in problem.hosts),
           policy.scenario if catalog.has_fees else None)
    with _BASELINES_LOCK:
        if key in _BASELINES:
            _BASELINES.move_to_end(key)
            return deepcopy(_BASELINES[key])
    found = physical_baseline(inventory, catalog, policy, problem)
    with _BASELINES_LOCK:
        _BASELINES[key] = deepcopy(found)
        while len(_BASELINES) > BASELINE_MEMO:
            _BASELINES.popitem(last=False)
    return found


def physical_baseline(inventory: Inventory, catalog: Catalog, policy: Policy,
                      problem: Problem | None = None) -> Baseline:
    """One PC per in-scope workload (cheapest model holding it with no overcommit), plus units.

    In money mode "cheapest" is the expected total over the term of a physical PC (its fees,
    usage and test days, and the image it keeps) at the volume discount the baseline's own PC
    count earns; the cost is every per-PC and per-unit line, rounded once to the cent.
    """
    problem = problem or build_problem(inventory, catalog, policy)
    money = catalog.has_fees
    sc = policy.scenario
    terms = Terms.of(catalog, sc) if money else None

    def price(m: HostModel | UnitModel, keep: Decimal) -> Decimal:
        if terms is None:
            return catalog.item_cost(m)
        return item_price(terms, sc, m, keep, "physical")

    keep = Decimal(1)
    pick = _baseline_pick(inventory, catalog, policy, problem, partial(price, keep=keep))
    for _ in range(3):  # the discount depends on the count, the models on the discount
        again = keep_factor(catalog.discount_percent(sum(pick[0].values()))) if money else keep
        if again == keep:
            break
        keep = again
        pick = _baseline_pick(inventory, catalog, policy, problem, partial(price, keep=keep))
    used, counts, seats, unplaced, by_tier = pick
    keep = keep_factor(catalog.discount_percent(sum(used.values()))) if money else keep
    cost = sum((price(hm, keep) * used[hm.name] for hm in catalog.hosts if used.get(hm.name)),
               Decimal(0))
    n_units = 0
    units_by_model: dict[str, int] = {}
    if problem.units:
        # the units' costs at the baseline's own discount
        phys = replace(problem, units=[replace(u, cost=ticks_of(price(u.model, keep),
                                                                problem.scale))
                                       for u in problem.units]) if money else problem
        cov = cover_units(phys, counts, seats)
        n_units = sum(k for _, k in cov.patterns)
        for p, k in cov.patterns:
            name = problem.units[p.unit].model.name
            units_by_model[name] = units_by_model.get(name, 0) + k
        cost += sum((price(problem.units[p.unit].model, keep) * k for p, k in cov.patterns),
                    Decimal(0))
    by_model = {k: v for k, v in used.items() if v}
    if terms is not None and tiered_tests(sc):
        cost += tier_test_cost(terms, sc, catalog, tested_physically(
            sc, by_tier, sum(used.values()), units_by_model))
    if not money:
        cost = Decimal(sum(used.values())) + Decimal(n_units) / COUNT_HOST
    else:
        cost = cents(cost)
    return Baseline(sum(used.values()), n_units, cost, by_model, unplaced,
                    {k: v for k, v in sorted(units_by_model.items()) if v},
                    {t: dict(sorted(m.items())) for t, m in sorted(by_tier.items())})


def _baseline_pick(inventory: Inventory, catalog: Catalog, policy: Policy, problem: Problem,
                   price: Callable[[HostModel], Decimal]
                   ) -> tuple[dict[str, int], list[int], int, list[UnplacedWorkload],
                              dict[int, dict[str, int]]]:
    """Each in-scope copy on the cheapest model (by ``price``) holding it bare, within stock.

    Also returns the PCs per tier and model (a test of some tiers uses those PCs).
    """
    growth = growth_factor(policy, catalog)
    models = sorted(catalog.hosts, key=lambda m: (price(m), m.cores, m.name))
    used = {m.name: 0 for m in models}
    counts = [0] * len(problem.hosts)
    type_of = {ht.model.name: ht.index for ht in problem.hosts}
    unplaced: list[UnplacedWorkload] = []
    by_tier: dict[int, dict[str, int]] = {}
    seats = 0
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
            tier = by_tier.setdefault(w.tier, {})
            tier[choice.name] = tier.get(choice.name, 0) + 1
            if choice.name in type_of:
                counts[type_of[choice.name]] += 1
            if w.kind == "workstation" and policy.workstation_seats:
                seats += 1
    return used, counts, seats, unplaced, by_tier
