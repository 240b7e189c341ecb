"""Issue 24: true status words, documented exit codes, Ctrl-C kept honest, no traceback."""

from __future__ import annotations

import builtins
import importlib
import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

import planner_cli
from planner.cli.common import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STOCK,
    EXIT_UNPLACED,
    plan_exit_code,
)
from planner.cli.main import main
from planner.errors import InputError
from planner.model.plan import Plan
from planner.money.compare import compare, sweep
from planner.readers.catalog import Catalog, HostModel, Policy
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan
from planner.verify import check_plan

from .conftest import ROOT, write

# the module (planner.cli exports the function main under the same name)
cli_main = importlib.import_module("planner.cli.main")
QUOTES = sorted((ROOT / "data" / "quotes").glob("*.toml"))
PC = HostModel("PC", cores=8, memory_gib=64, storage_gb=2000, monthly_fee=D(100))
SMALL = Inventory(tuple(Workload(f"vm{i}", 2, 8, 100) for i in range(12)))
INV_CSV = "name,vcpu,memory,storage\n" + "".join(f"vm{i},2,8 GiB,100 GB\n" for i in range(12))
CAT_TOML = ('[[host]]\nname = "PC"\ncores = 8\nmemory = "64 GiB"\nstorage = "2 TB"\n'
            "monthly_fee = 100\n")


def _interrupt_at(phase: str, calls: int = 1) -> Any:
    """A progress callback that raises KeyboardInterrupt (a Ctrl-C) at a phase's n-th report."""
    seen = {"n": 0}

    def progress(ph: str, best: float | None, bound: float | None, left: float) -> None:
        if ph == phase:
            seen["n"] += 1
            if seen["n"] >= calls:
                raise KeyboardInterrupt

    return progress


def test_ctrl_c_before_any_plan_is_never_optimal() -> None:
    p = plan(SMALL, Catalog(hosts=(PC,)), Policy(), time_limit=5,
             progress=_interrupt_at("heuristic"))
    assert p.status == "interrupted before any plan" and p.interrupted
    assert not p.proven_optimal and p.lower_bound is None and p.gap is None
    assert not p.hosts and len(p.unplaced) == 12
    assert check_plan(p, SMALL, Catalog(hosts=(PC,)), Policy()) == []
    assert p.to_dict()["status"] == "interrupted before any plan"


def test_ctrl_c_after_a_plan_keeps_it_and_says_so() -> None:
    cat = Catalog(hosts=(PC,))
    p = plan(SMALL, cat, Policy(), time_limit=5, progress=_interrupt_at("bound"))
    assert p.status == "interrupted: best plan so far" and p.interrupted
    assert p.hosts and not p.unplaced and p.lower_bound is not None
    assert check_plan(p, SMALL, cat, Policy()) == []
    assert any("interrupted" in w for w in p.warnings)


def test_nothing_fits_is_not_optimal() -> None:
    tiny = HostModel("tiny", cores=1, memory_gib=2, storage_gb=10, monthly_fee=D(5))
    cat = Catalog(hosts=(tiny,))
    p = plan(SMALL, cat, Policy(), time_limit=2)
    assert p.status == "infeasible" and p.lower_bound is None and not p.hosts
    assert len(p.unplaced) == 12 and check_plan(p, SMALL, cat, Policy()) == []
    assert plan_exit_code([p]) == EXIT_UNPLACED


def test_exit_codes_from_plans() -> None:
    complete = plan(SMALL, Catalog(hosts=(PC,)), Policy(), time_limit=2)
    assert complete.status == "optimal" and plan_exit_code([complete]) == EXIT_OK
    short = Catalog(hosts=(HostModel("PC", 8, 64, 2000, monthly_fee=D(100), available=1),))
    stock = plan(SMALL, short, Policy(), time_limit=2)
    assert stock.status == "infeasible" and stock.hosts
    assert plan_exit_code([stock]) == EXIT_STOCK
    assert plan_exit_code([complete], interrupted=True) == EXIT_INTERRUPTED


def _paths(tmp_path: Path) -> tuple[str, str]:
    return str(write(tmp_path, "inv.csv", INV_CSV)), str(write(tmp_path, "cat.toml", CAT_TOML))


