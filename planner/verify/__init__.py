"""Verify: an independent check of every plan against the raw inputs (shares no model code)."""

from planner.verify.verifier import check_plan, verify_plan

__all__ = ["check_plan", "verify_plan"]
