from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

from planner.cli.main import main

from .conftest import write


def test_plan_sample_end_to_end(tmp_path: Path, sample_paths: dict[str, Path],
                                capsys: object) -> None:
    out = tmp_path / "plan.json"
    rc = main(["plan", str(sample_paths["inventory"]), "--catalog", str(sample_paths["catalog"]),
               "--policy", str(sample_paths["policy"]), "--time-limit", "8",
               "--json", str(out), "--csv", str(tmp_path / "csv")])
    assert rc == 4  # a plan, with one workload (lab-analyzer) that fits no PC model
    d = json.loads(out.read_text())
    for key in ("status", "cost", "lower_bound", "gap", "currency", "hosts", "units",
                "unplaced", "baseline", "solve_seconds"):
        assert key in d
    assert d["status"] in ("optimal", "feasible")
    assert d["currency"] == "USD"
    assert 0 <= d["gap"] < 0.05 and D(d["lower_bound"]) <= D(d["cost"])
    assert d["interrupted"] is False and d["import"]["read"] == 341
    host = d["hosts"][0]
    assert set(host) >= {"id", "model", "unit", "workloads", "used", "usable"}
    assert set(host["used"]) == {"vcpu", "memory_gib", "storage_gb"}
    unit = d["units"][0]
    assert set(unit) >= {"id", "model", "hosts", "seats_used"}
    assert set(d["baseline"]) >= {"hosts", "units", "cost"}
    # nothing lost: 59 servers + 282 workstations = 341 instances, grouped rows expanded
    placed = [n for h in d["hosts"] for n in h["workloads"]]
    assert len(placed) + len(d["unplaced"]) == 341
    assert "ws-office#120" in placed
    assert [u["name"] for u in d["unplaced"]] == ["lab-analyzer"]
    # virtualization needs far fewer PCs than physical imaging, and costs less
    assert len(d["hosts"]) * 10 < d["baseline"]["hosts"]
    assert D(d["cost"]) < D(d["baseline"]["cost"])
    with open(tmp_path / "csv" / "assignments.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == len(placed)


def test_bad_input_one_clear_message_no_traceback(tmp_path: Path,
                                                  sample_paths: dict[str, Path]) -> None:
    bad = write(tmp_path, "inv.csv", "name,vcpu,memory,storage\nweb,2,4,60 GB\n")
    r = subprocess.run([sys.executable, "-m", "planner.cli", "plan", str(bad), "--catalog",
                        str(sample_paths["catalog"])], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert "inv.csv" in r.stderr and "row 2" in r.stderr and "'memory'" in r.stderr
    assert "Fix:" in r.stderr
    assert r.stderr.strip().count("\n") == 0  # one line


def test_bad_catalog_names_the_field(tmp_path: Path, sample_paths: dict[str, Path]) -> None:
    cat = write(tmp_path, "cat.toml", '[[host]]\nname = "A"\ncores = 8\nmemory = 64\n'
                                      'storage = "1 TB"\n')
    r = subprocess.run([sys.executable, "-m", "planner.cli", "plan",
                        str(sample_paths["inventory"]), "--catalog", str(cat)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "cat.toml" in r.stderr and "host[1].memory" in r.stderr


def test_quiet_prints_nothing(tmp_path: Path, sample_paths: dict[str, Path]) -> None:
    r = subprocess.run([sys.executable, "-m", "planner.cli", "plan",
                        str(sample_paths["inventory"]), "--catalog",
                        str(sample_paths["catalog"]), "--time-limit", "3", "--quiet",
                        "--json", str(tmp_path / "p.json")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 4 and r.stdout == "" and r.stderr == ""
    assert json.loads((tmp_path / "p.json").read_text())["hosts"]
