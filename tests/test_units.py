from __future__ import annotations

import pytest

from planner.readers.units import UnitParseError, parse_bytes, split_header


def test_decimal_and_binary_prefixes_differ() -> None:
    assert parse_bytes("1 GiB", None, "GB") == pytest.approx(1.073741824)
    assert parse_bytes("1 GB", None, "GiB") == pytest.approx(0.9313225746)
    assert parse_bytes("1.5 TB", None, "GB") == pytest.approx(1500)
    assert parse_bytes("2 TiB", None, "GiB") == pytest.approx(2048)
    assert parse_bytes("512 MiB", None, "GiB") == pytest.approx(0.5)


def test_unit_from_header_applies_to_bare_numbers() -> None:
    assert parse_bytes("16", "GiB", "GiB") == 16
    assert parse_bytes(16, "GiB", "GB") == pytest.approx(17.179869184)
    # a unit in the cell wins over the header's
    assert parse_bytes("1 TB", "GiB", "GB") == pytest.approx(1000)


@pytest.mark.parametrize("bad", ["16", "sixteen", "16 parsecs", "-4 GiB", "0 GB", "nan GB",
                                 "inf GiB", "8 Gb", ""])
def test_bad_sizes_are_rejected(bad: str) -> None:
    with pytest.raises(UnitParseError):
        parse_bytes(bad, None, "GiB")


def test_split_header() -> None:
    assert split_header("memory [GiB]") == ("memory", "GiB")
    assert split_header("storage (TB)") == ("storage", "TB")
    assert split_header("vcpu") == ("vcpu", None)