def test_cli_interrupted_plan_on_screen_in_json_and_exit_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def cut_short(inv: Inventory, cat: Catalog, pol: Policy, **kw: Any) -> Plan:
        kw["progress"] = _interrupt_at("bound")
        return plan(inv, cat, pol, **kw)

    monkeypatch.setattr(cli_main, "make_plan", cut_short)
    inv, cat = _paths(tmp_path)
    rc = main(["plan", inv, "--catalog", cat, "--json", str(tmp_path / "p.json")])
    assert rc == EXIT_INTERRUPTED
    out = capsys.readouterr().out
    assert "Status: interrupted: best plan so far" in out and "optimal (proven)" not in out
    d = json.loads((tmp_path / "p.json").read_text())
    assert d["status"] == "interrupted: best plan so far" and d["interrupted"] is True
    assert isinstance(d["cost"], str) and D(d["cost"]) > 0  # money as an exact string


def test_cli_plan_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inv, cat = _paths(tmp_path)
    assert main(["plan", inv, "--catalog", cat, "--time-limit", "2"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "Status: optimal (proven)" in out and "Import:" in out
    big = write(tmp_path, "big.csv", INV_CSV + "huge,64,1 TiB,100 GB\n")
    assert main(["plan", str(big), "--catalog", cat, "--time-limit", "2"]) == EXIT_UNPLACED
    stock = write(tmp_path, "stock.toml", CAT_TOML + "available = 1\n")
    assert main(["plan", inv, "--catalog", str(stock), "--time-limit", "2"]) == EXIT_STOCK


def test_output_paths_are_checked_before_the_solve(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def never(*a: object, **k: object) -> Plan:
        raise AssertionError("solved before checking the output path")

    monkeypatch.setattr(cli_main, "make_plan", never)
    inv, cat = _paths(tmp_path)
    afile = write(tmp_path, "afile", "x")
    for extra in (["--json", str(tmp_path / "missing" / "p.json")], ["--csv", str(afile)],
                  ["--xlsx", str(tmp_path)]):
        assert main(["plan", inv, "--catalog", cat, *extra]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "the folder does not exist" in err and "is a file" in err and "is a folder" in err
    q = [str(p) for p in QUOTES[:1]]
    assert main(["compare", inv, *q, "--csv", str(afile)]) == EXIT_INPUT
    assert main(["sweep", inv, *q, "--param", "declarations=0,1",
                 "--json", str(tmp_path / "no" / "s.json")]) == EXIT_INPUT


def test_bad_options_and_bare_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_OK
    assert "exit codes:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0 and "planner " in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["plan", "x.csv", "--catalog", "c.toml", "--time-limit", "-1"])
    assert e.value.code == EXIT_INPUT and "must be > 0" in capsys.readouterr().err


def test_ctrl_c_during_start_up_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    real = builtins.__import__

    def importing(name: str, *a: Any, **k: Any) -> Any:
        if name == "planner.cli.main":
            raise KeyboardInterrupt
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", importing)
    assert planner_cli.main() == EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip() == "interrupted during start-up (Ctrl-C)"


def _stop_at(n: int) -> Any:
    calls = {"n": 0}

    def plan_fn(inv: Inventory, cat: Catalog, pol: Policy, tl: float) -> Plan:
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return plan(inv, cat, pol, time_limit=tl)

    return plan_fn


def _quotes() -> list[Catalog]:
    a = Catalog(hosts=(PC,), vendor="A", source="a")
    b = Catalog(hosts=(HostModel("PC2", 16, 128, 4000, monthly_fee=D(150)),), vendor="B",
                source="b")
    c = Catalog(hosts=(HostModel("PC3", 4, 32, 1000, monthly_fee=D(60)),), vendor="C",
                source="c")
    return [a, b, c]


def test_compare_stops_at_ctrl_c_keeping_finished_quotes() -> None:
    cmp = compare(SMALL, _quotes(), Policy(), time_limit=2, plan_fn=_stop_at(2))
    assert cmp.interrupted and cmp.not_compared == ["B", "C"]
    assert [r["vendor"] for r in cmp.rows()] == ["A"]
    assert cmp.to_dict()["interrupted"] is True and "not compared: B, C" in cmp.report()
    with pytest.raises(KeyboardInterrupt):
        compare(SMALL, _quotes(), Policy(), time_limit=2, plan_fn=_stop_at(1))


def test_sweep_stops_at_ctrl_c_keeping_finished_points() -> None:
    res = sweep(SMALL, _quotes()[:2], Policy(), {"overcommit": [2, 4, 6]}, time_limit=2,
                plan_fn=_stop_at(4))
    assert res.interrupted and res.points_planned == 1 and res.points_total == 3
    assert {r["point"] for r in res.rows} == {0}
    assert "1 of 3 point(s) planned" in res.report()


@pytest.mark.parametrize("axis", [{"overcommit": [0.0]}, {"growth": [5.0]},
                                  {"headroom": [1.0]}, {"discount_rate": [3.0]}])
def test_sweep_applies_the_policy_checks(axis: dict[str, list[float]]) -> None:
    with pytest.raises(InputError) as e:
        sweep(SMALL, _quotes()[:1], Policy(), axis, time_limit=1)
    assert e.value.field == "--param" and "out of range" in str(e.value)


def test_compare_and_sweep_read_every_format_with_mapping(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rv = write(tmp_path, "x_vInfo.csv", "VM,Powerstate,Template,CPUs,Memory,Provisioned MiB\n"
               + "".join(f"vm{i},poweredOn,False,2,8192,102400\n" for i in range(6))
               + "off1,poweredOff,False,2,8192,102400\n")
    mapping = write(tmp_path, "map.csv", "name,exclude\nvm5,yes\n")
    q = [str(QUOTES[0])]
    rc = main(["compare", str(rv), *q, "--time-limit", "2", "--mapping", str(mapping),
               "--include-powered-off"])
    out = capsys.readouterr().out
    assert rc == EXIT_OK, out
    assert "read as RVTools vInfo" in out and "excluded 1: excluded by the mapping file" in out
    rc = main(["sweep", str(rv), *q, "--time-limit", "2", "--param", "declarations=0,1"])
    out = capsys.readouterr().out
    assert rc == EXIT_OK and "excluded 1: powered off" in out


def test_physical_baseline_names_what_it_drops(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    # 12 vCPU fits an 8-core PC at overcommit 4, but not one PC per machine without overcommit
    inv = write(tmp_path, "inv.csv", INV_CSV + "wide,12,8 GiB,100 GB\n")
    cat = write(tmp_path, "cat.toml", CAT_TOML)
    xlsx = tmp_path / "p.xlsx"
    assert main(["plan", str(inv), "--catalog", str(cat), "--time-limit", "2",
                 "--xlsx", str(xlsx)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "physical imaging leaves out 1 workload no PC model holds without overcommit: wide" \
        in out
    import openpyxl

    wb = openpyxl.load_workbook(xlsx, read_only=True)
    rows = [tuple(r) for r in wb["summary"].iter_rows(values_only=True)]
    wb.close()
    assert ("physical imaging leaves out", "wide: no PC model holds it without overcommit") \
        in rows
    items = {r[0] for r in rows}
    assert {"total vCPU used", "total memory used [GiB]", "physical imaging PCs",
            "lower bound [USD]"} <= items


def test_units_model_and_plurals(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cat = write(tmp_path, "cat.toml", CAT_TOML + '[[unit]]\nname = "U"\nslots = 4\n'
                                                 "monthly_fee = 10\n")
    inv = write(tmp_path, "inv.csv", "name,vcpu,memory,storage\na,2,8 GiB,100 GB\n")
    assert main(["plan", str(inv), "--catalog", str(cat), "--time-limit", "2"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "carries 1 PC (1 slot), 0 seats in use" in out and "1 units" not in out


def test_no_traceback_from_the_installed_command(tmp_path: Path) -> None:
    inv, cat = _paths(tmp_path)
    r = subprocess.run([sys.executable, "-c", "import sys, planner_cli; "
                        "sys.exit(planner_cli.main())", "plan", inv, "--catalog", cat,
                        "--json", str(tmp_path / "nope" / "p.json")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == EXIT_INPUT and "Traceback" not in r.stderr


def test_ctrl_c_inside_the_constructive_packings_keeps_their_best(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A Ctrl-C seconds into a long solve lands in the portfolio: its best packing is kept."""
    import planner.solver.heuristics as heuristics

    def interrupted(*a: object, **k: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(heuristics, "greedy", interrupted)  # the second run of the portfolio
    cat = Catalog(hosts=(PC,))
    p = plan(SMALL, cat, Policy(), time_limit=5)
    assert p.status == "interrupted: best plan so far" and p.interrupted
    assert p.hosts and not p.unplaced and p.stats["source"] == "heuristic (interrupted)"
    assert check_plan(p, SMALL, cat, Policy()) == []


def test_sweep_value_refused_before_reading_the_inventory(
        capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["sweep", "does-not-exist.csv", str(QUOTES[0]), "--param", "growth=5"])
    err = capsys.readouterr().err
    assert rc == EXIT_INPUT and "such as 0.05 for 5 %" in err and "does-not-exist" not in err
