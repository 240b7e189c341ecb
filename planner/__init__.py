"""The DR contract planner: size disaster-recovery agreements for virtualized recovery.

The flow is one way, one folder a step: ``readers`` (inventory exports, catalog, policy, units)
-> ``model`` (the packing problem, the plan type) -> ``solver`` (the engine) -> ``verify`` (an
independent check) -> ``money`` (cost over the term, quotes compared) -> ``present`` (JSON, CSV,
Excel). The CLI (``cli``), the benchmark (``bench``) and the dashboard call only the names below.
The package never imports the UI.
"""

from planner.errors import InputError, PlannerError, VerificationError
from planner.model.plan import Baseline, Plan, PlannedHost, PlannedUnit, UnplacedWorkload
from planner.money import Assessment, Comparison, SweepResult, assess, compare, sweep
from planner.present import tables, write_csv, write_json, write_xlsx
from planner.readers import ImportSummary, load_inventory
from planner.readers.catalog import (
    Catalog,
    HostModel,
    Policy,
    Scenario,
    UnitModel,
    load_catalog,
    load_policy,
)
from planner.readers.inventory import Inventory, Workload, read_inventory_csv
from planner.readers.schema import POLICY_FIELDS, SCENARIO_FIELDS, field_range
from planner.solver import PlanRun, Progress, StopSignal, physical_baseline, plan
from planner.verify import check_plan, verify_plan

__all__ = [
    "POLICY_FIELDS",
    "SCENARIO_FIELDS",
    "Assessment",
    "Baseline",
    "Catalog",
    "Comparison",
    "HostModel",
    "ImportSummary",
    "InputError",
    "Inventory",
    "Plan",
    "PlanRun",
    "PlannedHost",
    "PlannedUnit",
    "PlannerError",
    "Policy",
    "Progress",
    "Scenario",
    "StopSignal",
    "SweepResult",
    "UnitModel",
    "UnplacedWorkload",
    "VerificationError",
    "Workload",
    "assess",
    "check_plan",
    "compare",
    "field_range",
    "load_catalog",
    "load_inventory",
    "load_policy",
    "physical_baseline",
    "plan",
    "read_inventory_csv",
    "sweep",
    "tables",
    "verify_plan",
    "write_csv",
    "write_json",
    "write_xlsx",
]
