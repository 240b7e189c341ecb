"""The what-if benchmark (``planner bench --suite whatif``): re-plans of neighbouring policies.

The dashboard's what-if needs a verified plan on screen within a second of a slider move. For
the bundled sample and a 763-VM RVTools-sized inventory (the 805-VM workshop export in
shared/realdata when ``--realdata`` is given, else 763 VMs drawn from the built-in mix), each
neighbouring policy (CPU overcommit +-0.5, headroom +5 points, growth +2 points) is planned
cold and warm (started from the base policy's plan), through ``planner.PlanRun`` as the
dashboard does: time to the first verified plan, time to a gap <= 0.5 %, the final gap, and
the ratios warm/cold.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from planner.model.plan import Plan
from planner.readers import load_inventory
from planner.readers.catalog import Catalog, Policy, load_catalog, load_policy
from planner.readers.inventory import Inventory
from planner.solver.anytime import PlanRun
from planner.solver.engine import plan as solve

from .instances import mix_inventory

DATA = Path(__file__).resolve().parents[2] / "data" / "sample"
WORKSHOP = "rvtools_nutanix_workshop/SizingWorkshop-RVTools.xlsx"
GAP = 0.005


def neighbours(policy: Policy) -> list[tuple[str, Policy]]:
    """The policies one slider step away from ``policy``."""
    return [("overcommit +0.5", replace(policy, cpu_overcommit=policy.cpu_overcommit + 0.5)),
            ("overcommit -0.5", replace(policy, cpu_overcommit=policy.cpu_overcommit - 0.5)),
            ("headroom +5 pt", replace(policy, headroom=policy.headroom + 0.05)),
            ("growth +2 pt", replace(policy, growth_per_year=policy.growth_per_year + 0.02))]


def timed(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
          start: Plan | None) -> dict[str, Any]:
    """One re-plan through PlanRun: first verified plan, gap <= 0.5 %, final figures."""
    run = PlanRun(inventory, catalog, policy, time_limit=time_limit, start=start).start()
    to_gap = None
    while True:
        p = run.progress()
        if to_gap is None and p.plan is not None and p.gap is not None and p.gap <= GAP:
            to_gap = p.elapsed
        if p.done:
            break
        time.sleep(0.005)
    assert p.plan is not None, p.error
    return {"first_plan_s": run.first_plan_seconds, "gap_0.5_s": to_gap,
            "final_gap": p.plan.gap, "cost": float(p.plan.cost), "pcs": len(p.plan.hosts),
            "seconds": p.elapsed, "status": p.plan.status}


def cases(realdata: str | None, seed: int) -> list[tuple[str, Inventory]]:
    """The sample, and the 763-VM inventory (real export where given)."""
    sample, _ = load_inventory(DATA / "inventory.csv")
    out = [("sample (341)", sample)]
    if realdata and (Path(realdata) / WORKSHOP).is_file():
        inv, _ = load_inventory(Path(realdata) / WORKSHOP)
        out.append((f"RVTools workshop ({inv.total_instances})", inv))
    else:
        out.append(("763 VMs, built-in mix", mix_inventory(763, seed)))
    return out


def run_whatif(realdata: str | None = None, time_limit: float | None = None, seed: int = 1,
               out: str | Path | None = None) -> list[dict[str, Any]]:
    """Run the benchmark, print a table, write bench-whatif.json into ``out`` if given."""
    tl = time_limit or 30.0
    catalog = load_catalog(DATA / "catalog.toml")
    base_policy = load_policy(DATA / "policy.toml")
    rows: list[dict[str, Any]] = []
    print(f"what-if: time limit {tl:g} s per re-plan; gap target {100 * GAP:.1f} %")
    head = (f"{'inventory':<28} {'neighbour':<16} {'mode':<5} {'first plan':>10} "
            f"{'gap<=0.5%':>10} {'final gap':>9} {'cost':>14} {'PCs':>5}")
    print(head)
    for name, inv in cases(realdata, seed):
        base = solve(inv, catalog, base_policy, time_limit=tl)
        for label, pol in neighbours(base_policy):
            for mode, start in (("cold", None), ("warm", base)):
                r = {"inventory": name, "neighbour": label, "mode": mode,
                     **timed(inv, catalog, pol, tl, start)}
                rows.append(r)
                g = "-" if r["gap_0.5_s"] is None else f"{r['gap_0.5_s']:.2f}s"
                print(f"{name:<28} {label:<16} {mode:<5} {r['first_plan_s']:>9.3f}s {g:>10} "
                      f"{100 * (r['final_gap'] or 0):>8.2f}% {r['cost']:>14,.0f} "
                      f"{r['pcs']:>5}", flush=True)
    print()
    for name, _ in cases(realdata, seed):
        sel = [r for r in rows if r["inventory"] == name]
        for key in ("first_plan_s", "gap_0.5_s"):
            cold = [r[key] for r in sel if r["mode"] == "cold" and r[key] is not None]
            warm = [r[key] for r in sel if r["mode"] == "warm" and r[key] is not None]
            if cold and warm:
                c, w = sum(cold) / len(cold), sum(warm) / len(warm)
                print(f"{name}: mean {key} cold {c:.3f} s, warm {w:.3f} s, warm/cold "
                      f"{w / max(c, 1e-9):.2f} ({len(warm)} of {len(sel) // 2} warm runs "
                      f"reached it)")
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "bench-whatif.json").write_text(json.dumps(rows, indent=1, default=str))
    return rows
