"""From inventory, catalog and policy to the abstract packing problem the engine solves.

Sizes are integers on a fine grid (milli-vCPU, MiB, MB): demands are rounded up and capacities
down, so every packing the engine finds also holds in exact arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal
from functools import reduce
from itertools import pairwise

from planner.model.prices import Terms, item_price, keep_factor
from planner.readers.catalog import Catalog, HostModel, Policy, UnitModel
from planner.readers.inventory import Inventory, Workload

DIMS = ("vcpu", "memory", "storage")
#: grid steps per canonical unit: milli-vCPU, MiB per GiB, MB per GB
SCALE = (1000, 1024, 1000)
DIM_UNITS = ("vCPU", "GiB", "GB")
#: MB per GB: the grid of a restore-by-deadline dimension (storage restored)
RESTORE_SCALE = 1000
#: objective ticks per currency unit (integer cents) and per PC in count mode
CENTS = 100
COUNT_HOST = 1000
COUNT_UNIT = 1


@dataclass(frozen=True)
class Dim:
    """One packing dimension: its key, grid steps per unit, unit and words for messages."""

    key: str
    scale: int
    unit: str
    label: str


#: the three dimensions every problem packs (vCPU, memory, storage)
BASE_DIMS = tuple(Dim(k, s, u, k) for k, s, u in zip(DIMS, SCALE, DIM_UNITS, strict=True))


@dataclass(frozen=True)
class Deadline:
    """A restore-by-deadline dimension (``--enforce-rto``, docs/recovery.md).

    On a PC of model ``h``, the workloads of block tier <= ``tier`` restore one after another
    from its delivery ``d_h`` at ``r_h`` GB/h, and the last of them runs after ``b_h`` more
    hours: they are all running by ``hours`` exactly when their storage is at most
    ``C(h) = r_h * (hours - d_h - b_h)`` (``capacity_gb``; a model with ``C(h) < 0`` holds none).
    """

    tier: int
    hours: float
    #: per PC model name: (delivery assumed [h], GB restorable by the deadline)
    capacity_gb: tuple[tuple[str, float, float], ...]

    @property
    def dim(self) -> Dim:
        """The packing dimension: storage of tier <= ``tier`` workloads, in GB."""
        return Dim(f"restore_t{self.tier}", RESTORE_SCALE, "GB",
                   f"restore by tier {self.tier}'s RTO ({self.hours:g} h)")


@dataclass
class Item:
    """A class of identical placeable things: copies of one workload, or one affinity group.

    size: demand per copy on the grid, one entry per dimension of the problem (vCPU, memory,
    storage, then the restore deadlines if any). members: per copy, the instance names it
    carries.
    """

    key: str
    size: tuple[int, ...]
    members: list[list[str]]
    seats: int
    anti: tuple[str, ...] = ()

    @property
    def demand(self) -> int:
        """Number of copies to place."""
        return len(self.members)


@dataclass
class HostType:
    """A recovery PC model as the engine sees it: usable capacity on the grid, cost in ticks."""

    index: int
    model: HostModel
    cap: tuple[int, ...]
    cost: int
    slots: int
    available: int | None
    #: expected cost over the term in the reporting currency (money mode), before rounding
    price: Decimal = Decimal(0)
    #: unit group: a PC goes only into units of its own group ("" for the plain problem; N+k
    #: with a spare set per unit, planner/solver/spares.py)
    group: str = ""


@dataclass(frozen=True)
class Pool:
    """A stock shared by several PC types: at most ``limit`` PCs of ``types`` (indices) in all.

    The variants of one PC model (``_host_types``) share the model's stock this way. The
    engine honours pools where it counts PCs (``Problem.room``, the master's and the compact
    model's pool rows, the capacity bound), and ``_Search`` drops PCs from any packing that
    breaks one; a bound computed without a pool's row bounds a relaxation, so it stays a bound.

    ``units``: unit types (index, count) that draw on the stock too, ``count`` per unit of
    the type: with a spare set per mobile unit, a unit of group Q carries Q's spares of the
    model (planner/solver/spares.py), and variants of one unit model share its stock. The
    master's, the compact model's, ``cover_units``' and the capacity bound's pool rows count
    them; ``room`` counts the least the units can draw (``least_draw``: a heuristic picks PCs
    before units), and ``_Search`` checks the units it chose.
    """

    types: tuple[int, ...]
    limit: int
    units: tuple[tuple[int, int], ...] = ()


@dataclass
class UnitType:
    """A mobile unit model as the engine sees it."""

    index: int
    model: UnitModel
    slots: int
    seats: int
    cost: int
    available: int | None
    price: Decimal = Decimal(0)
    #: carries only PCs of this group (``HostType.group``)
    group: str = ""


@dataclass
class Unplaced:
    """A workload instance left out, and why."""

    name: str
    reason: str


@dataclass
class Problem:
    """The packing problem: item classes, PC types, unit types, and what was left out."""

    items: list[Item]
    hosts: list[HostType]
    units: list[UnitType]
    unplaced: list[Unplaced] = field(default_factory=list)
    out_of_scope: list[Unplaced] = field(default_factory=list)
    money: bool = True
    currency: str = "USD"
    warnings: list[str] = field(default_factory=list)
    #: objective ticks per reported unit: 100 for cents, more for finer fees, or per PC
    scale: int = CENTS
    #: plans must contract at least this many PCs (a volume discount tier's threshold)
    min_pcs: int = 0
    #: the volume discount (percent off capacity fees) the item costs are priced at
    discount: Decimal = Decimal(0)
    #: whether every item's cost in ticks is its price exactly (else rounded down)
    exact: bool = True
    #: the packing dimensions: vCPU, memory, storage, then one per restore deadline
    dims: tuple[Dim, ...] = BASE_DIMS
    #: the restore deadlines behind the dimensions after the third (``--enforce-rto``)
    deadlines: tuple[Deadline, ...] = ()
    #: PC variants by the RTO tiers they hold, with a "holds tier t" dimension per deadline
    #: after the deadlines' (``_host_types``; deadlines that are not nested)
    held: bool = False
    #: stocks shared by several PC types (``Pool``), besides each type's own ``available``
    pools: tuple[Pool, ...] = ()

    def pools_of(self, t: int) -> list[Pool]:
        """The pools PC type ``t`` draws on."""
        return [p for p in self.pools if t in p.types]

    def room(self, t: int, used: list[int], freed: int | None = None) -> bool:
        """Whether one more PC of type ``t`` is within its stock and its pools.

        ``used``: PCs per type so far; ``freed``: a type one of whose PCs this one replaces.
        """
        h = self.hosts[t]
        if h.available is not None and used[t] - (freed == t) >= h.available:
            return False
        for p in self.pools:
            if p.units:  # the PCs with this one, and the fewest units that can carry them
                after = list(used)
                after[t] += 1
                if freed is not None:
                    after[freed] -= 1
                if sum(after[j] for j in p.types) + self.least_draw(p, after) > p.limit:
                    return False
            elif t in p.types and sum(used[j] for j in p.types) - (freed in p.types) >= p.limit:
                return False
        return True

    def least_draw(self, pool: Pool, used: list[int]) -> int:
        """The least a pool's unit types draw on it for these PCs per type (a lower bound).

        A PC of group Q sits in a unit of group Q (``unitpack.unit_patterns``): the PCs of
        each group need at least their slots over the roomiest unit type of the group, each
        drawing at least the least count of any unit type of the group (0 if not in the pool).
        """
        coef = dict(pool.units)
        draw = 0
        for g in {self.units[u].group for u, _ in pool.units}:
            slots = sum(used[h.index] * h.slots for h in self.hosts if h.group == g)
            if not slots:
                continue
            mine = [u for u in self.units if u.group == g and u.slots > 0]
            room = max((u.slots for u in mine), default=0)
            if room <= 0:
                continue
            draw += -(-slots // room) * min(coef.get(u.index, 0) for u in mine)
        return draw

    def over_pool(self, counts: list[int], units: list[int] | None = None) -> Pool | None:
        """A pool these PC counts per type exceed, if any (each type's own stock aside).

        ``units``: units per unit type, counted where a pool draws on them too.
        """
        for p in self.pools:
            drawn = sum(c * units[u] for u, c in p.units) if units is not None else 0
            if sum(counts[j] for j in p.types) + drawn > p.limit:
                return p
        return None

    @property
    def nd(self) -> int:
        """Number of packing dimensions (3 unless restore deadlines are packed)."""
        return len(self.dims)

    @property
    def seats_needed(self) -> int:
        """Staff seats the placed workstations need."""
        return sum(it.seats * it.demand for it in self.items)

    @property
    def tick(self) -> int:
        """Greatest common divisor of all costs: any plan's cost is a multiple of it."""
        costs = [h.cost for h in self.hosts] + [u.cost for u in self.units]
        g = reduce(math.gcd, [c for c in costs if c > 0], 0)
        return g or 1

    def round_bound(self, bound: float) -> float:
        """A bound rounded up to the next multiple of the cost tick, with a relative tolerance.

        HiGHS's values are accurate to about 1e-7 relative; a bound just above a multiple of
        the tick by less than that is taken as the multiple itself, never one tick above.
        """
        t = self.tick
        q = bound / t
        return float(math.ceil(q - max(1e-9, 1e-7 * abs(q))) * t)

    def to_money(self, ticks: float) -> float:
        """Convert objective ticks to the reported cost figure."""
        return ticks / self.scale

    def fits(self, size: tuple[int, ...], host: HostType) -> bool:
        """Whether one copy of an item fits on an empty PC of this type."""
        return all(s <= c for s, c in zip(size, host.cap, strict=True))


def money_scale(prices: list[Decimal], term: int) -> tuple[int, bool]:
    """Ticks per currency unit that price every item exactly, and whether they do.

    Cents where they suffice, else finer (10^-6 at most), times the term where expected
    declarations per year (declarations / term) leave a repeating decimal. Where no scale up to
    that is exact, prices are rounded down at 10^6 ticks: every bound on the ticks is then still
    a bound on the prices (docs/cost-model.md).
    """
    for places in range(2, 7):
        for mult in (1, term):
            s = mult * 10 ** places
            if all((p * s) == (p * s).to_integral_value() for p in prices):
                return s, True
    return 10 ** 6, False


def ticks_of(price: Decimal, scale: int) -> int:
    """A price in objective ticks, rounded down (exact when the scale prices it exactly)."""
    return int((price * scale).to_integral_value(rounding=ROUND_FLOOR))


def growth_factor(policy: Policy, catalog: Catalog) -> float:
    """Demand multiplier over the term: (1 + growth_per_year) ** term_years."""
    return (1.0 + policy.growth_per_year) ** catalog.term_years


def usable_capacity(model: HostModel, policy: Policy) -> tuple[float, float, float]:
    """Usable vCPU, memory [GiB], storage [GB] of a PC under the policy (issue #2 formula)."""
    keep = 1.0 - policy.headroom
    cpu = max(0.0, model.cores - policy.host_reserved_cores) * policy.cpu_overcommit * keep
    mem = max(0.0, model.memory_gib - policy.host_reserved_memory_gib)
    mem *= policy.memory_overcommit * keep
    return cpu, mem, model.storage_gb * keep


def demand_of(w: Workload, policy: Policy, growth: float) -> tuple[float, float, float]:
    """Demand of one copy in canonical units, after growth."""
    storage = w.storage_gb
    if policy.storage_basis == "used" and w.storage_used_gb is not None:
        storage = w.storage_used_gb
    return w.vcpu * growth, w.memory_gib * growth, storage * growth


def _up(x: float, scale: int) -> int:
    # at least one grid step: a zero size (e.g. no storage in use) still occupies the grid
    return max(1, math.ceil(x * scale - 1e-9))


def _down(x: float, scale: int) -> int:
    return math.floor(x * scale + 1e-9)


def _fmt(v: float, unit: str) -> str:
    return f"{v:,.1f} {unit}" if unit != "vCPU" else f"{v:,.2f} {unit}".replace(".00 ", " ")


def _misfit_reason(size: tuple[int, ...], hosts: list[HostType], what: str,
                   dims: tuple[Dim, ...] = BASE_DIMS) -> str:
    """Explain why a size fits no PC: per dimension, by how much the best model falls short."""
    if not hosts:
        return "no recovery PC model in the catalog can be used"
    best = None
    for h in hosts:
        short = [(d, size[d] - h.cap[d]) for d in range(len(size)) if size[d] > h.cap[d]]
        rank = (len(short), sum(s / dims[d].scale for d, s in short))
        if best is None or rank < best[0]:
            best = (rank, h, short)
    assert best is not None
    _, h, short = best
    parts = [
        f"{dims[d].label} needs {_fmt(size[d] / dims[d].scale, dims[d].unit)}, usable "
        f"{_fmt(h.cap[d] / dims[d].scale, dims[d].unit)} (short by "
        f"{_fmt(s / dims[d].scale, dims[d].unit)})"
        for d, s in short
    ]
    return f"{what} fits no PC model; closest is {h.model.name}: " + "; ".join(parts)


def build_problem(inventory: Inventory, catalog: Catalog, policy: Policy, *,
                  discount: Decimal = Decimal(0), min_pcs: int = 0) -> Problem:
    """Aggregate workloads into item classes and models into PC and unit types.

    Reads as its steps: the unit and PC types on the integer grid, the workloads in scope, then
    one item per class of identical single workloads and one per affinity group; what fits no
    PC (or needs a seat no unit has) is listed as unplaced with its reason.

    In money mode every item costs its expected total over the term under the quote and the
    policy's scenario (planner.model.prices), at volume discount ``discount`` percent; a
    discount tier's sub-problem also asks for at least ``min_pcs`` PCs.
    """
    money = catalog.has_fees
    prices: dict[str, Decimal] = {}
    scale, exact = COUNT_HOST, True
    if money:
        terms = Terms.of(catalog, policy.scenario)
        keep = keep_factor(discount)
        models: list[HostModel | UnitModel] = [*catalog.hosts, *catalog.units]
        prices = {m.name: item_price(terms, policy.scenario, m, keep) for m in models}
        scale, exact = money_scale(list(prices.values()), catalog.term_years)
    units = _unit_types(catalog, prices, scale)
    warnings: list[str] = []
    present = {w.tier for w in inventory.workloads}
    deadlines = restore_deadlines(catalog, policy, present)
    # where the deadlines are not nested (a tier without an RTO before an RTO tier, or RTOs
    # falling with the tier), each PC model comes in one variant per set of RTO tiers it may
    # hold, binding only those tiers' deadlines (``_host_types``)
    held = bool(deadlines) and not deadlines_nested(policy, present)
    hosts = _host_types(catalog, policy, units, prices, scale, warnings, deadlines,
                        _unbounded(inventory, policy, catalog) if held else None)
    dims = BASE_DIMS + tuple(d.dim for d in deadlines)
    pools = _shared_stock(hosts)
    if held:
        dims += tuple(Dim(f"holds_t{d.tier}", 1, "workloads",
                          f"holds tier {d.tier} (its RTO binds the PC)") for d in deadlines)
    problem = Problem([], hosts, units, money=money,
                      currency=(policy.scenario.currency or catalog.currency) if money
                      else catalog.currency,
                      warnings=warnings, scale=scale, min_pcs=min_pcs, discount=discount,
                      exact=exact, dims=dims, deadlines=deadlines, held=held, pools=pools)
    in_scope = _in_scope(inventory, policy, problem)
    b = _ItemBuilder(problem, policy, growth_factor(policy, catalog))
    classes: dict[object, Item] = {}
    b.single_items([w for w in in_scope if not w.affinity], classes)
    groups: dict[str, list[Workload]] = {}
    for w in in_scope:
        if w.affinity:
            groups.setdefault(w.affinity, []).append(w)
    b.group_items(groups, classes)
    # deterministic order: largest first by normalized size, then key
    problem.items = sorted(classes.values(), key=lambda it: (-sum(it.size), it.key))
    return problem


def model_delivery(model: HostModel, catalog: Catalog, early: bool = False) -> float:
    """Hours until a PC of this model is on site, as ``--enforce-rto`` packs it.

    Without mobile units, its own ``delivery_hours``; with them, the latest (``early``: the
    quickest) unit model that can carry it, so that whichever such unit carries it, it is on
    site by then (``early`` holds only once the units are chosen to match).
    """
    carriers = [u.delivery_hours for u in catalog.units if u.slots >= model.slots]
    if not carriers:
        return model.delivery_hours
    return min(carriers) if early else max(carriers)


def restore_capacity(model: HostModel, delivery: float, hours: float) -> float:
    """GB a PC can restore so that the last of them runs by ``hours`` (may be <= 0)."""
    return model.restore_rate_gb_h * (hours - delivery - model.boot_minutes / 60.0)


def deadlines_nested(policy: Policy, present: set[int] | None = None) -> bool:
    """Whether each deadline is implied on a PC that holds none of its tier (no variants).

    The capacity of deadline ``t`` bounds the storage of every block of tier <= ``t`` on a
    PC. On a PC holding no tier-``t`` workload that asks nothing more than the earlier
    deadlines when every tier in scope (with workloads, given ``present``) up to the last with
    an RTO has one and the RTOs do not decrease with the tier.
    """
    rto = dict(policy.rto)
    tiers = [t for t in policy.tiers if present is None or t in present]
    targets = [t for t in tiers if t in rto]
    if not targets:
        return True
    needed = sorted(t for t in tiers if t <= max(targets))
    if any(t not in rto for t in needed):
        return False
    hours = [rto[t] for t in needed]
    return all(a <= b for a, b in pairwise(hours))


def _unbounded(inventory: Inventory, policy: Policy, catalog: Catalog) -> tuple[int, int]:
    """Capacities no PC can reach: (storage on the grid, copies) of the whole inventory + 1."""
    g = growth_factor(policy, catalog)
    storage = sum(_up(demand_of(w, policy, g)[2], SCALE[2]) * w.count
                  for w in inventory.workloads) + 1
    return storage, sum(w.count for w in inventory.workloads) + 1


def restore_deadlines(catalog: Catalog, policy: Policy,
                      present: set[int] | None = None) -> tuple[Deadline, ...]:
    """The policy's RTOs as packing deadlines when it asks for them (``rto_packing``).

    One per tier in scope with an RTO, in tier order; none for a plain plan. With ``present``
    (the tiers of the inventory's workloads) a tier no workload has gets none: its target
    asks nothing, and its deadline would only bind the more critical tiers' PCs.
    """
    if not policy.rto_packing or not policy.rto:
        return ()
    early = policy.rto_packing == "earliest"
    out = []
    for tier, hours in sorted(policy.rto):
        if tier not in policy.tiers or (present is not None and tier not in present):
            continue
        caps = tuple((m.name, d, restore_capacity(m, d, hours))
                     for m in catalog.hosts for d in [model_delivery(m, catalog, early)])
        out.append(Deadline(tier, hours, caps))
    return tuple(out)


def _unit_types(catalog: Catalog, prices: dict[str, Decimal], scale: int) -> list[UnitType]:
    """Mobile unit models with their cost in ticks (or the count-mode unit weight)."""
    units: list[UnitType] = []
    for um in catalog.units:
        price = prices.get(um.name, Decimal(0))
        cost = ticks_of(price, scale) if prices else COUNT_UNIT
        units.append(UnitType(len(units), um, um.slots, um.seats, cost, um.available, price))
    return units


def _host_types(catalog: Catalog, policy: Policy, units: list[UnitType],
                prices: dict[str, Decimal], scale: int, warnings: list[str],
                deadlines: tuple[Deadline, ...] = (),
                held: tuple[int, int] | None = None) -> list[HostType]:
    """PC models with usable capacity on the grid (rounded down); unusable ones warned about.

    Each restore deadline adds the GB the model restores by it (none when it cannot). With
    ``held`` (capacities no PC reaches: storage, copies) every model without a stock limit
    comes in one variant per set ``S`` of the deadlines' tiers: deadline ``t`` binds it only
    for ``t`` in ``S`` (else unbounded), and a "holds tier t" dimension lets it hold tier-``t``
    workloads only for ``t`` in ``S``. A PC so binds exactly the deadlines of the tiers it
    holds (docs/recovery.md). The variants of a model with a stock limit share it (a ``Pool``,
    ``_shared_stock``), each variant also limited to it.
    """
    hosts: list[HostType] = []
    max_slots = max((u.slots for u in units), default=0)
    for m in catalog.hosts:
        if units and m.slots > max_slots:
            warnings.append(f"PC model {m.name} takes {m.slots} slots, more than any unit has; "
                            "it is not used")
            continue
        if m.available == 0:
            continue
        cap_f = usable_capacity(m, policy)
        cap: tuple[int, ...] = (_down(cap_f[0], SCALE[0]), _down(cap_f[1], SCALE[1]),
                                _down(cap_f[2], SCALE[2]))
        if min(cap) <= 0:
            warnings.append(f"PC model {m.name} has no usable capacity under the policy")
            continue
        limits = tuple(_down(max(0.0, next(c for name, _, c in dl.capacity_gb
                                            if name == m.name)), RESTORE_SCALE)
                       for dl in deadlines)
        price = prices.get(m.name, Decimal(0))
        cost = ticks_of(price, scale) if prices else COUNT_HOST
        if held is None:
            hosts.append(HostType(len(hosts), m, (*cap, *limits), cost, m.slots, m.available,
                                  price))
            continue
        storage, copies = held
        k = len(deadlines)
        for mask in range(2 ** k):
            on = [bool(mask >> j & 1) for j in range(k)]
            hosts.append(HostType(
                len(hosts), m,
                (*cap, *(lim if o else storage for lim, o in zip(limits, on, strict=True)),
                 *(copies if o else 0 for o in on)),
                cost, m.slots, m.available, price))
    return hosts


def _shared_stock(hosts: list[HostType]) -> tuple[Pool, ...]:
    """One pool per PC model with a stock limit and several variants: they share its stock."""
    by_model: dict[str, list[HostType]] = {}
    for h in hosts:
        by_model.setdefault(h.model.name, []).append(h)
    return tuple(Pool(tuple(h.index for h in group), group[0].available)
                 for group in by_model.values()
                 if len(group) > 1 and group[0].available is not None)


def _in_scope(inventory: Inventory, policy: Policy, problem: Problem) -> list[Workload]:
    """Workloads of the tiers in scope; the others are listed out of scope with the reason."""
    in_scope: list[Workload] = []
    for w in inventory.workloads:
        if w.tier not in policy.tiers:
            problem.out_of_scope.extend(
                Unplaced(n, f"tier {w.tier} not in policy tiers {list(policy.tiers)}")
                for n in w.instance_names())
        else:
            in_scope.append(w)
    return in_scope


class _ItemBuilder:
    """Turns workloads into item classes on the grid, or unplaced entries with a reason."""

    SEAT_REASON = "needs a staff seat in a mobile unit, but no unit model in the catalog has seats"

    def __init__(self, problem: Problem, policy: Policy, growth: float) -> None:
        self.problem, self.policy, self.growth = problem, policy, growth
        self.seats_on = policy.workstation_seats and bool(problem.units)
        self.no_seats = self.seats_on and not any(u.seats > 0 for u in problem.units)

    def grid(self, w: Workload) -> tuple[int, int, int]:
        """The workload's demand on the grid, rounded up."""
        d = demand_of(w, self.policy, self.growth)
        return (_up(d[0], SCALE[0]), _up(d[1], SCALE[1]), _up(d[2], SCALE[2]))

    def fits_some(self, size: tuple[int, ...]) -> bool:
        """Whether any PC type holds this size."""
        return any(self.problem.fits(size, h) for h in self.problem.hosts)

    def with_deadlines(self, base: tuple[int, int, int], tier: int,
                       what: str, tiers: set[int] | None = None) -> tuple[int, ...]:
        """The size with its restore-deadline entries: its storage for each deadline it counts in.

        A block of tier ``k`` counts in every deadline of tier ``t >= k`` (it restores before
        tier ``t``'s last block). When it fits some PC model's vCPU, memory and storage but no
        model restores it in time, the deadlines it cannot meet alone are left out of its size,
        then the earliest ones should the models meeting the rest differ. It is still planned,
        as without ``--enforce-rto`` (its tier misses its target and the timeline and
        ``impossible_targets`` say so), and a warning names it.
        """
        deadlines = self.problem.deadlines
        if not deadlines:
            return base
        # with PC variants (``_host_types``): which deadlines' tiers the block holds members of
        held = tuple(int(dl.tier in (tiers or {tier})) for dl in deadlines) \
            if self.problem.held else ()
        extra = [base[2] if tier <= dl.tier else 0 for dl in deadlines]
        size = (*base, *extra, *held)
        if self.fits_some(size) or not self.fits_some((*base, *[0] * len(extra), *held)):
            return size
        dropped = []
        # first the deadlines it cannot meet alone on any model, then (where the models that
        # meet the others differ) the earliest ones left, until it fits
        alone = [j for j, x in enumerate(extra) if x and not self.fits_some(
            (*base, *[x if i == j else 0 for i in range(len(extra))], *held))]
        for j in alone:
            extra[j] = 0
            dropped.append(deadlines[j])
        size = (*base, *extra, *held)
        for j, dl in enumerate(deadlines):
            if self.fits_some(size):
                break
            if extra[j]:
                extra[j] = 0
                dropped.append(dl)
                size = (*base, *extra, *held)
        self.problem.warnings.append(
            f"{what} cannot be restored in time on any PC model as packed ("
            + ", ".join(dl.dim.label for dl in dropped) + "): planned without that deadline; "
            "the tiers restored after it on its PC are checked, not guaranteed")
        return size

    def unplace(self, names: list[str], reason: str) -> None:
        """List these copies as unplaced."""
        self.problem.unplaced.extend(Unplaced(n, reason) for n in names)

    def single_items(self, singles: list[Workload], classes: dict[object, Item]) -> None:
        """Identical workloads (size, seats, anti-affinity group) become one item class."""
        for w in singles:
            size = self.with_deadlines(self.grid(w), w.tier, f"workload {w.name}")
            seats = 1 if (self.seats_on and w.kind == "workstation") else 0
            anti = (w.anti_affinity,) if w.anti_affinity else ()
            names = w.instance_names()
            if seats and self.no_seats:
                self.unplace(names, f"workstation {self.SEAT_REASON}")
                continue
            if not self.fits_some(size):
                self.unplace(names, _misfit_reason(size, self.problem.hosts, "workload",
                                                   self.problem.dims))
                continue
            key = (size, seats, anti)
            if key not in classes:
                classes[key] = Item(w.name, size, [], seats, anti)
            classes[key].members.extend([n] for n in names)

    def group_items(self, groups: dict[str, list[Workload]],
                    classes: dict[object, Item]) -> None:
        """Each affinity group becomes one item; its members carry their anti groups along."""
        for gname, members in groups.items():
            names = [n for w in members for n in w.instance_names()]
            total = [0, 0, 0]
            seats = 0
            antis: list[str] = []
            for w in members:
                s = self.grid(w)
                for d in range(3):
                    total[d] += s[d] * w.count
                if self.seats_on and w.kind == "workstation":
                    seats += w.count
                if w.anti_affinity:
                    antis.extend([w.anti_affinity] * w.count)
            size = self.with_deadlines((total[0], total[1], total[2]),
                                       min(w.tier for w in members),
                                       f"affinity group '{gname}'",
                                       {w.tier for w in members})
            clash = sorted({a for a in antis if antis.count(a) > 1})
            if clash:
                self.unplace(names, f"affinity group '{gname}' requires one PC but contains "
                             f"several members of anti-affinity group(s) {clash}; the rules "
                             "contradict")
                continue
            if seats and self.no_seats:
                self.unplace(names, f"affinity group '{gname}' has workstations; each "
                             f"{self.SEAT_REASON}")
                continue
            if not self.fits_some(size):
                self.unplace(names, _misfit_reason(
                    size, self.problem.hosts, f"affinity group '{gname}' ({len(names)} members)",
                    self.problem.dims))
                continue
            classes[("affinity", gname)] = Item(f"affinity:{gname}", size, [names], seats,
                                                tuple(sorted(set(antis))))


def _bucket(value: int, ratio: float) -> int:
    """Geometric bucket index of a grid size (ratio 1 keeps the exact value)."""
    if ratio <= 1.0:
        return value
    if value <= 0:
        return -1  # a restore deadline the class does not count in
    return math.floor(math.log(value) / math.log(ratio))


def compress(problem: Problem, max_classes: int) -> tuple[Problem, Problem] | None:
    """Merge near-identical classes when there are too many: an upper and a lower problem.

    Classes that share a geometric size bucket in every dimension (and fit the same PC types)
    are merged. The upper
    problem gives each merged class the largest member size (any packing of it is feasible for
    the real workloads); the lower problem gives it the smallest (a relaxation: its bound is
    valid for the real workloads). Less binding dimensions get coarser buckets, so the bound
    loses little. Returns None when the problem is small enough as it is.
    """
    if len(problem.items) <= max_classes or not problem.hosts:
        return None
    nd = problem.nd
    cap = [max(1, max(h.cap[d] for h in problem.hosts)) for d in range(nd)]
    load = [sum(it.size[d] * it.demand for it in problem.items) / cap[d] for d in range(nd)]
    top = max(load) or 1.0
    weight = [max(x / top, 1e-3) for x in load]
    groups: dict[tuple[object, ...], list[Item]] = {}
    for eps in (0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0):
        ratios = [min(1 + eps / w, 8.0) for w in weight]
        groups = {}
        for it in problem.items:
            # classes merge only if they fit the same PC types: the largest member size of a
            # merged class then still fits each of them (merging a class that fits only one
            # model with one that fits only another gave a class that fits none)
            fit = tuple(problem.fits(it.size, h) for h in problem.hosts)
            key = (tuple(_bucket(it.size[d], ratios[d]) for d in range(nd)), it.seats, it.anti,
                   fit)
            groups.setdefault(key, []).append(it)
        if len(groups) <= max_classes:
            break
    upper: list[Item] = []
    lower: list[Item] = []
    for members in groups.values():
        up = tuple(max(m.size[d] for m in members) for d in range(nd))
        down = tuple(min(m.size[d] for m in members) for d in range(nd))
        copies = [c for m in members for c in m.members]
        label = members[0].key if len(members) == 1 else f"{members[0].key}+{len(members) - 1}"
        upper.append(Item(label, up, copies, members[0].seats, members[0].anti))
        lower.append(Item(label, down, copies, members[0].seats, members[0].anti))
    order = sorted(range(len(upper)), key=lambda i: (-sum(upper[i].size), upper[i].key))

    def clone(items: list[Item]) -> Problem:
        return replace(problem, items=[items[i] for i in order])

    return clone(upper), clone(lower)
