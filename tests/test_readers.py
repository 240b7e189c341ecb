from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.readers import load_inventory

from .conftest import write
from .readers_fixtures import (
    VDISK,
    VDISK_ROWS,
    VHOST,
    VHOST_ROWS,
    VINFO_MB,
    VINFO_ROWS,
    VPART,
    VPART_ROWS,
    csv_text,
    rvtools_workbook,
    write_xlsx,
)


@pytest.mark.parametrize("mib", [False, True])
def test_rvtools_workbook_both_header_variants(tmp_path: Path, mib: bool) -> None:
    inv, s = load_inventory(rvtools_workbook(tmp_path / "rv.xlsx", mib=mib))
    names = [w.name for w in inv.workloads]
    assert names == ["dc01", "dc02", "sql01", "vdi01"]
    assert s.read == 6 and s.used == 4
    assert s.excluded == {"powered off": 1, "template": 1}
    assert s.sheet == "vInfo" and s.format == "RVTools vInfo"
    sql = inv.workloads[2]
    # RVTools MB are MiB: 65536 MiB = 64 GiB; 1048576 MiB = 1 TiB = 1099.511627776 GB
    assert sql.memory_gib == 64.0 and sql.vcpu == 8
    assert sql.storage_gb == pytest.approx(1099.511627776)
    assert sql.storage_used_gb == pytest.approx(549.755813888)
    assert s.vcpu == 14 and s.memory_gib == pytest.approx(8 + 8 + 64 + 4)
    assert any("MiB" in c for c in s.conversions)
    o = s.overcommit
    assert o is not None and (o.hosts, o.cores, o.vcpus, o.vms) == (2, 32, 17, 6)
    assert o.vcpu_per_core == pytest.approx(17 / 32)
    text = "\n".join(s.lines())
    assert "vDisk: 2 rows" in text and "vPartition: 1 rows" in text
    assert "desktop OS" in text


def test_switches_include_powered_off_and_templates(tmp_path: Path) -> None:
    path = rvtools_workbook(tmp_path / "rv.xlsx")
    inv, s = load_inventory(path, include_powered_off=True)
    assert s.used == 5 and s.excluded == {"template": 1}
    inv, s = load_inventory(path, include_powered_off=True, include_templates=True)
    assert s.used == 6 and s.excluded == {} and len(inv.workloads) == 6
    old = next(w for w in inv.workloads if w.name == "old01")
    assert old.storage_used_gb is None  # 0 in use -> planned with provisioned, with a warning
    assert any("0 storage in use" in w for w in s.warnings)


def test_rvtools_per_sheet_csv_with_siblings(tmp_path: Path) -> None:
    write(tmp_path, "acme_vInfo.csv", csv_text(VINFO_MB, VINFO_ROWS))
    write(tmp_path, "acme_vHost.csv", csv_text(VHOST, VHOST_ROWS))
    write(tmp_path, "acme_vDisk.csv", csv_text(VDISK, VDISK_ROWS))
    write(tmp_path, "acme_vPartition.csv", csv_text(VPART, VPART_ROWS))
    _, s = load_inventory(tmp_path / "acme_vInfo.csv")
    assert s.used == 4 and s.overcommit is not None and s.overcommit.cores == 32
    assert any(n.startswith("vDisk:") for n in s.notes)


def test_hyperv_layout(tmp_path: Path) -> None:
    p = write(tmp_path, "hv.csv",
              "VM,Cluster,Host,Powerstate,CPUs,Memory,NICs,Disks,vdisk_capacity_mib_sum,"
              "vdisk_count\n"
              "vm-1,c1,h1,On,4,16384,1,1,102400,1\n"
              "vm-2,c1,h1,Off,2,4096,1,1,51200,1\n"
              "vm-3,c1,h2,Saved,2,4096,1,1,51200,1\n")
    inv, s = load_inventory(p)
    assert s.format == "RVTools vInfo (Hyper-V layout)"
    assert [w.name for w in inv.workloads] == ["vm-1", "vm-3"]
    assert inv.workloads[0].storage_gb == pytest.approx(107.3741824)
    assert inv.workloads[0].storage_used_gb is None
    assert s.excluded == {"powered off": 1}
    assert any("suspended/saved" in n for n in s.notes)


AZURE_HEADER = ("*Server name,IP addresses,*Cores,*Memory (In MB),*OS name,OS version,"
                "OS architecture,Server type,Hypervisor,CPU utilization percentage,"
                "Memory utilization percentage,Network adapters,Network In throughput,"
                "Network Out throughput,Boot type,Number of disks,Storage in use (In GB),"
                "Disk 1 size (In GB),Disk 1 read throughput (MB per second),"
                "Disk 2 size (In GB)\n")


