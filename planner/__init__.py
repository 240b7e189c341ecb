"""The DR contract planner: size disaster-recovery agreements for virtualized recovery.

Public API: read inputs, plan, verify, export. The package never imports the UI.
"""

from planner.catalog import Catalog, HostModel, Policy, UnitModel, load_catalog, load_policy
from planner.engine import physical_baseline, plan
from planner.errors import InputError, PlannerError, VerificationError
from planner.inventory import Inventory, Workload, read_inventory_csv
from planner.plan import Plan
from planner.verify import check_plan, verify_plan

__all__ = [
    "Catalog",
    "HostModel",
    "InputError",
    "Inventory",
    "Plan",
    "PlannerError",
    "Policy",
    "UnitModel",
    "VerificationError",
    "Workload",
    "check_plan",
    "load_catalog",
    "load_policy",
    "physical_baseline",
    "plan",
    "read_inventory_csv",
    "verify_plan",
]
