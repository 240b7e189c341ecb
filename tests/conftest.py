from __future__ import annotations

from pathlib import Path

import pytest

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
