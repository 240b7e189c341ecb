from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Deterministic property tests: a fixed seed (derandomize) and no example database, so every
# run checks the same examples and a failure reproduces on any machine.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def sample_paths() -> dict[str, Path]:
    return {"inventory": SAMPLE / "inventory.csv", "catalog": SAMPLE / "catalog.toml",
            "policy": SAMPLE / "policy.toml"}


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p
