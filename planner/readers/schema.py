"""The input schema as data: each field's type, unit, default and meaning.

Validation in the readers and the format reference in ``docs/formats.md`` are driven from these
tables, so the documentation cannot drift from what the code accepts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One input field: name, type, canonical unit, default, and a one-line description.

    ``minimum`` and ``maximum`` (in the canonical unit) are the field's valid range where it is
    numeric: the readers enforce them and the dashboard's widgets take their limits from them.
    """

    name: str
    type: str
    unit: str | None
    default: object
    required: bool
    description: str
    minimum: float | None = None
    maximum: float | None = None


INVENTORY_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Unique workload name."),
    Field("vcpu", "integer > 0", "vCPU", None, True, "Virtual CPUs of the workload."),
    Field("memory", "size", "GiB", None, True,
          "Memory, with a unit in the cell (`16 GiB`) or the header (`memory [GiB]`)."),
    Field("storage", "size", "GB", None, True,
          "Provisioned storage, with a unit in the cell (`1.5 TB`) or the header."),
    Field("storage_used", "size", "GB", None, False,
          "Storage in use; planned instead of `storage` when policy `storage_basis = used`."),
    Field("kind", "server | workstation", None, "server", False,
          "Workstations need a staff seat in a mobile unit (policy `workstation_seats`)."),
    Field("source", "physical | virtual", None, "virtual", False,
          "Whether the machine is physical today (converted P2V) or already virtual."),
    Field("tier", "1..4", None, 3, False, "Priority tier, 1 = most critical."),
    Field("count", "integer > 0", None, 1, False,
          "Identical copies of this row (e.g. 120 office workstations); named `name#1`..`name#n`."),
    Field("affinity", "text", None, "", False, "Group name: all members must share one PC."),
    Field("anti_affinity", "text", None, "", False,
          "Group name: members must be on different PCs (e.g. two domain controllers)."),
)

HOST_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Recovery PC model name."),
    Field("cores", "number > 0", "core", None, True, "Physical cores."),
    Field("memory", "size", "GiB", None, True, "Memory, with unit (`256 GiB`)."),
    Field("storage", "size", "GB", None, True, "Storage, with unit (`4 TB`)."),
    Field("slots", "integer > 0", None, 1, False, "Slots the PC takes in a mobile unit."),
    Field("monthly_fee", "money", "currency", 0, False, "Fee per month under contract."),
    Field("setup_fee", "money", "currency", 0, False, "One-time fee at contract start."),
    Field("available", "integer >= 0", None, None, False, "How many the vendor can supply."),
    Field("declaration_fee", "money", "currency", 0, False,
          "Charged per item each time a disaster is declared."),
    Field("daily_fee", "money", "currency", 0, False,
          "Per item per day in use, during a declared disaster or a test."),
)

UNIT_FIELDS: tuple[Field, ...] = (
    Field("name", "text", None, None, True, "Mobile recovery unit model name."),
    Field("slots", "integer >= 0", None, None, True, "Recovery PC slots."),
    Field("seats", "integer >= 0", None, 0, False, "Staff seats."),
    Field("monthly_fee", "money", "currency", 0, False, "Fee per month under contract."),
    Field("setup_fee", "money", "currency", 0, False, "One-time fee at contract start."),
    Field("available", "integer >= 0", None, None, False, "How many the vendor can supply."),
    Field("declaration_fee", "money", "currency", 0, False,
          "Charged per item each time a disaster is declared."),
    Field("daily_fee", "money", "currency", 0, False,
          "Per item per day in use, during a declared disaster or a test."),
)

CATALOG_FIELDS: tuple[Field, ...] = (
    Field("vendor", "text", None, "file name", False, "Vendor name shown in comparisons."),
    Field("currency", "text", None, "USD", False, "Currency of every fee in the catalog."),
    Field("term_years", "integer >= 1", "year", 3, False, "Contract term."),
    Field("included_test_days", "number >= 0", "day/year", 0, False,
          "Test days a year without the test-day fee."),
    Field("test_day_fee", "money", "currency", 0, False,
          "Flat fee per test day beyond the included ones."),
    Field("annual_escalation", "0 <= x <= 1", "1/year", 0, False,
          "Yearly rise of every vendor fee from year 2 (0.03 = 3 %); setup fees are not raised."),
    Field("discount", "list of tables", None, None, False,
          "Volume discount tiers `[[discount]]` (below); the best tier reached applies."),
)

