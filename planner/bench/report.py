"""Benchmark tables (markdown), per-family summaries and the performance-profile chart."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Record = dict[str, Any]
SOLVED = ("optimal", "feasible")


def machine() -> dict[str, Any]:
    """Cores, CPU model, RAM and load of this machine."""
    model = "unknown"
    ram_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram_gib = round(int(line.split()[1]) / 1024 ** 2, 1)
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "ram_gib": ram_gib,
            "python": platform.python_version(), "load_avg_at_start": os.getloadavg()}


def _f(x: Any, nd: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float):
        return f"{x:,.{nd}f}"
    return str(x)


def _gap(r: Record) -> float | None:
    c, lb = r.get("cost"), r.get("lower_bound")
    if c is None or lb is None or c <= 0:
        return None
    return max(0.0, (c - lb) / c)


def _gmean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _table(head: list[str], rows: Iterable[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return out


def scale_table(records: list[Record]) -> list[str]:
    """Issue 2's per-size table: engine figures, FFD as a ratio, target met."""
    from .instances import SCALE_TARGET

    eng = [r for r in records if r["solver"] == "engine"]
    ffd = {r["instance"]: r for r in records if r["solver"].startswith("ffd")}
    rows = []
    for r in sorted(eng, key=lambda r: r["n"]):
        f = ffd.get(r["instance"], {})
        g = _gap(r)
        tgt = SCALE_TARGET.get(r["n"])
        met = "-"
        if tgt and r.get("status") in SOLVED and g is not None:
            mem_ok = tgt[2] is None or (r.get("peak_mib") or 0) <= tgt[2]
            met = "yes" if g <= tgt[0] + 1e-12 and r["seconds"] <= tgt[1] and mem_ok else "no"
        ratio = (f["cost"] / r["cost"]) if f.get("cost") and r.get("cost") else None
        rows.append([r["n"], r["time_limit"], r["seconds"], r.get("peak_mib"), r.get("pcs"),
                     r.get("cost"), r.get("lower_bound"),
                     None if g is None else 100 * g, r.get("status"),
                     f.get("cost"), ratio, f.get("seconds"),
                     None if not tgt else f"gap<={100 * tgt[0]:g}%, <={tgt[1]:g}s", met])
    return _table(["workloads", "limit s", "seconds", "peak MiB", "PCs", "cost", "lower bound",
                   "gap %", "status", "FFD cost", "FFD/ours", "FFD s", "target", "met"], rows)


def family_tables(records: list[Record]) -> list[str]:
    """Per family: engine summary, then each peer's cost and time as a ratio to ours."""
    fams = sorted({r["family"] for r in records})
    eng = {r["instance"]: r for r in records if r["solver"] == "engine"}
    rows = []
    for fam in fams:
        es = [r for r in eng.values() if r["family"] == fam]
        gaps = [g for g in (_gap(r) for r in es) if g is not None]
        known = [r for r in es if r.get("optimum") is not None]
        hit = sum(1 for r in known if r.get("cost") is not None
                  and abs(r["cost"] - r["optimum"]) < 1e-6)
        pub = es[0].get("published", "") if es else ""
        rows.append([fam, len(es), f"{sum(r['status'] == 'optimal' for r in es)}/{len(es)}",
                     f"{hit}/{len(known)}" if known else "-",
                     100 * statistics.mean(gaps) if gaps else None,
                     100 * max(gaps) if gaps else None,
                     statistics.median(r["seconds"] for r in es) if es else None,
                     sum(1 for r in es if not r.get("valid", False)), pub])
    out = _table(["family", "inst.", "proven optimal", "known optimum hit", "mean gap %",
                  "worst gap %", "median s", "invalid", "published"], rows)
    out += ["", "Peers against the engine (ratios peer / ours; geometric means over the "
            "instances both solved; 'better' = instances where the peer's cost is lower):", ""]
    prow = []
    peers = sorted({r["solver"] for r in records if r["solver"] != "engine"})
    for fam in fams:
        for p in peers:
            ps = [r for r in records if r["family"] == fam and r["solver"] == p]
            if not ps:
                continue
            both = [(r, eng[r["instance"]]) for r in ps
                    if r.get("cost") is not None and eng.get(r["instance"], {}).get("cost")]
            cr = [r["cost"] / e["cost"] for r, e in both]
            tr = [r["seconds"] / max(e["seconds"], 1e-3) for r, e in both]
            prow.append([fam, p, f"{len(both)}/{len(ps)}",
                         sum(r.get("status") == "optimal" for r in ps),
                         _gmean(cr), max(cr) if cr else None, min(cr) if cr else None,
                         sum(1 for c in cr if c < 1 - 1e-9), _gmean(tr),
                         statistics.median(r["seconds"] for r in ps),
                         sum(1 for r in ps if r.get("valid") is False),
                         "; ".join(sorted({str(r.get("note")) for r in ps
                                           if r.get("status") not in SOLVED
                                           and r.get("note")}))[:80]])
    out += _table(["family", "peer", "solved", "proven", "cost ratio", "worst", "best",
                   "better", "time ratio", "median s", "invalid", "notes"], prow)
    return out


