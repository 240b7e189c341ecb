"""Sizing on measured use (issue 22): hand-computed sizes, overrides, fallbacks, bad files."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from planner.cli.main import main
from planner.errors import InputError
from planner.readers import load_inventory, size_inventory
from planner.readers.catalog import Policy, parse_policy
from planner.readers.inventory import Inventory, Workload
from planner.readers.mapping import load_mapping
from planner.readers.usage import apply_usage, load_usage

POLICY = Policy(sizing="measured")


def _inv(*ws: Workload) -> Inventory:
    return Inventory(tuple(ws), source="inv")


def _w(name: str, vcpu: int = 8, mem: float = 32.0, tier: int = 3) -> Workload:
    return Workload(name, vcpu, mem, 100.0, tier=tier)


def _usage(tmp_path: Path, text: str, name: str = "usage.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _sized(inv: Inventory) -> dict[str, tuple[int, float]]:
    return {w.name: (w.vcpu, w.memory_gib) for w in inv.workloads}


def test_measured_sizes_by_hand(tmp_path: Path) -> None:
    # a: 2000 MHz / 2500 MHz per core = 0.8 vCPU x 1.3 = 1.04 -> 2 vCPU; 10 GiB x 1.3 = 13 GiB
    # floor: 0 MHz -> 1 vCPU; 0.2 GiB x 1.3 = 0.26 -> 1 GiB
    # cap: 9000/2500 x 1.3 = 4.68 -> 5 > 4 provisioned -> 4; 40 x 1.3 = 52 > 32 -> 32 GiB
    # percent: 50 % of 4 vCPU x 1.3 = 2.6 -> 3; 25 % of 16 GiB x 1.3 = 5.2 GiB
    # GHz in the cell, per-row clock: 1.2 GHz / 3000 MHz x 1.3 = 0.52 -> 1 vCPU
    p = _usage(tmp_path, "name,cpu [MHz],memory [GiB],mhz_per_core,samples,days\n"
                         "a,2000,10,2500,4000,14\nfloor,0,0.2,2500,10,1\n"
                         "cap,9000,40,2500,4000,14\npct,50 %,25 %,,,\n"
                         "ghz,1.2 GHz,1024 MiB,3000,,\n")
    inv = _inv(_w("a"), _w("floor"), _w("cap", vcpu=4), _w("pct", vcpu=4, mem=16),
               _w("ghz"), _w("none"))
    out, s = apply_usage(inv, load_usage(p), POLICY, file=str(p))
    got = _sized(out)
    assert got["a"] == (2, pytest.approx(13.0))
    assert got["floor"] == (1, 1.0)
    assert got["cap"] == (4, 32.0)
    assert got["pct"] == (3, pytest.approx(5.2))
    assert got["ghz"] == (1, pytest.approx(1.3))
    assert got["none"] == (8, 32.0) and s.fallback == ["none"]
    assert s.confidence == pytest.approx(2 / 5)  # a and cap: >= 2016 samples over >= 7 days
    assert "no usage (planned provisioned): none" in "\n".join(s.lines())


def test_time_series_percentile_and_policy_knobs(tmp_path: Path) -> None:
    rows = "".join(f"s,{(k + 1) / 10:.1f},2 GiB\n" for k in range(20))
    p = _usage(tmp_path, "name,cpu [vCPU],memory\n" + rows)
    # p95 of 0.1..2.0 (linear) = 1.905; x 1.3 = 2.4765 -> 3 vCPU
    u = load_usage(p, 95)
    assert u["s"].cpu == pytest.approx(1.905) and u["s"].samples == 20
    out, _ = apply_usage(_inv(_w("s")), u, POLICY)
    assert _sized(out)["s"] == (3, pytest.approx(2.6))
    # p50 = 1.05 x 1.0 = 1.05 -> 2; floor 4 GiB
    policy = Policy(sizing="measured", usage_percentile=50, comfort_factor=1.0,
                    min_memory_gib=4.0)
    out, _ = apply_usage(_inv(_w("s")), load_usage(p, 50), policy)
    assert _sized(out)["s"] == (2, 4.0)


def test_sizing_per_tier_and_per_workload(tmp_path: Path) -> None:
    p = _usage(tmp_path, "name,cpu [vCPU],memory [GiB]\nt1,1,1\nt3,1,1\nforced,1,1\n")
    policy = parse_policy({"sizing": "measured", "sizing_by_tier": {"1": "provisioned"}})
    mapping = load_mapping(_usage(tmp_path, "name,sizing\nforced,measured\nt3,provisioned\n",
                                  "map.csv"))
    ws = [mapping.apply(w)[0] for w in (_w("t1", tier=1), _w("t3"), _w("forced", tier=1))]
    out, s = apply_usage(_inv(*ws), load_usage(p), policy)
    assert _sized(out) == {"t1": (8, 32.0), "t3": (8, 32.0), "forced": (2, 1.3)}
    assert s.provisioned == 2 and [x.name for x in s.measured] == ["forced"]


@pytest.mark.parametrize(("text", "row", "field", "words"), [
    ("name,cpu [MHz],memory [GiB]\nghost,1,1\n", 2, "name", "unknown workload"),
    ("name,cpu [MHz],memory [GiB]\na,-5,1\n", 2, "cpu", ">= 0"),
    ("name,cpu [MHz],memory [GiB]\na,1,\n", 2, "memory", "missing"),
    ("name,cpu,memory [GiB]\na,1,1\n", 2, "cpu", "no unit"),
    ("name,cpu [vCPU],memory\na,1,3\n", 2, "memory", "no unit"),
    ("name,cpu [furlong],memory [GiB]\na,1,1\n", 2, "cpu", "unknown CPU unit"),
    ("name,cpu [MHz],memory [GiB]\na,100,1\n", 2, "cpu", "MHz per core"),
    ("name,memory [GiB]\na,1\n", 1, None, "cpu"),
])
def test_bad_usage_files_name_file_row_field(tmp_path: Path, text: str, row: int,
                                             field: str | None, words: str) -> None:
    p = _usage(tmp_path, text)
    with pytest.raises(InputError) as e:
        apply_usage(_inv(_w("a")), load_usage(p), POLICY, file=str(p))
    assert e.value.file == str(p) and e.value.row == row and e.value.field == field
    assert words in str(e.value)


def test_bad_sizing_policy_values() -> None:
    for bad in ({"sizing": "guess"}, {"usage_percentile": 101}, {"comfort_factor": 0.5},
                {"sizing_by_tier": {"5": "measured"}}, {"min_vcpu": 0}):
        with pytest.raises(InputError):
            parse_policy(bad)


def test_usage_for_an_excluded_machine_is_not_an_error(tmp_path: Path) -> None:
    inv_csv = _usage(tmp_path, "VM,Powerstate,CPUs,Memory,Provisioned MB\n"
                               "on,poweredOn,4,8192,1024\noff,poweredOff,4,8192,1024\n", "x.csv")
    p = _usage(tmp_path, "name,cpu [vCPU],memory [GiB]\non,1,2\noff,1,2\n")
    inv, imported = load_inventory(inv_csv)
    out, s = size_inventory(inv, imported, POLICY, p)
    assert s is not None and _sized(out) == {"on": (2, 2.6)}
    # a usage file while nothing is measured is said, not silently ignored
    same, none = size_inventory(inv, imported, Policy(), p)
    assert none is None and same is inv and any("usage file" in w for w in imported.warnings)


def test_cli_plans_on_measured_use(tmp_path: Path, sample_paths: dict[str, Path]) -> None:
    inv = _usage(tmp_path, "name,vcpu,memory [GiB],storage [GB]\nbig1,16,64,100\n"
                           "big2,16,64,100\nbig3,16,64,100\nbig4,16,64,100\n", "inv.csv")
    usage = _usage(tmp_path, "name,cpu [vCPU],memory [GiB],samples,days\n"
                             "big1,1,4,3000,10\nbig2,1,4,3000,10\nbig3,1,4,3000,10\n")
    policy = _usage(tmp_path, 'sizing = "measured"\n', "policy.toml")
    out = tmp_path / "plan.json"
    assert main(["plan", str(inv), "--catalog", str(sample_paths["catalog"]), "--policy",
                 str(policy), "--usage", str(usage), "--json", str(out), "--quiet",
                 "--time-limit", "3"]) == 0
    data = json.loads(out.read_text())
    sizing = data["stats"]["sizing"]
    assert sizing["measured"] == 3 and sizing["fallback"] == ["big4"]
    assert sizing["confidence"] == 1.0 and sizing["vcpu"] == [64, 3 * 2 + 16]
    assert any("no usage" in w for w in data["warnings"])
    placed = sorted(n for h in data["hosts"] for n in h["workloads"])
    assert placed == ["big1", "big2", "big3", "big4"]
    # the workbook carries the confidence too: summary rows and a sizing sheet
    xlsx = tmp_path / "plan.xlsx"
    assert main(["plan", str(inv), "--catalog", str(sample_paths["catalog"]), "--policy",
                 str(policy), "--usage", str(usage), "--xlsx", str(xlsx), "--quiet",
                 "--time-limit", "3"]) == 0
    wb = openpyxl.load_workbook(xlsx)
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["workloads sized on measured use"] == 3
    assert summary["workloads without usage (kept provisioned)"] == 1
    assert summary["sizing confidence [share of measured on enough samples and days]"] == 1
    rows = list(wb["sizing"].iter_rows(values_only=True))
    assert rows[0][:3] == ("workload", "vcpu_provisioned [vCPU]", "vcpu_planned [vCPU]")
    assert {r[0]: (r[1], r[2], r[5]) for r in rows[1:]} == {
        "big1": (16, 2, True), "big2": (16, 2, True), "big3": (16, 2, True)}


def test_sizing_account_counts_machines_not_rows(tmp_path: Path) -> None:
    """A row with count 3 is three machines in the measured count, the totals and confidence."""
    from dataclasses import replace

    inv = _inv(replace(_w("web", vcpu=4, mem=8.0), count=3), _w("db", vcpu=8, mem=32.0))
    p = _usage(tmp_path, "name,cpu [vCPU],memory [GiB],samples,days\n"
                         "web,1,2,3000,10\ndb,2,8,10,1\n")
    _, s = size_inventory(inv, None, POLICY, p)
    assert s is not None and s.measured_machines == 4
    assert s.confidence == 0.75  # the 3 web machines have enough samples, db not
    assert s.totals()[:2] == (3 * 4 + 8, 3 * 2 + 3)  # ceil(1 x 1.3) = 2, ceil(2 x 1.3) = 3
    assert s.lines()[0].startswith("Sizing: 4 workload(s) on measured use")
    assert s.to_dict()["measured"] == 4


def _series(name: str, stamps: list[str]) -> str:
    return "".join(f"{name},{t},1,1 GiB\n" for t in stamps)


def test_days_covered_from_timestamps_by_hand(tmp_path: Path) -> None:
    # a: hourly, 2026-11-01 00:00 .. 2026-11-02 23:00 = 48 samples; 47 h + 1 h gap = 2 days
    hourly = [f"2026-11-{1 + h // 24:02d}T{h % 24:02d}:00:00" for h in range(48)]
    # b: 7 daily dates, shuffled: 6 days + 1 day = 7 days
    daily = [f"2026-11-{d:02d}" for d in (3, 1, 7, 2, 6, 4, 5)]
    # c: 00:00, 00:05, 00:10, 01:00 -> gaps 5, 5, 50 min, median 5; 60 + 5 = 65 min
    irregular = ["2026-11-01 00:00", "2026-11-01 00:05", "2026-11-01 00:10",
                 "2026-11-01 01:00"]
    # d: offsets: 00:00+01:00 is 23:00Z the day before; 23:00Z .. 00:00Z = 1 h + 1 h = 2 h
    offsets = ["2026-11-01T00:00:00Z", "2026-11-01T00:00:00+01:00"]
    # f: 00:00, 00:05 and 30 days later: gaps 5 min and ~30 days; the lower median (5 min),
    # never their average (~15 days, which would say 45 days): span 30 days 5 min + 5 min
    sparse = ["2026-11-01 00:00", "2026-11-01 00:05", "2026-12-01 00:05"]
    p = _usage(tmp_path, "name,time,cpu [vCPU],memory,days\n" + _series("a", hourly)
               + _series("b", daily) + _series("c", irregular) + _series("d", offsets)
               + _series("f", sparse) + "e,,1,1 GiB,30\n")
    u = load_usage(p)
    assert (u["a"].samples, u["a"].days) == (48, pytest.approx(2.0))
    assert (u["b"].samples, u["b"].days) == (7, pytest.approx(7.0))
    assert (u["c"].samples, u["c"].days) == (4, pytest.approx(65 / 1440))
    assert (u["d"].samples, u["d"].days) == (2, pytest.approx(2 / 24))
    assert u["e"].days == 30.0  # a summary row keeps its own days
    assert (u["f"].samples, u["f"].days) == (3, pytest.approx(30 + 10 / 1440))
    # confident: >= 5 samples over >= 7 days: b only (a covers 2 days, c and d fewer samples)
    policy = Policy(sizing="measured", usage_min_samples=5, usage_min_days=7.0)
    ws = [_w(n) for n in "abcdef"]
    _, s = apply_usage(_inv(*ws), u, policy)
    assert {x.name: x.confident for x in s.sized} == {"a": False, "b": True, "c": False,
                                                      "d": False, "e": False, "f": False}


@pytest.mark.parametrize(("rows", "row", "words"), [
    ("a,2026-11-01,1,1 GiB\na,yesterday,1,1 GiB\n", 3, "not a date"),
    ("a,2026-11-01,1,1 GiB\na,2026-11-02,1,1 GiB\na,2026-11-01,1,1 GiB\n", 4, "same time"),
    ("a,2026-11-01T00:00Z,1,1 GiB\na,2026-11-02T00:00,1,1 GiB\n", 3, "UTC offset"),
    ("a,2026-11-01,1,1 GiB\na,,1,1 GiB\n", 3, "missing value"),
])
def test_bad_timestamps_name_the_row(tmp_path: Path, rows: str, row: int, words: str) -> None:
    p = _usage(tmp_path, "name,timestamp,cpu [vCPU],memory\n" + rows)
    with pytest.raises(InputError) as e:
        load_usage(p)
    assert (e.value.file, e.value.row, e.value.field) == (str(p), row, "timestamp")
    assert words in str(e.value)
