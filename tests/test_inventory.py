from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.readers.inventory import read_inventory_csv

from .conftest import write


def test_reads_units_defaults_and_counts(tmp_path: Path) -> None:
    p = write(tmp_path, "inv.csv",
              "name,vcpu,memory,storage [GB],kind,count\n"
              "web,2,4 GiB,60,,\n"
              "ws,2,8192 MiB,1 TB,workstation,3\n")
    inv = read_inventory_csv(p)
    web, ws = inv.workloads
    assert (web.memory_gib, web.storage_gb, web.kind, web.tier, web.source) == \
        (4.0, 60.0, "server", 3, "virtual")
    assert ws.memory_gib == 8.0 and ws.storage_gb == 1000.0 and ws.count == 3
    assert ws.instance_names() == ["ws#1", "ws#2", "ws#3"]
    assert inv.total_instances == 4


def test_semicolon_bom_and_whitespace(tmp_path: Path) -> None:
    p = tmp_path / "inv.csv"
    p.write_bytes("\ufeffname ; vcpu ; memory [GiB] ; storage [GB]\n  a ; 2 ; 4 ; 50 \n"
                  .encode())
    (w,) = read_inventory_csv(p).workloads
    assert (w.name, w.vcpu, w.memory_gib, w.storage_gb) == ("a", 2, 4.0, 50.0)


@pytest.mark.parametrize(("body", "row", "field"), [
    ("a,2,4,50\n", 2, "memory"),                      # bare number, no unit anywhere
    ("a,0,4 GiB,50 GB\n", 2, "vcpu"),
    ("a,2.5,4 GiB,50 GB\n", 2, "vcpu"),
    ("a,2,4 GiB,50 GB\nb,x,4 GiB,50 GB\n", 3, "vcpu"),
    ("a,2,4 GiB,50 GB\na,2,4 GiB,50 GB\n", 3, "name"),
    ("a,2,4 parsecs,50 GB\n", 2, "memory"),
    ("a,2,-4 GiB,50 GB\n", 2, "memory"),
    ("a,2,NaN GiB,50 GB\n", 2, "memory"),
])
def test_bad_rows_name_file_row_and_field(tmp_path: Path, body: str, row: int,
                                          field: str) -> None:
    p = write(tmp_path, "bad.csv", "name,vcpu,memory,storage\n" + body)
    with pytest.raises(InputError) as e:
        read_inventory_csv(p)
    msg = str(e.value)
    assert "bad.csv" in msg and f"row {row}" in msg and f"'{field}'" in msg and "Fix:" in msg


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing required column.*storage"):
        read_inventory_csv(write(tmp_path, "m.csv", "name,vcpu,memory\na,1,1 GiB\n"))
    with pytest.raises(InputError, match="empty"):
        read_inventory_csv(write(tmp_path, "e.csv", ""))
    with pytest.raises(InputError, match="binary"):
        p = tmp_path / "x.csv"
        p.write_bytes(b"PK\x03\x04\x00\x00garbage")
        read_inventory_csv(p)
