"""The ``planner`` console script: a light launcher so Ctrl-C during start-up is no traceback.

Importing the package (pandas, HiGHS, pint) takes a moment; a Ctrl-C in that moment would
otherwise end in a Python traceback, raised before any of the CLI's own handling runs.
"""

from __future__ import annotations

import sys


def main() -> int:
    """Import the CLI and run it; Ctrl-C while importing exits 130 with one line."""
    try:
        from planner.cli.main import main as run
    except KeyboardInterrupt:
        print("interrupted during start-up (Ctrl-C)", file=sys.stderr)
        return 130
    return run()


__all__ = ["main"]
