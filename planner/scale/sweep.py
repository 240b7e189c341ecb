"""``planner sweep`` with its independent solves as tasks: the sweep's own code, a parallel step.

``planner.money.compare.sweep`` ranks and finds crossings; it asks its ``PlanCache`` for each
(quote, policy) and the cache calls ``plan_fn`` once per distinct packing input. Here every
distinct solve the sweep will ask for is run first, as tasks, and ``sweep`` is then called with
a ``plan_fn`` that hands over those plans: the points, ranking, crossings and solve/reuse
counts are the serial sweep's own, and so are the plans (the engine is deterministic whenever
no phase stops on its clock).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from planner.errors import PlannerError
from planner.model.plan import Plan
from planner.money import compare as cmp
from planner.money.compare import SweepResult, sweep, sweep_policies
from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.scale.cluster import Runner
from planner.scale.progress import TaskBar
from planner.scale.tasks import SolveResult, TaskFailure, check_on_client, solve, solve_task


def plan_key(qi: int, catalog: Catalog, policy: Policy) -> tuple[Any, ...]:
    """The sweep cache's notion of 'the same solve'.

    Quote and Policy, and the model costs where the sweep's cache keys by them too.
    """
    price_key: Callable[..., Any] | None = getattr(cmp, "price_key", None)
    if price_key is None:
        return (qi, policy)
    return (qi, policy, price_key(catalog, policy.scenario))


def distinct_solves(catalogs: Sequence[Catalog], policies: Sequence[Policy]
                    ) -> dict[tuple[Any, ...], tuple[int, Policy, tuple[Any, ...] | None]]:
    """Each distinct solve in the serial sweep's order, with where it starts from.

    The policy is the first point's that needs it (as the cache); the start is the previous
    solve for the same quote and packing rules (the cache's warm start), if any.
    """
    out: dict[tuple[Any, ...], tuple[int, Policy, tuple[Any, ...] | None]] = {}
    last: dict[tuple[int, Policy], tuple[Any, ...]] = {}
    for pol in policies:
        for qi, cat in enumerate(catalogs):
            key = plan_key(qi, cat, pol)
            if key in out:
                continue
            out[key] = (qi, pol, last.get((qi, pol)) if len(key) > 2 else None)
            last[(qi, pol)] = key
    return out


#: the least number of distinct solves for which a sweep starts a LocalCluster by default
CLUSTER_FROM = 8


def scaled_sweep(inventory: Inventory, catalogs: Sequence[Catalog], policy: Policy,
                 axes: Mapping[str, Sequence[float]], *, grid: bool = False,
                 time_limit: float = 10.0, workers: int | None = None,
                 scheduler: str | None = None, quiet: bool = True) -> SweepResult:
    """``sweep`` with its solves run as tasks (serially for ``workers=1`` or without Dask).

    Without ``workers`` or ``scheduler`` a sweep of fewer than ``CLUSTER_FROM`` distinct solves
    runs serially: starting a LocalCluster (spawned processes importing the package) took
    9-13 s here, more than such a sweep's solves take one after another (docs/benchmarks.md).
    """
    policies = sweep_policies(catalogs, policy, axes, grid=grid)
    todo = distinct_solves(catalogs, policies)
    if workers is None and scheduler is None and len(todo) < CLUSTER_FROM:
        workers = 1
    plans: dict[tuple[Any, ...], Plan] = {}
    interrupted = False  # Ctrl-C: the points whose plans all finished are kept
    with Runner(workers, scheduler) as run:
        if run.serial:
            return sweep(inventory, catalogs, policy, axes, grid=grid, time_limit=time_limit)
        inv = run.share(inventory)
        cats = [run.share(c) for c in catalogs]
        futures: dict[tuple[Any, ...], Any] = {}
        for key, (qi, pol, start) in todo.items():
            futures[key] = run.submit(key, solve_task, inv, cats[qi], pol, time_limit,
                                      None if start is None else futures[start])
        with TaskBar(len(todo), "sweep", run.n_workers, quiet) as bar:
            bar.note(run.where())
            try:
                for out in run.outcomes():
                    value = out.value
                    if out.error is not None or isinstance(value, TaskFailure):
                        bar.advance(failed=True)
                        run.cancel()
                        msg = out.error if out.error is not None else value.message
                        raise PlannerError(f"a sweep solve failed: {msg}")
                    assert isinstance(value, SolveResult)
                    qi, pol, _ = todo[out.key]
                    plans[out.key] = check_on_client(value, inventory, catalogs[qi], pol)
                    bar.advance()
            except KeyboardInterrupt:
                n = run.cancel()
                bar.note(f"interrupted: {n} solves cancelled, {len(plans)} finished")
                interrupted = True

    def handed_over(inv: Inventory, cat: Catalog, pol: Policy, tl: float,
                    **_: Any) -> Plan:
        qi = next(i for i, c in enumerate(catalogs) if c is cat)
        key = plan_key(qi, cat, pol)
        if key not in plans:
            if interrupted:  # cancelled: sweep keeps the points finished before this one
                raise KeyboardInterrupt
            # a solve the sweep asks for that was not foreseen: make it here
            plans[key] = solve(inv, cat, pol, tl).plan
        return plans[key]

    return sweep(inventory, catalogs, policy, axes, grid=grid, time_limit=time_limit,
                 plan_fn=handed_over)
