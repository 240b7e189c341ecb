"""Realistic VM size mixes: (vCPU, memory) frequencies and a lognormal storage law.

A mix is either derived at run time from the public real-data folder (``--realdata PATH``: the
Bitbrains Rnd per-VM sizes and the RVTools vInfo exports), or the built-in ``DEFAULT_MIX``,
whose figures were derived once from that same folder by :func:`derive_mix` (see the comment
on it). The files themselves are never copied into the repository.
"""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: MiB -> decimal GB
MIB_TO_GB = 1.048576 / 1000.0


@dataclass(frozen=True)
class VmMix:
    """A VM size distribution.

    cpu_mem: ((vCPU, memory GiB), count) pairs, drawn with probability proportional to count.
    storage_mu, storage_sigma: mean and standard deviation of ln(provisioned storage [GB]).
    storage_min, storage_max: draws are clipped to this range [GB] (the sources' 1st and 99th
    percentiles), then rounded up to a whole GB.
    """

    name: str
    cpu_mem: tuple[tuple[tuple[int, float], int], ...]
    storage_mu: float
    storage_sigma: float
    storage_min: float
    storage_max: float
    sources: str = ""

    def sample(self, n: int, rng: random.Random) -> list[tuple[int, float, float]]:
        """Draw ``n`` (vCPU, memory GiB, storage GB) triples."""
        pairs = [p for p, _ in self.cpu_mem]
        weights = [w for _, w in self.cpu_mem]
        cm = rng.choices(pairs, weights=weights, k=n)
        out: list[tuple[int, float, float]] = []
        for vcpu, mem in cm:
            s = math.exp(rng.gauss(self.storage_mu, self.storage_sigma))
            s = float(math.ceil(min(self.storage_max, max(self.storage_min, s))))
            out.append((vcpu, mem, s))
        return out


def _round_mem(gib: float) -> float:
    """Memory rounded to the nearest 0.5 GiB (at least 0.5): keeps the table small."""
    return max(0.5, round(gib * 2) / 2)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _on(row: dict[str, str]) -> bool:
    power = row.get("Powerstate", "poweredOn")
    template = row.get("Template", "False")
    return power in ("poweredOn", "On") and template != "True"


def vinfo_sizes(path: Path) -> Iterator[tuple[int, float, float | None]]:
    """(vCPU, memory GiB, provisioned storage GB or None) of each powered-on, non-template VM.

    ``CPUs`` and ``Memory`` (MiB) of an RVTools vInfo CSV; storage from the first of
    ``Provisioned MB``, ``Provisioned MiB`` or, for Hyper-V, ``vdisk_capacity_mib_sum`` (all
    MiB) that reads as a positive number. Rows without a readable size are skipped.
    """
    for r in _rows(path):
        if not _on(r):
            continue
        try:
            v, m = int(float(r["CPUs"])), float(r["Memory"]) / 1024.0
        except (KeyError, ValueError):
            continue
        gb: float | None = None
        for key in ("Provisioned MB", "Provisioned MiB", "vdisk_capacity_mib_sum"):
            try:
                found = float(r.get(key, "")) * MIB_TO_GB
            except ValueError:
                continue
            if found > 0:
                gb = found
                break
        yield v, m, gb


def _percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    k = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return s[k]


def derive_mix(realdata: str | Path) -> VmMix:
    """Derive a mix from the real-data folder (layout as in its README).

    (vCPU, memory): Bitbrains ``per_vm.csv`` (``vcpu``, ``memory_gib``) and every RVTools vInfo
    CSV (``CPUs``, ``Memory`` in MiB; powered-on, non-template VMs), memory rounded to 0.5 GiB.
    Storage: lognormal fitted to provisioned disk of the RVTools VMs (``Provisioned MB``,
    ``Provisioned MiB`` or, for Hyper-V, ``vdisk_capacity_mib_sum``; all MiB) in decimal GB;
    Bitbrains has no disk sizes.
    """
    root = Path(realdata)
    pairs: Counter[tuple[int, float]] = Counter()
    storage: list[float] = []
    used: list[str] = []
    bb = root / "bitbrains_rnd" / "per_vm.csv"
    if bb.exists():
        for r in _rows(bb):
            v, m = int(float(r["vcpu"])), float(r["memory_gib"])
            if v > 0 and m > 0:
                pairs[(v, _round_mem(m))] += 1
        used.append(str(bb.relative_to(root)))
    for f in sorted(root.glob("rvtools_*/*vInfo*.csv")):
        for v, m, gb in vinfo_sizes(f):
            if v > 0 and m > 0:
                pairs[(v, _round_mem(m))] += 1
            if gb is not None:
                storage.append(gb)
        used.append(str(f.relative_to(root)))
    if not pairs or len(storage) < 2:
        raise ValueError(f"no VM sizes found under {root} (expected the realdata layout)")
    logs = [math.log(s) for s in storage]
    mu = sum(logs) / len(logs)
    sigma = math.sqrt(sum((x - mu) ** 2 for x in logs) / (len(logs) - 1))
    return VmMix(
        name=f"derived from {root}",
        cpu_mem=tuple(sorted(pairs.items())),
        storage_mu=round(mu, 4), storage_sigma=round(sigma, 4),
        storage_min=round(_percentile(storage, 0.01), 1),
        storage_max=round(_percentile(storage, 0.99), 1),
        sources=", ".join(used),
    )


