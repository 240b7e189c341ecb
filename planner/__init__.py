"""The DR contract planner: size disaster-recovery agreements for virtualized recovery.

The flow is one way, one folder a step: ``readers`` (inventory exports, catalog, policy, units)
-> ``model`` (the packing problem, the plan type) -> ``solver`` (the engine) -> ``verify`` (an
independent check) -> ``recovery`` (timeline against the RTO, planning to meet it) -> ``money``
(cost over the term, quotes compared, test programme) -> ``present`` (JSON, CSV, Excel, charts,
the written plan in HTML and PDF). The CLI (``cli``), the benchmark (``bench``) and the
dashboard call only the names below. The package never imports the UI.
"""

from planner.errors import InputError, PlannerError, VerificationError
from planner.model.plan import (
    Baseline,
    Plan,
    PlannedHost,
    PlannedUnit,
    UnplacedWorkload,
    spare_words,
)
from planner.money import Assessment, Comparison, SweepResult, assess, compare, sweep
from planner.present import tables, write_csv, write_json, write_xlsx
from planner.present.charts import timeline_figure
from planner.present.report import (
    Report,
    RtoComparison,
    build_report,
    pdf_bytes,
    render_html,
    rto_comparison,
    write_html,
    write_pdf,
)
from planner.readers import ImportSummary, load_inventory, size_inventory
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
from planner.readers.usage import MEASURED, SizingSummary, sizing_mode
from planner.recovery import TierResult, Timeline, timeline
from planner.recovery.enforce import RtoPlan, plan_meeting_rto
from planner.recovery.run import RtoRun
from planner.solver import PlanRun, Progress, StopSignal, physical_baseline, plan
from planner.verify import check_plan, verify_plan

__all__ = [
    "MEASURED",
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
    "Report",
    "RtoComparison",
    "RtoPlan",
    "RtoRun",
    "Scenario",
    "SizingSummary",
    "StopSignal",
    "SweepResult",
    "TierResult",
    "Timeline",
    "UnitModel",
    "UnplacedWorkload",
    "VerificationError",
    "Workload",
    "assess",
    "build_report",
    "check_plan",
    "compare",
    "field_range",
    "load_catalog",
    "load_inventory",
    "load_policy",
    "pdf_bytes",
    "physical_baseline",
    "plan",
    "plan_meeting_rto",
    "read_inventory_csv",
    "render_html",
    "rto_comparison",
    "size_inventory",
    "sizing_mode",
    "spare_words",
    "sweep",
    "tables",
    "timeline",
    "timeline_figure",
    "verify_plan",
    "write_csv",
    "write_html",
    "write_json",
    "write_pdf",
    "write_xlsx",
]
