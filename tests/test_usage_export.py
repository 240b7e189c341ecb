"""Usage from an RVTools export's vCPU and vMemory sheets (issue 22): one snapshot.

Hand-made workbooks and per-sheet CSVs; sizes computed by hand in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from planner.cli.main import main
from planner.errors import InputError
from planner.readers import load_inventory, size_inventory
from planner.readers.catalog import Policy
from planner.readers.inventory import Inventory
from planner.readers.usage import SNAPSHOT
from tests.readers_fixtures import VINFO_MB, VINFO_ROWS, csv_text, write_xlsx

MEASURED = Policy(sizing="measured")
VHOST = ["Host", "Speed", "# CPU", "Cores per CPU", "# Cores", "# Memory", "# vCPUs", "vRAM"]
VHOST_ROWS: list[list[object]] = [["esx1", 2000, 2, 8, 16, 262144, 10, 73728],
                                  ["esx2", 3000, 2, 8, 16, 262144, 7, 18432]]
VCPU = ["VM", "Powerstate", "Template", "CPUs", "Sockets", "Cores p/s", "Max", "Overall",
        "Level", "Host"]
VMEM = ["VM", "Powerstate", "Template", "Size MiB", "Overhead", "Max", "Consumed",
        "Consumed Overhead", "Private", "Shared", "Swapped", "Ballooned", "Active", "Host"]


def _cpu_rows(**change: object) -> list[list[object]]:
    rows: list[list[object]] = [
        ["dc01", "poweredOn", "False", 2, 2, 1, 4000, 1000, "normal", "esx1"],
        ["dc02", "poweredOn", "False", 2, 2, 1, 6000, 4500, "normal", "esx2"],
        ["sql01", "poweredOn", "False", 8, 8, 1, 16000, 9000, "normal", "esx1"],
        ["old01", "poweredOff", "False", 1, 1, 1, 3000, 0, "normal", "esx2"],
        ["tmpl-w2k19", "poweredOff", "True", 2, 2, 1, 6000, 0, "normal", "esx2"],
        ["vdi01", "poweredOn", "False", 2, 2, 1, 6000, 1500, "normal", "esx7"],
    ]
    return [[change.get(r[0], r[7]) if i == 7 else c for i, c in enumerate(r)] for r in rows]


def _mem_rows(**change: object) -> list[list[object]]:
    rows: list[list[object]] = [
        ["dc01", "poweredOn", "False", 8192, 50, 8192, 4096, 40, 4000, 96, 0, 0, 800, "esx1"],
        ["dc02", "poweredOn", "False", 8192, 50, 8192, 2048, 40, 2000, 48, 0, 0, 500, "esx2"],
        ["sql01", "poweredOn", "False", 65536, 90, 65536, 40960, 80, 40000, 960, 0, 0, 9000,
         "esx1"],
        ["old01", "poweredOff", "False", 2048, 0, 2048, 0, 0, 0, 0, 0, 0, 0, "esx2"],
        ["tmpl-w2k19", "poweredOff", "True", 4096, 0, 4096, 0, 0, 0, 0, 0, 0, 0, "esx2"],
        ["vdi01", "poweredOn", "False", 4096, 30, 4096, 1024, 20, 1000, 24, 0, 0, 300, "esx7"],
    ]
    return [[change.get(r[0], r[6]) if i == 6 else c for i, c in enumerate(r)] for r in rows]


def _workbook(path: Path, cpu: list[list[object]] | None = None,
              mem: list[list[object]] | None = None) -> Path:
    sheets: dict[str, list[list[object]]] = {"vInfo": [VINFO_MB, *VINFO_ROWS],
                                             "vHost": [VHOST, *VHOST_ROWS]}
    sheets["vCPU"] = [VCPU, *(_cpu_rows() if cpu is None else cpu)]
    sheets["vMemory"] = [VMEM, *(_mem_rows() if mem is None else mem)]
    return write_xlsx(path, sheets)


def _sized(path: Path, policy: Policy = MEASURED, **kw: bool) -> tuple[dict[str, tuple[int,
                                                                                  float]], object]:
    inv, imported = load_inventory(path, **kw)
    out, s = size_inventory(inv, imported, policy, None)
    return {w.name: (w.vcpu, w.memory_gib) for w in out.workloads}, s


def _sizes(inv: Inventory) -> list[tuple[str, int, float]]:
    return [(w.name, w.vcpu, w.memory_gib) for w in inv.workloads]


def test_snapshot_sizes_by_hand(tmp_path: Path) -> None:
    # MHz per core from each VM's host (vHost Speed): esx1 2000, esx2 3000; vdi01's host esx7
    # is not in vHost, so the mean Speed 2500. Memory is Consumed MiB / 1024, x 1.3.
    # dc01: 1000/2000 = 0.5 x 1.3 = 0.65 -> 1 vCPU; 4 GiB x 1.3 = 5.2 GiB
    # dc02: 4500/3000 = 1.5 x 1.3 = 1.95 -> 2 vCPU; 2 GiB x 1.3 = 2.6 GiB
    # sql01: 9000/2000 = 4.5 x 1.3 = 5.85 -> 6 vCPU; 40 GiB x 1.3 = 52 GiB (< 64)
    # vdi01: 1500/2500 = 0.6 x 1.3 = 0.78 -> 1 vCPU; 1 GiB x 1.3 = 1.3 GiB
    sizes, s = _sized(_workbook(tmp_path / "rv.xlsx"))
    assert sizes == {"dc01": (1, pytest.approx(5.2)), "dc02": (2, pytest.approx(2.6)),
                     "sql01": (6, pytest.approx(52.0)), "vdi01": (1, pytest.approx(1.3))}
    assert s is not None and s.source == SNAPSHOT and s.snapshot
    assert s.confidence == 0.0  # one sample over no days is never confident
    assert all(w.confident is False for w in s.measured)
    text = "\n".join(s.lines())
    assert "one snapshot x 1.3" in text and "1 sample, 0 days" in text
    assert "rv.xlsx (sheets vCPU and vMemory, one snapshot)" in text
    assert s.to_dict()["source"] == SNAPSHOT
    assert any("one snapshot" in w for w in s.warnings())


def test_policy_clock_wins_over_the_hosts_and_powered_off_vms_fall_back(tmp_path: Path) -> None:
    # policy 1000 MHz/core: dc01 1000/1000 x 1.3 = 1.3 -> 2 vCPU; sql01 9 x 1.3 = 11.7 -> cap 8
    # old01 is planned (powered-off VMs included) but its snapshot row is all zeros: it keeps
    # its provisioned size and is listed
    sizes, s = _sized(_workbook(tmp_path / "rv.xlsx"),
                      Policy(sizing="measured", cpu_mhz_per_core=1000.0),
                      include_powered_off=True)
    assert sizes["dc01"][0] == 2 and sizes["sql01"][0] == 8
    assert sizes["old01"] == (1, 2.0)
    assert s is not None and s.fallback == ["old01"]


def test_running_vm_reading_no_use_and_suspended_vm_keep_their_size(tmp_path: Path) -> None:
    # sql01 runs but reads 0 MHz and 0 MiB (a stale or broken counter): not sized at the
    # floor (1 vCPU, 1 GiB) but kept at 8 vCPU / 64 GiB and listed; dc02 suspended: the same
    cpu = [[*r[:1], "suspended", *r[2:]] if r[0] == "dc02" else r for r in _cpu_rows(sql01=0)]
    sizes, s = _sized(_workbook(tmp_path / "rv.xlsx", cpu=cpu, mem=_mem_rows(sql01=0)))
    assert sizes["sql01"] == (8, 64.0) and sizes["dc02"] == (2, 8.0)
    assert s is not None and sorted(s.fallback) == ["dc02", "sql01"]
    assert sizes["dc01"] == (1, pytest.approx(5.2))  # the others as by hand above


def test_import_summary_says_where_the_usage_is(tmp_path: Path) -> None:
    _, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"))
    assert imported.export_usage is not None
    line = next(n for n in imported.notes if n.startswith("Usage snapshot"))
    assert "4 running VM(s), 2 powered off, suspended, templates or reading no use" in line
    assert "low confidence" in line
    d = imported.to_dict()
    assert d["export_usage"]["vms"] == 4 and d["export_usage"]["error"] is None
    json.dumps(d)  # plain data


def test_provisioned_policy_ignores_the_snapshot(tmp_path: Path) -> None:
    inv, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"))
    out, s = size_inventory(inv, imported, Policy(), None)
    assert s is None and out is inv


def test_usage_file_wins_over_the_sheets(tmp_path: Path) -> None:
    inv, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"))
    use = tmp_path / "use.csv"
    use.write_text("name,cpu [vCPU],memory [GiB],samples,days\nsql01,2,10,5000,30\n")
    out, s = size_inventory(inv, imported, MEASURED, use)
    sizes = {w.name: (w.vcpu, w.memory_gib) for w in out.workloads}
    # 2 x 1.3 = 2.6 -> 3 vCPU; 10 x 1.3 = 13 GiB; the others have no usage in the file
    assert sizes["sql01"] == (3, pytest.approx(13.0)) and sizes["dc01"] == (2, 8.0)
    assert s is not None and s.source == "usage file" and not s.snapshot
    assert any("wins over the export's usage snapshot" in n for n in s.notes)


def test_per_sheet_csv_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "x_vInfo.csv").write_text(csv_text(VINFO_MB, VINFO_ROWS))
    (tmp_path / "x_vHost.csv").write_text(csv_text(VHOST, VHOST_ROWS))
    (tmp_path / "x_vCPU.csv").write_text(csv_text(VCPU, _cpu_rows()))
    (tmp_path / "x_vMemory.csv").write_text(csv_text(VMEM, _mem_rows(sql01=-5)))
    inv, imported = load_inventory(tmp_path / "x_vInfo.csv")
    assert imported.export_usage is not None
    with pytest.raises(InputError) as e:  # a negative Consumed, named in its own file
        size_inventory(inv, imported, MEASURED, None)
    assert e.value.file == str(tmp_path / "x_vMemory.csv") and e.value.row == 4
    assert e.value.field == "Consumed" and "negative" in str(e.value)
    (tmp_path / "x_vMemory.csv").write_text(csv_text(VMEM, _mem_rows()))
    inv, imported = load_inventory(tmp_path / "x_vInfo.csv")
    out, s = size_inventory(inv, imported, MEASURED, None)
    assert {w.name: w.vcpu for w in out.workloads} == {"dc01": 1, "dc02": 2, "sql01": 6,
                                                       "vdi01": 1}
    assert s is not None and "vCPU and vMemory CSV files" in s.file


def test_one_sheet_without_the_other_is_noted(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [VINFO_MB, *VINFO_ROWS],
                                             "vCPU": [VCPU, *_cpu_rows()]})
    inv, imported = load_inventory(path)
    assert imported.export_usage is None
    assert any("vCPU sheet without a vMemory sheet" in n for n in imported.notes)
    _, s = size_inventory(inv, imported, MEASURED, None)
    assert s is not None and len(s.fallback) == 4  # every planned VM listed, none dropped


GHOST_CPU = ["ghost", "poweredOn", "False", 1, 1, 1, 2000, 100, "normal", "esx1"]
GHOST_MEM = ["ghost", "poweredOn", "False", 1024, 0, 1024, 512, 0, 0, 0, 0, 0, 0, "esx1"]


@pytest.mark.parametrize(("cpu", "mem", "sheet", "row", "field", "words"), [
    (None, _mem_rows(sql01=-5), "vMemory", 4, "Consumed", "must not be negative"),
    (_cpu_rows(dc02="lots"), None, "vCPU", 3, "Overall", "not a number"),
    (_cpu_rows(dc02=""), None, "vCPU", 3, "Overall", "empty cell"),
    ([*_cpu_rows(), GHOST_CPU], [*_mem_rows(), GHOST_MEM], "vCPU", 8, "VM",
     "unknown workload name"),
    ([*_cpu_rows(), GHOST_CPU], None, "vCPU", 8, "VM", "not in vMemory"),
    (None, [*_mem_rows(), GHOST_MEM], "vMemory", 8, "VM", "not in vCPU"),
    ([*_cpu_rows(), _cpu_rows()[0]], None, "vCPU", 8, "VM", "listed twice"),
])
def test_bad_sheets_name_file_sheet_row_field(tmp_path: Path, cpu: list[list[object]] | None,
                                              mem: list[list[object]] | None, sheet: str,
                                              row: int, field: str, words: str) -> None:
    path = _workbook(tmp_path / "rv.xlsx", cpu, mem)
    inv, imported = load_inventory(path)  # the import itself is never blocked
    assert size_inventory(inv, imported, Policy(), None)[1] is None  # nor provisioned sizing
    with pytest.raises(InputError) as e:
        size_inventory(inv, imported, MEASURED, None)
    err = e.value
    assert (err.file, err.sheet, err.row, err.field) == (str(path), sheet, row, field)
    assert words in str(err)


def test_missing_overall_column_and_no_clock(tmp_path: Path) -> None:
    cols = [c for c in VCPU if c != "Overall"]
    rows = [[c for i, c in enumerate(r) if VCPU[i] != "Overall"] for r in _cpu_rows()]
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [VINFO_MB, *VINFO_ROWS],
                                             "vCPU": [cols, *rows],
                                             "vMemory": [VMEM, *_mem_rows()]})
    inv, imported = load_inventory(path)
    with pytest.raises(InputError, match=r"without column.*Overall"):
        size_inventory(inv, imported, MEASURED, None)
    # no vHost and no policy clock: MHz cannot become vCPUs, and the error says so
    path = write_xlsx(tmp_path / "rv2.xlsx", {"vInfo": [VINFO_MB, *VINFO_ROWS],
                                              "vCPU": [VCPU, *_cpu_rows()],
                                              "vMemory": [VMEM, *_mem_rows()]})
    inv, imported = load_inventory(path)
    with pytest.raises(InputError, match="no MHz per core") as e:
        size_inventory(inv, imported, MEASURED, None)
    assert (e.value.sheet, e.value.field, e.value.row) == ("vCPU", "Overall", 2)


def test_cli_plan_says_the_usage_came_from_the_snapshot(
        tmp_path: Path, sample_paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _workbook(tmp_path / "rv.xlsx")
    policy = tmp_path / "policy.toml"
    policy.write_text('sizing = "measured"\n')
    out_json, xlsx = tmp_path / "plan.json", tmp_path / "plan.xlsx"
    assert main(["plan", str(path), "--catalog", str(sample_paths["catalog"]), "--policy",
                 str(policy), "--json", str(out_json), "--xlsx", str(xlsx),
                 "--time-limit", "5"]) == 0
    plan = json.loads(out_json.read_text())
    sz = plan["stats"]["sizing"]
    assert sz["source"] == SNAPSHOT and sz["measured"] == 4 and sz["confidence"] == 0.0
    assert any("one snapshot" in w for w in plan["warnings"])
    printed = capsys.readouterr().out
    assert "usage from the export's snapshot" in printed
    wb = openpyxl.load_workbook(xlsx)
    summary = {r[0]: r[1] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["sizing usage source"] == SNAPSHOT
    assert any(r[0] == "plan warning" and "one snapshot" in str(r[1])
               for r in wb["summary"].iter_rows(values_only=True))


def test_scenario_file_keeps_the_snapshot_and_sizes_the_same(tmp_path: Path) -> None:
    from planner import load_catalog
    from planner.present import load_bundle, save_bundle

    catalog = load_catalog(Path(__file__).resolve().parent.parent / "data/sample/catalog.toml")
    inv, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"), include_powered_off=True)
    sized, s = size_inventory(inv, imported, MEASURED, None)
    b = load_bundle(save_bundle(inv, [catalog], MEASURED, imported=imported), "s.json")
    # the template excluded at import is still known (its snapshot row is no unknown name),
    # the hosts' clocks and the snapshot came back: the same sizes, from the same source
    assert b.summary.excluded_names == imported.excluded_names
    assert b.summary.read == imported.read and b.summary.overcommit == imported.overcommit
    again, s2 = size_inventory(b.inventory, b.summary, b.policy, None)
    assert _sizes(again) == _sizes(sized)
    assert s is not None and s2 is not None and s2.snapshot and s2.file == s.file
    assert s2.to_dict()["workloads"] == s.to_dict()["workloads"]
    # a damaged snapshot entry is an error naming the scenario file
    raw = json.loads(save_bundle(inv, [catalog], MEASURED, imported=imported))
    raw["import"]["usage_snapshot"]["usage"][0]["cpu"] = -1
    with pytest.raises(InputError, match=r"s\.json.*damaged usage snapshot"):
        load_bundle(json.dumps(raw).encode(), "s.json")


def test_scenario_file_keeps_the_usage_file(tmp_path: Path) -> None:
    from planner import load_catalog
    from planner.present import load_bundle, save_bundle

    catalog = load_catalog(Path(__file__).resolve().parent.parent / "data/sample/catalog.toml")
    inv, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"))
    # a time series in UTF-16 (Excel's "Unicode text"), naming the powered-off VM excluded
    usage = ("name\ttime\tcpu [MHz]\tmemory [GiB]\n"
             "sql01\t2026-11-01 00:00\t3000\t20\nsql01\t2026-11-02 00:00\t5000\t30\n"
             "old01\t2026-11-01 00:00\t100\t1\n").encode("utf-16")
    sized, s = size_inventory(inv, imported, MEASURED, "use.txt", usage)
    b = load_bundle(save_bundle(inv, [catalog], MEASURED, imported=imported,
                                usage=("use.txt", usage)), "s.json")
    assert b.usage_name == "use.txt"
    again, s2 = size_inventory(b.inventory, b.summary, b.policy, b.usage_name, b.usage_data)
    assert _sizes(again) == _sizes(sized)
    assert s is not None and s2 is not None and s2.to_dict() == s.to_dict()
    # p95 of 3000, 5000 = 4900 MHz / 2500 (a usage file's MHz use the hosts' mean Speed,
    # kept in the scenario) x 1.3 = 2.548 -> 3 vCPU; p95 of 20, 30 GiB = 29.5 x 1.3 = 38.35
    assert {w.name: (w.vcpu, w.memory_gib) for w in again.workloads}["sql01"] == \
        (3, pytest.approx(38.35))
    assert s2.measured[0].name == "sql01"


def test_a_vm_deleted_after_import_is_simply_not_sized(tmp_path: Path) -> None:
    # the dashboard's table edits the inventory after import: a deleted VM's snapshot row is
    # no unknown name (vInfo had it), it just sizes nothing
    inv, imported = load_inventory(_workbook(tmp_path / "rv.xlsx"))
    edited = Inventory(tuple(w for w in inv.workloads if w.name != "sql01"), "edited")
    out, s = size_inventory(edited, imported, MEASURED, None)
    assert [w.name for w in out.workloads] == ["dc01", "dc02", "vdi01"]
    assert s is not None and s.measured_machines == 3 and not s.fallback


def test_written_plan_says_the_usage_came_from_the_snapshot(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from planner.present.report import _sizing_text

    _, s = _sized(_workbook(tmp_path / "rv.xlsx"))
    assert s is not None
    text = _sizing_text(SimpleNamespace(stats={"sizing": s.to_dict()}))  # type: ignore[arg-type]
    assert text is not None
    assert "one snapshot of the export's vCPU and vMemory sheets × 1.3" in text
    assert "confidence 0 %" in text and "one sample each, so low confidence" in text


def test_cli_report_sizes_on_the_snapshot(tmp_path: Path, sample_paths: dict[str, Path]) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text('sizing = "measured"\n')
    out = tmp_path / "plan.html"
    assert main(["report", str(_workbook(tmp_path / "rv.xlsx")), "--catalog",
                 str(sample_paths["catalog"]), "--policy", str(policy), "--time-limit", "5",
                 "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "4 workload(s) sized on measured use (one snapshot of the export" in html
    assert "one sample each, so low confidence" in html
