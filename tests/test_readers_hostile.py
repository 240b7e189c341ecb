from __future__ import annotations

import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.readers import load_inventory, xlsx

from .conftest import write
from .readers_fixtures import rvtools_workbook, write_xlsx

RV = "VM,Powerstate,CPUs,Memory,Provisioned MiB\n"


@pytest.mark.parametrize(("body", "row", "field", "found"), [
    (RV + "a,poweredOn,2,-4096,10240\n", 2, "Memory", "-4096"),
    (RV + "a,poweredOn,2,0,10240\n", 2, "Memory", "0"),
    (RV + "a,poweredOn,2,lots,10240\n", 2, "Memory", "lots"),
    (RV + "a,poweredOn,2,NaN,10240\n", 2, "Memory", "NaN"),
    (RV + "a,poweredOn,2,4096,inf\n", 2, "Provisioned MiB", "inf"),
    (RV + "a,poweredOn,2.5,4096,10240\n", 2, "CPUs", "2.5"),
    (RV + "a,poweredOn,2,4096,10240\na,poweredOn,2,4096,10240\n", 3, "name", "a"),
    (RV + "a,poweredOn,2,4096,\n", 2, "Provisioned MiB", None),
    (RV + "a,poweredOn,2,\"1,2,3\",10240\n", 2, "Memory", "1,2,3"),
    ("name,vcpu,memory,storage\na,2,4,50 GB\n", 2, "memory", "4"),  # bare number, no unit
    ("name,vcpu,memory,storage\na,2,4 parsecs,50 GB\n", 2, "memory", "4 parsecs"),
    ("name,vcpu,memory,storage\na,2,4 GiB,0 GB\n", 2, "storage", "0 GB"),
    ("name,vcpu,memory,storage\na,2,4 GiB,-5 GB\n", 2, "storage", "-5 GB"),
])
def test_bad_values_one_clear_error(tmp_path: Path, body: str, row: int, field: str,
                                    found: str | None) -> None:
    p = write(tmp_path, "bad.csv", body)
    with pytest.raises(InputError) as e:
        load_inventory(p)
    err = e.value
    assert err.file and err.file.endswith("bad.csv")
    assert err.row == row and err.field == field and err.fix
    if found is not None:
        assert str(err.found) == found


def test_bad_value_in_workbook_names_the_sheet(tmp_path: Path) -> None:
    p = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [["VM", "CPUs", "Memory", "Provisioned MB"],
                                                    ["a", 2, "lots", 10240]]})
    with pytest.raises(InputError) as e:
        load_inventory(p)
    assert "sheet vInfo" in str(e.value) and "row 2" in str(e.value)
    assert "'Memory'" in str(e.value) and "Fix:" in str(e.value)


@pytest.mark.parametrize(("name", "content", "match"), [
    ("empty.csv", b"", "empty"),
    ("blank.csv", b"\n  \n", "empty"),
    ("header.csv", b"VM,CPUs,Memory,Provisioned MiB\n", "no machines"),
    ("cols.csv", b"VM,CPUs\na,1\n", "none of the known column sets"),
    ("host.csv", b"Host,# CPU,# Cores,# Memory\nh,2,16,1024\n", "vHost sheet"),
    ("fake.xlsx", b"name,vcpu,memory,storage\na,1,1 GiB,1 GB\n", "not an Excel workbook"),
    ("fake.csv", b"PK\x03\x04" + b"\x00" * 40, "zip/Excel workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "legacy Excel"),
    ("doc.csv", b"%PDF-1.4 whatever", "PDF"),
    ("zip.xlsx", b"", "empty"),
    ("missing.csv", None, "cannot read"),
])
def test_wrong_content(tmp_path: Path, name: str, content: bytes | None, match: str) -> None:
    p = tmp_path / name
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError, match=match) as e:
        load_inventory(p)
    assert (name in str(e.value) and "Fix:" in str(e.value)) or "cannot read" in str(e.value)


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    p = tmp_path / "x.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(InputError, match="not an Excel workbook"):
        load_inventory(p)


