"""The spares benchmark (``planner bench --suite spares``): what N+1 and N+2 cost against N+0.

The BillSample RVTools export in shared/realdata (``rvtools_nutanix_workshop``), read where it
lies (never copied), planned with the bundled sample catalog and policy at ``spares`` = 0, 1, 2:
without its mobile units (spares at the site) and with them (k spares in each unit that
carries PCs).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from planner.readers import load_inventory
from planner.readers.catalog import load_catalog, load_policy
from planner.solver.engine import plan as solve

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
EXPORT = "rvtools_nutanix_workshop/BillSampleNextRvtoolsFinal.xlsx"


def run_spares(realdata: str | None, time_limit: float = 30.0,
               ks: tuple[int, ...] = (0, 1, 2)) -> list[dict[str, object]]:
    """Plan the export at each k; print and return one row per k (with the load average)."""
    if realdata is None:
        raise ValueError("--suite spares needs --realdata (the shared/realdata folder)")
    full = load_catalog(DATA / "catalog.toml")
    base = load_policy(DATA / "policy.toml")
    inv, _ = load_inventory(Path(realdata) / EXPORT)
    rows: list[dict[str, object]] = []
    for where, catalog, k in [(w, c, k) for w, c in (("site", replace(full, units=())),
                                                     ("units", full)) for k in ks]:
        t0 = time.monotonic()
        p = solve(inv, catalog, replace(base, spares=k), time_limit=time_limit)
        sp = p.stats.get("spares")
        info = sp if isinstance(sp, dict) else {}
        row: dict[str, object] = {
            "catalog": where, "spares": k, "pcs": len(p.hosts), "by_model": p.host_counts(),
            "units": p.unit_counts(), "spare_pcs": sum(1 for h in p.hosts if h.spare),
            "cost": float(p.cost), "bound": None if p.lower_bound is None else float(p.lower_bound),
            "status": p.status, "gap": p.gap, "spare_model": info.get("model"),
            "extra_cost": info.get("extra_cost"), "unplaced": len(p.unplaced),
            "seconds": round(time.monotonic() - t0, 2),
            "load": round(os.getloadavg()[0], 2)}
        rows.append(row)
        print(row)
    return rows