def test_azure_migrate_template(tmp_path: Path) -> None:
    p = write(tmp_path, "azm.csv", AZURE_HEADER
              + "web01,10.0.0.1,2,4096,Windows Server 2019,,x64,Virtual,VMware,,,,,,BIOS,2,"
                "60,100,,28\n"
              + "db01,10.0.0.2,8,65536,Ubuntu,22.04,x64,Physical,,,,,,,UEFI,1,,500,,\n")
    inv, s = load_inventory(p)
    assert s.format == "Azure Migrate import"
    web, db = inv.workloads
    assert web.vcpu == 2 and web.memory_gib == 4.0
    assert web.storage_gb == pytest.approx(128 * 1.073741824)
    assert web.storage_used_gb == pytest.approx(60 * 1.073741824)
    assert db.source == "physical" and web.source == "virtual"
    assert any("GiB" in c for c in s.conversions)


def test_own_format_csv_and_xlsx(tmp_path: Path) -> None:
    p = write(tmp_path, "inv.csv", "name,vcpu,memory,storage,kind,count\n"
                                   "web,2,4 GiB,60 GB,,\nws,2,8 GiB,1 TB,workstation,3\n")
    inv, s = load_inventory(p)
    assert s.format == "planner columns" and s.read == 4 and s.used == 4
    x = write_xlsx(tmp_path / "mine.xlsx", {"Notes": [["nothing here"]], "Machines": [
        ["Inventory of ACME"], ["name", "vcpu", "memory [GiB]", "storage [GB]"],
        ["a", 2, 4, 50], ["b", 4, 8.5, "1,5 TB"]]})
    inv, s = load_inventory(x)
    assert s.sheet == "Machines"
    assert [(w.name, w.memory_gib, w.storage_gb) for w in inv.workloads] == [
        ("a", 4.0, 50.0), ("b", 8.5, 1500.0)]


def test_semicolon_decimal_comma_and_thousands(tmp_path: Path) -> None:
    p = tmp_path / "eu.csv"
    p.write_bytes("\ufeffname;vcpu;memory;storage\n a ; 2 ; 4 GiB ; 1,5 TB \n"
                  "b;1;1.024 MiB;2 TB\n".encode())
    inv, s = load_inventory(p)
    assert inv.workloads[0].storage_gb == 1500.0
    assert inv.workloads[1].memory_gib == pytest.approx(1024 / 1024)
    assert any("decimal comma" in n for n in s.notes)
    q = write(tmp_path, "us.csv", 'VM,CPUs,Memory,Provisioned MiB\nx,2,"8,192","1,024"\n')
    inv, s = load_inventory(q)
    assert inv.workloads[0].memory_gib == 8.0
    assert any("thousands" in n for n in s.notes)


def test_mapping_by_name_and_pattern(tmp_path: Path) -> None:
    m = write(tmp_path, "map.csv",
              "name,pattern,tier,kind,affinity,anti_affinity,exclude\n"
              r",^dc\d+,1,,,domain-controllers," "\n"
              "sql01,,2,,erp,,\n"
              ",^vdi,,workstation,,,\n"
              "dc02,,,,,,\n"
              "ghost,,4,,,,\n"
              ",^tmpl,,,,,yes\n")
    inv, s = load_inventory(rvtools_workbook(tmp_path / "rv.xlsx"), mapping=m)
    by = {w.name: w for w in inv.workloads}
    assert by["dc01"].tier == 1 and by["dc02"].anti_affinity == "domain-controllers"
    assert by["sql01"].tier == 2 and by["sql01"].affinity == "erp"
    assert by["vdi01"].kind == "workstation" and by["sql01"].tier == 2
    assert s.excluded == {"powered off": 1, "excluded by the mapping file": 1}
    assert any("'ghost' matches no machine" in w for w in s.warnings)
    assert s.mapped == 5


@pytest.mark.parametrize(("text", "match"), [
    ("name,tier\na,7\n", "tier must be 1..4"),
    ("pattern,tier\n[unclosed,1\n", "regular expression"),
    ("name,pattern,tier\na,b,1\n", "either a name or a pattern"),
    ("vm,tier\na,1\n", "'name' or 'pattern'"),
    ("name,kind\na,robot\n", "unknown kind"),
])
def test_bad_mapping(tmp_path: Path, text: str, match: str) -> None:
    m = write(tmp_path, "map.csv", text)
    with pytest.raises(InputError, match=match) as e:
        load_inventory(rvtools_workbook(tmp_path / "rv.xlsx"), mapping=m)
    assert "map.csv" in str(e.value)


def test_suspicious_values_warn(tmp_path: Path) -> None:
    p = write(tmp_path, "rv.csv", "VM,CPUs,Memory,Provisioned MiB\n"
              "huge,2,4096,66000000\ntiny,1,64,10240\nzero,0,1024,10240\nok,1,1024,10240\n")
    inv, s = load_inventory(p)
    assert [w.name for w in inv.workloads] == ["huge", "tiny", "ok"]
    assert s.excluded == {"0 vCPU in the export": 1}
    text = " ".join(s.warnings)
    assert "69.2 TB storage" in text and "only 64 MiB" in text and "0 vCPU" in text
    s.check()
