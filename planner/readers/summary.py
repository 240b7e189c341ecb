"""What an import did: machines read, used and excluded (why), conversions, totals, warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from planner.readers.rules import ExportRule

if TYPE_CHECKING:
    from planner.model.plan import Plan
    from planner.readers.snapshot import ExportUsage

# Values worth a warning: real, but more often a unit or typing mistake.
SUSPICIOUS_STORAGE_GB = 50_000.0  # one machine with more than 50 TB
SUSPICIOUS_MEMORY_GIB = 0.125  # less than 128 MiB
SUSPICIOUS_VCPU = 256
MAX_LISTED = 10


@dataclass
class Overcommit:
    """The current estate's hosts and the overcommit they run at (from RVTools vHost).

    vcpus: vCPUs of the VMs running on the hosts (vHost ``# vCPUs``), vms: how many VMs that
    is (``# VMs``; 0 where the sheet has no such column): what the hosts run now, not the
    machines read from vInfo. memory_mib, vram_mib: host RAM and RAM configured on its VMs.
    [MiB]
    """

    hosts: int
    cores: int
    vcpus: int
    memory_mib: float
    vram_mib: float
    hosts_without_vm_totals: int = 0
    #: mean clock of the hosts' cores (vHost ``Speed``), to turn CPU use in MHz into vCPUs
    mhz_per_core: float | None = None
    vms: int = 0

    @property
    def vcpu_per_core(self) -> float:
        """VCPUs configured per physical core, over the hosts that report both."""
        return self.vcpus / self.cores if self.cores else 0.0

    @property
    def memory_ratio(self) -> float:
        """VM memory configured per unit of host memory."""
        return self.vram_mib / self.memory_mib if self.memory_mib else 0.0


@dataclass
class ImportSummary:
    """The account of one import. Counts are machines (a planner row with count=n is n).

    Invariant: ``read == used + sum(excluded.values())`` (checked by :meth:`check`), so no
    machine is lost silently. memory_gib [GiB], storage_gb and storage_used_gb [GB] are totals
    over the machines used.
    """

    file: str
    format: str
    sheet: str | None = None
    rows: int = 0
    blank_rows: int = 0
    read: int = 0
    used: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    excluded_names: list[tuple[str, str]] = field(default_factory=list)
    conversions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    vcpu: int = 0
    memory_gib: float = 0.0
    storage_gb: float = 0.0
    storage_used_gb: float = 0.0
    warnings: list[str] = field(default_factory=list)
    overcommit: Overcommit | None = None
    mapped: int = 0
    #: DRS VM-VM rules read from the export, and the rules ignored with why
    placement_rules: list[ExportRule] = field(default_factory=list)
    ignored_rules: list[tuple[str, str]] = field(default_factory=list)
    #: the groups planned, over the machines used: kind -> group -> member names
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: machines whose placement groups the mapping file changed (added, overrode, dropped)
    rules_mapped: int = 0
    #: the usage snapshot of an RVTools export's vCPU and vMemory sheets, when it has both
    export_usage: ExportUsage | None = field(default=None, repr=False, compare=False)

    @property
    def excluded_total(self) -> int:
        """Machines read but not planned, over all reasons."""
        return sum(self.excluded.values())

    def exclude(self, name: str, reason: str, count: int = 1) -> None:
        """Record machines left out, with the reason."""
        self.excluded[reason] = self.excluded.get(reason, 0) + count
        self.excluded_names.append((name, reason))

    def check(self) -> None:
        """Assert the invariant read == used + excluded (an internal defect if it fails)."""
        if self.read != self.used + self.excluded_total:
            raise AssertionError(f"import lost machines: read {self.read}, used {self.used}, "
                                 f"excluded {self.excluded_total}")

    def lines(self) -> list[str]:
        """The summary as plain text lines for the terminal."""
        where = self.file + (f" (sheet {self.sheet})" if self.sheet else "")
        out = [f"Import: {where}, read as {self.format}",
               f"Machines: {self.read:,} read, {self.used:,} used, {self.excluded_total:,} "
               "excluded"
               + (f" ({self.rows:,} rows, {self.blank_rows:,} blank rows skipped)"
                  if self.blank_rows else "")]
        for reason, n in sorted(self.excluded.items()):
            out.append(f"  excluded {n:,}: {reason}")
        # two vCPU totals can follow (this one, the current estate's): each says what it counts
        out.append(f"Totals of the {self.used:,} machines used, as provisioned: "
                   f"{self.vcpu:,} vCPU, {self.memory_gib:,.1f} GiB memory, "
                   f"{self.storage_gb:,.0f} GB storage provisioned"
                   + (f", {self.storage_used_gb:,.0f} GB in use" if self.storage_used_gb
                      else ""))
        if self.mapped:
            out.append(f"Mapping: applied to {self.mapped:,} machine(s)")
        out.extend(self.rule_lines())
        for c in self.conversions:
            out.append(f"Units: {c}")
        for note in self.notes:
            out.append(f"Note: {note}")
        if self.overcommit:
            o = self.overcommit
            on = f" on {o.vms:,} VMs" if o.vms else ""
            out.append(f"Current estate (vHost sheet: what its hosts run now): {o.hosts:,} "
                       f"hosts, {o.cores:,} cores, {o.vcpus:,} vCPU{on} = "
                       f"{o.vcpu_per_core:.2f} vCPU per core; "
                       f"memory {o.memory_ratio:.2f} of host RAM configured on VMs"
                       + (f" ({o.hosts_without_vm_totals} hosts without VM totals left out)"
                          if o.hosts_without_vm_totals else ""))
            if o.vcpus != self.vcpu:
                out.append("  not the totals used above: vHost counts the VMs running on its "
                           "hosts; the totals count the machines used from the VM list")
        for w in self.warnings:
            out.append(f"warning: {w}")
        return out

    def accounting(self, plan: Plan) -> str:
        """Every machine read, accounted for by a plan: placed, unplaced, out of scope, excluded.

        The CLI prints it under the summary; the dashboard shows the same line.
        """
        return (f"Accounted: {self.read:,} read = {plan.placed:,} placed + "
                f"{len(plan.unplaced):,} unplaced + {len(plan.out_of_scope):,} out of scope + "
                f"{self.excluded_total:,} excluded")

    def rule_lines(self) -> list[str]:
        """The placement rules read, ignored, changed by the mapping, and planned."""
        out: list[str] = []
        if self.placement_rules or self.ignored_rules:
            out.append(f"Placement rules in the export: {len(self.placement_rules)} VM-VM "
                       f"rule(s) read, {len(self.ignored_rules)} ignored")
        for r in self.placement_rules[:MAX_LISTED]:
            out.append(f"  rule {r.name!r} ({r.kind}, {r.source}): {', '.join(r.members)}")
        for name, why in self.ignored_rules[:MAX_LISTED]:
            out.append(f"  ignored rule {name!r}: {why}")
        if self.rules_mapped:
            out.append(f"Mapping: changed the placement groups of {self.rules_mapped} "
                       "machine(s)")
        for kind, groups in sorted(self.groups.items()):
            for g, members in sorted(groups.items())[:MAX_LISTED]:
                out.append(f"Group {g!r} ({kind}, planned): {', '.join(members[:12])}"
                           + (f" and {len(members) - 12} more" if len(members) > 12 else ""))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data (for JSON and the workbook)."""
        d: dict[str, Any] = asdict(self)
        snap = self.export_usage  # a plain account, not the per-VM figures
        d["export_usage"] = (None if snap is None else
                             {"source": snap.label, "vms": len(snap.usage),
                              "idle": len(snap.idle),
                              "error": None if snap.error is None else str(snap.error)})
        d["excluded_total"] = self.excluded_total
        if self.overcommit:
            d["overcommit"]["vcpu_per_core"] = self.overcommit.vcpu_per_core
            d["overcommit"]["memory_ratio"] = self.overcommit.memory_ratio
        return d
