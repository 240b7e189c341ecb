"""When each workload of a plan is running after a declaration, and each tier against its RTO.

The model (docs/recovery.md): a recovery PC is on site ``delivery`` hours after the declaration
(its mobile unit's ``delivery_hours``, or its own when no unit carries it). Its workloads are then
restored one after another at the PC model's ``restore_rate``, most critical tier first; an
affinity group restores as one block at the rank of its most critical member, and all its members
run when the block is restored. A workload runs ``boot_minutes`` after its restore ends (booting
does not hold up the next restore). The restored size is the storage the plan sized for: in use
or provisioned per the policy's ``storage_basis``, after growth over the term. A workstation
that needs a staff seat (policy ``workstation_seats`` with mobile units) runs only once its seat
is on site too: the seats of each unit arrive with it, and the most critical tiers' workstations
take the first seats (within a tier, the first restored take the first seats).

    booted(w)  = delivery(pc) + sum(restore of the blocks before w's) + restore(w's block) + boot
    running(w) = booted(w), or for a workstation max(booted(w), arrival of its seat's unit)
    tier back  = max running(w) over the tier's workloads;  miss = tier back - RTO  (if > 0)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from planner.model.plan import Plan
from planner.model.problem import demand_of, growth_factor
from planner.readers.catalog import Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory, Workload

#: relative tolerance when comparing a tier's time with its target (float sums of restores)
RTO_TOL = 1e-9


@dataclass(frozen=True)
class WorkloadTime:
    """One workload's place in the timeline; times in hours after the declaration."""

    name: str
    tier: int
    pc: str
    unit: str | None
    block: str
    storage_gb: float
    restore_start: float
    restore_end: float
    running_at: float
    #: restored and booted [h]; ``running_at`` is later only while it waits for a staff seat
    booted_at: float = 0.0
    #: a workstation's staff seat: the unit it is in and when that unit is on site [h]
    seat_unit: str | None = None
    seat_at: float | None = None


@dataclass(frozen=True)
class PCTime:
    """One recovery PC: when it is on site, its restore rate [GB/h] and boot time [h]."""

    id: str
    model: str
    unit: str | None
    delivery: float
    rate_gb_h: float
    boot: float
    done_at: float


@dataclass(frozen=True)
class TierResult:
    """A tier's recovery: when all its placed workloads run, its target, the miss [h]."""

    tier: int
    workloads: int
    back_at: float | None
    rto: float | None
    unplaced: int = 0
    #: placed workloads of the tier running after its RTO
    late: int = 0

    @property
    def miss(self) -> float | None:
        """Hours beyond the RTO (positive), None without a target or without workloads."""
        if self.rto is None or self.back_at is None:
            return None
        over = self.back_at - self.rto
        return over if over > RTO_TOL * max(1.0, self.rto) else 0.0

    @property
    def meets(self) -> bool | None:
        """Whether the whole tier is running by its RTO; None without a target.

        A tier with unplaced workloads never fully comes back, so it cannot meet a target.
        """
        if self.rto is None:
            return None
        if self.unplaced:
            return False
        return self.miss is None or self.miss == 0.0


