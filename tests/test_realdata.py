"""The four real exports in shared/realdata, when that directory is present."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planner.readers import load_inventory

from .conftest import ROOT

REAL = Path(os.environ.get("PLANNER_REALDATA", ROOT.parent / "shared" / "realdata"))
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="shared/realdata not present")

NUTANIX = "rvtools_nutanix_workshop"
UNIVERSITY = "rvtools_university_2025_sanitized"


@pytest.mark.parametrize(("path", "read", "used", "excluded", "hosts"), [
    (f"{NUTANIX}/SizingWorkshop-RVTools.xlsx", 805, 763,
     {"powered off": 32, "template": 10}, 34),
    (f"{NUTANIX}/sizingworkshop_vInfo.csv", 805, 763, {"powered off": 32, "template": 10}, 34),
    (f"{NUTANIX}/BillSampleNextRvtoolsFinal.xlsx", 131, 109,
     {"powered off": 20, "template": 2}, 8),
    (f"{UNIVERSITY}/vmware_vInfo_sanitized.csv", 133, 116, {"powered off": 17}, 9),
    (f"{UNIVERSITY}/hyperv_vInfo_sanitized.csv", 170, 161, {"powered off": 9}, 12),
])
def test_real_exports_lose_nothing(path: str, read: int, used: int,
                                   excluded: dict[str, int], hosts: int) -> None:
    p = REAL / path
    if not p.exists():
        pytest.skip(f"{path} not present")
    inv, s = load_inventory(p)
    assert (s.read, s.used, s.excluded) == (read, used, excluded)
    assert len(inv.workloads) == used
    assert s.overcommit is not None and s.overcommit.hosts == hosts
    assert 0.3 < s.overcommit.vcpu_per_core < 10
    _, everything = load_inventory(p, include_powered_off=True, include_templates=True)
    assert everything.used == read and not everything.excluded


def test_real_totals_are_sensible() -> None:
    p = REAL / NUTANIX / "SizingWorkshop-RVTools.xlsx"
    if not p.exists():
        pytest.skip("workbook not present")
    _, s = load_inventory(p, include_powered_off=True, include_templates=True)
    assert s.vcpu == 2741  # sum of CPUs over all 805 rows
    assert s.memory_gib == pytest.approx(10522.3, abs=0.1)
    assert s.blank_rows == 2698  # formatted placeholder rows down to row 3504
    _, hv = load_inventory(REAL / UNIVERSITY / "hyperv_vInfo_sanitized.csv")
    assert any("TB storage on one machine" in w for w in hv.warnings)  # the 71 TB VMs


def test_billsample_anti_affinity_rules_are_kept_apart() -> None:
    """The two DRS anti-affinity rules of BillSample land on different PCs, untouched by hand."""
    p = REAL / NUTANIX / "BillSampleNextRvtoolsFinal.xlsx"
    if not p.exists():
        pytest.skip("workbook not present")
    from planner.readers.catalog import load_catalog, load_policy
    from planner.solver.engine import plan

    inv, s = load_inventory(p)
    pairs = {"Separate Domain Controllers": ["ADDSDC01", "ADDSDC02"],
             "Separate Exchange Mailbox Servers": ["EXCHAP01", "EXCHAP02"]}
    assert {r.name: r.members for r in s.placement_rules} == pairs
    assert s.groups["anti-affinity"] == pairs and not s.ignored_rules
    catalog = load_catalog(ROOT / "data" / "sample" / "catalog.toml")
    policy = load_policy(ROOT / "data" / "sample" / "policy.toml")
    result = plan(inv, catalog, policy, time_limit=3)  # verified, anti-affinity included
    where = {n: h.id for h in result.hosts for n in h.workloads}
    for a, b in pairs.values():
        assert where[a] != where[b]


def test_bitbrains_measured_sizing_saves_pcs() -> None:
    """Bitbrains planned provisioned and measured (short limits: the shape, not figures)."""
    if not (REAL / "bitbrains_rnd" / "per_vm.csv").exists():
        pytest.skip("bitbrains trace not present")
    from planner.bench.sizing import run_sizing

    prov, meas = run_sizing(str(REAL), time_limit=2)
    assert prov["vms"] == meas["vms"] == 500
    assert (prov["vcpu"], meas["fallback"], meas["confidence"]) == (1449, 0, 1.0)
    assert meas["vcpu"] < prov["vcpu"] and meas["pcs"] < prov["pcs"]  # type: ignore[operator]