def test_every_machine_excluded_is_an_error(tmp_path: Path) -> None:
    p = write(tmp_path, "off.csv", RV + "a,poweredOff,2,4096,10240\n")
    with pytest.raises(InputError, match=r"every machine was excluded.*include-powered-off"):
        load_inventory(p)


def test_encodings_bom_utf16_and_mixed(tmp_path: Path) -> None:
    text = "VM,CPUs,Memory,Provisioned MiB\nmünchen-01,2,4096,10240\n"
    for i, raw in enumerate([text.encode("utf-8-sig"), text.encode("utf-16"),
                             text.encode("cp1252")]):
        p = tmp_path / f"e{i}.csv"
        p.write_bytes(raw)
        inv, _ = load_inventory(p)
        assert inv.workloads[0].name == "münchen-01"
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(text.encode("utf-8") + "zürich-02,1,2048,10240\n".encode("cp1252"))
    inv, s = load_inventory(mixed)
    assert [w.name for w in inv.workloads] == ["münchen-01", "zürich-02"]
    assert any("mixed encodings" in n for n in s.notes)


def test_stray_whitespace_everywhere(tmp_path: Path) -> None:
    p = write(tmp_path, "ws.csv", "  VM , CPUs ,Memory ,  Provisioned MiB\n"
                                  "  a  ,  2 , 4096 ,  10240  \n\n   \n")
    inv, s = load_inventory(p)
    assert inv.workloads[0].name == "a" and inv.workloads[0].vcpu == 2
    assert s.blank_rows == 2


def test_xlsx_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared-string table that inflates past the bound is refused before parsing."""
    p = rvtools_workbook(tmp_path / "bomb.xlsx")
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                data = data.replace(b"<sst ", b"<!--" + b" " * 3_000_000 + b"--><sst ", 1)
            dst.writestr(info.filename, data)
    monkeypatch.setattr(xlsx, "MAX_SHARED_STRINGS_BYTES", 1_000_000)
    t = time.perf_counter()
    with pytest.raises(InputError, match=r"sharedStrings\.xml inflates") as e:
        load_inventory(big)
    assert time.perf_counter() - t < 2 and "Fix:" in str(e.value)


def test_xlsx_huge_declared_dimension(tmp_path: Path) -> None:
    """A sheet that declares a million-row dimension is refused at once, not iterated."""
    p = rvtools_workbook(tmp_path / "rv.xlsx")
    huge = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(p) as src, zipfile.ZipFile(huge, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                start = data.index(b"<dimension ref=\"")
                end = data.index(b"/>", start)
                data = data[:start] + b'<dimension ref="A1:XFD1048576"' + data[end:]
            dst.writestr(info.filename, data)
    t = time.perf_counter()
    with pytest.raises(InputError, match="declares 1,048,576 rows; the limit is 1,000,000"):
        load_inventory(huge)
    assert time.perf_counter() - t < 2


def test_million_rows_is_a_clear_limit(tmp_path: Path) -> None:
    """1,000,001 data rows: refused before any row is parsed, in bounded time."""
    p = tmp_path / "big.csv"
    with p.open("w") as f:
        f.write("name,vcpu,memory,storage\n")
        f.write("a,1,1 GiB,1 GB\n" * 1_000_001)
    t = time.perf_counter()
    with pytest.raises(InputError, match=r"1,000,001 data rows; the limit is 1,000,000"):
        load_inventory(p)
    assert time.perf_counter() - t < 10


def test_cli_exits_non_zero_without_traceback(tmp_path: Path,
                                              sample_paths: dict[str, Path]) -> None:
    bad = write(tmp_path, "inv.xlsx", "not a workbook\n")
    r = subprocess.run([sys.executable, "-m", "planner.cli", "plan", str(bad), "--catalog",
                        str(sample_paths["catalog"])], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "inv.xlsx" in r.stderr and "not an Excel workbook" in r.stderr
    assert r.stdout == ""
