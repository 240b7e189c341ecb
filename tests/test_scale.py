"""Scale-out (planner/scale) on a two-process LocalCluster: same results as the serial path,
bad estates reported while the others finish, --resume, a dead worker's task retried."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planner.cli.main import main
from planner.money.compare import sweep
from planner.readers.catalog import load_catalog, load_policy
from planner.readers.inventory import read_inventory_csv
from planner.scale import Runner, run_batch, scaled_sweep
from planner.scale.batch import find_estates

from .conftest import ROOT, SAMPLE

distributed = pytest.importorskip("distributed")

QUOTES = sorted((ROOT / "data" / "quotes").glob("*.toml"))[:2]
HEADER = "name,vcpu,memory [GiB],storage [GB],kind,source,tier,count,affinity,anti_affinity\n"


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """Two worker processes on loopback, started once for the module; its scheduler address."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                  silence_logs=50) as c:
        yield c.scheduler_address


def estate_csv(n: int, seed: int) -> str:
    rows = [f"vm{seed}-{i},{1 + (i * seed) % 4},{4 * (1 + i % 3)},{50 + 10 * i},server,"
            f"virtual,{1 + i % 3},1,," for i in range(n)]
    return HEADER + "\n".join(rows) + "\n"


def make_estates(root: Path) -> Path:
    for name, n, seed in [("acme", 6, 1), ("globex", 9, 2)]:
        (root / name).mkdir(parents=True)
        (root / name / "inventory.csv").write_text(estate_csv(n, seed), encoding="utf-8")
    (root / "broken").mkdir()
    (root / "broken" / "inventory.csv").write_text(
        HEADER + "web1,two,8,100,server,virtual,1,1,,\n", encoding="utf-8")
    return root


def rows(result: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.row.items()} for e in result.estates]


def test_sweep_on_cluster_equals_serial(cluster: str, tmp_path: Path) -> None:
    (tmp_path / "inv.csv").write_text(estate_csv(6, 1), encoding="utf-8")
    inv = read_inventory_csv(tmp_path / "inv.csv")
    pol = load_policy(SAMPLE / "policy.toml")
    cats = [load_catalog(q) for q in QUOTES]
    axes = {"overcommit": [3.0, 4.0], "disaster_days": [14.0, 30.0]}
    serial = sweep(inv, cats, pol, axes, time_limit=5)
    # same plans are promised when no phase stops on its clock: these small ones close their
    # gap (to the bound's rounding) in well under the limit
    assert all(r["gap"] is not None and r["gap"] < 1e-6 for r in serial.rows)
    par = scaled_sweep(inv, cats, pol, axes, time_limit=5, scheduler=cluster)
    a, b = serial.to_dict(), par.to_dict()
    assert a.keys() == b.keys()
    assert {k: v for k, v in a.items() if k != "points"} == \
        {k: v for k, v in b.items() if k != "points"}
    assert len(a["points"]) == len(b["points"]) == 8
    for x, y in zip(a["points"], b["points"], strict=True):
        # same plans and costs; the bound may differ in its last digits (rounding)
        assert {k: v for k, v in x.items() if k != "gap"} == \
            {k: v for k, v in y.items() if k != "gap"}
        assert abs(x["gap"] - y["gap"]) < 1e-6
    assert par.solves == serial.solves and par.reused == serial.reused


def test_batch_on_cluster(cluster: str, tmp_path: Path) -> None:
    root = make_estates(tmp_path / "estates")
    cats = [load_catalog(q) for q in QUOTES]
    pol = load_policy(SAMPLE / "policy.toml")
    par = run_batch(root, cats, pol, tmp_path / "out", time_limit=2, scheduler=cluster)
    serial = run_batch(root, cats, pol, tmp_path / "out1", time_limit=2, workers=1)
    assert rows(par) == rows(serial)
    by = {e.estate: e for e in par.estates}
    assert by["acme"].error is None and by["globex"].error is None
    err = by["broken"].error
    assert err is not None and "inventory.csv" in err and "vcpu" in err  # the reader's words
    assert par.tasks == 4 and len(par.peak_rss_mib) >= 1
    out = tmp_path / "out"
    for name in ("acme", "globex"):
        assert (out / name / "result.json").is_file()
        assert (out / name / "best-plan.xlsx").is_file()
        assert len(list((out / name).glob("plan-*.json"))) == 2
    assert not (out / "broken" / "result.json").exists()
    assert (out / "broken" / "error.txt").read_text().startswith(err[:20])
    # --resume: the finished estates are not solved again; the broken one is tried again
    again = run_batch(root, cats, pol, out, time_limit=2, scheduler=cluster, resume=True)
    assert again.tasks == 0
    assert [e.resumed for e in again.estates] == [True, False, True]
    assert [e.estate for e in again.estates] == ["acme", "broken", "globex"]
    assert again.estates[0].row["best_quote"] == by["acme"].row["best_quote"]
    assert again.estates[0].row["pcs"] == by["acme"].row["pcs"]


