"""``--enforce-rto`` in the background: the dashboard's switch runs this instead of a plain solve.

The same polling interface as ``planner.PlanRun`` (progress, stop, wait); the plan it hands over
is the one meeting the RTO (``plan_meeting_rto``), and ``result`` keeps what that costs against
the plan that ignores it. Intermediate plans are not shown: the plan ignoring the RTO is not the
answer, and an enforced attempt's plan is only kept once checked against the timeline.
"""

from __future__ import annotations

from planner.errors import PlannerError
from planner.model.plan import Plan
from planner.readers.catalog import Catalog, Policy
from planner.readers.inventory import Inventory
from planner.recovery.enforce import RtoPlan, plan_meeting_rto
from planner.solver.anytime import PlanRun


class RtoRun(PlanRun):
    """One ``plan_meeting_rto`` in a background thread; ``result`` once it is done."""

    def __init__(self, inventory: Inventory, catalog: Catalog, policy: Policy, *,
                 time_limit: float = 30.0, unconstrained: Plan | None = None,
                 known: RtoPlan | None = None) -> None:
        """Set up the run.

        ``unconstrained``: the finished plan ignoring the RTO for these inputs (saves that
        solve); ``known``: the finished result for exactly these inputs (from a cache).
        """
        super().__init__(inventory, catalog, policy, time_limit=time_limit,
                         known=None if known is None else known.plan)
        self.unconstrained = unconstrained
        self.result: RtoPlan | None = known

    def _stage(self, phase: str, best: float | None, bound: float | None,
               left: float) -> None:
        # the inner solves' best and bound are those of other problems (the plan ignoring the
        # RTO, the problem with restore deadlines): only the phase is shown, in words
        self._on_progress(f"meeting the RTO: {phase}", None, None, left)

    def _run(self) -> None:
        try:
            try:
                r = plan_meeting_rto(self.inventory, self.catalog, self.policy,
                                     time_limit=self.time_limit, progress=self._stage,
                                     unconstrained=self.unconstrained, stop=self._stop)
                with self._lock:
                    self.result = r
                self._on_plan(r.plan)
            except PlannerError as exc:
                with self._lock:
                    self._error = str(exc)
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # a defect: shown, never swallowed silently
                with self._lock:
                    self._error = f"internal error: {type(exc).__name__}: {exc}"
        except KeyboardInterrupt:
            pass  # a stop landing between solves: the result so far (if any) stands
        finally:
            self._finish()
