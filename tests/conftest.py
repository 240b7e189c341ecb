from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Deterministic property tests: a fixed seed (derandomize) and no example database, so every
# run checks the same examples and a failure reproduces on any machine. HYPOTHESIS_PROFILE=explore
# runs a random search instead (with PLANNER_PROPERTY_EXAMPLES for a longer one).
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
# The CLI's sweep and batch run serially in tests unless a test asks for workers (a LocalCluster
# per CLI call would cost seconds each; tests/test_scale.py starts its own cluster once).
os.environ.setdefault("PLANNER_WORKERS", "1")

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
