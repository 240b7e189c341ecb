"""Placement rules from an RVTools export: DRS VM-VM rules become planner groups.

vInfo's ``Cluster rule(s)`` (the rule types, e.g. ``Anti Affinity``) and ``Cluster rule
name(s)`` (their names) say which DRS rules each VM is in; a ``vRules`` sheet, where an export
has one, lists rules with their members. VM-VM anti-affinity rules become anti-affinity
groups (members on different recovery PCs) and VM-VM affinity rules affinity groups (one PC),
named by the rule. VM-host rules tie VMs to the *current* hosts, which do not exist at the
recovery site, so they are listed as ignored with that reason, as are disabled rules and a
second rule of one kind on one VM (the planner keeps one group of each kind per machine). The
mapping file can add, override or drop any of them (``-`` clears a group).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planner.readers.table import Cell, Table, canon, cell_text

ANTI = "anti-affinity"
AFFINITY = "affinity"
RULE_TYPES_COLUMN = "cluster rule(s)"
RULE_NAMES_COLUMN = "cluster rule name(s)"
HOST_RULE_WHY = ("a VM-host rule ties VMs to the current hosts, which do not exist at the "
                 "recovery site")
DISABLED_WHY = "the rule is disabled in the export"
SECOND_WHY = ("the machine is already in {first!r} of the same kind; the planner keeps one "
              "{kind} group per machine (set another with the mapping file)")
UNKNOWN_WHY = "unknown rule type {kind!r} (neither VM-VM affinity nor anti-affinity)"
_FALSE = {"false", "no", "0", "disabled", "off"}


@dataclass
class ExportRule:
    """One DRS rule as read: its name, kind (anti-affinity or affinity), members, where from."""

    name: str
    kind: str
    members: list[str] = field(default_factory=list)
    source: str = "vInfo"


@dataclass
class ExportRules:
    """The VM-VM rules of an export and the rules ignored, each with why."""

    rules: dict[str, ExportRule] = field(default_factory=dict)
    ignored: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, kind_text: str, vm: str | None, source: str,
            enabled: bool = True) -> None:
        """Record ``vm`` (if any) as a member of rule ``name`` of the given type text."""
        if not enabled:
            self._ignore(name, DISABLED_WHY)
            return
        kind = classify(kind_text)
        if kind is None:
            why = HOST_RULE_WHY if is_host_rule(kind_text) else UNKNOWN_WHY.format(
                kind=kind_text)
            self._ignore(name, why)
            return
        rule = self.rules.setdefault(name, ExportRule(name, kind, source=source))
        if rule.kind != kind:
            self._ignore(name, f"listed both as {rule.kind} and as {kind}; kept as {rule.kind}")
        if vm and vm not in rule.members:
            rule.members.append(vm)

    def _ignore(self, name: str, why: str) -> None:
        if (name, why) not in self.ignored:
            self.ignored.append((name, why))

    def groups_of(self, vm: str) -> tuple[str, str]:
        """(affinity, anti-affinity) group names for a VM; extra rules of a kind are ignored."""
        chosen = {ANTI: "", AFFINITY: ""}
        for rule in self.rules.values():
            if vm not in rule.members:
                continue
            if chosen[rule.kind] and chosen[rule.kind] != rule.name:
                self._ignore(f"{rule.name} ({vm})",
                             SECOND_WHY.format(first=chosen[rule.kind], kind=rule.kind))
                continue
            chosen[rule.kind] = rule.name
        return chosen[AFFINITY], chosen[ANTI]


def is_host_rule(kind_text: str) -> bool:
    """Whether a rule type names a VM-host rule (should/must (not) run on hosts in group)."""
    t = canon(kind_text)
    return "host" in t or "run on" in t


def classify(kind_text: str) -> str | None:
    """``anti-affinity``, ``affinity``, or None (a VM-host rule or an unknown type)."""
    t = canon(kind_text).replace("-", " ").replace("_", " ")
    if not t or is_host_rule(t):
        return None
    if "anti" in t or "separate" in t:
        return ANTI
    if "affinity" in t or "together" in t:
        return AFFINITY
    return None


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\n]", text) if p.strip()]


def vinfo_rules(table: Table) -> tuple[int, int] | None:
    """Column indexes of vInfo's rule types and rule names, or None when absent."""
    keys = [canon(h) for h in table.header]
    if RULE_NAMES_COLUMN not in keys:
        return None
    names_i = keys.index(RULE_NAMES_COLUMN)
    types_i = keys.index(RULE_TYPES_COLUMN) if RULE_TYPES_COLUMN in keys else -1
    return types_i, names_i


def add_vinfo_row(rules: ExportRules, vm: str, types: Cell, names: Cell) -> None:
    """The rules one vInfo row names: types and names pair up in order (comma-separated)."""
    name_list = _split(cell_text(names))
    if not name_list:
        return
    type_list = _split(cell_text(types))
    if len(type_list) != len(name_list):
        # a name with a comma in it, or a missing type: one rule per name, types as a whole
        type_list = [cell_text(types)] * len(name_list) if len(name_list) == 1 or \
            not type_list else [type_list[0]] * len(name_list)
    for kind, name in zip(type_list, name_list, strict=True):
        rules.add(name, kind, vm, "vInfo")


def read_vrules(table: Table, rules: ExportRules) -> int:
    """Add the rules of a vRules sheet; the rows read (unreadable rows are skipped).

    Columns (any header case): the rule's name (``Name`` / ``Rule`` / ``Rule name``), its type
    (``Type`` / ``Rule type``), its VMs (``VMs`` / ``VM`` / ``Virtual machines`` / ``Members``,
    comma-separated or one row per VM) and optionally ``Enabled``. A sheet without a name or
    type column is skipped (auxiliary sheets never block an import).
    """
    keys = [canon(h) for h in table.header]

    def col(*names: str) -> int | None:
        return next((keys.index(n) for n in names if n in keys), None)

    name_i = col("rule name", "rule", "name")
    type_i = col("rule type", "type")
    vms_i = col("vms", "vm", "virtual machines", "members", "vm names")
    on_i = col("enabled")
    if name_i is None or type_i is None:
        return 0
    n = 0
    for _, cells in table.rows:
        def get(i: int | None, cells: list[Cell] = cells) -> str:
            return cell_text(cells[i]) if i is not None and i < len(cells) else ""

        name = get(name_i)
        if not name:
            continue
        n += 1
        enabled = canon(get(on_i)) not in _FALSE if on_i is not None else True
        vms = _split(get(vms_i)) or [""]
        for vm in vms:
            rules.add(name, get(type_i), vm or None, "vRules", enabled)
    return n