#: tolerance when comparing costs and bounds of different solvers: relative, and absolute
#: (both far below a cent: float noise only)
AUDIT_TOL = 1e-9
AUDIT_ABS = 1e-6


def _above(x: float, y: float) -> bool:
    """Whether x exceeds y beyond the audit's tolerance."""
    return x > y + AUDIT_TOL * max(1.0, abs(y)) + AUDIT_ABS


def _same(x: float, y: float) -> bool:
    """Whether x and y agree within the audit's tolerance."""
    return not _above(x, y) and not _above(y, x)


def claims_audit(records: list[Record]) -> tuple[list[str], int]:
    """Every lower bound and "optimal" claim, checked against every valid plan of the run.

    On each instance: no solver's lower bound may exceed a plan that the independent checks
    passed (``valid``), from any solver; no solver called "optimal" or "infeasible" may be
    beaten by such a plan; a known optimum must lie between the bounds and the plans, and no
    plan may cost less than a known lower bound; every plan called optimal or feasible must
    have passed the checks. Plans are compared only with plans leaving as few workloads
    unplaced. An engine "optimal" counts as confirmed when a peer's checked plan was proven
    optimal at the same cost, or it costs the optimum or lower bound known by construction.
    Returns the markdown lines and the number of contradictions.
    """
    by_inst: dict[str, list[Record]] = {}
    for r in records:
        by_inst.setdefault(r["instance"], []).append(r)
    bounds = claims = confirmed = 0
    wrong: list[list[Any]] = []
    for name, rs in sorted(by_inst.items()):
        solved = [r for r in rs if r.get("status") in SOLVED and r.get("cost") is not None]
        checked = [r for r in solved if r.get("valid") is True]
        fewest = min((r.get("unplaced", 0) for r in checked), default=0)
        plans = [r for r in checked if r.get("unplaced", 0) == fewest]
        cheapest = min(plans, key=lambda r: r["cost"]) if plans else None
        known, floor = rs[0].get("optimum"), rs[0].get("lower_known")
        for r in rs:
            who = r["solver"]
            if r in solved and r.get("valid") is not True:
                wrong.append([name, who, r["status"], r["cost"],
                              "its plan failed or skipped the independent check",
                              "; ".join(map(str, r.get("problems") or []))[:60] or "-"])
            lb = r.get("lower_bound")
            if lb is not None and math.isfinite(lb):
                bounds += 1
                if cheapest is not None and _above(lb, cheapest["cost"]):
                    wrong.append([name, who, "lower bound", lb,
                                  f"above {cheapest['solver']}'s valid plan", cheapest["cost"]])
                if known is not None and _above(lb, known):
                    wrong.append([name, who, "lower bound", lb, "above the known optimum",
                                  known])
            if r.get("status") == "infeasible" and cheapest is not None:
                wrong.append([name, who, "infeasible", None,
                              f"{cheapest['solver']}'s valid plan", cheapest["cost"]])
            if r.get("status") != "optimal" or r not in plans:
                continue
            claims += 1
            assert cheapest is not None
            if _above(r["cost"], cheapest["cost"]):
                wrong.append([name, who, "optimal", r["cost"],
                              f"{cheapest['solver']}'s valid plan costs less", cheapest["cost"]])
            if known is not None and _above(r["cost"], known):
                wrong.append([name, who, "optimal", r["cost"], "above the known optimum",
                              known])
            if who == "engine" and (
                    (known is not None and _same(r["cost"], known))
                    or (floor is not None and _same(r["cost"], floor))
                    or any(q["solver"] != "engine" and q.get("status") == "optimal"
                           and _same(r["cost"], q["cost"]) for q in plans)):
                confirmed += 1
        for what, fact in (("optimum", known), ("lower bound", floor)):
            if fact is not None and cheapest is not None and _above(fact, cheapest["cost"]):
                wrong.append([name, cheapest["solver"], "plan", cheapest["cost"],
                              f"below the known {what}", fact])
    engine_claims = sum(1 for r in records if r["solver"] == "engine"
                        and r.get("status") == "optimal")
    lines = [f"Claims audit: {bounds} lower bounds and {claims} \"optimal\" claims (all "
             f"solvers) checked against every valid plan of this run and the known optima: "
             f"**{len(wrong)} contradiction{'s' if len(wrong) != 1 else ''}**. Engine "
             f"\"optimal\" claims confirmed independently (a peer's checked plan proven "
             f"optimal at the same cost, or the optimum or bound known by construction): "
             f"{confirmed} of {engine_claims}.", ""]
    if wrong:
        lines += _table(["instance", "solver", "claim", "value", "contradicted by", "at"],
                        wrong[:50])
        lines.append("")
    return lines, len(wrong)


