"""Issue 24/25: strict inputs (unknown keys, ranges in one place) and valid input accepted."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from planner.errors import InputError
from planner.readers import load_inventory, load_mapping
from planner.readers.catalog import Policy, Scenario, load_catalog, load_policy, parse_policy
from planner.readers.schema import POLICY_FIELDS, SCENARIO_FIELDS, field_range

from .conftest import write

HOST = '[[host]]\nname = "A"\ncores = 8\nmemory = "64 GiB"\nstorage = "2 TB"\n'


def _policy(tmp_path: Path, text: str) -> Policy:
    return load_policy(write(tmp_path, "policy.toml", text))


@pytest.mark.parametrize(("text", "suggest"), [
    ("cpu_overcomit = 8\n", "did you mean cpu_overcommit?"),
    ("headrom = 0.5\n", "did you mean headroom?"),
    ("[packing]\nx = 1\n", "unknown table 'packing'"),
    ("[scenario]\ndeclaration = 1\n", "did you mean declarations?"),
    ("[scenario.tests]\nparalel = { per_year = 1 }\n", "did you mean parallel?"),
    ("[scenario.tests]\nparallel = { per_yer = 1 }\n", "did you mean per_year?"),
])
def test_policy_unknown_keys_are_refused_with_the_nearest_name(
        tmp_path: Path, text: str, suggest: str) -> None:
    with pytest.raises(InputError) as e:
        _policy(tmp_path, text)
    assert suggest in str(e.value) and "policy.toml" in str(e.value)


@pytest.mark.parametrize(("text", "suggest"), [
    ("monthly_fees = 100\n" + HOST, "did you mean monthly_fee (a key of each [[host]] table)?"),
    ("term_year = 5\n" + HOST, "did you mean term_years?"),
    (HOST + "memroy_gib = 4\n", "did you mean memory?"),
    (HOST + '[[unit]]\nname = "U"\nslots = 2\nseat = 4\n', "did you mean seats?"),
    (HOST + "[[discount]]\nmin_pc = 2\npercent = 5\n", "did you mean min_pcs?"),
])
def test_catalog_unknown_keys_are_refused(tmp_path: Path, text: str, suggest: str) -> None:
    with pytest.raises(InputError) as e:
        load_catalog(write(tmp_path, "cat.toml", text))
    assert suggest in str(e.value)


def test_bundled_files_have_no_unknown_keys() -> None:
    root = Path(__file__).resolve().parent.parent / "data"
    load_policy(root / "sample" / "policy.toml")
    for p in [root / "sample" / "catalog.toml", *sorted((root / "quotes").glob("*.toml"))]:
        load_catalog(p)


@pytest.mark.parametrize(("text", "fix"), [
    ("growth_per_year = 5\n", "such as 0.05 for 5 %"),
    ("headroom = 10\n", "as a fraction (0 <= x < 1) such as 0.1 for 10 %"),
    ("headroom = 1\n", "as a fraction"),
    ("cpu_overcommit = 0\n", "0 < x <= 64"),
    ("cpu_overcommit = 400\n", "0 < x <= 64"),
    ("host_reserved_cores = -1\n", "0 <= x"),
    ("[scenario]\ndiscount_rate = 7\n", "such as 0.07 for 7 %"),
    ("[scenario]\ndisaster_days = -2\n", "0 <= x <= 366"),
])
def test_policy_ranges(tmp_path: Path, text: str, fix: str) -> None:
    with pytest.raises(InputError) as e:
        _policy(tmp_path, text)
    assert fix in str(e.value) and "out of range" in str(e.value)


def test_catalog_ranges(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"term_years.*1 <= x <= 30"):
        load_catalog(write(tmp_path, "c.toml", "term_years = 0\n" + HOST))
    with pytest.raises(InputError, match=r"annual_escalation.*fraction"):
        load_catalog(write(tmp_path, "c.toml", "annual_escalation = 3\n" + HOST))
    with pytest.raises(InputError, match=r"percent.*0 <= x <= 100"):
        load_catalog(write(tmp_path, "c.toml", HOST + "[[discount]]\nmin_pcs = 2\npercent = 150\n"))
    with pytest.raises(InputError, match=r"host\[1\]\.cores.*0 < x"):
        load_catalog(write(tmp_path, "c.toml", HOST.replace("cores = 8", "cores = 0")))


def test_ranges_hold_for_a_policy_changed_in_code() -> None:
    """The sweep and the dashboard change a Policy with replace(): the same check applies."""
    with pytest.raises(InputError, match=r"such as 0\.05 for 5 %"):
        replace(Policy(), growth_per_year=5.0)
    with pytest.raises(InputError, match="cpu_overcommit"):
        Policy(cpu_overcommit=0)
    with pytest.raises(InputError, match=r"scenario\.declarations"):
        Scenario(declarations=Decimal(-1))


def test_field_range_lookup() -> None:
    assert field_range("policy", "headroom") == (0, 1)
    assert field_range(POLICY_FIELDS, "growth_per_year") == (0, 1)
    assert field_range(SCENARIO_FIELDS, "discount_rate") == (0, 1)
    lo, hi = field_range("host", "memory")
    assert lo == 0 and hi is not None and hi > 1000
    for f in POLICY_FIELDS:
        if f.type.startswith(("number", "size", "0")):
            assert f.minimum is not None, f.name


@pytest.mark.parametrize("value", ['"0 GiB"', '"0 MiB"', "0", '"0"', "0.0"])
def test_zero_reserve_accepted_however_written(tmp_path: Path, value: str) -> None:
    assert _policy(tmp_path, f"host_reserved_memory = {value}\n").host_reserved_memory_gib == 0


def test_policy_sizes_parse_like_csv_cells(tmp_path: Path) -> None:
    p = _policy(tmp_path, 'host_reserved_memory = "1,024 MiB"\n')
    assert p.host_reserved_memory_gib == 1.0
    c = load_catalog(write(tmp_path, "c.toml", HOST.replace('"64 GiB"', '"65,536 MiB"')))
    assert c.hosts[0].memory_gib == 64.0


def test_toml_size_errors_do_not_talk_about_cells(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        _policy(tmp_path, "host_reserved_memory = 4\n")
    msg = str(e.value)
    assert "cell" not in msg and "header" not in msg and '"16 GiB"' in msg


def test_zero_where_the_schema_allows_it(tmp_path: Path) -> None:
    pol = parse_policy({"host_reserved_cores": 0, "headroom": 0, "growth_per_year": 0,
                        "scenario": {"declarations": 0, "virtual_images": 0,
                                     "tests": {"parallel": {"per_year": 0}}}})
    assert pol.host_reserved_cores == 0 and pol.scenario.virtual_images == 0
    cat = load_catalog(write(tmp_path, "c.toml", HOST + "available = 0\nmonthly_fee = 0\n"
                             '[[unit]]\nname = "U"\nslots = 0\nseats = 4\n'))
    assert cat.hosts[0].available == 0 and cat.units[0].slots == 0


def test_mapping_unknown_column(tmp_path: Path) -> None:
    m = write(tmp_path, "map.csv", "name,tier,anti_afinity\na,1,x\n")
    with pytest.raises(InputError, match="did you mean anti_affinity"):
        load_mapping(m)


def test_inventory_unused_columns_are_warned(tmp_path: Path) -> None:
    inv = write(tmp_path, "inv.csv", "name,vcpu,memory,storage,anti_afinity,notes\n"
                                     "a,2,4 GiB,60 GB,dc,first\nb,2,4 GiB,60 GB,dc,\n")
    _, summary = load_inventory(inv)
    text = "\n".join(summary.lines())
    assert "column 'anti_afinity' is not used (did you mean anti_affinity?)" in text
    assert "column 'notes' is not used" in text


def test_inventory_row_with_more_fields_than_the_header(tmp_path: Path) -> None:
    inv = write(tmp_path, "inv.csv", "name,vcpu,memory,storage\n"
                                     "a,2,4 GiB,60 GB\nb,2,4,5 GiB,60 GB\n")
    with pytest.raises(InputError, match=r"row 3.*5 fields, the header 4"):
        load_inventory(inv)


def test_decimal_memory_is_noted(tmp_path: Path) -> None:
    inv = write(tmp_path, "inv.csv", "name,vcpu,memory,storage\na,2,16 GB,60 GB\n"
                                     "b,2,16 GiB,60 GB\n")
    _, summary = load_inventory(inv)
    assert any("1 row(s) given in decimal units" in c and "14.9 GiB" in c
               for c in summary.conversions)


def test_cr_only_csv(tmp_path: Path) -> None:
    p = tmp_path / "mac.csv"
    p.write_bytes(b"name,vcpu,memory,storage\ra,2,4 GiB,60 GB\rb,1,2 GiB,40 GB\r")
    inv, summary = load_inventory(p)
    assert [w.name for w in inv.workloads] == ["a", "b"] and summary.read == 2


def test_duplicate_name_advice_does_not_point_to_the_mapping(tmp_path: Path) -> None:
    inv = write(tmp_path, "inv.csv", "VM,CPUs,Memory,Provisioned MiB\na,2,4096,10240\n"
                                     "a,2,4096,10240\n")
    with pytest.raises(InputError) as e:
        load_inventory(inv)
    assert "exclude=yes" not in str(e.value) and "rename" in str(e.value)