DISCOUNT_FIELDS: tuple[Field, ...] = (
    Field("min_pcs", "integer >= 1", "PC", None, True, "PCs contracted to earn the tier."),
    Field("percent", "0..100", "%", 0, False,
          "Off the setup and monthly fees of every PC and unit in the contract."),
)

SCENARIO_FIELDS: tuple[Field, ...] = (
    Field("currency", "text", None, "the catalog's", False,
          "Reporting currency; every policy amount is in it."),
    Field("rates", "table", None, None, False,
          "`[scenario.rates]` `EUR = 1.08`: reporting currency per unit of each quote currency."),
    Field("declarations", "number >= 0", None, 0, False,
          "Expected declared disasters over the term (may be fractional, e.g. 0.2)."),
    Field("disaster_days", "number >= 0", "day", 0, False,
          "Days the recovery PCs and units are in use per declaration."),
    Field("tests", "table", None, None, False,
          "`[scenario.tests]` by type: checklist, simulation, parallel, full_interruption."),
    Field("p2v_server", "money", "currency", 0, False,
          "One-time P2V conversion per physical server (virtual plan)."),
    Field("p2v_workstation", "money", "currency", 0, False,
          "One-time P2V conversion per physical workstation (virtual plan)."),
    Field("hypervisor_licence", "money", "currency", 0, False,
          "One-time hypervisor licence per recovery PC (virtual plan)."),
    Field("hypervisor_subscription", "money", "currency", 0, False,
          "Hypervisor subscription per recovery PC per year (virtual plan)."),
    Field("image_storage", "money", "currency/year", 0, False,
          "Storage of one image per year."),
    Field("image_maintenance", "money", "currency/year", 0, False,
          "Maintenance (patching, re-capture) of one image per year."),
    Field("virtual_images", "integer >= 0", None, 1, False,
          "Images of the virtual plan: one consolidated image set (physical: one per PC)."),
    Field("discount_rate", "0 <= x <= 1", "1/year", 0, False, "For the present value."),
)

TEST_FIELDS: tuple[Field, ...] = (
    Field("per_year", "integer >= 0", None, 0, False, "Tests of this type per year."),
    Field("pc_days", "number >= 0", "day", 0, False,
          "Days each contracted PC is in use per test."),
    Field("unit_days", "number >= 0", "day", 0, False,
          "Days each contracted mobile unit is in use per test."),
)

POLICY_FIELDS: tuple[Field, ...] = (
    Field("cpu_overcommit", "number > 0", "vCPU/core", 4.0, False, "vCPU per physical core."),
    Field("memory_overcommit", "number > 0", None, 1.0, False, "Memory overcommit ratio."),
    Field("headroom", "0 <= x < 1", None, 0.1, False, "Share of every PC dimension kept free."),
    Field("host_reserved_cores", "number >= 0", "core", 1.0, False,
          "Cores reserved for the host OS and hypervisor (hosted virtualization)."),
    Field("host_reserved_memory", "size", "GiB", "4 GiB", False,
          "Memory reserved for the host OS and hypervisor."),
    Field("growth_per_year", "number >= 0", None, 0.0, False,
          "Demand growth per year, compounded over the contract term."),
    Field("storage_basis", "provisioned | used", None, "provisioned", False,
          "Which storage figure to plan when both are known."),
    Field("tiers", "list of 1..4", None, [1, 2, 3, 4], False, "Tiers in scope."),
    Field("workstation_seats", "bool", None, True, False,
          "Whether each workstation needs a staff seat in a mobile unit."),
)


def markdown_table(fields: tuple[Field, ...]) -> str:
    """Render a field table as Markdown for docs/formats.md."""
    lines = ["| field | type | unit | default | required | description |",
             "|---|---|---|---|---|---|"]
    for f in fields:
        default = "" if f.default is None else f"`{f.default}`"
        lines.append(
            f"| `{f.name}` | {f.type} | {f.unit or ''} | {default} | "
            f"{'yes' if f.required else 'no'} | {f.description} |"
        )
    return "\n".join(lines)
