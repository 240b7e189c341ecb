from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from planner.bench import build_suite, run_bench
from planner.bench.instances import (
    CT_CAPACITY,
    CT_RANGE,
    constructed,
    ct_items,
    literature,
    mix_inventory,
    sample_catalog,
    sample_policy,
)
from planner.bench.mixes import DEFAULT_MIX, derive_mix
from planner.bench.peers import check_packing, greedy_packing, pulp_milp, to_grid
from planner.bench.runner import ENGINE, GREEDY, measure, solve
from planner.cli.main import main

REALDATA = Path("/work/shared/realdata")


@pytest.mark.parametrize("cls", [1, 2, 3, 4, 5, 6, 7, 8, 10])
def test_ct_classes_follow_their_rules(cls: int) -> None:
    a = ct_items(cls, 200, random.Random(5))
    assert a == ct_items(cls, 200, random.Random(5))  # deterministic
    W = CT_CAPACITY[cls]
    assert all(1 <= w <= W and 1 <= v <= W for w, v in a)
    if cls in CT_RANGE:
        lo, hi = CT_RANGE[cls]
        assert all(lo <= w <= hi for w, _ in a)
    if cls == 7:
        assert all(abs(v - w) <= 10 for w, v in a)
        assert np.corrcoef(np.array(a).T)[0, 1] > 0.9
    if cls == 8:
        assert all(110 <= w + v <= 130 for w, v in a)  # three items never fit: opt >= n/2
        assert np.corrcoef(np.array(a).T)[0, 1] < -0.9
    if cls in (1, 2, 3, 4, 5, 6):
        assert abs(np.corrcoef(np.array(a).T)[0, 1]) < 0.2
    if cls == 10:
        assert len(a) % 3 == 0
        for k in range(0, len(a), 3):  # every triplet fills a bin exactly in both dimensions
            assert sum(w for w, _ in a[k:k + 3]) == 100 == sum(v for _, v in a[k:k + 3])


def test_literature_mapping_and_known_optima() -> None:
    i10 = literature(10, 25, 0, 1, 5.0)
    assert i10.n == 24 and i10.optimum == 8
    i8 = literature(8, 25, 0, 1, 5.0)
    assert i8.lower_known == 13
    (h,) = i8.catalog.hosts
    assert h.cores == 150 and h.memory_gib == 150 and not i8.catalog.has_fees
    assert {w.storage_gb for w in i8.inventory.workloads} == {1.0}
    mc = literature(1, 25, 0, 1, 5.0, multi=True)
    assert len(mc.catalog.hosts) == 3 and mc.catalog.has_fees
    assert literature(3, 50, 2, 7, 5.0).inventory == literature(3, 50, 2, 7, 5.0).inventory


def test_scale_mix_matches_its_source_figures() -> None:
    n = 20000
    draws = DEFAULT_MIX.sample(n, random.Random(3))
    total = sum(c for _, c in DEFAULT_MIX.cpu_mem)
    freq = Counter((v, m) for v, m, _ in draws)
    for pair, c in sorted(DEFAULT_MIX.cpu_mem, key=lambda x: -x[1])[:10]:
        assert abs(freq[pair] / n - c / total) < 0.01
    logs = [math.log(s) for _, _, s in draws]
    assert abs(statistics.mean(logs) - DEFAULT_MIX.storage_mu) < 0.05
    assert abs(statistics.stdev(logs) - DEFAULT_MIX.storage_sigma) < 0.05  # clipping: 1 %
    assert all(DEFAULT_MIX.storage_min <= s <= math.ceil(DEFAULT_MIX.storage_max)
               for _, _, s in draws)


@pytest.mark.skipif(not REALDATA.exists(), reason="shared real data not on this machine")
def test_builtin_mix_is_what_the_real_data_gives() -> None:
    m = derive_mix(REALDATA)
    assert m.cpu_mem == DEFAULT_MIX.cpu_mem
    assert m.storage_mu == DEFAULT_MIX.storage_mu and m.storage_sigma == DEFAULT_MIX.storage_sigma


def test_mix_inventory_deterministic_and_placeable() -> None:
    cat, pol = sample_catalog(), sample_policy()
    a = mix_inventory(300, 9, DEFAULT_MIX, cat, pol)
    assert a == mix_inventory(300, 9, DEFAULT_MIX, cat, pol)
    assert a.total_instances == 300 and not cat.units
    assert not to_grid(a, cat, pol).dropped


