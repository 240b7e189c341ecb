"""The ``planner`` command line: plan, compare quotes, sweep the assumptions, benchmark."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text

from planner.cli.common import (
    EXIT_CODES,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_inventory_args,
    add_reading_args,
    check_file,
    check_folder,
    load,
    plan_exit_code,
    progress_stream,
    seconds,
)
from planner.errors import InputError, PlannerError, VerificationError
from planner.model.plan import FEASIBLE, INTERRUPTED, INTERRUPTED_EMPTY, OPTIMAL, Plan, spare_words
from planner.present.export import write_csv, write_json, write_xlsx
from planner.readers import size_inventory
from planner.readers.catalog import load_catalog, load_policy
from planner.solver.engine import plan as make_plan


class Progress:
    """A live status line on stderr when it is a terminal: phase, best plan, bound, gap, time.

    Drawn with rich; nothing at all is written when stderr is piped or with --quiet.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0
        self.live: Live | None = None
        if enabled:
            self.live = Live(Text(""), console=Console(stderr=True), transient=True,
                             refresh_per_second=8)
            self.live.start()

    def __call__(  # noqa: D102
        self, phase: str, best: float | None, bound: float | None, left: float) -> None:
        if self.live is None:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and phase == "bound":
            return
        self.last = now
        b = "-" if best is None else f"{best:,.2f}"
        lb = "-" if bound is None else f"{bound:,.2f}"
        gap = f"{100 * (best - bound) / best:.2f}%" if best and bound is not None else "-"
        self.live.update(Text.assemble(
            (f"{phase:<9}", "bold cyan"), f" best {b} bound {lb} gap ", (gap, "yellow"),
            f" {left:.0f}s left, Ctrl-C keeps best"))

    def done(self) -> None:
        """Remove the status line."""
        if self.live is not None:
            self.live.stop()
            self.live = None


#: unplaced workloads listed one per line on screen; the exports list them all
MAX_UNPLACED_LINES = 25


def _money(x: Any, cur: str) -> str:
    return f"{float(x):,.2f} {cur}"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 unit``, ``2 units``, ``1,000 PCs`` (thousands separated)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _status_line(p: Plan) -> str:
    sp = p.stats.get("spares")
    if p.status == OPTIMAL and isinstance(sp, dict) and sp.get("model"):
        same = (", the same spares in every unit"
                if sp.get("per_unit") and not sp.get("per_unit_sets") else "")
        return (f"Status: optimal (proven over N+{sp['k']} plans{same}; "
                "stats.spares.scope)")
    if p.status == OPTIMAL:
        return "Status: optimal (proven)"
    if p.status == INTERRUPTED:
        return ("Status: interrupted: best plan so far (Ctrl-C; not proven optimal, "
                "the bound below holds)")
    if p.status == INTERRUPTED_EMPTY:
        return "Status: interrupted before any plan (Ctrl-C; nothing placed, no cost claimed)"
    if p.status == FEASIBLE and p.lower_bound is not None:
        return "Status: feasible (not proven optimal; see the gap)"
    return f"Status: {p.status}"


