"""Placement rules from RVTools exports (issue 22): vInfo rule columns, vRules, the mapping."""

from __future__ import annotations

from pathlib import Path

from planner.readers import load_inventory
from planner.readers.catalog import PURE_PACKING, parse_catalog
from planner.solver.engine import plan
from tests.readers_fixtures import csv_text, write_xlsx

HEAD = ["VM", "Powerstate", "Template", "CPUs", "Memory", "Provisioned MB", "In Use MB",
        "Cluster rule(s)", "Cluster rule name(s)"]


def _row(vm: str, types: str = "", names: str = "", power: str = "poweredOn") -> list[object]:
    return [vm, power, "False", 2, 4096, 10240, 5120, types, names]


ROWS = [
    _row("dc01", "Anti Affinity", "Separate DCs"),
    _row("dc02", "Anti Affinity", "Separate DCs"),
    _row("app01", "Affinity", "Keep app"),
    _row("app02", "Affinity", "Keep app"),
    _row("db01", "VM Host Affinity", "Pin to esx1"),
    _row("web01", "Anti Affinity, Anti Affinity", "Web apart, Other apart"),
    _row("web02", "Anti Affinity", "Web apart"),
    _row("plain"),
]


def _groups(inv: object) -> dict[str, tuple[str, str]]:
    return {w.name: (w.affinity, w.anti_affinity) for w in inv.workloads}  # type: ignore[attr-defined]


def test_vinfo_rule_columns_become_groups_and_host_rules_are_ignored(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [HEAD, *ROWS]})
    inv, summary = load_inventory(path)
    g = _groups(inv)
    assert g["dc01"] == ("", "Separate DCs") and g["dc02"] == ("", "Separate DCs")
    assert g["app01"] == ("Keep app", "") and g["app02"] == ("Keep app", "")
    assert g["db01"] == ("", "") and g["plain"] == ("", "")
    # a second anti-affinity rule on one machine is listed as ignored, never silently dropped
    assert g["web01"] == ("", "Web apart")
    ignored = dict(summary.ignored_rules)
    assert "a VM-host rule" in ignored["Pin to esx1"]
    assert any(name.startswith("Other apart") for name in ignored)
    kinds = {r.name: r.kind for r in summary.placement_rules}
    assert kinds == {"Separate DCs": "anti-affinity", "Keep app": "affinity",
                     "Web apart": "anti-affinity", "Other apart": "anti-affinity"}
    assert summary.groups["anti-affinity"]["Separate DCs"] == ["dc01", "dc02"]
    text = "\n".join(summary.lines())
    assert "ignored rule 'Pin to esx1'" in text and "Separate DCs" in text


def test_vrules_sheet_and_disabled_rules(tmp_path: Path) -> None:
    rows = [_row("dc01"), _row("dc02"), _row("sql01"), _row("sql02", power="poweredOff")]
    vrules = [["Cluster", "Name", "Type", "Enabled", "VMs"],
              ["C1", "DCs apart", "VM anti-affinity", "True", "dc01, dc02"],
              ["C1", "SQL apart", "Separate Virtual Machines", "False", "sql01, sql02"],
              ["C1", "Hosts", "Virtual Machines to Hosts", "True", "sql01"]]
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [HEAD, *rows], "vRules": vrules})
    inv, summary = load_inventory(path)
    g = _groups(inv)
    assert g["dc01"] == ("", "DCs apart") and g["dc02"] == ("", "DCs apart")
    assert g["sql01"] == ("", "")
    ignored = dict(summary.ignored_rules)
    assert "disabled" in ignored["SQL apart"] and "VM-host" in ignored["Hosts"]


def test_vrules_csv_sibling_is_read(tmp_path: Path) -> None:
    (tmp_path / "x_vInfo.csv").write_text(csv_text(HEAD, [_row("a"), _row("b")]))
    (tmp_path / "x_vRules.csv").write_text(
        "Name;Type;VM\nAB apart;Anti-Affinity;a\nAB apart;Anti-Affinity;b\n")
    inv, _ = load_inventory(tmp_path / "x_vInfo.csv")
    assert _groups(inv) == {"a": ("", "AB apart"), "b": ("", "AB apart")}


def test_mapping_adds_overrides_and_drops_export_rules(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [HEAD, *ROWS]})
    mapping = tmp_path / "map.csv"
    mapping.write_text("name,pattern,affinity,anti_affinity\n"
                       "plain,,,Separate DCs\n"       # add a machine to an export rule
                       "web02,,,Own group\n"          # override
                       ",^app0,-,\n")                 # drop the export's affinity rule
    inv, summary = load_inventory(path, mapping=mapping)
    g = _groups(inv)
    assert g["plain"] == ("", "Separate DCs")
    assert g["web02"] == ("", "Own group")
    assert g["app01"] == ("", "") and g["app02"] == ("", "")
    assert summary.rules_mapped == 4
    assert sorted(summary.groups["anti-affinity"]["Separate DCs"]) == ["dc01", "dc02", "plain"]
    assert "affinity" not in summary.groups


def test_export_rules_hold_in_the_plan(tmp_path: Path) -> None:
    """Both anti-affinity members fit one PC; the plan still puts them on different PCs."""
    path = write_xlsx(tmp_path / "rv.xlsx", {"vInfo": [HEAD, *ROWS[:4]]})
    inv, _ = load_inventory(path)
    cat = parse_catalog({"host": [{"name": "pc", "cores": 64, "memory": "64 GiB",
                                   "storage": "1 TB", "monthly_fee": 10}]})
    result = plan(inv, cat, PURE_PACKING, time_limit=5)
    where = {n: h.id for h in result.hosts for n in h.workloads}
    assert where["dc01"] != where["dc02"]
    assert where["app01"] == where["app02"]
    assert len(result.hosts) == 2 and result.status == "optimal"