def test_constructed_optimum_is_attained_by_the_split() -> None:
    for dims in (2, 3):
        for multi in (False, True):
            inst = constructed(60, dims, multi, 2, 5.0)
            assert inst.optimum is not None and inst.n >= 30  # about n (whole PCs are split)
            grid = to_grid(inst.inventory, inst.catalog, inst.policy)
            # total demand x cost per capacity unit equals the optimum (vCPU dimension)
            per_core = [c / float(h.cores) for c, h in zip(grid.costs, inst.catalog.hosts,
                                                             strict=True)]
            assert max(per_core) == pytest.approx(min(per_core))
            vcpu = sum(w.vcpu for w in inst.inventory.workloads)
            assert vcpu * per_core[0] == pytest.approx(inst.optimum)


def test_peers_return_feasible_packings() -> None:
    inst = literature(6, 25, 0, 1, 5.0, multi=True)
    grid = to_grid(inst.inventory, inst.catalog, inst.policy)
    for rule in ("sum", "product", "max", "norm", "dot", "l2"):
        bins, _ = greedy_packing(grid, rule)
        assert bins is not None and check_packing(grid, bins) == []
    easy = literature(4, 25, 0, 1, 5.0, multi=True)
    grid = to_grid(easy.inventory, easy.catalog, easy.policy)
    r = pulp_milp(grid, "cbc", 5.0)
    assert r["status"] in ("optimal", "feasible")
    assert check_packing(grid, r["bins"]) == []
    # the checker catches a bad packing
    bad = [(0, list(range(len(grid.names))))]
    assert check_packing(grid, bad)


def test_peers_respect_stock_limits() -> None:
    cat, pol = sample_catalog(), sample_policy()
    grid = to_grid(mix_inventory(400, 4, DEFAULT_MIX, cat, pol), cat, pol)
    bins, _ = greedy_packing(grid, "sum")
    assert bins is not None and check_packing(grid, bins) == []


def test_engine_record_is_verified_and_peers_checked() -> None:
    inst = literature(10, 25, 0, 1, 3.0)
    e = solve(ENGINE, inst)
    assert e["valid"] and e["problems"] == [] and e["cost"] >= inst.optimum
    for p in (*GREEDY, "pulp-highs", "cpsat"):
        r = solve(p, inst)
        if r["status"] == "skipped":
            continue
        assert r["valid"], p
        assert r["cost"] >= inst.optimum


def test_isolated_run_measures_memory() -> None:
    r = measure("ffd-sum", literature(1, 25, 0, 1, 2.0))
    assert r["status"] == "feasible" and r["valid"] and r["peak_mib"] > 1


def test_each_suite_builds() -> None:
    from planner.bench.mixes import DEFAULT_MIX as mix

    for suite, sizes in (("scale", [50]), ("constructed", [50]), ("literature", [25]),
                         ("realistic", [40])):
        insts = build_suite(suite, sizes, 1, 1.0, mix, 1)
        assert insts and all(i.n > 0 for i in insts)


@pytest.mark.parametrize("suite", ["scale", "constructed", "realistic"])
def test_tiny_suite_rows(suite: str, tmp_path: Path) -> None:
    recs = run_bench(sizes=[30], time_limit=1.0, suite=suite, instances=1, out=tmp_path,
                     peers=["ffd-sum", "bc-dot"], isolate=False, command="test")
    eng = [r for r in recs if r["solver"] == ENGINE]
    assert eng and all(r["valid"] for r in eng)
    assert all(r.get("valid") is not False for r in recs)
    md = (tmp_path / "benchmarks.md").read_text()
    assert f"Suite `{suite}`" in md


