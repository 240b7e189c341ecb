"""What every command shares: exit codes, the inventory options and loading, output checks.

``plan``, ``compare`` and ``sweep`` read inventories through the one reader
(:func:`planner.readers.load_inventory`, with ``--mapping``, ``--include-powered-off`` and
``--include-templates``) and print the same import summary.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from planner.errors import InputError
from planner.model.plan import Plan
from planner.readers import ImportSummary, load_inventory
from planner.readers.inventory import Inventory
from planner.solver.engine import STOCK_REASON

#: exit codes (README "Exit codes"): a script can tell a complete plan from each kind of problem
EXIT_OK = 0  # a complete plan: every in-scope workload placed
EXIT_INPUT = 2  # bad input, option or output path (nothing solved or nothing written)
EXIT_INTERNAL = 3  # a plan failed the independent verifier (a defect; no plan shown)
EXIT_UNPLACED = 4  # a plan, but some workloads fit no PC model (listed as unplaced)
EXIT_STOCK = 5  # a plan, but the vendor's stock ran out (workloads unplaced, no bound)
EXIT_INTERRUPTED = 130  # Ctrl-C: what was finished is kept and written, marked interrupted

EXIT_CODES = """exit codes:
  0    a complete plan (every in-scope workload placed)
  2    bad input, option or output path
  3    internal error: a plan failed the independent verifier
  4    a plan, but some workloads fit no PC model (listed as unplaced)
  5    a plan, but the vendor's stock ran out (workloads unplaced)
  130  interrupted (Ctrl-C): what was finished is kept, marked interrupted"""


def plan_exit_code(plans: Iterable[Plan], interrupted: bool = False) -> int:
    """The exit code for one or more plans: interruption, then stock, then unplaced."""
    ps = list(plans)
    if interrupted or any(p.interrupted for p in ps):
        return EXIT_INTERRUPTED
    if any(u.reason == STOCK_REASON for p in ps for u in p.unplaced):
        return EXIT_STOCK
    if any(p.unplaced for p in ps):
        return EXIT_UNPLACED
    return EXIT_OK


def seconds(text: str) -> float:
    """An argparse type: a time limit in seconds, finite and > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 seconds, got {text!r}")
    return value


def add_inventory_args(p: argparse.ArgumentParser) -> None:
    """The inventory argument and its reading options, the same for every command."""
    p.add_argument("inventory", help="inventory: RVTools .xlsx/CSV, Azure Migrate CSV, or the "
                   "planner's CSV/.xlsx (see docs/formats.md)")


def add_reading_args(p: argparse.ArgumentParser) -> None:
    """--mapping, --include-powered-off, --include-templates (after the other arguments)."""
    p.add_argument("--mapping", metavar="FILE",
                   help="CSV setting tier/kind/affinity/anti_affinity/exclude by name or regex")
    p.add_argument("--include-powered-off", action="store_true",
                   help="plan powered-off VMs too (excluded by default)")
    p.add_argument("--include-templates", action="store_true",
                   help="plan VM templates too (excluded by default)")


def load(args: argparse.Namespace, out: TextIO | None) -> tuple[Inventory, ImportSummary]:
    """Read the inventory with the command's options; print the import summary to ``out``."""
    inventory, imported = load_inventory(
        args.inventory, mapping=args.mapping, include_powered_off=args.include_powered_off,
        include_templates=args.include_templates)
    if out is not None:
        print("\n".join(imported.lines()), file=out)
    return inventory, imported


def check_file(path: str | None, option: str) -> None:
    """Refuse an output file that cannot be written, before any solving ('-' is stdout)."""
    if path is None or path == "-":
        return
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise InputError("is a folder, not a file", field=option, found=path,
                         fix=f"give {option} a file name, e.g. {p / 'plan'}{p.suffix or ''}")
    if not parent.is_dir():
        raise InputError("the folder does not exist", field=option, found=path,
                         fix=f"create {parent} first, or give another path")
    if not os.access(parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError("cannot write there (permission denied)", field=option, found=path,
                         fix="give a path you can write to")


def check_folder(path: str | None, option: str) -> None:
    """Refuse an output folder that cannot be created or written, before any solving."""
    if path is None:
        return
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError("is a file; --csv writes a folder of tables", field=option,
                         found=path, fix="give a folder name (it is created if missing)")
    probe = p
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise InputError("cannot create or write this folder", field=option, found=path,
                         fix="give a folder you can write to")


def progress_stream(json_path: str | None) -> TextIO:
    """Where the human text goes: stdout, or stderr when the JSON goes to stdout."""
    return sys.stderr if json_path == "-" else sys.stdout
