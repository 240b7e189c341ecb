"""``planner batch``: many client estates, each planned and priced against every quote.

One sub-folder per estate: its inventory (any format the readers take), optionally
``mapping.csv`` and ``policy.toml`` (overriding the batch's policy). Each (estate, quote) solve
is a task; the inventories are read here and, with the quotes, scattered once to every
worker. As each estate's last solve arrives its plans are verified again here, ranked by the
same ``compare`` as ``planner compare``, and its outputs written to ``OUT/<estate>/``:
``result.json`` last, so ``--resume`` skips exactly the estates whose outputs are complete.
A bad estate is reported with the reader's message and the others go on.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from planner.errors import InputError
from planner.model.plan import Plan
from planner.money.compare import Comparison, compare, reporting_currency
from planner.money.costing import jsonable
from planner.present.export import safe_cell, write_json, write_xlsx
from planner.readers import ImportSummary, load_inventory
from planner.readers.catalog import Catalog, Policy, load_policy
from planner.readers.inventory import Inventory
from planner.scale.cluster import Runner
from planner.scale.progress import TaskBar
from planner.scale.tasks import SolveResult, TaskFailure, check_on_client, solve_task

MAPPING = "mapping.csv"
POLICY = "policy.toml"
RESULT = "result.json"
INVENTORY_EXT = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
SUMMARY_COLUMNS = ["estate", "status", "best_quote", "pcs", "units", "cost", "currency",
                   "saving", "gap", "unplaced", "error"]


@dataclass(frozen=True)
class Estate:
    """One client estate's folder and the files found in it."""

    name: str
    folder: Path
    inventory: Path | None
    mapping: Path | None
    policy: Path | None
    problem: str | None = None


def find_estates(root: str | Path) -> list[Estate]:
    """The estates under ``root`` (one sub-folder each, sorted by name)."""
    base = Path(root)
    if not base.is_dir():
        raise InputError("not a folder of estates", file=str(root),
                         fix="give a folder with one sub-folder per client estate")
    out = []
    for d in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = [f for f in sorted(d.iterdir()) if f.is_file() and not f.name.startswith(".")]
        mapping = d / MAPPING if (d / MAPPING).is_file() else None
        policy = d / POLICY if (d / POLICY).is_file() else None
        inv = [f for f in files if f.suffix.lower() in INVENTORY_EXT and f.name != MAPPING]
        named = [f for f in inv if f.stem.lower() == "inventory"]
        problem = None
        if len(named) == 1:
            inv = named
        if not inv:
            problem = (f"{d}: no inventory file (.csv/.xlsx); put the estate's export in the "
                       "folder")
        elif len(inv) > 1:
            problem = (f"{d}: {len(inv)} candidate inventory files "
                       f"({', '.join(f.name for f in inv)}); name the one to plan "
                       "inventory.csv or inventory.xlsx")
        out.append(Estate(d.name, d, inv[0] if len(inv) == 1 else None, mapping, policy,
                          problem))
    if not out:
        raise InputError("no estate sub-folders", file=str(root),
                         fix="put each client's inventory in its own sub-folder")
    return out


@dataclass
class EstateResult:
    """One estate's summary row; ``error`` says why it has no result."""

    estate: str
    comparison: Comparison | None = None
    error: str | None = None
    resumed: bool = False
    row: dict[str, Any] = field(default_factory=dict)


