r"""The mapping file: tier, kind, source, groups, exclusion and sizing per machine.

Exports from RVTools or Azure Migrate do not say which machines are critical or must be kept
apart, so a small CSV adds it, keyed by exact name or by regular expression::

    name,pattern,tier,kind,source,affinity,anti_affinity,exclude
    ,^dc\d+,1,,,,domain-controllers,
    erp-db01,,1,,physical,erp,,
    old-test,,,,,,,yes

Rules apply in file order, pattern rows first and exact-name rows after them, and a later rule
overrides only the fields it fills. ``-`` in ``affinity`` or ``anti_affinity`` takes the machine
out of its group (one an export's DRS rule set, say); ``sizing`` is provisioned or measured.
Patterns are Python regular expressions searched anywhere in the name (anchor them with
``^``/``$``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from planner.errors import InputError
from planner.readers.inventory import KINDS, SOURCES, Workload
from planner.readers.schema import MAPPING_FIELDS, unknown_key_fix
from planner.readers.table import Cell, canon, cell_text
from planner.readers.text import csv_table, decode

FIELDS = ("tier", "kind", "source", "affinity", "anti_affinity", "exclude", "sizing")
GROUPS = ("affinity", "anti_affinity")
#: in a group column: take the machine out of its group (e.g. one the export's rules set)
CLEAR = "-"
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class Rule:
    """One mapping row: an exact name or a compiled pattern, and the fields it sets."""

    row: int
    name: str | None
    pattern: re.Pattern[str] | None
    values: dict[str, str]
    hits: int = 0

    def matches(self, name: str) -> bool:
        """Whether this rule applies to a machine name."""
        if self.name is not None:
            return name == self.name
        assert self.pattern is not None
        return self.pattern.search(name) is not None


@dataclass
class Mapping:
    """The rules of a mapping file, in the order they apply."""

    file: str
    rules: list[Rule] = field(default_factory=list)

    def apply(self, w: Workload) -> tuple[Workload, bool, bool]:
        """The workload with the mapped fields set; whether it is excluded; whether any matched."""
        exclude = False
        matched = False
        changes: dict[str, str | int] = {}
        for rule in self.rules:
            if not rule.matches(w.name):
                continue
            rule.hits += 1
            matched = True
            for key, value in rule.values.items():
                if key == "exclude":
                    exclude = value in _YES
                elif key == "tier":
                    changes[key] = int(value)
                elif key in GROUPS and value == CLEAR:
                    changes[key] = ""
                else:
                    changes[key] = value
        return (replace(w, **changes) if changes else w), exclude, matched  # type: ignore[arg-type]

    def unused(self) -> list[str]:
        """Warnings for rules that matched no machine (often a typo)."""
        out = []
        for r in self.rules:
            if r.hits == 0:
                key = f"name '{r.name}'" if r.name is not None else (
                    f"pattern '{r.pattern.pattern if r.pattern else ''}'")
                out.append(f"mapping {self.file} row {r.row}: {key} matches no machine")
        return out


def load_mapping(path: str | Path, data: bytes | None = None) -> Mapping:
    """Read and validate a mapping CSV (see the module docstring and docs/formats.md).

    With ``data`` (an upload, kept in memory) ``path`` is only the file's name for messages.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes() if data is None else data
    except OSError as exc:
        raise InputError(f"cannot read mapping file: {exc.strerror}", file=file) from None
    notes: list[str] = []
    text = decode(raw, file=file, notes=notes)
    if not text.strip():
        raise InputError("mapping file is empty", file=file,
                         fix="write a header such as 'name,pattern,tier,anti_affinity'")
    table = csv_table(text, file=file)
    cols = {canon(h).replace(" ", "_").replace("-", "_"): i for i, h in enumerate(table.header)}
    if "name" not in cols and "pattern" not in cols:
        raise InputError("mapping needs a 'name' or 'pattern' column", file=file,
                         row=table.header_row, found=table.header,
                         fix="header e.g. 'name,pattern,tier,kind,affinity,anti_affinity,exclude'")
    if not any(f in cols for f in FIELDS):
        raise InputError("mapping sets nothing", file=file, row=table.header_row,
                         found=table.header, fix=f"add one of the columns {', '.join(FIELDS)}")
    # the known columns come from the schema (MAPPING_FIELDS); a new one needs only its entry
    known = [f.name for f in MAPPING_FIELDS]
    for key in cols:
        if key and key not in known:
            raise InputError(f"unknown column {key!r}", file=file, row=table.header_row,
                             field=key, fix=unknown_key_fix(key, known))
    names: list[Rule] = []
    patterns: list[Rule] = []
    for rowno, cells in table.rows:
        def get(key: str, cells: list[Cell] = cells) -> str:
            i = cols.get(key)
            return cell_text(cells[i]) if i is not None and i < len(cells) else ""

        if not any(cell_text(c) for c in cells):
            continue
        name, pattern = get("name"), get("pattern")
        if bool(name) == bool(pattern):
            raise InputError("give either a name or a pattern", file=file, row=rowno,
                             field="name", found=[name, pattern],
                             fix="fill exactly one of 'name' (exact) and 'pattern' (regex)")
        values = {k: get(k) for k in FIELDS if get(k)}
        _validate(values, file=file, row=rowno)
        if pattern:
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise InputError(f"not a valid regular expression ({exc})", file=file,
                                 row=rowno, field="pattern", found=pattern,
                                 fix=r"write a Python regex such as '^dc\d+'") from None
            patterns.append(Rule(rowno, None, compiled, values))
        else:
            names.append(Rule(rowno, name, None, values))
    return Mapping(file, patterns + names)


def _validate(values: dict[str, str], *, file: str, row: int) -> None:
    if "tier" in values and values["tier"] not in {"1", "2", "3", "4"}:
        raise InputError("tier must be 1..4", file=file, row=row, field="tier",
                         found=values["tier"], fix="write 1 (most critical) to 4")
    if "kind" in values:
        values["kind"] = values["kind"].lower()
        if values["kind"] not in KINDS:
            raise InputError("unknown kind", file=file, row=row, field="kind",
                             found=values["kind"], fix="write server or workstation")
    if "source" in values:
        values["source"] = values["source"].lower()
        if values["source"] not in SOURCES:
            raise InputError("unknown source", file=file, row=row, field="source",
                             found=values["source"], fix="write physical or virtual")
    if "sizing" in values:
        values["sizing"] = values["sizing"].lower()
        if values["sizing"] not in ("provisioned", "measured"):
            raise InputError("unknown sizing", file=file, row=row, field="sizing",
                             found=values["sizing"], fix="write provisioned or measured")
    if "exclude" in values:
        v = values["exclude"].lower()
        if v not in _YES | _NO:
            raise InputError("exclude must be yes or no", file=file, row=row,
                             field="exclude", found=values["exclude"], fix="write yes or no")
        values["exclude"] = "yes" if v in _YES else "no"
