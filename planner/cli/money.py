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

from planner.errors import InputError
from planner.money.compare import compare, sweep
from planner.present.export import safe_cell
from planner.readers.catalog import load_catalog, load_policy
from planner.readers.inventory import read_inventory_csv


def _write_json(data: dict[str, Any], path: str) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def _write_csv(df: pd.DataFrame, path: str) -> None:
    df.map(safe_cell).to_csv(path, index=False)


def _cmd_compare(args: argparse.Namespace) -> int:
    inventory = read_inventory_csv(args.inventory)
    policy = load_policy(args.policy)
    catalogs = [load_catalog(q) for q in args.quotes]
    result = compare(inventory, catalogs, policy, time_limit=args.time_limit)
    if args.json:
        _write_json(result.to_dict(), args.json)
    if args.csv:
        _write_csv(result.table(), args.csv)
    if args.json != "-":
        print(result.report())
        if args.details:
            for a in result.assessments:
                print()
                print(a.report())
    return 0


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
    inventory = read_inventory_csv(args.inventory)
    policy = load_policy(args.policy)
    catalogs = [load_catalog(q) for q in args.quotes]
    axes: dict[str, list[float]] = {}
    for text in args.param:
        name, values = parse_param(text)
        axes[name] = [float(v) for v in values]
    result = sweep(inventory, catalogs, policy, axes, grid=args.grid,
                   time_limit=args.time_limit)
    if args.json:
        _write_json(result.to_dict(), args.json)
    if args.csv:
        _write_csv(result.points, args.csv)
    if args.json != "-":
        print(result.report())
    return 0


def add_commands(sub: Any) -> None:
    """Register ``compare`` and ``sweep`` on the planner's subcommand parser."""
    c = sub.add_parser("compare", help="rank vendor quotes for one inventory by cost over the term")
    c.add_argument("inventory", help="inventory CSV")
    c.add_argument("quotes", nargs="+", help="vendor catalog TOML files (quotes)")
    c.add_argument("--policy", help="policy TOML with a [scenario] table (docs/cost-model.md)")
    c.add_argument("--time-limit", type=float, default=30.0, help="seconds per quote (default 30)")
    c.add_argument("--json", metavar="PATH", help="write the comparison as JSON ('-': stdout)")
    c.add_argument("--csv", metavar="PATH", help="write the ranked table as CSV")
    c.add_argument("--details", action="store_true",
                   help="also print each quote's virtual-vs-physical breakdown")
    c.set_defaults(func=_cmd_compare)
    s = sub.add_parser("sweep", help="how the ranking and savings move with the assumptions")
    s.add_argument("inventory", help="inventory CSV")
    s.add_argument("quotes", nargs="+", help="vendor catalog TOML files (quotes)")
    s.add_argument("--policy", help="policy TOML with a [scenario] table")
    s.add_argument("--param", action="append", required=True, metavar="NAME=VALUES",
                   help="e.g. disaster_days=7,14,30 or overcommit=2:6:1 (repeatable)")
    s.add_argument("--grid", action="store_true",
                   help="all combinations (default: one parameter at a time)")
    s.add_argument("--time-limit", type=float, default=10.0,
                   help="seconds per plan solved (default 10)")
    s.add_argument("--json", metavar="PATH", help="write the sweep as JSON ('-': stdout)")
    s.add_argument("--csv", metavar="PATH", help="write the tidy points table as CSV")
    s.set_defaults(func=_cmd_sweep)
