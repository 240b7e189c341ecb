"""Issue 24: fuzzed policy and catalog files give a clear error or a verified plan, never a
traceback and never a false status."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.model.plan import STATUSES
from planner.readers.catalog import parse_catalog, parse_policy
from planner.readers.inventory import Inventory, Workload
from planner.readers.schema import (
    CATALOG_FIELDS,
    HOST_FIELDS,
    POLICY_FIELDS,
    SCENARIO_FIELDS,
    UNIT_FIELDS,
)
from planner.solver.engine import plan
from planner.verify import check_plan

INV = Inventory((Workload("a", 2, 8, 100), Workload("b", 4, 16, 200, count=3),
                 Workload("ws", 1, 4, 60, kind="workstation", count=2)))

scalars = st.one_of(
    st.integers(-5, 5), st.integers(-10**12, 10**12), st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from(["0 GiB", "0 MiB", "4 GiB", "1,024 MiB", "1.5 TB", "64", "-1 GiB", "",
                     "abc", "16 Gb", "0", "provisioned", "used", "NaN GiB", "25.50", "1e400"]),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.just([1, 2]),
                   st.dictionaries(st.sampled_from(["x", "per_year", "EUR"]), scalars,
                                   max_size=2))


def _keys(fields: Any, extra: tuple[str, ...] = ()) -> Any:
    names = [f.name for f in fields] + list(extra)
    typos = [n[:-1] for n in names] + [n + "s" for n in names]
    return st.sampled_from(names + typos[:6])


def _table(fields: Any, base: dict[str, Any]) -> Any:
    return st.dictionaries(_keys(fields), values, max_size=3).map(lambda d: {**base, **d})


HOST = {"name": "PC", "cores": 16, "memory": "128 GiB", "storage": "4 TB", "monthly_fee": 100}
UNIT = {"name": "U", "slots": 4, "seats": 4}
catalogs = st.builds(
    lambda top, hosts, units: {**top, "host": hosts, **({"unit": units} if units else {})},
    st.dictionaries(_keys(CATALOG_FIELDS), values, max_size=2),
    st.lists(_table(HOST_FIELDS, HOST), min_size=1, max_size=2),
    st.lists(_table(UNIT_FIELDS, UNIT), max_size=1),
)
policies = st.builds(
    lambda top, sc: {**top, **({"scenario": sc} if sc is not None else {})},
    st.dictionaries(_keys(POLICY_FIELDS), values, max_size=3),
    st.one_of(st.none(), st.dictionaries(_keys(SCENARIO_FIELDS), values, max_size=2)),
)


def _check(cat_data: dict[str, Any], pol_data: dict[str, Any]) -> None:
    try:
        cat = parse_catalog(cat_data, "fuzz.toml")
        pol = parse_policy(pol_data, "policy.toml")
    except InputError as exc:
        text = str(exc)
        assert ("fuzz.toml" in text or "policy.toml" in text) and exc.fix, text
        return
    p = plan(INV, cat, pol, time_limit=0.3)
    assert p.status in STATUSES and not p.interrupted
    assert check_plan(p, INV, cat, pol) == []
    if p.status == "optimal":
        assert (p.lower_bound == p.cost and p.hosts) or not p.unplaced
    placed = sum(len(h.workloads) for h in p.hosts)
    assert placed + len(p.unplaced) + len(p.out_of_scope) == INV.total_instances


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs, policies)
def test_fuzzed_files_give_a_clear_error_or_a_true_plan(cat: dict[str, Any],
                                                        pol: dict[str, Any]) -> None:
    _check(cat, pol)