@dataclass
class Timeline:
    """The recovery timeline of one plan: per PC, per workload, per tier."""

    pcs: list[PCTime]
    workloads: list[WorkloadTime]
    tiers: list[TierResult]
    notes: list[str] = field(default_factory=list)

    @property
    def misses(self) -> list[TierResult]:
        """Tiers that do not meet their RTO."""
        return [t for t in self.tiers if t.meets is False]

    @property
    def late(self) -> int:
        """Workloads running after their tier's RTO, plus unplaced ones of tiers with one."""
        return sum(t.late + (t.unplaced if t.rto is not None else 0) for t in self.tiers)

    @property
    def all_back(self) -> float | None:
        """When the last placed workload is running [h]."""
        return max((w.running_at for w in self.workloads), default=None)

    def tier(self, tier: int) -> TierResult | None:
        """The result for one tier, if it has workloads or a target."""
        return next((t for t in self.tiers if t.tier == tier), None)

    def table(self) -> pd.DataFrame:
        """Tidy table, one row per workload: times in hours after the declaration."""
        cols = ["workload", "tier", "pc", "unit", "block", "storage_gb", "restore_start_h",
                "restore_end_h", "booted_h", "seat_unit", "seat_on_site_h", "running_h"]
        return pd.DataFrame([[w.name, w.tier, w.pc, w.unit or "", w.block, w.storage_gb,
                              w.restore_start, w.restore_end, w.booted_at, w.seat_unit or "",
                              w.seat_at, w.running_at]
                             for w in self.workloads], columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: per tier (back, RTO, miss), per PC and per workload, hours."""
        return {
            "tiers": [{"tier": t.tier, "workloads": t.workloads, "unplaced": t.unplaced,
                       "late": t.late,
                       "back_h": t.back_at, "rto_h": t.rto, "miss_h": t.miss,
                       "meets": t.meets} for t in self.tiers],
            "pcs": [{"id": p.id, "model": p.model, "unit": p.unit, "delivery_h": p.delivery,
                     "restore_rate_gb_h": p.rate_gb_h, "boot_h": p.boot, "done_h": p.done_at}
                    for p in self.pcs],
            "workloads": self.table().to_dict(orient="records"),
            "notes": self.notes,
        }


def pc_delivery(model: HostModel, unit_delivery: float | None) -> float:
    """Hours until a PC is on site: its unit's delivery, or its own without a unit."""
    return model.delivery_hours if unit_delivery is None else unit_delivery


def restore_blocks(names: list[str], by_name: dict[str, Workload],
                   storage: dict[str, float]) -> list[tuple[int, float, str, list[str]]]:
    """The restore order on one PC: blocks (tier, GB, label, members), most critical first.

    An affinity group is one block ranked by its most critical member; within a tier smaller
    restores go first (more workloads running sooner; the tier's end is the same).
    """
    groups: dict[str, list[str]] = {}
    blocks: list[tuple[int, float, str, list[str]]] = []
    for n in names:
        w = by_name[n]
        if w.affinity:
            groups.setdefault(w.affinity, []).append(n)
        else:
            blocks.append((w.tier, storage[n], n, [n]))
    for g, members in groups.items():
        blocks.append((min(by_name[n].tier for n in members), sum(storage[n] for n in members),
                       f"affinity:{g}", members))
    return sorted(blocks, key=lambda b: (b[0], b[1], b[2]))


def seat_times(times: list[WorkloadTime], plan: Plan, by_name: dict[str, Workload],
               unit_models: dict[str, UnitModel]) -> tuple[list[WorkloadTime], int]:
    """Workstations wait for their staff seat (returns the times, and workstations unseated).

    The plan's seats, by their unit's arrival, go to the workstations by tier, then by when
    they are restored; none is left without a seat in a verified plan.
    """
    seats = sorted((unit_models[u.model].delivery_hours, u.id) for u in plan.units
                   if u.model in unit_models for _ in range(u.seats_used))
    need = sorted((w for w in times if by_name[w.name].kind == "workstation"),
                  key=lambda w: (w.tier, w.booted_at, w.name))
    seat_of = {w.name: seat for w, seat in zip(need, seats, strict=False)}
    out = []
    for w in times:
        if w.name in seat_of:
            at, uid = seat_of[w.name]
            w = replace(w, seat_unit=uid, seat_at=at, running_at=max(w.booted_at, at))
        out.append(w)
    return out, max(0, len(need) - len(seats))


def timeline(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy) -> Timeline:
    """The recovery timeline of a plan (see the module docstring for the model)."""
    growth = growth_factor(policy, catalog)
    by_name = {n: w for w in inventory.workloads for n in w.instance_names()}
    storage = {n: demand_of(w, policy, growth)[2] for n, w in by_name.items()}
    hosts = {m.name: m for m in catalog.hosts}
    unit_models = {m.name: m for m in catalog.units}
    unit_of = {u.id: unit_models[u.model] for u in plan.units if u.model in unit_models}
    pcs: list[PCTime] = []
    times: list[WorkloadTime] = []
    for h in plan.hosts:
        m = hosts[h.model]
        um = unit_of.get(h.unit) if h.unit else None
        delivery = pc_delivery(m, None if um is None else um.delivery_hours)
        rate, boot = m.restore_rate_gb_h, m.boot_minutes / 60.0
        t = delivery
        for _tier, gb, label, members in restore_blocks(h.workloads, by_name, storage):
            end = t + gb / rate
            for n in members:
                times.append(WorkloadTime(n, by_name[n].tier, h.id, h.unit, label, storage[n],
                                          t, end, end + boot, end + boot))
            t = end
        pcs.append(PCTime(h.id, h.model, h.unit, delivery, rate, boot, delivery))
    notes: list[str] = []
    if policy.workstation_seats and catalog.units:
        times, short = seat_times(times, plan, by_name, unit_models)
        if short:
            notes.append(f"{short} workstation(s) have no staff seat in the plan's units: "
                         "shown running once restored")
    pcs = [replace(q, done_at=max((w.running_at for w in times if w.pc == q.id),
                                  default=q.delivery)) for q in pcs]
    unplaced_tier: dict[int, int] = {}
    for u in plan.unplaced:
        if u.name in by_name:
            k = by_name[u.name].tier
            unplaced_tier[k] = unplaced_tier.get(k, 0) + 1
    tiers: list[TierResult] = []
    for k in sorted(set(policy.tiers) | {t for t, _ in policy.rto}):
        ws = [w for w in times if w.tier == k]
        if k not in policy.tiers:
            if policy.rto_hours(k) is not None:
                notes.append(f"tier {k} has an RTO but is not in the policy's tiers in scope")
            continue
        if not ws and not unplaced_tier.get(k) and policy.rto_hours(k) is None:
            continue
        back = max((w.running_at for w in ws), default=None)
        rto = policy.rto_hours(k)
        late = 0 if rto is None else sum(1 for w in ws
                                         if w.running_at > rto * (1 + RTO_TOL) + RTO_TOL)
        tiers.append(TierResult(k, len(ws), back, rto, unplaced_tier.get(k, 0), late))
        if unplaced_tier.get(k):
            notes.append(f"tier {k} never fully comes back: {unplaced_tier[k]} workload(s) "
                         "unplaced")
    return Timeline(pcs, times, tiers, notes)
