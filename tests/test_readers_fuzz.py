"""Property tests: for every input a reader accepts, no machine is lost."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.readers import load_inventory
from planner.readers.catalog import load_catalog, load_policy
from planner.solver.engine import plan

from .conftest import SAMPLE

POWER = st.sampled_from(["poweredOn", "poweredOff", "On", "Off", "Saved", "", "weird"])
NAME = st.text(alphabet=st.characters(codec="utf-8", exclude_characters=",\"\r\n\x00"),
               min_size=0, max_size=8)
NUMBER = st.one_of(st.integers(-2, 70_000).map(str), st.sampled_from(
    ["", "NaN", "inf", "1,024", "1.5", "abc", " 42 ", "0", "-0", "1e3"]))
ROW = st.tuples(NAME, POWER, st.sampled_from(["True", "False", ""]), NUMBER, NUMBER, NUMBER,
                NUMBER)
HEADER = "VM,Powerstate,Template,CPUs,Memory,Provisioned MB,In Use MB\n"


def _write(d: str, rows: list[tuple[str, ...]], encoding: str) -> Path:
    p = Path(d) / "fuzz_vInfo.csv"
    body = HEADER + "".join(",".join(f'"{c}"' if "," in c else c for c in r) + "\n"
                            for r in rows)
    p.write_bytes(body.encode(encoding, errors="replace"))
    return p


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, max_size=12), po=st.booleans(), tm=st.booleans(),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_reader_accounts_for_every_row(rows: list[tuple[str, ...]], po: bool, tm: bool,
                                       encoding: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = _write(d, rows, encoding)
        try:
            inv, s = load_inventory(p, include_powered_off=po, include_templates=tm)
        except InputError as exc:
            err: InputError | None = exc
        else:
            err = None
    if err is not None:
        assert err.file and "fuzz_vInfo.csv" in err.file  # every refusal names the file
        return
    nonblank = sum(1 for r in rows if any(c.strip() for c in r))
    assert s.read == nonblank == s.used + s.excluded_total
    assert inv.total_instances == s.used
    assert len({w.name for w in inv.workloads}) == len(inv.workloads)
    assert all(w.vcpu >= 1 and w.memory_gib > 0 and w.storage_gb > 0 for w in inv.workloads)


SIZE = st.tuples(st.integers(1, 8), st.integers(256, 32768), st.integers(1024, 400_000))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(POWER, st.booleans(), SIZE), min_size=1, max_size=10))
def test_full_plan_accounts_for_every_machine(rows: list[tuple[str, bool, tuple[int, int,
                                                                               int]]]) -> None:
    csv_rows = [(f"vm{i}", pw, str(t), str(c), str(m), str(s), "")
                for i, (pw, t, (c, m, s)) in enumerate(rows)]
    with tempfile.TemporaryDirectory() as d:
        try:
            inv, summary = load_inventory(_write(d, csv_rows, "utf-8"))
        except InputError as exc:
            err: InputError | None = exc
        else:
            err = None
    if err is not None:
        assert "every machine was excluded" in str(err)
        return
    result = plan(inv, load_catalog(SAMPLE / "catalog.toml"),
                  load_policy(SAMPLE / "policy.toml"), time_limit=2)
    placed = sum(len(h.workloads) for h in result.hosts)
    assert summary.read == len(rows)
    assert summary.read == (placed + len(result.unplaced) + len(result.out_of_scope)
                            + summary.excluded_total)
