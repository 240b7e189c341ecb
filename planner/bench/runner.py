"""Run one solver on one instance in a fresh worker process and measure it.

Each (instance, solver) runs in a child of a fork server started before any solver ran, so no
HiGHS or CP-SAT thread pool is inherited. Peak memory is the child's ``ru_maxrss``
(resource.getrusage) plus that of its own children (CBC runs as a subprocess): it counts
everything the process touched, C++ solver memory included, which tracemalloc would miss
(tracemalloc sees Python allocations only and slows them down).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from multiprocessing.connection import Connection
from typing import Any

from .instances import BenchInstance
from .peers import (
    FFD_MEASURES,
    check_packing,
    cpsat,
    greedy_packing,
    packing_cost,
    pattern_milp,
    pulp_milp,
    to_grid,
)

#: peer names: greedy rules, the PuLP MILP with two solvers, CP-SAT; and "patterns", an
#: exact check by complete enumeration (not a tool users reach for: asked for by name only)
GREEDY = (*tuple(f"ffd-{m}" for m in FFD_MEASURES), "bc-dot", "bc-l2")
DEFAULT_PEERS = (*GREEDY, "pulp-highs", "pulp-cbc", "cpsat")
PEERS = (*DEFAULT_PEERS, "patterns")
ENGINE = "engine"

_CTX: Any = None


#: engine statistics a benchmark record keeps: which side of a gap is weak (plan or bound)
STAT_KEYS = ("classes", "merged_classes", "capacity_bound", "lp_value", "lp_optimal",
             "relaxed_bound", "cg_iterations", "cg_seconds", "compact_bound")


def _context() -> Any:
    global _CTX
    if _CTX is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["planner.bench.runner", "planner.solver.engine", "pulp",
                                    "numpy"])
        _CTX = ctx
    return _CTX


def solve(solver: str, inst: BenchInstance) -> dict[str, Any]:
    """Run ``solver`` on ``inst`` in this process; a record without timing and memory."""
    if solver == ENGINE:
        from planner.solver.engine import plan
        from planner.verify.verifier import check_plan

        p = plan(inst.inventory, inst.catalog, inst.policy, time_limit=inst.time_limit)
        if p.interrupted:  # Ctrl-C ends the benchmark; a cut-short run is no measurement
            raise KeyboardInterrupt
        problems = check_plan(p, inst.inventory, inst.catalog, inst.policy)
        return {"status": p.status, "cost": float(p.cost),
                "lower_bound": None if p.lower_bound is None else float(p.lower_bound),
                "solver_seconds": p.solve_seconds, "pcs": len(p.hosts),
                "unplaced": len(p.unplaced), "valid": not problems, "problems": problems[:3],
                "source": str(p.stats.get("source", "")), "units": len(p.units),
                "stats": {k: p.stats[k] for k in STAT_KEYS if k in p.stats}}
    grid = to_grid(inst.inventory, inst.catalog, inst.policy)
    if solver in GREEDY:
        rule = solver.split("-", 1)[1]
        bins, model = greedy_packing(grid, rule)
        if bins is None:
            return {"status": "infeasible", "note": "no single PC model within stock"}
        out: dict[str, Any] = {"status": "feasible", "cost": packing_cost(grid, bins),
                               "bins": bins, "note": f"primary {model}"}
    elif solver in ("pulp-highs", "pulp-cbc"):
        out = pulp_milp(grid, solver.split("-")[1], inst.time_limit)
    elif solver == "cpsat":
        out = cpsat(grid, inst.time_limit)
    elif solver == "patterns":
        out = pattern_milp(grid, inst.time_limit)
    else:
        raise ValueError(f"unknown solver {solver}")
    bins = out.pop("bins", None)
    if bins is not None:
        problems = check_packing(grid, bins)
        out.update(valid=not problems, problems=problems[:3], pcs=len(bins))
    out["unplaced"] = len(grid.dropped)
    return out


def _child(solver: str, inst: BenchInstance, conn: Connection) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # solver banners (HiGHS prints one at start-up) stay off the table
    t0 = time.monotonic()
    try:
        rec = solve(solver, inst)
    except Exception as exc:  # a peer's failure is a result, not a crash
        rec = {"status": "error", "note": f"{type(exc).__name__}: {exc}"[:300]}
    rec["seconds"] = time.monotonic() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rec["peak_mib"] = (own + kids) / 1024.0
    conn.send(rec)
    conn.close()


def measure(solver: str, inst: BenchInstance, isolate: bool = True) -> dict[str, Any]:
    """Run and time one solver on one instance; the record carries the instance's facts.

    The worker is killed after twice the time limit plus 60 s (status 'killed').
    """
    base: dict[str, Any] = {
        "suite": inst.suite, "family": inst.family, "instance": inst.name, "n": inst.n,
        "solver": solver, "time_limit": inst.time_limit, "optimum": inst.optimum,
        "lower_known": inst.lower_known, "published": inst.published,
    }
    if not isolate:
        t0 = time.monotonic()
        rec = solve(solver, inst)
        rec["seconds"] = time.monotonic() - t0
        rec["peak_mib"] = None
        return {**base, **rec}
    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(solver, inst, send))
    proc.start()
    send.close()
    wait = 2 * inst.time_limit + 60
    rec = {"status": "killed", "note": f"no answer after {wait:.0f} s", "seconds": wait}
    try:
        if recv.poll(wait):
            rec = recv.recv()
    except EOFError:
        rec = {"status": "error", "note": f"worker died (exit {proc.exitcode})"}
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
    return {**base, **rec}