# Derived once (2025) with ``derive_mix("/work/shared/realdata")``: 1,649 VMs (Bitbrains Rnd 500,
# RVTools SizingWorkshop/BillSample/university VMware/Hyper-V, powered-on non-templates), memory
# rounded to 0.5 GiB; storage = lognormal fit of ln(provisioned GB) over the powered-on RVTools
# VMs with a disk size, clipped to their 1st-99th percentiles. Counts, not copies of rows.
DEFAULT_MIX = VmMix(
    name="built-in (derived from bitbrains_rnd + RVTools vInfo)",
    cpu_mem=(
    ((1, 0.5), 108), ((1, 1.0), 38), ((1, 1.5), 1), ((1, 2.0), 55), ((1, 2.5), 7), ((1, 3.0), 2),
    ((1, 3.5), 2), ((1, 4.0), 114), ((1, 5.5), 1), ((1, 6.0), 1), ((1, 8.0), 15), ((1, 12.0), 2),
    ((1, 16.0), 5), ((1, 24.0), 1), ((1, 32.0), 2), ((2, 0.5), 3), ((2, 1.0), 2), ((2, 1.5), 2),
    ((2, 2.0), 24), ((2, 2.5), 2), ((2, 3.0), 7), ((2, 3.5), 2), ((2, 4.0), 134), ((2, 4.5), 1),
    ((2, 5.0), 1), ((2, 5.5), 4), ((2, 6.0), 9), ((2, 7.0), 1), ((2, 7.5), 1), ((2, 8.0), 164),
    ((2, 9.0), 1), ((2, 10.0), 2), ((2, 10.5), 1), ((2, 12.0), 6), ((2, 16.0), 37),
    ((2, 24.0), 2), ((2, 32.0), 13), ((3, 4.0), 2), ((3, 5.0), 2), ((3, 8.0), 4), ((4, 0.5), 1),
    ((4, 1.0), 1), ((4, 2.0), 8), ((4, 2.5), 1), ((4, 3.0), 29), ((4, 3.5), 1), ((4, 4.0), 83),
    ((4, 5.5), 2), ((4, 6.0), 4), ((4, 8.0), 124), ((4, 9.0), 1), ((4, 9.5), 2), ((4, 12.0), 14),
    ((4, 15.0), 1), ((4, 15.5), 6), ((4, 16.0), 210), ((4, 20.0), 4), ((4, 21.0), 1),
    ((4, 24.0), 11), ((4, 32.0), 36), ((4, 32.5), 1), ((4, 48.0), 1), ((4, 50.0), 1),
    ((4, 64.0), 6), ((4, 128.0), 2), ((6, 4.0), 2), ((6, 12.0), 5), ((6, 16.0), 15),
    ((6, 20.0), 1), ((6, 22.0), 2), ((6, 24.0), 4), ((6, 26.0), 1), ((6, 32.0), 2),
    ((6, 48.0), 1), ((8, 3.0), 1), ((8, 4.0), 5), ((8, 5.0), 1), ((8, 7.0), 1), ((8, 8.0), 15),
    ((8, 12.0), 4), ((8, 16.0), 67), ((8, 18.0), 2), ((8, 19.5), 1), ((8, 20.0), 13),
    ((8, 24.0), 29), ((8, 28.0), 1), ((8, 31.0), 8), ((8, 31.5), 1), ((8, 32.0), 56),
    ((8, 39.0), 10), ((8, 40.0), 1), ((8, 48.0), 1), ((8, 63.5), 3), ((8, 64.0), 8),
    ((10, 18.0), 1), ((10, 24.0), 4), ((10, 32.0), 1), ((12, 12.0), 1), ((12, 18.0), 1),
    ((12, 24.0), 4), ((12, 36.0), 3), ((12, 48.0), 2), ((12, 56.0), 3), ((12, 72.0), 2),
    ((14, 42.0), 1), ((16, 24.0), 1), ((16, 32.0), 9), ((16, 36.0), 1), ((16, 40.0), 1),
    ((16, 48.0), 1), ((16, 52.0), 1), ((16, 64.0), 3), ((16, 96.0), 1), ((20, 72.0), 4),
    ((24, 64.0), 1), ((24, 96.0), 6), ((32, 10.5), 2), ((32, 64.0), 1), ((32, 511.5), 1),
    ),
    storage_mu=5.174, storage_sigma=1.0112,
    storage_min=21.6, storage_max=4473.1,
    sources="bitbrains_rnd/per_vm.csv, rvtools_*/*vInfo*.csv",
)
