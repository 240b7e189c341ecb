"""``planner compare`` and ``planner sweep``: vendor quotes side by side, and their sensitivity.

Kept apart from planner/cli/main.py so that file only needs one line to register these commands.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from planner.cli.common import (
    EXIT_CODES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNPLACED,
    add_inventory_args,
    add_reading_args,
    check_file,
    check_folder,
    load,
    plan_exit_code,
    progress_stream,
    seconds,
)
from planner.errors import InputError
from planner.money.compare import check_axes, compare, sweep
from planner.present.export import safe_cell
from planner.readers.catalog import load_catalog, load_policy


def _write_json(data: dict[str, Any], path: str) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def _write_csv(tables: dict[str, pd.DataFrame], folder: str) -> None:
    """Write tables as NAME.csv in a folder, as ``planner plan --csv`` does."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.map(safe_cell).to_csv(out / f"{name}.csv", index=False)


def _check_outputs(args: argparse.Namespace) -> None:
    check_file(args.json, "--json")
    check_folder(args.csv, "--csv")


def _cmd_compare(args: argparse.Namespace) -> int:
    _check_outputs(args)
    policy = load_policy(args.policy)
    catalogs = [load_catalog(q) for q in args.quotes]
    out = progress_stream(args.json)
    inventory, _ = load(args, out)
    print(file=out)
    result = compare(inventory, catalogs, policy, time_limit=args.time_limit)
    if args.json:
        _write_json(result.to_dict(), args.json)
    if args.csv:
        _write_csv({"ranking": result.table()}, args.csv)
    print(result.report(), file=out)
    if args.details:
        for a in result.assessments:
            print(file=out)
            print(a.report(), file=out)
    return plan_exit_code((a.plan for a in result.assessments), result.interrupted)


def parse_param(text: str) -> tuple[str, list[Decimal]]:
    """``name=v1,v2,...`` or ``name=start:stop:step`` into a name and its values."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise InputError("a sweep parameter needs a name and values", field="--param",
                         found=text, fix="write e.g. --param disaster_days=7,14,30")
    try:
        if ":" in rest:
            start, stop, step = (Decimal(x) for x in rest.split(":"))
            if step <= 0 or stop < start or (stop - start) / step > 1000:
                raise InvalidOperation
            values = []
            v = start
            while v <= stop:
                values.append(v)
                v += step
        else:
            values = [Decimal(x) for x in rest.split(",") if x.strip()]
    except (InvalidOperation, ValueError):
        raise InputError("sweep values must be numbers", field="--param", found=text,
                         fix="write e.g. --param overcommit=2,3,4 or declarations=0:1:0.25"
                         ) from None
    if not values or any(not v.is_finite() or v < 0 for v in values):
        raise InputError("sweep values must be numbers >= 0", field="--param", found=text,
                         fix="write e.g. --param overcommit=2,3,4")
    return name.strip(), values


def _cmd_sweep(args: argparse.Namespace) -> int:
    _check_outputs(args)
    axes: dict[str, list[float]] = {}
    for text in args.param:
        name, values = parse_param(text)
        axes[name] = [float(v) for v in values]
    policy = load_policy(args.policy)
    check_axes(policy, axes)  # an out-of-range value is refused before the inventory is read
    catalogs = [load_catalog(q) for q in args.quotes]
    out = progress_stream(args.json)
    inventory, _ = load(args, out)
    print(file=out)
    # planner/cli/scale.py sets run_sweep to run the solves as Dask tasks (--workers, --scheduler)
    result = getattr(args, "run_sweep", sweep)(inventory, catalogs, policy, axes,
                                               grid=args.grid, time_limit=args.time_limit)
    if args.json:
        _write_json(result.to_dict(), args.json)
    if args.csv:
        _write_csv({"points": result.points, "crossings": result.crossings}, args.csv)
    print(result.report(), file=out)
    if result.interrupted:
        return EXIT_INTERRUPTED
    unplaced = sum(int(r["unplaced"]) for r in result.rows)
    return EXIT_UNPLACED if unplaced else EXIT_OK


def add_commands(sub: Any) -> None:
    """Register ``compare`` and ``sweep`` on the planner's subcommand parser."""
    c = sub.add_parser("compare", help="rank vendor quotes for one inventory by cost over the term",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inventory_args(c)
    c.add_argument("quotes", nargs="+", help="vendor catalog TOML files (quotes)")
    c.add_argument("--policy", help="policy TOML with a [scenario] table (docs/cost-model.md)")
    c.add_argument("--time-limit", type=seconds, default=30.0,
                   help="seconds per quote (default 30)")
    c.add_argument("--json", metavar="PATH", help="write the comparison as JSON ('-': stdout)")
    c.add_argument("--csv", metavar="DIR", help="write the ranked table as DIR/ranking.csv")
    c.add_argument("--details", action="store_true",
                   help="also print each quote's virtual-vs-physical breakdown")
    add_reading_args(c)
    c.set_defaults(func=_cmd_compare)
    s = sub.add_parser("sweep", help="how the ranking and savings move with the assumptions",
                       epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_inventory_args(s)
    s.add_argument("quotes", nargs="+", help="vendor catalog TOML files (quotes)")
    s.add_argument("--policy", help="policy TOML with a [scenario] table")
    s.add_argument("--param", action="append", required=True, metavar="NAME=VALUES",
                   help="e.g. disaster_days=7,14,30 or overcommit=2:6:1 (repeatable)")
    s.add_argument("--grid", action="store_true",
                   help="all combinations (default: one parameter at a time)")
    s.add_argument("--time-limit", type=seconds, default=10.0,
                   help="seconds per plan solved (default 10)")
    s.add_argument("--json", metavar="PATH", help="write the sweep as JSON ('-': stdout)")
    s.add_argument("--csv", metavar="DIR",
                   help="write the tidy tables as DIR/points.csv and DIR/crossings.csv")
    add_reading_args(s)
    s.set_defaults(func=_cmd_sweep)