def summary(p: Plan) -> str:
    """A plain-text summary of a plan for the terminal."""
    cur = p.currency
    b = p.baseline
    lines = [
        _status_line(p),
        f"Recovery PCs: {len(p.hosts):,}  "
        + ", ".join(f"{m} x{k:,}" for m, k in p.host_counts().items()),
        f"Mobile units: {len(p.units):,}  "
        + ", ".join(f"{m} x{k:,}" for m, k in p.unit_counts().items()),
        f"Cost over {plural(p.term_years, 'year')}: {_money(p.cost, cur)}",
        "Lower bound: " + ("n/a" if p.lower_bound is None else
                           f"{_money(p.lower_bound, cur)}  gap {100 * (p.gap or 0):.2f} %"),
        f"Physical imaging: {plural(b.hosts, 'PC')}, {plural(b.units, 'unit')}, "
        f"{_money(b.cost, cur)}",
    ]
    if b.unplaced:
        names = ", ".join(u.name for u in b.unplaced[:10])
        more = f" and {len(b.unplaced) - 10:,} more" if len(b.unplaced) > 10 else ""
        lines.append(f"  physical imaging leaves out {plural(len(b.unplaced), 'workload')} "
                     f"no PC model holds without overcommit: {names}{more}")
    if b.cost > 0 and p.hosts:
        saving = b.cost - p.cost
        lines.append(f"Saving: {_money(saving, cur)} "
                     f"({100 * float(saving / b.cost):.1f} % of physical imaging)")
    sp = p.stats.get("spares")
    if isinstance(sp, dict) and sp.get("model"):
        lines.append(f"Spares (N+{sp['k']}): {spare_words(sp)}, each standing in for "
                     f"the lost PCs; N+0 costs {_money(sp['n0_cost'], cur)}, N+{sp['k']} "
                     f"{_money(sp['nk_cost'], cur)} (+{_money(sp['extra_cost'], cur)})")
    lines.append(f"Workloads: {p.placed:,} placed, {len(p.unplaced):,} unplaced, "
                 f"{len(p.out_of_scope):,} out of scope")
    lines.append("")
    lines.append(f"{'PC':<8} {'model':<10} {'unit':<8} {'#':>3} {'vCPU':>15} "
                 f"{'memory GiB':>17} {'storage GB':>19}")
    for h in p.hosts:
        u, c = h.used, h.usable
        lines.append(
            f"{h.id:<8} {h.model:<10} {h.unit or '-':<8} {len(h.workloads):>3} "
            f"{u['vcpu']:>6.1f}/{c['vcpu']:<6.1f}{100 * u['vcpu'] / c['vcpu']:>3.0f}% "
            f"{u['memory_gib']:>7.1f}/{c['memory_gib']:<7.1f}"
            f"{100 * u['memory_gib'] / c['memory_gib']:>3.0f}% "
            f"{u['storage_gb']:>8,.0f}/{c['storage_gb']:<8,.0f}"
            f"{100 * u['storage_gb'] / c['storage_gb']:>3.0f}%")
    for un in p.units:
        lines.append(f"{un.id}: {un.model} carries {plural(len(un.hosts), 'PC')} "
                     f"({plural(un.slots_used, 'slot')}), {plural(un.seats_used, 'seat')} "
                     "in use")
    for x in p.unplaced[:MAX_UNPLACED_LINES]:
        lines.append(f"UNPLACED {x.name}: {x.reason}")
    if len(p.unplaced) > MAX_UNPLACED_LINES:
        rest = p.unplaced[MAX_UNPLACED_LINES:]
        reasons = "; ".join(sorted({x.reason for x in rest}))
        lines.append(f"UNPLACED ... and {len(rest):,} more ({reasons}); every one is in the "
                     "--json, --csv and --xlsx exports")
    for w in p.warnings:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


def _cmd_plan(args: argparse.Namespace) -> int:
    check_file(args.json, "--json")
    check_folder(args.csv, "--csv")
    check_file(args.xlsx, "--xlsx")
    out = None if args.quiet else progress_stream(args.json)
    inventory, imported = load(args, None)
    catalog = load_catalog(args.catalog)
    policy = load_policy(args.policy)
    inventory, sizing = size_inventory(inventory, imported, policy, args.usage)
    prog = Progress(sys.stderr.isatty() and not args.quiet)
    rto_lines: list[str] = []
    try:
        if args.enforce_rto:
            from planner.cli.report import enforced_plan

            result, rto_lines = enforced_plan(inventory, catalog, policy, args.time_limit, prog)
        else:
            result = make_plan(inventory, catalog, policy, time_limit=args.time_limit,
                               progress=prog)
    finally:
        prog.done()
    if sizing is not None:
        result.stats["sizing"] = sizing.to_dict()
        result.warnings += sizing.warnings()
    if args.json:
        from planner.recovery import timeline

        write_json(result, args.json, imported,
                   timeline(result, inventory, catalog, policy).to_dict())
    if args.csv:
        write_csv(result, args.csv)
    if args.xlsx:
        from planner.money.costing import assess

        write_xlsx(result, args.xlsx, imported, assess(result, inventory, catalog, policy))
    if out is not None:
        print("\n".join(imported.lines()), file=out)
        if sizing is not None:
            print("\n".join(sizing.lines()), file=out)
        print(imported.accounting(result) + "\n", file=out)
        print(summary(result), file=out)
        from planner.cli.report import timeline_lines

        print("\n".join(rto_lines or timeline_lines(result, inventory, catalog, policy)),
              file=out)
    return plan_exit_code([result])


