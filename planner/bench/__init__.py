"""``planner bench``: scale (issue 2) and field (issue 7) benchmarks.

Suites: ``scale`` (realistic inventories of 50..50,000 workloads, engine against FFD),
``constructed`` (optimum known by construction), ``literature`` (Caprara & Toth classes and
multiple-choice variants) and ``realistic`` (real VM mixes, sample catalog and policy), each
against first-fit-decreasing variants, the PuLP assignment MILP (HiGHS, CBC) and CP-SAT.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from .instances import (
    BenchInstance,
    constructed_instances,
    literature_instances,
    realistic_instances,
    scale_instances,
)
from .mixes import DEFAULT_MIX, VmMix, derive_mix
from .report import Record, claims_audit, family_tables, machine, scale_table, write_docs
from .runner import DEFAULT_PEERS, ENGINE, PEERS, measure
from .targets import SCRIPT, TARGETS, target_instances

SUITES = ("scale", "constructed", "literature", "realistic", "targets")
DEFAULT_SIZES = {"scale": [50, 500, 5000, 50000], "constructed": [50, 500, 5000],
                 "literature": [25, 50, 100, 200], "realistic": [150, 400, 1000]}
DEFAULT_INSTANCES = {"scale": 1, "constructed": 2, "literature": 10, "realistic": 3}
#: per-instance time limit of the field suites (issue 7: 10 s each)
FIELD_TIME = 10.0


def build_suite(suite: str, sizes: list[int], per_size: int, time_limit: float | None,
                mix: VmMix, seed: int) -> list[BenchInstance]:
    """The instances of a suite."""
    tl = time_limit or FIELD_TIME
    if suite == "scale":
        return scale_instances(sizes, seed, mix, time_limit)
    if suite == "constructed":
        return constructed_instances(sizes, per_size, seed, tl)
    if suite == "literature":
        return literature_instances(sizes, per_size, seed, tl)
    if suite == "realistic":
        return realistic_instances(sizes, per_size, seed, mix, tl)
    raise ValueError(f"unknown suite {suite!r}; choose from {', '.join(SUITES)}")


def _line(r: Record) -> str:
    c = "-" if r.get("cost") is None else f"{r['cost']:,.2f}"
    lb = "-" if r.get("lower_bound") is None else f"{r['lower_bound']:,.2f}"
    mem = "-" if r.get("peak_mib") is None else f"{r['peak_mib']:,.0f} MiB"
    ok = {True: "", False: " INVALID", None: ""}[r.get("valid")]
    return (f"{r['instance']:<28} {r['solver']:<11} {r.get('status', '?'):<10} {c:>14} "
            f"{lb:>14} {r['seconds']:7.2f}s {mem:>9}{ok} {r.get('note', '') or ''}")


def run_bench(sizes: list[int] | None = None, time_limit: float | None = None,
              realdata: str | None = None, seed: int = 1, *, suite: str = "scale",
              out: str | Path | None = None, instances: int | None = None,
              peers: list[str] | None = None, families: list[str] | None = None,
              isolate: bool = True, peer_time_limit: float | None = None,
              command: str | None = None, inputs: str | Path | None = None) -> list[Record]:
    """Run a suite, print per-instance lines and the tables; write docs into ``out`` if given.

    peers: solver names among ``runner.PEERS`` (default: the FFD baseline for ``scale``,
    every peer but the "patterns" exact check otherwise). families: keep only these
    families (e.g. CT10, mc-CT4).
    isolate: one worker process per run (peak memory measured). peer_time_limit: the peers'
    own limit (default the engine's), e.g. longer so their proofs can confirm the engine's.
    """
    if suite not in SUITES:
        raise ValueError(f"unknown suite {suite!r}; choose from {', '.join(SUITES)}")
    if suite == "targets":
        return run_targets(realdata, inputs, families)
    mix = derive_mix(realdata) if realdata else DEFAULT_MIX
    chosen = peers if peers is not None else (["ffd-sum"] if suite == "scale"
                                               else list(DEFAULT_PEERS))
    unknown = [p for p in chosen if p not in PEERS]
    if unknown:
        raise ValueError(f"unknown peer(s) {unknown}; choose from {', '.join(PEERS)}")
    insts = build_suite(suite, sizes or DEFAULT_SIZES[suite],
                        instances or DEFAULT_INSTANCES[suite], time_limit, mix, seed)
    if families:
        insts = [i for i in insts if i.family in families]
        if not insts:
            raise ValueError(f"no instances of families {families} in suite {suite}")
    t0 = time.monotonic()
    records: list[Record] = []
    print(f"suite {suite}: {len(insts)} instances, solvers {[ENGINE, *chosen]}, "
          f"mix {mix.name}", flush=True)
    meta: dict[str, Any] = {}

    def save(d: Path) -> None:
        meta["wall_seconds"] = time.monotonic() - t0
        d.mkdir(parents=True, exist_ok=True)
        (d / f"bench-{suite}.json").write_text(
            json.dumps({"meta": meta, "records": records}, indent=1, default=str))

    if out is not None:
        meta.update({
            "suite": suite, "command": command or shlex.join(["planner", *sys.argv[1:]]),
            "machine": machine(), "date": dt.datetime.now().isoformat(timespec="seconds"),
            "wall_seconds": 0.0, "mix": mix.name, "seed": seed,
            "peer_time_limit": peer_time_limit,
            "notes": ("catalog: data/sample/catalog.toml PC models without mobile units, "
                      "policy: data/sample/policy.toml" if suite in ("scale", "realistic")
                      else ""),
        })
    try:
        for inst in insts:
            for s in (ENGINE, *chosen):
                r = measure(s, inst if s == ENGINE or peer_time_limit is None
                            else replace(inst, time_limit=peer_time_limit), isolate=isolate)
                records.append(r)
                print(_line(r), flush=True)
            if out is not None:  # partial results survive an interrupted run
                save(Path(out))
    except KeyboardInterrupt:
        # Ctrl-C: keep the runs finished (the run cut short is dropped), then stop
        print(f"\ninterrupted (Ctrl-C): {len(records)} run(s) finished", flush=True)
        if records:
            print("\n".join(scale_table(records) if suite == "scale"
                            else family_tables(records)))
        if out is not None:
            meta["interrupted"] = True
            save(Path(out))
            print(f"partial results in {Path(out) / f'bench-{suite}.json'}")
        raise
    print()
    print("\n".join(scale_table(records) if suite == "scale" else family_tables(records)))
    if suite != "scale":
        print("\n" + "\n".join(claims_audit(records)[0]))
    if out is not None:
        save(Path(out))
        write_docs(Path(out))
        print(f"wrote {Path(out) / 'benchmarks.md'}")
    return records


def _load() -> str:
    """The load averages (1, 5, 15 min) now: timings on a shared machine need them beside."""
    import os

    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def run_targets(realdata: str | None, inputs: str | Path | None,
                only: list[str] | None = None) -> list[Record]:
    """Issue 25's targets: each instance once, gap against its target, load beside each run."""
    if not realdata or not inputs:
        raise ValueError(f"the targets suite needs --realdata PATH and --inputs DIR (built by "
                         f"python {SCRIPT} REALDATA DIR)")
    insts = target_instances(realdata, inputs, only)
    goal = {name: gap for name, _, gap in TARGETS}
    records: list[Record] = []
    print(f"suite targets: inputs built by {SCRIPT} from {realdata} into {inputs}; "
          f"machine {machine()}", flush=True)
    for inst in insts:
        before = _load()
        r = measure(ENGINE, inst)
        r.update(load_before=before, load_after=_load())
        records.append(r)
        cost, lb = r.get("cost"), r.get("lower_bound")
        gap = None if cost is None or lb is None or not cost else (cost - lb) / cost
        r["gap"] = gap
        met = gap is not None and gap <= goal[inst.name] + 1e-12
        print(_line(r), flush=True)
        print(f"  gap {'-' if gap is None else f'{100 * gap:.3f} %'} (target "
              f"{100 * goal[inst.name]:.1f} % in {inst.time_limit:.0f} s: "
              f"{'met' if met else 'NOT met'}), PCs {r.get('pcs')}, units {r.get('units')}, "
              f"load {r['load_before']} -> {r['load_after']}; {r.get('stats')}", flush=True)
    return records


__all__ = ["SUITES", "build_suite", "run_bench", "run_targets"]
