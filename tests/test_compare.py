"""Vendor comparison end to end and the sensitivity sweep against individual plans."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

from planner.cli.main import main
from planner.cli.money import parse_param
from planner.errors import InputError
from planner.money.compare import PlanCache, compare, sweep
from planner.money.costing import assess
from planner.readers.catalog import Catalog, HostModel, Policy, Scenario, with_scenario
from planner.readers.inventory import Inventory, Workload
from planner.solver.engine import plan

from .conftest import ROOT

QUOTES = sorted((ROOT / "data" / "quotes").glob("*.toml"))


def test_compare_sample_quotes_end_to_end(tmp_path: Path, sample_paths: dict[str, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert len(QUOTES) == 3
    out = tmp_path / "cmp.json"
    rc = main(["compare", str(sample_paths["inventory"]), *map(str, QUOTES), "--policy",
               str(sample_paths["policy"]), "--time-limit", "3", "--json", str(out)])
    assert rc == 4  # lab-analyzer fits no PC model of any quote
    text = capsys.readouterr().out
    assert "Quotes ranked" in text and text.count(" USD") >= 12
    d = json.loads(out.read_text())
    assert d["currency"] == "USD"
    ranking = d["ranking"]
    assert [r["rank"] for r in ranking] == [1, 2, 3]
    totals = [D(r["total"]) for r in ranking]
    assert totals == sorted(totals)
    vendors = {r["vendor"] for r in ranking}
    assert vendors == {"Harbor Recovery", "Northgate Continuity", "Atlas DR"}
    for r, q in zip(ranking, sorted(d["quotes"], key=lambda q: D(q["virtual"]["total"])),
                    strict=True):
        assert r["pcs"] > 0 and r["units"] > 0 and r["protected"] == 340
        assert 0 <= r["gap"] < 0.1
        assert D(r["savings"]) > 0  # virtual beats physical imaging with every quote
        assert D(r["cost_per_workload"]) == (D(r["total"]) / 340).quantize(D("0.01"))
        virt = [b for b in q["breakdown"] if b["option"] == "virtual"]
        assert sum(D(b["total"]) for b in virt) == D(r["total"])
        assert all(b["currency"] == "USD" for b in q["breakdown"])


def test_compare_needs_rates_for_mixed_currencies(sample_paths: dict[str, Path]) -> None:
    cats = [Catalog(hosts=(HostModel("A", 8, 32, 1000, monthly_fee=D(1)),), currency=c)
            for c in ("USD", "EUR")]
    inv = Inventory((Workload("w", 1, 1, 10),))
    with pytest.raises(InputError, match="different currencies"):
        compare(inv, cats, Policy(), time_limit=1)
    with pytest.raises(InputError, match="no conversion rate from EUR"):
        compare(inv, cats, Policy(scenario=Scenario(currency="USD")), time_limit=1)


def _small() -> tuple[Inventory, list[Catalog], Policy]:
    inv = Inventory(tuple(Workload(f"s{i}", 2 + i % 3, 4 + 2 * (i % 4), 100, source="physical")
                          for i in range(10)))
    # A: cheap to hold, dear to declare; B: the reverse. The winner flips with declarations.
    a = Catalog(hosts=(HostModel("A8", 8, 32, 1000, monthly_fee=D(50),
                                 declaration_fee=D(3000), daily_fee=D(100)),),
                term_years=3, vendor="A", source="a.toml")
    b = Catalog(hosts=(HostModel("B8", 8, 32, 1000, monthly_fee=D(90),
                                 declaration_fee=D(100), daily_fee=D(20)),),
                term_years=3, vendor="B", source="b.toml")
    pol = Policy(headroom=0, host_reserved_cores=0, host_reserved_memory_gib=0,
                 scenario=Scenario(disaster_days=D(10), p2v_server=D(300)))
    return inv, [a, b], pol


def test_sweep_points_agree_with_individual_plans() -> None:
    inv, cats, pol = _small()
    axes = {"declarations": [0, 0.5, 1, 2], "overcommit": [2, 4]}
    res = sweep(inv, cats, pol, axes, time_limit=3)
    # declarations change what a PC is expected to cost, so each value is solved (started from
    # the last plan of the same packing rules): four at overcommit 4, one at 2, per quote;
    # only overcommit 4 at the base declarations repeats a solved point
    assert res.solves == 10 and res.reused == 2
    for r in res.rows:
        p2 = with_scenario(pol, declarations=D(str(r["declarations"])))
        p2 = Policy(**{**p2.__dict__, "cpu_overcommit": float(r["cpu_overcommit"])})
        cat = next(c for c in cats if c.source == r["source"])
        single = assess(plan(inv, cat, p2, time_limit=3), inv, cat, p2)
        assert single.virtual.total == r["total"]
        assert single.savings == r["savings"]
    pts = res.points
    assert set(pts["vendor"]) == {"A", "B"} and (pts["currency"] == "USD").all()
    # A wins without declarations, B with many: one exact crossing on declarations
    cr = res.crossings
    assert list(cr["param"]) == ["declarations"]
    row = cr.iloc[0]
    assert row["exact"] and row["from_vendor"] == "A" and row["to_vendor"] == "B"
    # one model per quote: the plans are the same at every point, so the totals are linear
    plans = [plan(inv, c, pol, time_limit=3) for c in cats]

    def diff(x: D) -> D:
        pa = with_scenario(pol, declarations=x)
        ta, tb = (assess(p, inv, c, pa).virtual.total for p, c in zip(plans, cats, strict=True))
        return ta - tb

    assert diff(row["at"] - D("0.001")) < 0 < diff(row["at"] + D("0.001"))
    assert "Cheapest changes from A to B at declarations" in res.report()


def test_sweep_grid_and_cache_reuse() -> None:
    inv, cats, pol = _small()
    cache = PlanCache()
    res = sweep(inv, cats, pol, {"disaster_days": [5, 30], "growth": [0, 0.1]}, grid=True,
                time_limit=2, cache=cache)
    assert len(res.rows) == 2 * 2 * len(cats)
    assert cache.solves == 2 * len(cats)  # growth changes the packing, disaster days do not
    assert set(res.points["growth_per_year"]) == {0.0, 0.1}


def test_sweep_cli_and_param_parsing(tmp_path: Path, sample_paths: dict[str, Path],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_param("declarations=0:1:0.5") == ("declarations", [D(0), D("0.5"), D("1.0")])
    assert parse_param("overcommit=2,4")[1] == [D(2), D(4)]
    with pytest.raises(InputError):
        parse_param("overcommit")
    with pytest.raises(InputError, match="unknown sweep parameter"):
        sweep(Inventory(()), [], Policy(), {"colour": [1]})
    rc = main(["sweep", str(sample_paths["inventory"]), str(QUOTES[0]), str(QUOTES[1]),
               "--policy", str(sample_paths["policy"]), "--time-limit", "2",
               "--param", "declarations=0,1", "--json", str(tmp_path / "s.json"),
               "--csv", str(tmp_path / "s")])
    assert rc == 4
    out = capsys.readouterr().out
    assert "4 plans solved" in out  # declarations change the quotes' expected PC costs
    d = json.loads((tmp_path / "s.json").read_text())
    assert d["solves"] == 4 and len(d["points"]) == 4
    assert (tmp_path / "s" / "points.csv").read_text().startswith("point,declarations")
    assert (tmp_path / "s" / "crossings.csv").read_text().startswith("param,lo,hi")
