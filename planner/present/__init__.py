"""Present: the plan as JSON, CSV and Excel files (formula-safe)."""

from planner.present.export import safe_cell, tables, write_csv, write_json, write_xlsx

__all__ = ["safe_cell", "tables", "write_csv", "write_json", "write_xlsx"]