def _cmd_bench(args: argparse.Namespace) -> int:
    from planner.bench import run_bench

    if args.suite == "lp":
        from planner.bench.lpbench import main_lp_bench

        main_lp_bench()
        return 0
    if args.suite == "sizing":
        from planner.bench.sizing import run_sizing

        try:
            run_sizing(args.realdata, time_limit=args.time_limit)
        except ValueError as exc:
            raise PlannerError(str(exc)) from None
        return 0
    if args.suite == "spares":
        from planner.bench.spares import run_spares

        try:
            run_spares(args.realdata, time_limit=args.time_limit)
        except ValueError as exc:
            raise PlannerError(str(exc)) from None
        return 0
    if args.suite == "whatif":
        from planner.bench.whatif import run_whatif

        run_whatif(realdata=args.realdata, time_limit=args.time_limit, seed=args.seed,
                   out=args.out)
        return 0
    peers = None if args.peers is None else [p for p in args.peers.split(",") if p]
    try:
        run_bench(sizes=args.sizes, time_limit=args.time_limit, realdata=args.realdata,
                  seed=args.seed, suite=args.suite, out=args.out, instances=args.instances,
                  peers=peers, families=args.families.split(",") if args.families else None,
                  peer_time_limit=args.peer_time_limit, inputs=args.inputs)
    except ValueError as exc:
        raise PlannerError(str(exc)) from None
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests)."""
    ap = argparse.ArgumentParser(prog="planner", description=__doc__, epilog=EXIT_CODES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", action="version", version=f"planner {_version()}")
    sub = ap.add_subparsers(dest="cmd")
    p = sub.add_parser("plan", help="plan recovery PCs and mobile units for an inventory",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inventory_args(p)
    p.add_argument("--catalog", required=True, help="vendor catalog TOML")
    p.add_argument("--policy", help="policy TOML (defaults for every key)")
    p.add_argument("--time-limit", type=seconds, default=30.0, help="seconds (default 30)")
    p.add_argument("--json", metavar="PATH", help="write the plan as JSON ('-': stdout)")
    p.add_argument("--csv", metavar="DIR", help="write the tables as CSV files in this folder")
    p.add_argument("--xlsx", metavar="PATH", help="write the plan as an Excel workbook")
    add_reading_args(p)
    p.add_argument("--usage", metavar="FILE",
                   help="usage CSV (CPU and memory in use per workload) for policy "
                   "sizing = measured")
    p.add_argument("--quiet", action="store_true", help="no progress and no summary")
    p.add_argument("--enforce-rto", action="store_true",
                   help="plan so every tier meets the policy's [rto]; report what that costs")
    p.set_defaults(func=_cmd_plan)
    b = sub.add_parser("bench", help="benchmarks: scale, constructed, literature, realistic")
    b.add_argument("--suite", default="scale",
                   choices=["scale", "constructed", "literature", "realistic", "targets", "lp",
                            "whatif", "sizing", "spares"],
                   help="lp: master LP re-solve time, PuLP against highspy (warm start); "
                        "whatif: cold and warm re-plans of neighbouring policies; "
                        "targets: issue 25's real inputs (needs --realdata and --inputs); "
                        "sizing: Bitbrains planned provisioned and measured (--realdata)")
    b.add_argument("--sizes", type=int, nargs="+", default=None,
                   help="instance sizes (default per suite, scale: 50 500 5000 50000)")
    b.add_argument("--instances", type=int, default=None,
                   help="instances per class and size (default per suite)")
    b.add_argument("--peers", default=None,
                   help="comma-separated peers (default: ffd-sum for scale, all otherwise)")
    b.add_argument("--families", default=None,
                   help="comma-separated families to keep, e.g. CT10,mc-CT4 (default all)")
    b.add_argument("--out", metavar="DIR", default=None,
                   help="write bench-SUITE.json, benchmarks.md and benchmarks.html here")
    b.add_argument("--time-limit", type=seconds, default=None,
                   help="time limit per run (default: issue 2 targets for scale, 10 s else)")
    b.add_argument("--peer-time-limit", type=seconds, default=None,
                   help="the peers' own time limit (default: the engine's), e.g. longer so "
                        "their proofs can confirm the engine's optimality claims")
    b.add_argument("--realdata", default=None,
                   help="path to shared/realdata to derive VM size mixes from")
    b.add_argument("--inputs", metavar="DIR", default=None,
                   help="targets suite: where scripts/realdata_inputs.py wrote its inputs")
    b.add_argument("--seed", type=int, default=1)
    b.set_defaults(func=_cmd_bench)
    from planner.cli.money import add_commands as add_money_commands

    add_money_commands(sub)
    from planner.cli.report import add_commands as add_report_commands

    add_report_commands(sub)
    from planner.cli.scale import add_commands as add_scale_commands

    add_scale_commands(sub)
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: errors become one clear message and a documented exit code, no traceback."""
    try:
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.cmd is None:
            parser.print_help()
            return EXIT_OK
        return int(args.func(args))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except VerificationError as exc:
        print(f"internal error, no plan shown: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except PlannerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        print(f"error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted before any plan (Ctrl-C)", file=sys.stderr)
        return EXIT_INTERRUPTED


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dr-contract-planner")
    except PackageNotFoundError:
        return "unknown"





if __name__ == "__main__":
    sys.exit(main())
