"""Solve: the engine (``engine.plan``) and the algorithms it orchestrates.

Heuristics give a plan at once, ``bounds``/``colgen``/``compact``/``branch`` prove a lower bound,
``fleet``/``fill``/``cover``/``pool`` close tight packings, ``unitpack`` puts PCs and seats into
mobile units; ``highs`` makes every HiGHS model. Only ``engine`` is called from outside.
"""

from planner.solver.engine import physical_baseline, plan

__all__ = ["physical_baseline", "plan"]
