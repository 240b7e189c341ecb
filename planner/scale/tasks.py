"""What runs on a worker: one solve, verified there, shipped back with its JSON-ready dict.

A module of plain functions so that spawned worker processes can import them by name.
The result carries the ``Plan`` object itself (pickled: its Decimal cost and bound travel exact,
which ``Plan.to_dict``'s floats would not, so the sweep's totals stay identical to the serial
path) and ``plan.to_dict()`` as made on the worker; the client checks the two agree and runs
the verifier again.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from planner.errors import InputError, VerificationError
from planner.model.plan import Plan
from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.solver.engine import plan as make_plan
from planner.verify.verifier import check_plan


@dataclass
class SolveResult:
    """One finished solve: the plan, its dict, where and how long it ran, the worker's peak RSS."""

    plan: Plan
    plan_dict: dict[str, Any]
    seconds: float
    worker: str
    peak_rss_mib: float
    problems: list[str] = field(default_factory=list)


def peak_rss_mib() -> float:
    """The current process's peak resident memory so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def solve(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
          start: Plan | None = None) -> SolveResult:
    """Plan one inventory against one quote and verify the plan here, on the worker.

    An input the engine rejects raises ``InputError`` (reported for that task, the rest go on);
    a plan the verifier rejects raises ``VerificationError`` and is never shipped.
    """
    t0 = time.perf_counter()
    p = (make_plan(inventory, catalog, policy, time_limit=time_limit) if start is None else
         make_plan(inventory, catalog, policy, time_limit=time_limit, start=start))
    problems = check_plan(p, inventory, catalog, policy)
    if problems:
        raise VerificationError(problems)
    return SolveResult(p, p.to_dict(), time.perf_counter() - t0,
                       f"{socket.gethostname()}:{os.getpid()}", peak_rss_mib())


@dataclass
class TaskFailure:
    """A task that failed on its input or its verification: the message, as the reader wrote it.

    Returned rather than raised, so the planner's exceptions need not survive pickling and Dask
    keeps its retries for what they are for: workers that die.
    """

    message: str


def solve_task(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
               start: SolveResult | TaskFailure | None = None) -> SolveResult | TaskFailure:
    """``solve`` as a task: bad input or a rejected plan becomes a ``TaskFailure``.

    ``start``: an earlier task's result whose plan the engine starts from (the sweep's warm
    start along a money axis, as its ``PlanCache`` does serially).
    """
    first = start.plan if isinstance(start, SolveResult) else None
    try:
        return solve(inventory, catalog, policy, time_limit, start=first)
    except (InputError, VerificationError) as exc:
        return TaskFailure(load_error(exc))


def check_on_client(result: SolveResult, inventory: Inventory, catalog: Catalog,
                    policy: Policy) -> Plan:
    """Verify a worker's plan again here and check it is the plan the worker described."""
    problems = check_plan(result.plan, inventory, catalog, policy)
    if problems:
        raise VerificationError(problems)
    if result.plan.to_dict() != result.plan_dict:
        raise VerificationError(["the plan received differs from the worker's JSON of it"])
    return result.plan


def load_error(exc: BaseException) -> str:
    """The message to report for a failed task: the reader's own words for bad input."""
    if isinstance(exc, InputError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