def instance_table(records: list[Record]) -> list[str]:
    """One row per instance: the engine against the best peer."""
    eng = [r for r in records if r["solver"] == "engine"]
    rows = []
    for e in sorted(eng, key=lambda r: (r["family"], r["n"], r["instance"])):
        ps = [r for r in records if r["instance"] == e["instance"] and r["solver"] != "engine"
              and r.get("cost") is not None]
        bp = min(ps, key=lambda r: (r["cost"], r["seconds"])) if ps else None
        g = _gap(e)
        rows.append([e["instance"], e["n"], e.get("cost"), e.get("lower_bound"),
                     None if g is None else 100 * g, e.get("status"), e["seconds"],
                     e.get("peak_mib"), e.get("optimum") or e.get("lower_known"),
                     bp["solver"] if bp else "-", bp["cost"] if bp else None,
                     bp["seconds"] if bp else None])
    return _table(["instance", "n", "cost", "LB", "gap %", "status", "s", "MiB",
                   "known opt/LB", "best peer", "peer cost", "peer s"], rows)


def profile_html(records: list[Record], path: Path) -> None:
    """Dolan-Moré performance profiles (cost and time) of every solver, self-contained HTML."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    by_inst: dict[str, list[Record]] = {}
    for r in records:
        if r["suite"] != "scale":
            by_inst.setdefault(r["instance"], []).append(r)
    solvers = sorted({r["solver"] for rs in by_inst.values() for r in rs},
                     key=lambda s: (s != "engine", s))
    fig = make_subplots(rows=1, cols=2, subplot_titles=(
        "cost: share of instances within factor τ of the best cost",
        "time: share of instances solved to the best cost within τ × fastest time"))
    for s in solvers:
        cost_r: list[float] = []
        time_r: list[float] = []
        for rs in by_inst.values():
            ok = [r for r in rs if r.get("cost") is not None and r.get("status") in SOLVED]
            if not ok:
                continue
            best = min(r["cost"] for r in ok)
            mine = [r for r in ok if r["solver"] == s]
            cost_r.append(mine[0]["cost"] / best if mine and best > 0 else math.inf)
            at_best = [r for r in ok if r["cost"] <= best * (1 + 1e-9)]
            fastest = min(max(r["seconds"], 1e-3) for r in at_best)
            mb = [r for r in at_best if r["solver"] == s]
            time_r.append(max(mb[0]["seconds"], 1e-3) / fastest if mb else math.inf)
        for col, ratios in ((1, cost_r), (2, time_r)):
            xs = sorted(x for x in ratios if math.isfinite(x))
            if not ratios:
                continue
            ys = [(k + 1) / len(ratios) for k in range(len(xs))]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line_shape="hv", name=s,
                                     legendgroup=s, showlegend=col == 1), row=1, col=col)
    fig.update_xaxes(title_text="τ (cost / best cost)", row=1, col=1)
    fig.update_xaxes(title_text="τ (time / fastest at best cost)", type="log", row=1, col=2)
    fig.update_yaxes(title_text="share of instances", range=[0, 1.02])
    fig.update_layout(title="DR contract planner: performance profiles (planner bench)",
                      height=550)
    fig.write_html(str(path), include_plotlyjs=True, full_html=True)


def write_docs(out: Path) -> None:
    """Rebuild benchmarks.md and benchmarks.html from every bench-*.json in ``out``."""
    runs = [json.loads(p.read_text()) for p in sorted(out.glob("bench-*.json"))]
    lines = ["# Benchmarks", "",
             "Produced by `planner bench` (planner/bench/). Each (instance, solver) ran in its "
             "own worker process; *peak MiB* is that process's `ru_maxrss` plus its children's "
             "(CBC runs as a subprocess), interpreter and preloaded modules included (about "
             "40-60 MiB). Timings were taken on a shared 2-core machine while other work ran: "
             "indicative only. Costs: PC counts for count-mode instances (no fees), otherwise "
             "the contract cost over the term. Gap = (cost - lower bound) / cost.", ""]
    all_recs: list[Record] = []
    for run in runs:
        m = run["meta"]
        mc = m["machine"]
        lines += [f"## Suite `{m['suite']}`", "",
                  f"- command: `{m['command']}`",
                  f"- machine: {mc['cores']} cores, {mc['cpu']}, {mc['ram_gib']} GiB RAM, "
                  f"Python {mc['python']}; load average at start "
                  f"{', '.join(f'{x:.2f}' for x in mc['load_avg_at_start'])}",
                  f"- date: {m['date']}; wall time {m['wall_seconds']:.0f} s; "
                  f"{m.get('notes', '')}", ""]
        if m.get("peer_time_limit"):
            lines[-1:-1] = [f"- the peers ran with a {m['peer_time_limit']:g} s time limit, "
                            "the engine with the suite's (time ratios compare the two)"]
        recs = run["records"]
        all_recs += recs
        if m["suite"] == "scale":
            lines += scale_table(recs)
        else:
            lines += family_tables(recs)
            lines += ["", *claims_audit(recs)[0]]
            lines += ["<details><summary>Per instance</summary>", ""]
            lines += instance_table(recs)
            lines += ["", "</details>"]
        lines.append("")
    (out / "benchmarks.md").write_text("\n".join(lines) + "\n")
    if any(r["suite"] != "scale" for r in all_recs):
        profile_html(all_recs, out / "benchmarks.html")
