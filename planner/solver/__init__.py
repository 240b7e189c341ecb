"""Solve: the engine (``engine.plan``) and the algorithms it orchestrates.

Heuristics give a plan at once, ``bounds``/``colgen``/``compact``/``branch`` prove a lower bound,
``fleet``/``fill``/``cover``/``pool`` close tight packings, ``unitpack`` puts PCs and seats into
mobile units; ``highs`` makes every HiGHS model; ``warm`` carries an earlier plan over.
Called from outside: ``engine.plan`` and, for a solve in the background, ``anytime.PlanRun``.
"""

from planner.solver.anytime import PlanRun, Progress
from planner.solver.engine import StopSignal, physical_baseline, plan

__all__ = ["PlanRun", "Progress", "StopSignal", "physical_baseline", "plan"]