@dataclass
class BatchResult:
    """Every estate's row, in name order, and the run's figures."""

    estates: list[EstateResult]
    seconds: float
    tasks: int
    task_seconds: list[float]
    peak_rss_mib: dict[str, float]
    where: str
    interrupted: bool = False
    #: seconds to start the LocalCluster or connect to the scheduler
    startup_seconds: float = 0.0

    def table(self) -> pd.DataFrame:
        """The summary table: estate, best quote, PCs, units, cost, saving, gap, unplaced."""
        return pd.DataFrame([e.row for e in self.estates], columns=SUMMARY_COLUMNS)

    def failed(self) -> list[EstateResult]:
        """The estates without a result."""
        return [e for e in self.estates if e.error is not None]

    def report(self) -> str:
        """The summary for the terminal."""
        lines = [f"{'estate':<28} {'best quote':<24} {'PCs':>4} {'units':>5} "
                 f"{'cost over term':>18} {'saving':>16} {'gap':>7} {'unplaced':>8}"]
        for e in self.estates:
            r = e.row
            if e.error is not None:
                lines.append(f"{e.estate[:28]:<28} FAILED: {e.error}")
                continue
            gap = "n/a" if r["gap"] is None else f"{100 * r['gap']:.2f}%"
            lines.append(
                f"{e.estate[:28]:<28} {str(r['best_quote'])[:24]:<24} {r['pcs']:>4} "
                f"{r['units']:>5} {float(r['cost']):>14,.2f} {r['currency']:<3} "
                f"{float(r['saving']):>12,.2f} {r['currency']:<3} {gap:>7} {r['unplaced']:>8}")
        done = sum(e.error is None for e in self.estates)
        if self.interrupted:
            lines.append("interrupted: the estates not listed were not finished "
                         "(run again with --resume)")
        resumed = sum(e.resumed for e in self.estates)
        lines.append(f"{done} of {len(self.estates)} estates planned"
                     + (f" ({resumed} from an earlier run)" if resumed else "")
                     + f", {self.tasks} solves in {self.seconds:.1f} s; {self.where}")
        return "\n".join(lines)

    def write(self, out: Path) -> list[Path]:
        """summary.csv, summary.json and summary.xlsx in ``out``."""
        t = self.table()
        paths = [out / "summary.csv", out / "summary.json", out / "summary.xlsx"]
        t.map(safe_cell).to_csv(paths[0], index=False)
        paths[1].write_text(json.dumps(jsonable([e.row for e in self.estates]), indent=2,
                                       ensure_ascii=False) + "\n", encoding="utf-8")
        x = t.copy()
        for c in ("cost", "saving"):
            x[c] = [None if v is None else float(v) for v in x[c]]
        with pd.ExcelWriter(paths[2], engine="xlsxwriter",
                            engine_kwargs={"options": {"strings_to_formulas": False}}) as w:
            x.to_excel(w, sheet_name="estates", index=False)
        return paths


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:60] or "quote"


def _row(name: str, cmp: Comparison | None, error: str | None) -> dict[str, Any]:
    if cmp is None:
        return {"estate": name, "status": "failed", "error": error}
    best = cmp.rows()[0]
    return {"estate": name, "status": best["status"], "best_quote": best["vendor"],
            "pcs": best["pcs"], "units": best["units"], "cost": best["total"],
            "currency": cmp.currency, "saving": best["savings"], "gap": best["gap"],
            "unplaced": best["unplaced"], "error": None}


