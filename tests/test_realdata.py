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
