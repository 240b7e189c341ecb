"""Model: the packing problem built from validated inputs, and the plan that answers it.

``problem.build_problem`` turns an inventory, a catalog and a policy into item classes and PC and
unit types on an integer grid; ``plan.Plan`` is the result type every later step reads.
"""

from planner.model.plan import Baseline, Plan, PlannedHost, PlannedUnit, UnplacedWorkload
from planner.model.problem import Problem, build_problem

__all__ = ["Baseline", "Plan", "PlannedHost", "PlannedUnit", "Problem", "UnplacedWorkload",
           "build_problem"]