def test_cli_literature_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["bench", "--suite", "literature", "--sizes", "25", "--instances", "1",
               "--time-limit", "1", "--peers", "ffd-sum,pulp-highs", "--families",
               "CT10,mc-CT8", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "CT10-n25-0" in out and "CT1-n25-0" not in out
    md = (tmp_path / "benchmarks.md").read_text()
    assert "mc-CT8" in md and "machine:" in md
    html = (tmp_path / "benchmarks.html").read_text()
    assert "plotly" in html and '<script src="https://cdn' not in html  # inline, offline


def test_cli_rejects_unknown_peer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--suite", "literature", "--peers", "nope", "--sizes", "25"]) == 2


def test_lp_bench_replays_the_same_masters_both_ways(sample_paths: dict) -> None:
    from planner.bench.lpbench import run_lp_bench
    from planner.readers.catalog import load_catalog, load_policy
    from planner.readers.inventory import read_inventory_csv

    r = run_lp_bench(read_inventory_csv(sample_paths["inventory"]),
                     load_catalog(sample_paths["catalog"]), load_policy(sample_paths["policy"]),
                     rounds=5)
    assert r.rounds >= 2 and r.columns > 0
    assert r.max_value_diff < 1e-6  # both ways solve the same LPs


def _rec(inst: str, solver: str, status: str, cost: float | None, lb: float | None,
         valid: bool | None = True, optimum: float | None = None,
         lower_known: float | None = None, unplaced: int = 0) -> dict:
    return {"instance": inst, "family": "F", "n": 10, "solver": solver, "status": status,
            "cost": cost, "lower_bound": lb, "valid": valid, "optimum": optimum,
            "lower_known": lower_known, "unplaced": unplaced, "seconds": 1.0}


def test_claims_audit_passes_consistent_claims_and_counts_confirmations() -> None:
    from planner.bench.report import claims_audit

    ok = [_rec("a", "engine", "optimal", 10, 10), _rec("a", "pulp-highs", "optimal", 10, 10),
          _rec("b", "engine", "feasible", 12, 9.5), _rec("b", "ffd-sum", "feasible", 13, None),
          _rec("b", "pulp-highs", "no solution", None, -math.inf),
          _rec("c", "engine", "optimal", 7, 7, optimum=7),
          _rec("d", "engine", "optimal", 5, 5, lower_known=5),
          # a peer's proof at a higher cost confirms nothing (and is itself wrong)
          _rec("e", "engine", "optimal", 9, 9), _rec("e", "cpsat", "optimal", 10, 10),
          # a plan leaving a workload unplaced is not compared with complete ones
          _rec("f", "engine", "optimal", 9, 9), _rec("f", "ffd-sum", "feasible", 4, None,
                                                      unplaced=1)]
    lines, wrong = claims_audit(ok)
    text = "\n".join(lines)
    assert wrong == 2  # cpsat's bound and its "optimal", both above the engine's plan
    assert "| e | cpsat | optimal |" in text and "| e | cpsat | lower bound |" in text
    assert "3 of 5" in lines[0]  # a (a peer's proof), c (the optimum), d (the bound)
    assert "8 lower bounds" in lines[0]  # -inf is no bound (9 with it)


def test_claims_audit_finds_each_kind_of_false_claim() -> None:
    from planner.bench.report import claims_audit

    cases = {
        # a bound above another solver's checked plan
        "d": [_rec("d", "engine", "feasible", 12, 11.5), _rec("d", "bc-dot", "feasible", 11,
                                                              None)],
        # an "optimal" plan that a checked plan beats
        "e": [_rec("e", "engine", "optimal", 9, None), _rec("e", "ffd-sum", "feasible", 8,
                                                            None)],
        # a plan that failed the independent check
        "f": [_rec("f", "engine", "optimal", 6, 6, valid=False)],
        # a bound above the optimum known by construction
        "g": [_rec("g", "engine", "feasible", 8, 7.5, optimum=7)],
        # an "optimal" above the known optimum
        "h": [_rec("h", "engine", "optimal", 8, None, optimum=7)],
        # a plan below the known optimum, and below a known lower bound
        "i": [_rec("i", "engine", "feasible", 6, None, optimum=7)],
        "j": [_rec("j", "engine", "feasible", 4, None, lower_known=5)],
        # "infeasible" while a checked plan exists
        "k": [_rec("k", "engine", "feasible", 4, None), _rec("k", "cpsat", "infeasible", None,
                                                             None)],
        # one cent of a six-figure cost is not noise
        "m": [_rec("m", "engine", "optimal", 230_000.01, None),
              _rec("m", "ffd-sum", "feasible", 230_000.00, None)],
    }
    for inst, recs in cases.items():
        lines, wrong = claims_audit(recs)
        assert wrong == 1, (inst, lines)
        assert f"| {inst} |" in "\n".join(lines)
        assert "0 of" in lines[0]  # nothing wrong is ever confirmed
def test_peers_can_run_longer_than_the_engine(tmp_path: Path) -> None:
    recs = run_bench(sizes=[25], time_limit=1.0, suite="literature", instances=1,
                     peers=["ffd-sum"], families=["CT10"], isolate=False,
                     peer_time_limit=7.0, out=tmp_path, command="test")
    limits = {r["solver"]: r["time_limit"] for r in recs}
    assert limits == {"engine": 1.0, "ffd-sum": 7.0}
    md = (tmp_path / "benchmarks.md").read_text()
    assert "Claims audit" in md and "peers ran with a 7 s time limit" in md


def test_pulp_highs_optimal_needs_a_bound_that_reaches_the_cost() -> None:
    from planner.bench.peers import Grid, _closes

    money = Grid(["a"], np.ones((1, 3), dtype=np.int64), np.ones((1, 3), dtype=np.int64),
                 [1234.56], [None], ["PC"])
    assert _closes(money, 99_990.01, 100_000.00) is False  # HiGHS's default 1e-4 gap
    assert _closes(money, 99_999.995, 100_000.00) is True  # within a cent: proven
    count = Grid(["a"], np.ones((1, 3), dtype=np.int64), np.ones((1, 3), dtype=np.int64),
                 [1.0], [None], ["PC"])
    assert _closes(count, 26.2, 27.0) is True and _closes(count, 25.9, 27.0) is False
    # prices below a cent: no step, only a bound reaching the cost proves it
    fine = Grid(["a"], np.ones((1, 3), dtype=np.int64), np.ones((1, 3), dtype=np.int64),
                [12.3456], [None], ["PC"])
    assert _closes(fine, 123.4559, 123.456) is False and _closes(fine, 123.456, 123.456)


def test_price_step_of_whole_units_cents_and_finer() -> None:
    from planner.bench.peers import Grid, price_step

    def grid(costs: list[float]) -> Grid:
        return Grid(["a"], np.ones((1, 3), dtype=np.int64),
                    np.ones((len(costs), 3), dtype=np.int64), costs, [None] * len(costs),
                    [f"PC{k}" for k in range(len(costs))])

    assert price_step(grid([1.0, 3.0])) == 1.0
    assert price_step(grid([1234.56, 10.0])) == 0.01
    assert price_step(grid([0.005])) == 0.0


def test_cpsat_claims_no_optimum_on_rounded_sub_cent_prices() -> None:
    pytest.importorskip("ortools")
    from planner.bench.peers import Grid, cpsat

    # two workloads, one PC each; prices of a tenth of a cent: CP-SAT minimises them rounded
    g = Grid(["a", "b"], np.array([[3, 1, 1], [3, 1, 1]], dtype=np.int64),
             np.array([[4, 4, 4]], dtype=np.int64), [10.0005], [None], ["PC"])
    r = cpsat(g, 5.0)
    assert r["status"] == "feasible" and r["lower_bound"] is None
    assert r["cost"] == pytest.approx(20.001)


def test_pattern_check_proves_the_optimum_within_stock() -> None:
    from planner.bench.peers import Grid, pattern_milp

    # four 3-core and two 5-core workloads; a big PC (8 cores) costs 10 and a small one
    # (5 cores) 7: the optimum is two bigs (3 + 5 each) and one big (3 + 3) = 30; with
    # only two bigs in stock: 2 x 10 + 7 (a small for 3) + 7 (a small for 3) = 34
    sizes = np.array([[3, 1, 1]] * 4 + [[5, 1, 1]] * 2, dtype=np.int64)
    caps = np.array([[8, 8, 8], [5, 8, 8]], dtype=np.int64)
    free = Grid([f"w{i}" for i in range(6)], sizes, caps, [10.0, 7.0], [None, None],
                ["BIG", "SMALL"])
    out = pattern_milp(free, 10.0)
    assert out["status"] == "optimal" and out["cost"] == 30.0
    assert check_packing(free, out["bins"]) == []
    capped = Grid(free.names, sizes, caps, [10.0, 7.0], [2, None], ["BIG", "SMALL"])
    out = pattern_milp(capped, 10.0)
    assert out["status"] == "optimal" and out["cost"] == 34.0
    assert check_packing(capped, out["bins"]) == []
    assert pattern_milp(free, 10.0, max_patterns=5)["status"] == "skipped"


def test_pattern_check_confirms_engine_optima_on_literature_instances() -> None:
    from planner.bench.peers import pattern_milp

    for inst in build_suite("literature", [25], 1, 10.0, DEFAULT_MIX, 1):
        if inst.family not in ("mc-CT6", "mc-CT7", "CT6"):
            continue
        eng = solve(ENGINE, inst)
        grid = to_grid(inst.inventory, inst.catalog, inst.policy)
        out = pattern_milp(grid, 30.0)
        assert out["status"] == "optimal" and check_packing(grid, out["bins"]) == []
        assert eng["status"] == "optimal" and eng["cost"] == pytest.approx(out["cost"])


def test_default_peers_leave_out_the_pattern_check() -> None:
    from planner.bench.runner import DEFAULT_PEERS, PEERS

    assert "patterns" in PEERS and "patterns" not in DEFAULT_PEERS


def test_an_infeasible_said_at_the_time_limit_proves_nothing() -> None:
    from planner.bench.peers import infeasible_claim

    # PuLP-CBC said "infeasible" after 12.3 s of 10 on an instance with a packing
    assert infeasible_claim(True, 12.3, 10.0) is False
    assert infeasible_claim(True, 9.5, 10.0) is False
    assert infeasible_claim(True, 0.4, 10.0) is True  # stopped early: a proof
    assert infeasible_claim(False, 0.4, 10.0) is False
