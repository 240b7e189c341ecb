"""``planner batch``, and ``planner sweep --workers/--scheduler``: solves as Dask tasks.

The scale-out itself is planner/scale.

Kept apart from planner/cli/main.py so that file only needs one line to register these commands.
"""

from __future__ import annotations

import argparse
import functools
import os
from pathlib import Path
from typing import Any

from planner.cli.money import _cmd_sweep
from planner.readers.catalog import load_catalog, load_policy

WORKERS_HELP = ("worker processes of a LocalCluster on this machine (default: its cores, or "
                "$PLANNER_WORKERS); 1 runs the solves serially in this process")
SWEEP_WORKERS_HELP = WORKERS_HELP + ("; without it, a sweep of fewer than 8 distinct solves "
                                     "runs serially (a cluster's start costs ~10 s)")
SCHEDULER_HELP = "run the tasks on an existing Dask scheduler, e.g. tcp://HOST:8786"


def _workers(given: int | None) -> int | None:
    """--workers, else $PLANNER_WORKERS, else None (the LocalCluster's default: the cores)."""
    if given is None:
        env = os.environ.get("PLANNER_WORKERS", "")
        return int(env) if env.isdigit() else None
    return given


def _cmd_sweep_scaled(args: argparse.Namespace) -> int:
    from planner.scale.sweep import scaled_sweep

    args.run_sweep = functools.partial(
        scaled_sweep, workers=_workers(args.workers), scheduler=args.scheduler,
        quiet=args.json == "-")
    return _cmd_sweep(args)


def _cmd_batch(args: argparse.Namespace) -> int:
    from planner.scale.batch import run_batch

    policy = load_policy(args.policy)
    catalogs = [load_catalog(q) for q in args.quotes]
    result = run_batch(args.estates, catalogs, policy, args.out, time_limit=args.time_limit,
                       workers=_workers(args.workers), scheduler=args.scheduler,
                       resume=args.resume, quiet=args.quiet)
    result_dir = Path(args.out)
    paths = result.write(result_dir)
    if not args.quiet:
        print(result.report())
        print(f"summary: {', '.join(str(p) for p in paths)}; each estate's outputs in "
              f"{result_dir}/<estate>/")
    if result.interrupted:
        return 130
    return 1 if result.failed() else 0


def add_commands(sub: Any) -> None:
    """Register ``batch``; give ``sweep`` (registered by planner/cli/money.py) its switches."""
    s = sub.choices["sweep"]
    s.add_argument("--workers", metavar="N", type=int, help=SWEEP_WORKERS_HELP)
    s.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    s.set_defaults(func=_cmd_sweep_scaled)
    b = sub.add_parser("batch", help="plan and price many client estates against every quote")
    b.add_argument("estates", help="folder with one sub-folder per estate (its inventory, "
                   "optional mapping.csv and policy.toml)")
    b.add_argument("quotes", nargs="+", help="vendor catalog TOML files (quotes)")
    b.add_argument("--policy", help="policy TOML for every estate without its own policy.toml")
    b.add_argument("--out", required=True, metavar="DIR",
                   help="summary.csv/.json/.xlsx here and each estate's outputs in DIR/<estate>")
    b.add_argument("--time-limit", type=float, default=30.0,
                   help="seconds per plan (estate x quote; default 30)")
    b.add_argument("--resume", action="store_true",
                   help="skip estates whose outputs an earlier run finished")
    b.add_argument("--workers", metavar="N", type=int, help=WORKERS_HELP)
    b.add_argument("--scheduler", metavar="ADDRESS", help=SCHEDULER_HELP)
    b.add_argument("--quiet", action="store_true", help="no progress and no table")
    b.set_defaults(func=_cmd_batch)
