"""A task that kills its worker process the first time it runs (importable by spawned workers)."""

from __future__ import annotations

import os
from pathlib import Path


def die_once(marker: str, shared: list[int]) -> str:
    """Exit the worker process hard on the first call; on a retry, say so."""
    m = Path(marker)
    if not m.exists():
        m.write_text(str(os.getpid()), encoding="utf-8")
        os._exit(1)
    return f"{sum(shared)}: retried after worker {m.read_text(encoding='utf-8')} died"
