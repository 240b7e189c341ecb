"""Recovery: when a plan's workloads run after a declaration, against the RTO targets.

``timeline`` computes when each workload of a plan is running and each tier is back;
``enforce.plan_meeting_rto`` plans so every tier meets its target and prices that against the
plan that ignores it.
"""

from planner.recovery.timeline import PCTime, TierResult, Timeline, WorkloadTime, timeline

__all__ = ["PCTime", "TierResult", "Timeline", "WorkloadTime", "timeline"]