def _finished(out: Path) -> dict[str, Any] | None:
    """The summary row of an estate finished by an earlier run, if its outputs are complete."""
    try:
        data = json.loads((out / RESULT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("status") != "failed" else None


def _write_estate(out: Path, cmp: Comparison, imported: ImportSummary,
                  row: dict[str, Any]) -> None:
    """The estate's full outputs; result.json last, so it marks a complete folder."""
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULT).unlink(missing_ok=True)
    (out / "comparison.json").write_text(
        json.dumps(cmp.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "comparison.txt").write_text(cmp.report() + "\n", encoding="utf-8")
    for i, a in enumerate(cmp.assessments, start=1):
        write_json(a.plan, out / f"plan-{i}-{_slug(a.vendor)}.json")
    best = min(cmp.assessments, key=lambda a: (a.virtual.total, a.virtual.present_value,
                                               a.vendor))
    write_xlsx(best.plan, out / "best-plan.xlsx", imported)
    (out / RESULT).write_text(json.dumps(jsonable(row), indent=2, ensure_ascii=False) + "\n",
                              encoding="utf-8")


@dataclass
class _Loaded:
    estate: Estate
    inventory: Inventory
    imported: ImportSummary
    policy: Policy
    plans: dict[int, Plan] = field(default_factory=dict)


def _load(e: Estate, policy: Policy, catalogs: Sequence[Catalog]) -> _Loaded:
    if e.problem is not None or e.inventory is None:
        raise InputError(e.problem or "no inventory", file=str(e.folder))
    pol = load_policy(e.policy) if e.policy is not None else policy
    # planned in the reporting scenario, as compare() plans (a missing rate fails here)
    pol = replace(pol, scenario=reporting_currency(catalogs, pol))
    inv, imported = load_inventory(e.inventory, mapping=e.mapping)
    return _Loaded(e, inv, imported, pol)


def run_batch(root: str | Path, catalogs: Sequence[Catalog], policy: Policy, out: str | Path,
              *, time_limit: float = 30.0, workers: int | None = None,
              scheduler: str | None = None, resume: bool = False, quiet: bool = True,
              on_estate: Callable[[EstateResult], None] | None = None) -> BatchResult:
    """Plan and price every estate against every quote; write each estate as it finishes."""
    t0 = time.perf_counter()
    estates = find_estates(root)
    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, EstateResult] = {}
    loaded: dict[str, _Loaded] = {}

    def finish(name: str, res: EstateResult) -> None:
        results[name] = res
        if res.error is not None:
            (outdir / name).mkdir(parents=True, exist_ok=True)
            (outdir / name / RESULT).unlink(missing_ok=True)
            (outdir / name / "error.txt").write_text(res.error + "\n", encoding="utf-8")
        else:
            (outdir / name / "error.txt").unlink(missing_ok=True)
        if on_estate is not None:
            on_estate(res)

    for e in estates:
        if resume and (row := _finished(outdir / e.name)) is not None:
            results[e.name] = EstateResult(e.name, resumed=True, row=row)
            continue
        try:
            loaded[e.name] = _load(e, policy, catalogs)
        except InputError as exc:
            finish(e.name, EstateResult(e.name, error=str(exc), row=_row(e.name, None,
                                                                          str(exc))))
    task_seconds: list[float] = []
    peak: dict[str, float] = {}
    interrupted = False
    n_tasks = len(loaded) * len(catalogs)

    t_up = time.perf_counter()
    with Runner(workers, scheduler) as run:
        startup = time.perf_counter() - t_up
        cats = [run.share(c) for c in catalogs]
        for name, ld in loaded.items():
            # a copy on every worker: scattered data cannot be recomputed, so a copy held by a
            # single worker that dies would take every task needing it down with it
            inv = run.share(ld.inventory)
            for qi in range(len(catalogs)):
                run.submit((name, qi), solve_task, inv, cats[qi], ld.policy, time_limit)
        with TaskBar(n_tasks, "batch", run.n_workers, quiet) as bar:
            bar.note(run.where())
            for name, r in results.items():
                if r.error is not None:
                    bar.note(f"{name}: {r.error}")
            try:
                for o in run.outcomes():
                    name, qi = o.key
                    ld = loaded[name]
                    if name in results:  # the estate already failed on another quote
                        bar.advance(failed=True)
                        continue
                    err = o.error
                    if err is None and isinstance(o.value, TaskFailure):
                        err = o.value.message
                    if err is None:
                        v = o.value
                        assert isinstance(v, SolveResult)
                        task_seconds.append(v.seconds)
                        peak[v.worker] = max(peak.get(v.worker, 0.0), v.peak_rss_mib)
                        try:
                            ld.plans[qi] = check_on_client(v, ld.inventory, catalogs[qi],
                                                           ld.policy)
                        except Exception as exc:  # a defect: that estate has no result
                            err = str(exc)
                    bar.advance(failed=err is not None)
                    if err is not None:
                        bar.note(f"{name}: {err}")
                        finish(name, EstateResult(name, error=err, row=_row(name, None, err)))
                        continue
                    if len(ld.plans) == len(catalogs):
                        cmp = _compare(ld, catalogs, time_limit)
                        row = _row(name, cmp, None)
                        _write_estate(outdir / name, cmp, ld.imported, row)
                        finish(name, EstateResult(name, cmp, row=row))
            except KeyboardInterrupt:  # Ctrl-C: cancel the rest, keep what finished
                n = run.cancel()
                interrupted = True
                bar.note(f"interrupted: {n} solves cancelled; finished estates are in {outdir}")
    ordered = [results[e.name] for e in estates if e.name in results]
    return BatchResult(ordered, time.perf_counter() - t0, n_tasks, task_seconds, peak,
                       run.where(), interrupted, startup)


def _compare(ld: _Loaded, catalogs: Sequence[Catalog], time_limit: float) -> Comparison:
    """``compare`` itself, handed the verified plans instead of solving."""
    def handed_over(inv: Inventory, cat: Catalog, pol: Policy, tl: float, **_: Any) -> Plan:
        return ld.plans[next(i for i, c in enumerate(catalogs) if c is cat)]

    return compare(ld.inventory, catalogs, ld.policy, time_limit=time_limit,
                   plan_fn=handed_over)
