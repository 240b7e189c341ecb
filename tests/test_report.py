"""``planner report``: the written plan in HTML (every section, the same numbers) and PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from planner.cli.main import main

CATALOG = """
vendor = "Tiny DR"
currency = "USD"
term_years = 2
included_test_days = 1
test_day_fee = 100

[[host]]
name = "PC-A"
cores = 8
memory = "64 GiB"
storage = "1 TB"
monthly_fee = 50
setup_fee = 100
daily_fee = 20
restore_rate = "100 GB/h"
boot_minutes = 6

[[unit]]
name = "TRUCK"
slots = 4
seats = 4
monthly_fee = 300
delivery_hours = 2
"""

OTHER = CATALOG.replace('vendor = "Tiny DR"', 'vendor = "Other DR"').replace(
    "monthly_fee = 50", "monthly_fee = 70")

POLICY = """
cpu_overcommit = 1.0
headroom = 0.0
host_reserved_cores = 0
host_reserved_memory = 0

[rto]
1 = "4.5 h"

[[approval]]
name = "Sam Okafor"
role = "Chief Financial Officer"

[scenario]
[scenario.tests]
checklist = { per_year = 1 }
parallel = { per_year = 1, pc_days = 2, unit_days = 2 }
"""

INVENTORY = """name,vcpu,memory [GiB],storage [GB],kind,tier,count
db,1,1,200,server,1,4
files,1,1,100,server,3,1
clerk,1,1,50,workstation,2,2
"""


def _files(tmp_path: Path) -> list[str]:
    (tmp_path / "inv.csv").write_text(INVENTORY)
    (tmp_path / "cat.toml").write_text(CATALOG)
    (tmp_path / "other.toml").write_text(OTHER)
    (tmp_path / "pol.toml").write_text(POLICY)
    return [str(tmp_path / "inv.csv"), "--catalog", str(tmp_path / "cat.toml"),
            "--policy", str(tmp_path / "pol.toml"), "--time-limit", "5"]


def test_report_html_has_every_section_and_the_compare_numbers(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _files(tmp_path)
    out = tmp_path / "plan.html"
    assert main(["report", *args, "--out", str(out),
                 "--quotes", str(tmp_path / "other.toml")]) == 0
    html = out.read_text(encoding="utf-8")
    for section in ("summary", "scope", "contract", "timeline", "tests", "comparison",
                    "assumptions", "approval", "annex"):
        assert f'<section id="{section}"' in html
    # self-contained: no external resources, plotly inline
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html)
    assert "Plotly.newPlot" in html
    assert "Sam Okafor" in html and "Chief Financial Officer" in html
    assert "tier 1 RTO 4.5 h" in html  # the chart's RTO line
    # the same totals as `planner compare`
    capsys.readouterr()
    assert main(["compare", args[0], str(tmp_path / "cat.toml"), str(tmp_path / "other.toml"),
                 "--policy", str(tmp_path / "pol.toml"), "--time-limit", "5",
                 "--json", "-"]) == 0
    cmp = json.loads(capsys.readouterr().out)
    for q in cmp["quotes"]:
        total = f"{float(q['virtual']['total']):,.2f} USD"
        assert total in html
    tiny = next(q for q in cmp["quotes"] if q["vendor"] == "Tiny DR")
    assert f"{float(tiny['savings']):,.2f} USD" in html
    # the JSON plan's cost and PCs
    assert main(["plan", *args, "--json", str(tmp_path / "plan.json"), "--quiet"]) == 0
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert f"{float(plan['cost']):,.2f} USD" in html
    assert f"{len(plan['hosts'])} recovery PCs" in html
    # the recovery timeline travels with the JSON plan: every placed workload timed
    rec = plan["recovery"]
    assert {w["workload"] for w in rec["workloads"]} == \
        {n for h in plan["hosts"] for n in h["workloads"]}
    assert all(t["back_h"] is None or t["back_h"] > 0 for t in rec["tiers"])


def test_report_enforce_rto_reports_what_meeting_it_costs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _files(tmp_path)
    out = tmp_path / "plan.html"
    assert main(["report", *args, "--out", str(out), "--enforce-rto"]) == 0
    text = capsys.readouterr().out
    assert "tier 1: running at 4.1 h, RTO 4.5 h: meets" in text
    # the enforced plan is proven the cheapest meeting the RTO: its extra cost is exact
    extra = re.search(r"Meeting the RTO costs ([\d,.]+) USD more", text)
    assert extra is not None and float(extra.group(1).replace(",", "")) > 0
    assert "proven the cheapest that meets every target" in text and "at most" not in text
    html = out.read_text(encoding="utf-8")
    assert "Planning to meet the RTO" in html and "meets" in html
    assert f"Meeting the RTO costs {extra.group(1)} USD more" in html


def test_plan_enforce_rto_needs_targets(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    args = _files(tmp_path)
    (tmp_path / "pol.toml").write_text(POLICY.replace('1 = "4.5 h"', ""))
    assert main(["plan", *args, "--enforce-rto", "--quiet"]) == 2
    assert "[rto]" in capsys.readouterr().err


def test_report_pdf_is_written_with_its_pages(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("weasyprint")
    args = _files(tmp_path)
    pdf = tmp_path / "plan.pdf"
    assert main(["report", *args, "--out", str(tmp_path / "plan.html"),
                 "--pdf", str(pdf)]) == 0
    pages = re.search(r"plan\.pdf \((\d+) pages\)", capsys.readouterr().out)
    assert pages is not None and int(pages.group(1)) >= 3
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 20_000
    if shutil.which("pdftoppm"):  # poppler opens it and renders every page
        subprocess.run(["pdftoppm", "-r", "20", "-png", str(pdf), str(tmp_path / "p")],
                       check=True, timeout=60)
        assert len(list(tmp_path.glob("p-*.png"))) == int(pages.group(1))


def test_plan_prints_each_tier_against_its_rto(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", *_files(tmp_path)]) == 0
    out = capsys.readouterr().out
    # one PC in a unit on site at 2 h: the four 200 GB tier-1 restores end at 10 h, boot 0.1 h
    assert "tier 1: all running at 10.1 h, RTO 4.5 h: misses by 5.6 h" in out
    assert "tier 3: all running at" in out


def test_report_sizes_on_measured_use_like_plan(tmp_path: Path) -> None:
    # `planner report --usage` sizes as `planner plan --usage` does, and the written plan says so
    args = _files(tmp_path)
    pol = tmp_path / "measured.toml"
    pol.write_text('sizing = "measured"\n')
    use = tmp_path / "usage.csv"
    use.write_text("name,cpu [MHz],memory [GiB],samples,days\ndb,50 %,50 %,4000,14\n")
    out = tmp_path / "plan.html"
    assert main(["report", args[0], "--catalog", args[2], "--policy", str(pol),
                 "--time-limit", "5", "--usage", str(use), "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    # the four db machines measured; files and the two clerks have no usage: provisioned
    assert "4 workload(s) sized on measured use" in html
    assert "3 without usage kept provisioned" in html