def test_batch_cli_serial(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_estates(tmp_path / "estates")
    (root / "globex" / "policy.toml").write_text("cpu_overcommit = 2.0\n[scenario]\n"
                                                 "currency = \"USD\"\n", encoding="utf-8")
    rc = main(["batch", str(root), *map(str, QUOTES), "--policy", str(SAMPLE / "policy.toml"),
               "--out", str(tmp_path / "out"), "--time-limit", "2", "--workers", "1"])
    assert rc == 1  # one estate failed
    text = capsys.readouterr().out
    assert "2 of 3 estates planned" in text and "FAILED" in text
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [r["estate"] for r in summary] == ["acme", "broken", "globex"]
    assert summary[1]["status"] == "failed" and summary[0]["pcs"] >= 1
    assert (tmp_path / "out" / "summary.xlsx").is_file()
    assert (tmp_path / "out" / "summary.csv").read_text().startswith("estate,status")


def test_find_estates_names_the_ambiguity(tmp_path: Path) -> None:
    (tmp_path / "e1").mkdir()
    (tmp_path / "e1" / "a.csv").write_text(HEADER)
    (tmp_path / "e1" / "b.csv").write_text(HEADER)
    (tmp_path / "e2").mkdir()
    (e1, e2) = find_estates(tmp_path)
    assert e1.problem is not None and "a.csv, b.csv" in e1.problem
    assert e2.problem is not None and "no inventory" in e2.problem


def test_dead_worker_task_is_retried(cluster: str, tmp_path: Path) -> None:
    from tests.scale_tasks import die_once

    with Runner(scheduler=cluster) as run:
        shared = run.share([1, 2, 3])  # scattered input: must survive the worker's death
        run.submit("k", die_once, str(tmp_path / "died"), shared)
        (out,) = list(run.outcomes())
    assert out.error is None and str(out.value).startswith("6: retried after worker")


def test_batch_interrupt_keeps_finished(tmp_path: Path) -> None:
    root = make_estates(tmp_path / "estates")
    cats = [load_catalog(q) for q in QUOTES]
    pol = load_policy(SAMPLE / "policy.toml")
    seen: list[str] = []

    def ctrl_c_after_first(e: Any) -> None:
        seen.append(e.estate)
        if e.error is None:
            raise KeyboardInterrupt

    res = run_batch(root, cats, pol, tmp_path / "out", time_limit=2, workers=1,
                    on_estate=ctrl_c_after_first)
    assert res.interrupted
    assert [e.estate for e in res.estates] == ["acme", "broken"]  # globex never ran
    assert (tmp_path / "out" / "acme" / "result.json").is_file()
    again = run_batch(root, cats, pol, tmp_path / "out", time_limit=2, workers=1, resume=True)
    assert not again.interrupted and again.tasks == 2  # only globex solved, against 2 quotes
    assert [e.resumed for e in again.estates] == [True, False, False]


def test_sweep_interrupt_keeps_finished_points(cluster: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "inv.csv").write_text(estate_csv(6, 1), encoding="utf-8")
    inv = read_inventory_csv(tmp_path / "inv.csv")
    pol = load_policy(SAMPLE / "policy.toml")
    cats = [load_catalog(q) for q in QUOTES]
    axes = {"overcommit": [3.0, 4.0, 5.0]}
    original = Runner.outcomes

    def all_but_the_last(self: Runner) -> Iterator[Any]:
        got = list(original(self))
        # a solve of the last point (overcommit 5) never finishes: Ctrl-C then
        last = next(i for i, o in enumerate(got) if o.key[1].cpu_overcommit == 5.0)
        yield from (o for i, o in enumerate(got) if i != last)
        raise KeyboardInterrupt

    monkeypatch.setattr(Runner, "outcomes", all_but_the_last)
    res = scaled_sweep(inv, cats, pol, axes, time_limit=5, scheduler=cluster)
    assert res.interrupted and res.points_planned == 2 and res.points_total == 3
    assert res.rows and all(r["point"] < res.points_planned for r in res.rows)


def test_small_sweep_runs_serially_unless_workers_are_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No LocalCluster (a ~10 s start) for a sweep of a few solves, unless asked for."""
    import planner.scale.sweep as scaled

    (tmp_path / "inv.csv").write_text(estate_csv(6, 1), encoding="utf-8")
    inv = read_inventory_csv(tmp_path / "inv.csv")
    pol = load_policy(SAMPLE / "policy.toml")
    cats = [load_catalog(q) for q in QUOTES]
    asked: list[tuple[int | None, str | None]] = []

    class Serial(Runner):
        def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
            asked.append((workers, scheduler))
            super().__init__(1)  # whatever was asked, run here serially

    monkeypatch.setattr(scaled, "Runner", Serial)
    small = {"overcommit": [3.0, 4.0]}  # 2 quotes x 2 packings: 4 distinct solves
    assert len(scaled.distinct_solves(cats, scaled.sweep_policies(cats, pol, small))) == 4
    res = scaled_sweep(inv, cats, pol, small, time_limit=5)
    assert asked == [(1, None)] and len(res.rows) == 4
    asked.clear()
    scaled_sweep(inv, cats, pol, small, time_limit=5, workers=2)
    assert asked == [(2, None)]  # given: kept
    asked.clear()
    big = {"overcommit": [2.0, 3.0, 4.0, 5.0]}  # 8 distinct solves: the default cluster
    scaled_sweep(inv, cats, pol, big, time_limit=5)
    assert asked == [(None, None)]
