"""``planner report``: the written DR plan as self-contained HTML and, optionally, PDF.

Kept apart from planner/cli/main.py so that file only needs one line to register it.
"""

from __future__ import annotations

import argparse
from typing import Any

from planner.errors import PlannerError
from planner.model.plan import Plan
from planner.money.compare import compare
from planner.present.report import (
    RtoComparison,
    build_report,
    rto_comparison,
    write_html,
    write_pdf,
)
from planner.readers import load_inventory, size_inventory
from planner.readers.catalog import Catalog, Policy, load_catalog, load_policy
from planner.readers.inventory import Inventory
from planner.recovery.enforce import plan_meeting_rto
from planner.solver.engine import ProgressFn
from planner.solver.engine import plan as make_plan


def _plan(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
          enforce: bool, progress: ProgressFn | None = None
          ) -> tuple[Plan, RtoComparison | None]:
    """The plan to report: the cheapest, or with ``enforce`` the cheapest meeting the RTO."""
    if not enforce:
        return make_plan(inventory, catalog, policy, time_limit=time_limit), None
    if not policy.rto:
        raise PlannerError("--enforce-rto needs RTO targets: add an [rto] table to the policy, "
                           'e.g. [rto] 1 = "4 h"')
    r = plan_meeting_rto(inventory, catalog, policy, time_limit=time_limit, progress=progress)
    return r.plan, rto_comparison(r, inventory, catalog, policy)


def rto_lines(rto: RtoComparison, currency: str) -> list[str]:
    """What meeting the RTO costs, and each tier against its target, for the terminal."""
    out = [rto.cost_words(currency)]
    for t in rto.tiers:
        if t.meets is not None:
            state = "meets" if t.meets else (
                f"misses by {t.miss:.1f} h ({t.late} of {t.workloads} workloads late)"
                if t.miss else "never fully back")
            back = "n/a" if t.back_at is None else f"{t.back_at:.1f} h"
            out.append(f"tier {t.tier}: running at {back}, RTO {t.rto:g} h: {state}")
    out.extend(f"cannot meet: {line}" for line in rto.impossible)
    out.extend(f"note: {line}" for line in rto.notes)
    return out


def timeline_lines(plan: Plan, inventory: Inventory, catalog: Catalog,
                   policy: Policy) -> list[str]:
    """Each tier's recovery after a declaration, against its RTO, for ``planner plan``."""
    from planner.recovery.timeline import timeline

    tl = timeline(plan, inventory, catalog, policy)
    out = ["Recovery after a declaration (docs/recovery.md):"]
    for t in tl.tiers:
        back = "nothing placed" if t.back_at is None else f"{t.back_at:.1f} h"
        what = f"placed ones running at {back}, {t.unplaced} unplaced" if t.unplaced else (
            f"all running at {back}")
        target = "" if t.rto is None else f", RTO {t.rto:g} h: " + (
            "meets" if t.meets else (
                f"misses by {t.miss:.1f} h ({t.late} of {t.workloads} late)" if t.miss
                else "never fully back"))
        out.append(f"  tier {t.tier}: {what}{target}")
    return out + [f"  note: {n}" for n in tl.notes]


def enforced_plan(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
                  progress: ProgressFn | None = None) -> tuple[Plan, list[str]]:
    """``planner plan --enforce-rto``: the plan meeting the RTO and the lines to print."""
    p, rto = _plan(inventory, catalog, policy, time_limit, True, progress)
    assert rto is not None
    cur = policy.scenario.currency or catalog.currency
    return p, rto_lines(rto, cur)


def _cmd_report(args: argparse.Namespace) -> int:
    inventory, imported = load_inventory(args.inventory, mapping=args.mapping)
    catalog = load_catalog(args.catalog)
    policy = load_policy(args.policy)
    # the same sizing as `planner plan --usage`: the written plan is of the inventory planned
    inventory, sizing = size_inventory(inventory, imported, policy, args.usage)
    main_plan, rto = _plan(inventory, catalog, policy, args.time_limit, args.enforce_rto)
    if sizing is not None:
        main_plan.stats["sizing"] = sizing.to_dict()
        main_plan.warnings += sizing.warnings()  # as planner plan: fallbacks, a snapshot
    catalogs = [catalog, *[load_catalog(q) for q in args.quotes or []]]

    def plan_fn(inv: Inventory, cat: Catalog, pol: Policy, limit: float, **_: Any) -> Plan:
        # the quote to contract keeps the plan already made: the report's numbers are its own
        if cat is catalog:
            return main_plan
        return _plan(inv, cat, pol, limit, args.enforce_rto)[0]

    comparison = compare(inventory, catalogs, policy, time_limit=args.time_limit,
                         plan_fn=plan_fn)
    assessment = comparison.assessments[0]
    report = build_report(main_plan, inventory, catalog, policy, assessment,
                          comparison=comparison if len(catalogs) > 1 else None, rto=rto)
    write_html(report, args.out)
    print(f"wrote {args.out}")
    if args.pdf:
        pages = write_pdf(report, args.pdf)
        print(f"wrote {args.pdf} ({pages} pages)")
    if rto is not None:
        print("\n".join(rto_lines(rto, assessment.currency)))
    else:
        for t in report.timeline.tiers:
            if t.meets is not None:
                back = "n/a" if t.back_at is None else f"{t.back_at:.1f} h"
                print(f"tier {t.tier}: running at {back}, RTO {t.rto:g} h: "
                      + ("meets" if t.meets else "misses"))
    return 0


def add_commands(sub: Any) -> None:
    """Register ``report`` on the planner's subcommand parser."""
    r = sub.add_parser("report", help="write the DR plan for approval: HTML and optionally PDF")
    r.add_argument("inventory", help="inventory: RVTools .xlsx/CSV, Azure Migrate CSV, or the "
                   "planner's CSV/.xlsx (see docs/formats.md)")
    r.add_argument("--catalog", required=True, help="vendor catalog TOML (the quote to contract)")
    r.add_argument("--quotes", nargs="*", metavar="TOML",
                   help="other vendor quotes: adds the vendor comparison section")
    r.add_argument("--policy", help="policy TOML ([rto], [scenario], [[approval]])")
    r.add_argument("--out", required=True, metavar="PATH", help="HTML file to write")
    r.add_argument("--pdf", metavar="PATH", help="also print it to this PDF (WeasyPrint)")
    r.add_argument("--enforce-rto", action="store_true",
                   help="plan so every tier meets its RTO; report what that costs")
    r.add_argument("--time-limit", type=float, default=30.0,
                   help="seconds per plan solved (default 30)")
    r.add_argument("--mapping", metavar="FILE",
                   help="CSV setting tier/kind/affinity/anti_affinity/exclude by name or regex")
    r.add_argument("--usage", metavar="FILE",
                   help="usage CSV (CPU and memory in use per workload) for policy "
                   "sizing = measured, as in `planner plan --usage`")
    r.set_defaults(func=_cmd_report)
