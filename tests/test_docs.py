from __future__ import annotations

from pathlib import Path

from planner.readers.schema import (
    APPROVAL_FIELDS,
    CATALOG_FIELDS,
    DISCOUNT_FIELDS,
    HOST_FIELDS,
    INVENTORY_FIELDS,
    MAPPING_FIELDS,
    POLICY_FIELDS,
    RANGE_TABLES,
    RTO_FIELDS,
    SCENARIO_FIELDS,
    TEST_FIELDS,
    UNIT_FIELDS,
    USAGE_FIELDS,
    markdown_ranges,
    markdown_table,
)

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_format_reference_matches_the_schema() -> None:
    text = (DOCS / "formats.md").read_text(encoding="utf-8")
    for fields in (INVENTORY_FIELDS, HOST_FIELDS, UNIT_FIELDS, POLICY_FIELDS, CATALOG_FIELDS,
                   SCENARIO_FIELDS, TEST_FIELDS, DISCOUNT_FIELDS, RTO_FIELDS,
                   APPROVAL_FIELDS, USAGE_FIELDS, MAPPING_FIELDS):
        assert markdown_table(fields) in text
    assert markdown_ranges(RANGE_TABLES) in text


def test_every_numeric_field_has_a_range() -> None:
    for _, fields in RANGE_TABLES:
        for f in fields:
            numeric = f.type.startswith(("number", "integer", "money", "size", "0"))
            assert not numeric or f.minimum is not None, f.name


def test_formulation_names_functions_that_exist() -> None:
    import planner.model.problem
    import planner.solver.bounds
    import planner.solver.colgen
    import planner.solver.engine
    import planner.solver.heuristics
    import planner.solver.unitpack

    text = (DOCS / "formulation.md").read_text(encoding="utf-8")
    modules = (planner.solver.bounds, planner.solver.colgen, planner.solver.engine,
               planner.solver.heuristics, planner.model.problem, planner.solver.unitpack)
    for name in ("build_master", "pattern_column", "unit_column", "column_generation",
                 "dual_bound", "lagrangian_bound", "capacity_bound", "compress", "dive",
                 "solve_integer_master", "unit_patterns", "cover_units", "portfolio",
                 "physical_baseline", "residual_problem"):
        assert f"`{name}`" in text
        assert any(hasattr(m, name) for m in modules), name
