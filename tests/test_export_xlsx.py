from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import openpyxl

from planner.cli.main import main
from planner.present.export import write_csv, write_json, write_xlsx
from planner.readers.catalog import load_catalog, load_policy
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan

from .conftest import write
from .readers_fixtures import rvtools_workbook

HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+cmd|' /C calc'!A0", "-1+1", "@SUM(1+1)",
           "plain-vm"]


def test_formula_names_stay_text_everywhere(tmp_path: Path,
                                            sample_paths: dict[str, Path]) -> None:
    inv = Inventory(tuple(Workload(n, 1, 2.0, 20.0) for n in HOSTILE), "t")
    p = plan(inv, load_catalog(sample_paths["catalog"]), load_policy(sample_paths["policy"]),
             time_limit=2)
    x = write_xlsx(p, tmp_path / "p.xlsx")
    with zipfile.ZipFile(x) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) for n in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(x)
    assert wb.sheetnames == ["summary", "PCs", "units", "assignments", "unplaced", "costs"]
    ws = wb["assignments"]
    cells = {c.value: c for row in ws.iter_rows(min_row=2, max_col=1) for c in row}
    assert set(cells) == set(HOSTILE)  # names kept exactly
    for name, c in cells.items():
        assert c.data_type == "s"
        assert c.quotePrefix == (name != "plain-vm")
    pcs_header = [c.value for c in wb["PCs"][1]]
    assert "memory_used [GiB]" in pcs_header and "vcpu_used [vCPU]" in pcs_header
    write_csv(p, tmp_path / "csv")
    with open(tmp_path / "csv" / "assignments.csv", newline="") as f:
        names = {r["workload"] for r in csv.DictReader(f)}
    assert names == {"'" + n if n != "plain-vm" else n for n in HOSTILE}
    write_json(p, tmp_path / "p.json")
    d = json.loads((tmp_path / "p.json").read_text())
    assert {n for h in d["hosts"] for n in h["workloads"]} == set(HOSTILE)


def test_cli_reads_rvtools_with_mapping_and_writes_xlsx(
        tmp_path: Path, sample_paths: dict[str, Path], capsys: object) -> None:
    rv = rvtools_workbook(tmp_path / "rv.xlsx")
    m = write(tmp_path, "map.csv", "pattern,tier,anti_affinity\n^dc,1,dcs\n")
    out = tmp_path / "plan.xlsx"
    rc = main(["plan", str(rv), "--catalog", str(sample_paths["catalog"]), "--time-limit", "3",
               "--mapping", str(m), "--include-powered-off", "--xlsx", str(out),
               "--json", str(tmp_path / "p.json")])
    assert rc == 0
    text = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "Machines: 6 read, 5 used, 1 excluded" in text
    assert "excluded 1: template" in text and "Current estate (vHost sheet" in text
    assert "Accounted: 6 read = " in text
    d = json.loads((tmp_path / "p.json").read_text())
    placed = [n for h in d["hosts"] for n in h["workloads"]]
    assert len(placed) + len(d["unplaced"]) + len(d["out_of_scope"]) + 1 == 6
    dcs = [h["id"] for h in d["hosts"] if {"dc01", "dc02"} & set(h["workloads"])]
    assert len(set(dcs)) == 2  # anti-affinity from the mapping kept them apart
    summary = {r[0]: r[1] for r in openpyxl.load_workbook(out)["summary"].iter_rows(
        min_row=2, values_only=True)}
    assert summary["machines read"] == 6 and summary["excluded: template"] == 1


def test_workbook_costs_are_the_money_models_not_a_mix(tmp_path: Path,
                                                       sample_paths: dict[str, Path]) -> None:
    """The workbook's cost, physical imaging and saving are the money model's totals (the
    pages' and the written plan's figures); the engine's cost is labelled as what it
    minimises, and no saving is taken between it and the physical PCs (their bases differ:
    the physical one carries its image lines, the virtual one its conversion and images not)."""
    from decimal import Decimal

    from planner.money.costing import assess

    inv = Inventory(tuple(Workload(f"vm{i}", 1 + i % 3, 4.0, 100.0) for i in range(12)), "t")
    cat, pol = load_catalog(sample_paths["catalog"]), load_policy(sample_paths["policy"])
    p = plan(inv, cat, pol, time_limit=3)
    a = assess(p, inv, cat, pol)
    rows = {r[0].value: r[1].value for r in openpyxl.load_workbook(
        write_xlsx(p, tmp_path / "a.xlsx", None, a))["costs"].iter_rows(min_row=2)}
    assert Decimal(str(rows["cost over the term (every line of the money model)"])) == \
        a.virtual.total
    assert Decimal(str(rows["physical imaging over the term"])) == a.physical.total
    assert Decimal(str(rows["saving against physical imaging"])) == a.savings
    assert Decimal(str(rows["PCs and units over the term (what the engine minimises)"])) == \
        p.cost
    assert a.virtual.total != p.cost  # the two bases differ on the sample (conversion, images)
    bare = {r[0].value for r in openpyxl.load_workbook(
        write_xlsx(p, tmp_path / "b.xlsx"))["costs"].iter_rows(min_row=2)}
    assert not any("saving" in str(k) for k in bare)  # never across the two bases
