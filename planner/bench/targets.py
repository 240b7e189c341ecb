"""Issue 25's targets on what users bring: the sample, the 805-VM workbook, 50,000 real sizes.

Inputs are built from the real-data folder (its path is an argument; nothing is copied into the
repository) by ``scripts/realdata_inputs.py``, which calls :func:`write_inputs`:

- ``real-<n>.csv``: ``n`` workloads in the planner's CSV, each a size triple (vCPU, memory
  GiB, provisioned storage GB) of a real powered-on, non-template VM of the RVTools vInfo
  exports, drawn uniformly with replacement (seeded): several hundred distinct real sizes,
  not the built-in mix;
- the 805-VM workbook is read where it lies
  (``rvtools_nutanix_workshop/SizingWorkshop-RVTools.xlsx``).

The sample and the workbook use the bundled catalog and policy with their mobile units, seats
and stock (as the issue measured them); the 50,000 use its PC models without units or stock,
as the scale suite does (issue 2's target): at 50,000 real sizes the 20 RPC-L in stock cannot
hold the VMs only it fits, and the plan would be infeasible whatever the engine did.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from planner.readers import load_inventory
from planner.readers.catalog import load_catalog, load_policy

from .instances import SAMPLE_DIR, BenchInstance, sample_catalog
from .mixes import vinfo_sizes

WORKBOOK = Path("rvtools_nutanix_workshop") / "SizingWorkshop-RVTools.xlsx"
SCRIPT = "scripts/realdata_inputs.py"
#: (instance, time limit [s], target gap): the issue's targets
TARGETS = (("sample", 5.0, 0.001), ("rvtools-805", 30.0, 0.005), ("real-50000", 120.0, 0.01))


def real_sizes(realdata: str | Path) -> list[tuple[int, float, float]]:
    """(vCPU, memory GiB, storage GB) of every powered-on, non-template RVTools VM with a disk."""
    root = Path(realdata)
    out: list[tuple[int, float, float]] = []
    for f in sorted(root.glob("rvtools_*/*vInfo*.csv")):
        for v, m, gb in vinfo_sizes(f):
            if v > 0 and m > 0 and gb is not None:
                out.append((v, round(m, 3), round(gb, 1)))
    if not out:
        raise ValueError(f"no RVTools vInfo sizes under {root} (expected the realdata layout)")
    return out


def write_inputs(realdata: str | Path, out: str | Path, n: int = 50_000,
                 seed: int = 1) -> Path:
    """Write ``real-<n>.csv`` (sizes drawn from the real VMs) into ``out``; return its path."""
    sizes = real_sizes(realdata)
    rng = random.Random(seed)
    path = Path(out) / f"real-{n}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "vcpu", "memory [GiB]", "storage [GB]", "kind", "source", "tier",
                    "count", "affinity", "anti_affinity"])
        for i, (v, m, s) in enumerate(rng.choice(sizes) for _ in range(n)):
            w.writerow([f"vm{i:05d}", v, m, s, "server", "virtual", 1, 1, "", ""])
    return path


def target_instances(realdata: str | Path, inputs: str | Path,
                     only: list[str] | None = None) -> list[BenchInstance]:
    """The three target instances with the bundled catalog (units, seats, stock) and policy."""
    cat = load_catalog(SAMPLE_DIR / "catalog.toml")
    pol = load_policy(SAMPLE_DIR / "policy.toml")
    files = {"sample": SAMPLE_DIR / "inventory.csv",
             "rvtools-805": Path(realdata) / WORKBOOK,
             "real-50000": Path(inputs) / "real-50000.csv"}
    out = []
    for name, limit, _ in TARGETS:
        if only and name not in only:
            continue
        if not files[name].exists():
            raise ValueError(f"{files[name]} is missing; build it with "
                             f"python {SCRIPT} REALDATA {inputs}")
        inv = load_inventory(files[name])[0]
        out.append(BenchInstance("targets", name, name, inv,
                                 sample_catalog() if name == "real-50000" else cat, pol, limit))
    return out
