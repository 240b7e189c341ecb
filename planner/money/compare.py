"""Vendor quotes side by side, and how the ranking moves with the assumptions (sensitivity).

``compare`` plans one inventory against each quote and ranks them by cost over the term.
``sweep`` varies policy and scenario parameters; plans are cached by what the engine minimises:
the quote, the packing rules (``Policy``, whose equality ignores the money-only ``scenario``)
and the expected cost of each PC and unit model at each discount tier. Money parameters that
change those costs (declarations, disaster days, hypervisor licences...) re-plan, starting from
the plan cached for the same packing rules; the others (discount rate, P2V prices, image
upkeep) re-price the cached plan without solving.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.model.plan import Plan
from planner.model.prices import Terms, item_price, keep_factor
from planner.money.costing import Assessment, assess, fmt, left_out
from planner.readers.catalog import Catalog, HostModel, Policy, Scenario, UnitModel
from planner.readers.inventory import Inventory
from planner.solver.engine import plan as make_plan

#: parameters that change the packing (re-solve) and those that only change money (re-price)
PACKING_PARAMS = ("cpu_overcommit", "memory_overcommit", "headroom", "growth_per_year",
                  "host_reserved_cores")
MONEY_PARAMS = ("declarations", "disaster_days", "discount_rate", "p2v_server",
                "p2v_workstation", "hypervisor_licence", "hypervisor_subscription",
                "image_storage", "image_maintenance")
#: money parameters every cost is linear in: a crossing between two points is exact
LINEAR_PARAMS = frozenset(MONEY_PARAMS) - {"discount_rate"}
ALIASES = {"overcommit": "cpu_overcommit", "growth": "growth_per_year"}
CROSSING_COLUMNS = ["param", "lo", "hi", "at", "exact", "from_vendor", "to_vendor", "fixed"]

PlanFn = Callable[..., Plan]


def _default_plan(inventory: Inventory, catalog: Catalog, policy: Policy,
                  time_limit: float, start: Plan | None = None) -> Plan:
    return make_plan(inventory, catalog, policy, time_limit=time_limit, start=start)


def price_key(catalog: Catalog, scenario: Scenario) -> tuple[Decimal, ...]:
    """What the engine minimises for this quote: every model's expected cost at every tier.

    Two scenarios with the same key give the same optimisation problem (count mode: empty).
    """
    if not catalog.has_fees:
        return ()
    terms = Terms.of(catalog, scenario)
    keeps = sorted({keep_factor(catalog.discount_percent(n))
                    for n in [0, *(t.min_pcs for t in catalog.discounts)]})
    models: list[HostModel | UnitModel] = [*catalog.hosts, *catalog.units]
    return tuple(item_price(terms, scenario, m, k) for k in keeps for m in models)


def reporting_currency(catalogs: Sequence[Catalog], policy: Policy) -> Scenario:
    """The scenario to price with: the policy's, with a currency fixed for all quotes.

    Quotes in different currencies need ``[scenario] currency`` and rates; one currency for all
    quotes needs neither.
    """
    sc = policy.scenario
    if sc.currency is not None:
        for c in catalogs:
            sc.rate(c.currency, c.source or "<policy>")  # fails early, naming the missing rate
        return sc
    currencies = sorted({c.currency for c in catalogs})
    if len(currencies) > 1:
        raise InputError(f"quotes are in different currencies {currencies}",
                         field="scenario.currency",
                         fix="set [scenario] currency and [scenario.rates] in the policy")
    return replace(sc, currency=currencies[0] if currencies else None)


@dataclass
class PlanCache:
    """Plans keyed by (quote index, Policy, model costs): equal optimisations are solved once.

    A plan for the same quote and packing rules under other model costs (another money
    scenario) is handed to the engine as its starting plan.
    """

    plans: dict[tuple[int, Policy, tuple[Decimal, ...]], Plan] = field(default_factory=dict)
    solves: int = 0
    hits: int = 0
    started: int = 0
    last: dict[tuple[int, Policy], Plan] = field(default_factory=dict)

    def get(self, key: int, inventory: Inventory, catalog: Catalog, policy: Policy,
            time_limit: float, plan_fn: PlanFn) -> tuple[Plan, bool]:
        """The plan for these inputs and whether it was reused from the cache."""
        k = (key, policy, price_key(catalog, policy.scenario))
        if k in self.plans:
            self.hits += 1
            return self.plans[k], True
        self.solves += 1
        start = self.last.get((key, policy))
        if start is not None:
            self.started += 1
            p = plan_fn(inventory, catalog, policy, time_limit, start=start)
        else:
            p = plan_fn(inventory, catalog, policy, time_limit)
        if not p.interrupted:  # a cut-short plan is never reused
            self.plans[k] = self.last[(key, policy)] = p
        return p, False


@dataclass
class Comparison:
    """Quotes ranked by virtual cost over the term, with each quote's full assessment."""

    currency: str
    assessments: list[Assessment]
    warnings: list[str] = field(default_factory=list)
    #: Ctrl-C: the quotes not compared (their solve was cut short or never started)
    interrupted: bool = False
    not_compared: list[str] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        """The ranked rows: one per quote (amounts Decimal, in ``currency``)."""
        return ranking(self.assessments)

    def table(self) -> pd.DataFrame:
        """The ranked tidy table: one row per quote (amounts Decimal, in ``currency``)."""
        return pd.DataFrame(self.rows())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready comparison: ranking rows and each quote's assessment."""
        from planner.money.costing import jsonable

        return jsonable({"currency": self.currency,
                         "interrupted": self.interrupted,
                         "not_compared": self.not_compared,
                         "ranking": self.rows(),
                         "quotes": [a.to_dict() for a in self.assessments],
                         "warnings": self.warnings})

    def report(self) -> str:
        """The ranked table for the terminal; every amount names the currency."""
        cur = self.currency
        t = self.rows()
        head = (f"{'#':>2} {'vendor':<24} {'cost over term':>20} {'present value':>20} "
                f"{'PCs':>4} {'units':>5} {'per workload':>15} {'gap':>7} "
                f"{'saving vs physical':>20}")
        lines = [f"Quotes ranked by cost over the term (amounts in {cur})", head]
        for r in t:
            gap = "n/a" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
            lines.append(
                f"{r['rank']:>2} {str(r['vendor'])[:24]:<24} {fmt(r['total'], cur):>20} "
                f"{fmt(r['present_value'], cur):>20} {r['pcs']:>4} {r['units']:>5} "
                f"{fmt(r['cost_per_workload'], cur):>15} {gap:>7} {fmt(r['savings'], cur):>20}")
        if len(t) > 1:
            d = t[1]["total"] - t[0]["total"]
            lines.append(f"{t[0]['vendor']} is cheapest by {fmt(d, cur)} over the term.")
        by_line: dict[str, list[str]] = {}  # the same machines are often left out by each quote
        for a in self.assessments:
            for line in left_out(a.plan):
                by_line.setdefault(line, []).append(str(a.vendor))
        lines.extend(f"{', '.join(vs)}: {line}" for line, vs in by_line.items())
        if self.interrupted:
            lines.append(f"interrupted (Ctrl-C): {len(t)} of {len(t) + len(self.not_compared)} "
                         f"quote(s) compared; not compared: {', '.join(self.not_compared)}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def ranking(assessments: Sequence[Assessment]) -> list[dict[str, Any]]:
    """Rank assessments by virtual total (then present value, then vendor name)."""
    order = sorted(assessments, key=lambda a: (a.virtual.total, a.virtual.present_value,
                                               a.vendor))
    rows = []
    for i, a in enumerate(order, start=1):
        rows.append({
            "rank": i, "vendor": a.vendor, "source": a.source, "currency": a.currency,
            "total": a.virtual.total, "present_value": a.virtual.present_value,
            "pcs": a.virtual.contract.n_pcs, "units": a.virtual.contract.n_units,
            "protected": a.virtual.contract.protected,
            "cost_per_workload": a.cost_per_workload, "gap": a.plan.gap,
            "status": a.plan.status, "physical_total": a.physical.total,
            "savings": a.savings, "savings_present_value": a.savings_pv,
            "unplaced": len(a.plan.unplaced), "term_years": a.virtual.term_years,
        })
    return rows


def compare(inventory: Inventory, catalogs: Sequence[Catalog], policy: Policy, *,
            time_limit: float = 30.0, plan_fn: PlanFn = _default_plan,
            cache: PlanCache | None = None) -> Comparison:
    """Plan the inventory against each quote and rank the quotes (time_limit per quote)."""
    if not catalogs:
        raise InputError("no quotes to compare", fix="give one or more catalog TOML files")
    sc = reporting_currency(catalogs, policy)
    pol = replace(policy, scenario=sc)
    cache = cache or PlanCache()
    out: list[Assessment] = []
    for i, c in enumerate(catalogs):
        try:
            p = cache.get(i, inventory, c, pol, time_limit, plan_fn)[0]
        except KeyboardInterrupt:
            p = None
        if p is None or p.interrupted:
            # Ctrl-C ends the comparison: the quotes finished are kept, the rest named
            skipped = [str(c2.vendor) for c2 in catalogs[i:]]
            if not out:
                raise KeyboardInterrupt
            return Comparison(sc.currency or "", out, _compare_warnings(catalogs[:i], out),
                              interrupted=True, not_compared=skipped)
        out.append(assess(p, inventory, c, pol))
    return Comparison(sc.currency or "", out, _compare_warnings(catalogs, out))


def _compare_warnings(catalogs: Sequence[Catalog], out: Sequence[Assessment]) -> list[str]:
    warnings = []
    terms = sorted({c.term_years for c in catalogs})
    if len(terms) > 1:
        warnings.append(f"quotes run for different terms {terms} years; compare the totals "
                        "with care (present value and cost per year differ)")
    placed = {a.virtual.contract.protected for a in out}
    if len(placed) > 1:
        warnings.append("quotes protect different numbers of workloads: "
                        + "; ".join(f"{a.vendor} {a.virtual.contract.protected:,}"
                                    for a in out))
    return warnings


def _apply(policy: Policy, values: Mapping[str, float]) -> Policy:
    """The policy with sweep values set: packing fields on Policy, money fields on scenario.

    Policy and Scenario check every value against the schema's range (the same rule as a
    policy file), so a sweep never plans with ``overcommit = 0`` or ``growth = 5``.
    """
    pack: dict[str, Any] = {k: float(v) for k, v in values.items() if k in PACKING_PARAMS}
    money: dict[str, Any] = {k: Decimal(str(v)) for k, v in values.items()
                             if k in MONEY_PARAMS}
    try:
        return replace(policy, **pack, scenario=replace(policy.scenario, **money))
    except InputError as exc:
        name = (exc.field or "").removeprefix("scenario.")
        raise InputError(f"sweep value {exc.found} for {name}: {exc.detail}", field="--param",
                         found=exc.found, fix=exc.fix) from None


def check_axes(policy: Policy, axes: Mapping[str, Sequence[float]]) -> None:
    """Check every sweep value against the schema's ranges before anything is read or solved."""
    for name, vals in axes.items():
        key = canonical_param(name)
        for v in vals:
            _apply(policy, {key: v})


def canonical_param(name: str) -> str:
    """Resolve a sweep parameter name (with aliases) or fail with the list of known ones."""
    key = ALIASES.get(name, name)
    if key not in PACKING_PARAMS and key not in MONEY_PARAMS:
        known = ", ".join([*ALIASES, *PACKING_PARAMS, *MONEY_PARAMS])
        raise InputError(f"unknown sweep parameter {name!r}", field=name,
                         fix=f"use one of: {known}")
    return key


@dataclass
class SweepResult:
    """A sweep: tidy points (a row per point and quote) and where the cheapest quote changes."""

    currency: str
    params: list[str]
    rows: list[dict[str, Any]]
    crossing_rows: list[dict[str, Any]]
    solves: int
    reused: int
    interrupted: bool = False
    points_planned: int = 0
    points_total: int = 0

    @property
    def points(self) -> pd.DataFrame:
        """Tidy table: one row per point and quote (parameters, rank, totals, savings, reuse)."""
        return pd.DataFrame(self.rows)

    @property
    def crossings(self) -> pd.DataFrame:
        """Tidy table of the points where the cheapest quote changes."""
        return pd.DataFrame(self.crossing_rows, columns=CROSSING_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready sweep: points, crossings, solve counts."""
        from planner.money.costing import jsonable

        return jsonable({"currency": self.currency, "params": self.params,
                         "interrupted": self.interrupted,
                         "points_planned": self.points_planned,
                         "points_total": self.points_total,
                         "points": self.rows, "crossings": self.crossing_rows,
                         "solves": self.solves, "reused": self.reused})

    def report(self) -> str:
        """Per point: the ranking with totals; then the crossings."""
        cur = self.currency
        lines = [f"Sensitivity sweep (amounts in {cur}); {self.solves} plans solved, "
                 f"{self.reused} reused"]
        by_point: dict[int, list[dict[str, Any]]] = {}
        for r in self.rows:
            by_point.setdefault(r["point"], []).append(r)
        for _, grp in sorted(by_point.items()):
            where = ", ".join(f"{p}={grp[0][p]}" for p in self.params)
            lines.append(f"{where}: " + "  ".join(
                f"{r['rank']}. {r['vendor']} {fmt(r['total'], cur)} "
                f"(saves {fmt(r['savings'], cur)})"
                for r in sorted(grp, key=lambda r: r["rank"])))
        if not self.crossing_rows:
            lines.append("The cheapest quote is the same at every point.")
        for c in self.crossing_rows:
            at = (f"at {c['param']} = {c['at']}" if c["exact"] else
                  f"between {c['param']} = {c['lo']} and {c['hi']}")
            lines.append(f"Cheapest changes from {c['from_vendor']} to {c['to_vendor']} {at}")
        if self.interrupted:
            lines.append(f"interrupted (Ctrl-C): {self.points_planned} of {self.points_total} "
                         "point(s) planned; the rest were not")
        return "\n".join(lines)


def sweep(inventory: Inventory, catalogs: Sequence[Catalog], policy: Policy,
          axes: Mapping[str, Sequence[float]], *, grid: bool = False,
          time_limit: float = 10.0, plan_fn: PlanFn = _default_plan,
          cache: PlanCache | None = None) -> SweepResult:
    """Sweep parameters and rank the quotes at each point.

    One-at-a-time by default (each axis varied with the others at the policy's values); with
    ``grid`` the cartesian product. Plans are reused through ``cache`` whenever the packing
    inputs repeat, so money-only axes cost one solve per quote in total.
    """
    axes = {canonical_param(k): list(v) for k, v in axes.items()}
    combos = _combos(axes, grid)
    sc = reporting_currency(catalogs, policy)
    base = replace(policy, scenario=sc)
    names = list(axes)
    cache = cache or PlanCache()
    rows: list[dict[str, Any]] = []
    pols = [_apply(base, values) for values in combos]  # every point checked before solving
    done = 0
    for pi, (values, pol) in enumerate(zip(combos, pols, strict=True)):
        at: list[Assessment] = []
        reused: list[bool] = []
        stopped = False
        for qi, cat in enumerate(catalogs):
            try:
                p, hit = cache.get(qi, inventory, cat, pol, time_limit, plan_fn)
            except KeyboardInterrupt:
                stopped = True
                break
            if p.interrupted:
                stopped = True
                break
            at.append(assess(p, inventory, cat, pol))
            reused.append(hit)
        if stopped:  # Ctrl-C: the points finished are kept, this one is dropped
            if not rows:
                raise KeyboardInterrupt
            return SweepResult(sc.currency or "", names, rows, _crossings(rows, names, grid),
                               cache.solves, cache.hits, True, done, len(combos))
        done += 1
        fixed = {k: _value_of(pol, k) for k in names}
        hit_of = {a.source: h for a, h in zip(at, reused, strict=True)}
        contract_of = {a.source: _contract(a.plan) for a in at}
        for r in ranking(at):
            rows.append({"point": pi, **fixed, "varied": ",".join(values), **r,
                         "reused": hit_of[r["source"]], "contract": contract_of[r["source"]]})
    return SweepResult(sc.currency or "", names, rows, _crossings(rows, names, grid),
                       cache.solves, cache.hits, False, done, len(combos))


def _contract(p: Plan) -> str:
    """The PCs and units a plan contracts, per model (the sweep's crossings compare them)."""
    return ", ".join(f"{k} x{v}" for k, v in [*p.host_counts().items(),
                                              *p.unit_counts().items()])


def _combos(axes: Mapping[str, Sequence[float]], grid: bool) -> list[dict[str, float]]:
    """The sweep's points: one axis at a time, or with ``grid`` the cartesian product."""
    if not axes or any(not v for v in axes.values()):
        raise InputError("nothing to sweep", fix="give e.g. --param disaster_days=7,14,30")
    names = list(axes)
    if grid:
        return [dict(zip(names, vs, strict=True)) for vs in itertools.product(*axes.values())]
    return [{k: v} for k in names for v in axes[k]]


def sweep_policies(catalogs: Sequence[Catalog], policy: Policy,
                   axes: Mapping[str, Sequence[float]], *, grid: bool = False) -> list[Policy]:
    """The policy at each point of a sweep, in the sweep's order.

    planner/scale solves the distinct ones as parallel tasks before the sweep itself runs.
    """
    axes = {canonical_param(k): list(v) for k, v in axes.items()}
    combos = _combos(axes, grid)
    base = replace(policy, scenario=reporting_currency(catalogs, policy))
    return [_apply(base, values) for values in combos]


def _value_of(policy: Policy, name: str) -> Any:
    if name in {f.name for f in fields(Policy)}:
        return getattr(policy, name)
    return getattr(policy.scenario, name)


def _crossings(rows: list[dict[str, Any]], names: list[str],
               grid: bool) -> list[dict[str, Any]]:
    """Where the cheapest quote changes between neighbouring points along each axis.

    For money parameters every total of a fixed plan is linear in (declarations, disaster
    days, P2V...); when each of the two quotes contracts the same PCs and units at both points
    (the engine re-plans when the parameter changes the model costs), the crossing of their
    totals between the points is exact. Otherwise the bracket is given.
    """
    out: list[dict[str, Any]] = []
    for name in names:
        others = [n for n in names if n != name] if grid else []
        lanes: dict[tuple[Any, ...], dict[Any, list[dict[str, Any]]]] = {}
        for r in rows:
            if not grid and r["varied"] != name:
                continue
            lane = lanes.setdefault(tuple(r[o] for o in others), {})
            lane.setdefault(r[name], []).append(r)
        for key, per_x in sorted(lanes.items()):
            for lo, hi in itertools.pairwise(sorted(per_x)):
                a, b = per_x[lo], per_x[hi]
                win_a = next(r for r in a if r["rank"] == 1)
                win_b = next(r for r in b if r["rank"] == 1)
                if win_a["source"] == win_b["source"]:
                    continue
                ta = {r["source"]: r["total"] for r in a}
                tb = {r["source"]: r["total"] for r in b}
                x: Decimal | None = None
                same = all(
                    next(r["contract"] for r in a if r["source"] == src)
                    == next(r["contract"] for r in b if r["source"] == src)
                    for src in (win_a["source"], win_b["source"]))
                if name in LINEAR_PARAMS and same:
                    d_lo = ta[win_a["source"]] - ta[win_b["source"]]
                    d_hi = tb[win_a["source"]] - tb[win_b["source"]]
                    if d_hi != d_lo:
                        x0, x1 = Decimal(str(lo)), Decimal(str(hi))
                        x = (x0 + (x1 - x0) * d_lo / (d_lo - d_hi)).quantize(Decimal("0.0001"))
                out.append({"param": name, "lo": lo, "hi": hi, "at": x, "exact": x is not None,
                            "from_vendor": win_a["vendor"], "to_vendor": win_b["vendor"],
                            "fixed": dict(zip(others, key, strict=True))})
    return out
