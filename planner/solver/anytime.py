"""A solve running in the background: each better verified plan and bound handed over live.

The dashboard starts one per question ("plan this", "what if overcommit were 5?"), shows the
first verified plan as soon as it exists, polls the progress (phase, best cost, bound, time
left) while the proof goes on, and can stop it keeping the best plan. Nothing here knows about
the UI; the engine does the work (``planner.solver.engine.plan`` with ``on_plan`` and ``stop``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from planner.errors import PlannerError
from planner.model.plan import Plan
from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.solver.engine import StopSignal
from planner.solver.engine import plan as solve


@dataclass(frozen=True)
class Progress:
    """What a running solve has to show now.

    phase: the engine's phase ("heuristic", "bound", "fill", "dive", "branch", ... or "done").
    best: the best plan's cost so far (money or PCs), bound: the proven lower bound so far,
    left: seconds to the time limit, elapsed: seconds since the start,
    plan: the latest verified plan (None before the first), done: the solve has ended,
    stopped: it ended on a stop request, error: the message if it failed.
    """

    phase: str
    best: float | None
    bound: float | None
    left: float
    elapsed: float
    plan: Plan | None
    done: bool
    stopped: bool
    error: str | None

    @property
    def gap(self) -> float | None:
        """(best - bound) / best, when both are known."""
        if self.best is None or self.bound is None or self.best <= 0:
            return None
        return max(0.0, (self.best - self.bound) / self.best)


class PlanRun:
    """One solve in a background thread: start, poll ``progress()``, ``stop()``, ``wait()``."""

    def __init__(self, inventory: Inventory, catalog: Catalog, policy: Policy, *,
                 time_limit: float = 30.0, start: Plan | None = None,
                 known: Plan | None = None) -> None:
        """Set up the solve.

        ``start``: an earlier plan to start from; ``known``: the finished plan for exactly
        these inputs (from a cache), handed over at once without solving.
        """
        self.inventory, self.catalog, self.policy = inventory, catalog, policy
        self.time_limit, self.start_plan, self.known = time_limit, start, known
        self._lock = threading.Lock()
        self._stop = StopSignal()
        self._phase, self._left = "starting", time_limit
        self._best: float | None = None
        self._bound: float | None = None
        self._plan: Plan | None = None
        self._done = False
        self._error: str | None = None
        self._t0 = 0.0
        self._first_plan_at: float | None = None
        self._thread = threading.Thread(target=self._run, name="planner-solve", daemon=True)

    def start(self) -> PlanRun:
        """Start solving in the background; returns self."""
        self._t0 = time.monotonic()
        if self.known is not None:
            self._on_plan(self.known)
            with self._lock:
                self._phase, self._left, self._done = "done", 0.0, True
            return self
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the solve; it keeps its best plan (marked interrupted)."""
        if not self._done:
            self._stop.request()

    def wait(self, timeout: float | None = None) -> Progress:
        """Wait for the solve to end (or ``timeout`` seconds) and return its progress."""
        if self._thread.is_alive():
            self._thread.join(timeout)
        return self.progress()

    def wait_for_plan(self, timeout: float) -> Progress:
        """Wait until a first verified plan exists, the solve ends, or ``timeout`` passes."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            p = self.progress()
            if p.plan is not None or p.done:
                return p
            time.sleep(0.01)
        return self.progress()

    @property
    def first_plan_seconds(self) -> float | None:
        """Seconds from the start to the first verified plan."""
        return self._first_plan_at

    def progress(self) -> Progress:
        """A consistent snapshot of the solve's state."""
        with self._lock:
            return Progress(self._phase, self._best, self._bound, self._left,
                            time.monotonic() - self._t0 if self._t0 else 0.0, self._plan,
                            self._done, self._stop.is_set(), self._error)

    # -- the solving thread -----------------------------------------------------------------

    def _on_progress(self, phase: str, best: float | None, bound: float | None,
                     left: float) -> None:
        with self._lock:
            self._phase, self._left = phase, left
            if best is not None:
                self._best = best
            if bound is not None:
                self._bound = bound

    def _on_plan(self, found: Plan) -> None:
        with self._lock:
            self._plan = found
            self._best = float(found.cost)
            if found.lower_bound is not None:
                self._bound = max(self._bound or 0.0, float(found.lower_bound))
            if self._first_plan_at is None:
                self._first_plan_at = time.monotonic() - self._t0

    def _run(self) -> None:
        try:
            try:
                final = solve(self.inventory, self.catalog, self.policy,
                              time_limit=self.time_limit, progress=self._on_progress,
                              on_plan=self._on_plan, start=self.start_plan, stop=self._stop)
                self._on_plan(final)
            except PlannerError as exc:
                with self._lock:
                    self._error = str(exc)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # a defect: shown, never swallowed silently
                with self._lock:
                    self._error = f"internal error: {type(exc).__name__}: {exc}"
        except KeyboardInterrupt:
            pass  # a stop landing outside the search: the last verified plan stands
        finally:
            self._finish()

    def _finish(self) -> None:
        """Mark the run done (a late stop request cannot leave it half-finished)."""
        while True:
            try:
                with self._lock:
                    self._phase = "done"
                    self._left = 0.0
                    self._done = True
                return
            except KeyboardInterrupt:
                continue
