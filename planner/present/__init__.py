"""Present: the plan as JSON, CSV and Excel (formula-safe), charts, and the scenario file."""

from planner.present.bundle import (
    Bundle,
    catalog_dict,
    inventory_frame,
    inventory_from_frame,
    load_bundle,
    policy_dict,
    save_bundle,
)
from planner.present.export import (
    csv_zip_bytes,
    json_bytes,
    safe_cell,
    tables,
    write_csv,
    write_json,
    write_xlsx,
    xlsx_bytes,
)

__all__ = ["Bundle", "catalog_dict", "csv_zip_bytes", "inventory_frame", "inventory_from_frame",
           "json_bytes", "load_bundle", "policy_dict", "safe_cell", "save_bundle", "tables",
           "write_csv", "write_json", "write_xlsx", "xlsx_bytes"]
