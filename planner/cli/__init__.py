"""The ``planner`` command line: ``main`` (plan, bench) and ``money`` (compare, sweep)."""

from planner.cli.main import main

__all__ = ["main"]
