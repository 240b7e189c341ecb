"""The sizing benchmark (``planner bench --suite sizing``): provisioned against measured use.

The Bitbrains GWA-T-12 Rnd trace in shared/realdata (``bitbrains_rnd/per_vm.csv``: 500 VMs,
provisioned vCPU and memory, 95th-percentile CPU in MHz and memory in use, samples) is turned
into an inventory and a usage file in a temporary folder (never into the repository), and
planned twice with the bundled sample catalog and policy: ``sizing = "provisioned"`` and
``sizing = "measured"`` (p95 x 1.3, floor 1 vCPU / 1 GiB, cap at provisioned). The trace has no
disk sizes, so every VM gets the same nominal storage (``STORAGE_GB``): storage never binds.
"""

from __future__ import annotations

import csv
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from planner.readers import load_inventory, size_inventory
from planner.readers.catalog import load_catalog, load_policy
from planner.solver.engine import plan as solve

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
TRACE = "bitbrains_rnd/per_vm.csv"
STORAGE_GB = 50
#: samples are 5 minutes apart
SAMPLES_PER_DAY = 288


def bitbrains_files(realdata: Path, folder: Path) -> tuple[Path, Path]:
    """Write the trace as the planner's inventory CSV and a usage CSV; return both paths."""
    inv, use = folder / "bitbrains_inventory.csv", folder / "bitbrains_usage.csv"
    with (realdata / TRACE).open(newline="") as f, inv.open("w", newline="") as fi, \
            use.open("w", newline="") as fu:
        wi, wu = csv.writer(fi), csv.writer(fu)
        wi.writerow(["name", "vcpu", "memory [GiB]", "storage [GB]"])
        wu.writerow(["name", "cpu [MHz]", "memory [GiB]", "mhz_per_core", "samples", "days"])
        for r in csv.DictReader(f):
            name, vcpu = f"vm{int(r['vm_id']):03d}", int(r["vcpu"])
            wi.writerow([name, vcpu, r["memory_gib"], STORAGE_GB])
            samples = int(r["samples"])
            wu.writerow([name, r["cpu_usage_mhz_p95"], r["mem_usage_gib_p95"],
                         float(r["cpu_capacity_mhz"]) / vcpu, samples,
                         round(samples / SAMPLES_PER_DAY, 1)])
    return inv, use


def run_sizing(realdata: str | None, time_limit: float = 30.0) -> list[dict[str, object]]:
    """Plan the trace provisioned and measured; print and return one row per sizing."""
    if realdata is None:
        raise ValueError("--suite sizing needs --realdata (the shared/realdata folder)")
    catalog = load_catalog(DATA / "catalog.toml")
    base = load_policy(DATA / "policy.toml")
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        inv_path, use_path = bitbrains_files(Path(realdata), Path(tmp))
        for mode in ("provisioned", "measured"):
            policy = replace(base, sizing=mode)
            inv, imported = load_inventory(inv_path)
            inv, sizing = size_inventory(inv, imported, policy,
                                         use_path if mode == "measured" else None)
            t0 = time.monotonic()
            p = solve(inv, catalog, policy, time_limit=time_limit)
            row: dict[str, object] = {
                "sizing": mode, "vms": inv.total_instances,
                "vcpu": sum(w.vcpu * w.count for w in inv.workloads),
                "memory_gib": round(sum(w.memory_gib * w.count for w in inv.workloads), 1),
                "pcs": len(p.hosts), "by_model": p.host_counts(), "cost": float(p.cost),
                "status": p.status, "gap": p.gap, "seconds": round(time.monotonic() - t0, 2),
                "confidence": None if sizing is None else sizing.confidence,
                "fallback": 0 if sizing is None else len(sizing.fallback)}
            rows.append(row)
            print(row)
    a, b = rows
    saved = float(a["cost"]) - float(b["cost"])  # type: ignore[arg-type]
    print(f"measured saves {int(a['pcs']) - int(b['pcs'])} PCs "  # type: ignore[call-overload]
          f"and {saved:,.0f} {catalog.currency} over the term "
          f"({saved / float(a['cost']):.1%})")  # type: ignore[arg-type]
    return rows
