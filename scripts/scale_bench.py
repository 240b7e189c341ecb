"""Scale-out benchmark (issue 23): a 24-point sweep serial vs LocalCluster, a 40-estate batch.

Run from the repository root (spawned workers import planner, never this script)::

    .venv/bin/python scripts/scale_bench.py --realdata /work/shared/realdata --out /tmp/scale

Sweep: the bundled sample against two quotes on a 4 x 3 x 2 grid (CPU overcommit x headroom x
growth = 24 points), once serially in this process and once on a LocalCluster of ``--workers``
processes; wall times, their ratio, and every point compared (totals, PCs, units, status).
Batch: ``--estates`` estates of 10-800 workloads (sizes spaced geometrically), drawn from the VM
size mix derived from shared/realdata (``planner.bench.mixes.derive_mix``; the real files are
read, never copied) and written as planner CSVs under ``OUT/estates``, then ``planner batch``'s
``run_batch`` on the LocalCluster: tasks per second, each worker's peak RSS, and the scheduler's
overhead per task, (wall x workers - sum of task solve seconds) / tasks.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from planner.bench.instances import mix_inventory
from planner.bench.mixes import DEFAULT_MIX, derive_mix
from planner.money.compare import sweep
from planner.readers.catalog import load_catalog, load_policy
from planner.readers.inventory import read_inventory_csv
from planner.scale import run_batch, scaled_sweep

ROOT = Path(__file__).resolve().parents[1]
QUOTES = [ROOT / "data" / "quotes" / "atlas-dr.toml", ROOT / "data" / "quotes" /
          "harbor-recovery.toml"]
AXES = {"overcommit": [2.0, 3.0, 4.0, 5.0], "headroom": [0.05, 0.10, 0.20],
        "growth": [0.0, 0.05]}


def load() -> str:
    """The 1, 5 and 15-minute load averages."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_sweep(workers: int, time_limit: float) -> dict[str, Any]:
    """The 24-point grid serially and on the cluster; point-by-point comparison."""
    s = ROOT / "data" / "sample"
    inv = read_inventory_csv(s / "inventory.csv")
    pol = load_policy(s / "policy.toml")
    cats = [load_catalog(q) for q in QUOTES]
    l0 = load()
    t0 = time.perf_counter()
    serial = sweep(inv, cats, pol, AXES, grid=True, time_limit=time_limit)
    t_serial = time.perf_counter() - t0
    l1 = load()
    t0 = time.perf_counter()
    par = scaled_sweep(inv, cats, pol, AXES, grid=True, time_limit=time_limit, workers=workers)
    t_par = time.perf_counter() - t0
    l2 = load()
    keys = ["point", "vendor", "rank", "total", "pcs", "units", "status", "gap"]
    a = [{k: r[k] for k in keys} for r in serial.rows]
    b = [{k: r[k] for k in keys} for r in par.rows]
    same = [x == y for x, y in zip(a, b, strict=True)]
    same_total = [x["total"] == y["total"] for x, y in zip(a, b, strict=True)]
    proven = sum(r["status"] == "optimal" for r in serial.rows)
    return {"points": len({r["point"] for r in serial.rows}), "rows": len(a),
            "solves": serial.solves, "time_limit": time_limit, "workers": workers,
            "serial_s": round(t_serial, 1), "cluster_s": round(t_par, 1),
            "ratio": round(t_serial / t_par, 2), "identical_rows": sum(same),
            "identical_totals": sum(same_total), "proven_rows_serial": proven,
            "differing": [(x, y) for x, y, ok in zip(a, b, same, strict=True) if not ok][:6],
            "load_before": l0, "load_mid": l1, "load_after": l2}


def sizes(n: int, lo: int = 10, hi: int = 800) -> list[int]:
    """``n`` estate sizes from ``lo`` to ``hi`` workloads, spaced geometrically."""
    return [round(lo * (hi / lo) ** (i / (n - 1))) for i in range(n)]


def build_estates(root: Path, n: int, realdata: str | None, seed: int) -> list[int]:
    """Write ``n`` estates (planner CSV) drawn from the realdata mix; their sizes."""
    mix = derive_mix(realdata) if realdata else DEFAULT_MIX
    cat = load_catalog(QUOTES[0])
    pol = load_policy(ROOT / "data" / "sample" / "policy.toml")
    out = sizes(n)
    for i, k in enumerate(out):
        d = root / f"estate-{i + 1:02d}-{k}"
        d.mkdir(parents=True, exist_ok=True)
        inv = mix_inventory(k, seed + i, mix, cat, pol)
        lines = ["name,vcpu,memory [GiB],storage [GB],kind,source,tier,count"]
        lines += [f"{w.name},{w.vcpu},{w.memory_gib},{w.storage_gb},server,virtual,"
                  f"{1 + j % 3},1" for j, w in enumerate(inv.workloads)]
        (d / "inventory.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def bench_batch(out: Path, n: int, workers: int | None, scheduler: str | None,
                time_limit: float, realdata: str | None, seed: int) -> dict[str, Any]:
    """The batch on the cluster: throughput, memory, scheduler overhead."""
    est = out / "estates"
    sz = build_estates(est, n, realdata, seed)
    cats = [load_catalog(q) for q in QUOTES]
    pol = load_policy(ROOT / "data" / "sample" / "policy.toml")
    l0 = load()
    res = run_batch(est, cats, pol, out / "results", time_limit=time_limit, workers=workers,
                    scheduler=scheduler)
    l1 = load()
    res.write(out / "results")
    w = len(res.peak_rss_mib) or 1
    solve = sum(res.task_seconds)
    return {"estates": len(sz), "sizes": f"{min(sz)}-{max(sz)}", "workloads": sum(sz),
            "tasks": res.tasks, "failed": len(res.failed()), "time_limit": time_limit,
            "wall_s": round(res.seconds, 1), "tasks_per_s": round(res.tasks / res.seconds, 3),
            "solve_s_sum": round(solve, 1),
            "solve_s_mean": round(solve / max(1, len(res.task_seconds)), 2),
            "startup_s": round(res.startup_seconds, 1),
            "overhead_s_per_task": round(
                ((res.seconds - res.startup_seconds) * w - solve) / max(1, res.tasks), 3),
            "workers_seen": w,
            "peak_rss_mib": {k: round(v) for k, v in sorted(res.peak_rss_mib.items())},
            "where": res.where, "load_before": l0, "load_after": l1}


def main() -> None:
    """Run the parts asked for and print/write their figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="/tmp/scale-bench")
    ap.add_argument("--realdata", default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--scheduler", default=None, help="run the batch on this scheduler")
    ap.add_argument("--estates", type=int, default=40)
    ap.add_argument("--sweep-time-limit", type=float, default=2.0)
    ap.add_argument("--batch-time-limit", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--part", choices=["sweep", "batch", "all"], default="all")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"nproc": os.cpu_count()}
    if args.part in {"sweep", "all"}:
        result["sweep"] = bench_sweep(args.workers, args.sweep_time_limit)
        print(json.dumps(result["sweep"], indent=1, default=str), flush=True)
    if args.part in {"batch", "all"}:
        result["batch"] = bench_batch(out, args.estates, args.workers, args.scheduler,
                                      args.batch_time_limit, args.realdata, args.seed)
        print(json.dumps(result["batch"], indent=1, default=str), flush=True)
    (out / f"scale-{args.part}.json").write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
