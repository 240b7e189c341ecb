"""Each browser session's state: its inputs, its plan runs and its saved scenarios.

Everything a user uploads or edits lives in ``st.session_state`` (per browser session, in
memory, never written to disk). Solves run in the background (``planner.PlanRun``), one per
distinct set of inputs; a finished plan is kept in a process-wide cache keyed by a hash of the
inputs, so identical questions are answered at once, and a changed policy starts from the
previous plan (warm start).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import streamlit as st

import planner
from planner import (
    MEASURED,
    Catalog,
    ImportSummary,
    Inventory,
    Plan,
    PlanRun,
    Policy,
    RtoPlan,
    RtoRun,
    SizingSummary,
)
from planner.money.compare import reporting_currency
from planner.present import save_bundle

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INVENTORY = ROOT / "data" / "sample" / "inventory.csv"
SAMPLE_CATALOG = ROOT / "data" / "sample" / "catalog.toml"
SAMPLE_POLICY = ROOT / "data" / "sample" / "policy.toml"
SAMPLE_QUOTES = sorted((ROOT / "data" / "quotes").glob("*.toml"))
#: uploads above this size are refused (the server's own limit is .streamlit/config.toml)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
#: seconds each solve may take; the first verified plan shows long before
#: (PLANNER_TIME_LIMIT overrides it: the tests use a short one)
TIME_LIMIT = float(os.environ.get("PLANNER_TIME_LIMIT", "30"))
#: plan runs one session keeps (older ones are stopped and dropped)
MAX_RUNS = 24


@dataclass
class Inputs:
    """What the user plans with: the inventory (with edits), quotes, the policy.

    ``inventory`` is what is planned: sized on measured use where the policy asks for it and a
    usage file is loaded (``resize``); ``provisioned`` is then the inventory as imported and
    edited (None: the two are the same) and ``sizing`` the account of it.
    """

    inventory: Inventory
    summary: ImportSummary
    inventory_name: str
    catalogs: list[Catalog]
    policy: Policy
    active: int = 0
    frame_version: int = 0
    notes: list[str] = field(default_factory=list)
    #: plan so every tier meets the policy's RTO (the Plan page's switch; ``--enforce-rto``)
    enforce_rto: bool = False
    provisioned: Inventory | None = None
    usage_name: str | None = None
    usage_data: bytes | None = field(default=None, repr=False)
    sizing: SizingSummary | None = None

    @property
    def base(self) -> Inventory:
        """The inventory as imported and edited, before sizing on measured use."""
        return self.provisioned or self.inventory

    def wants_usage(self) -> bool:
        """Whether the policy (or the mapping) sizes any workload on measured use."""
        return any(planner.sizing_mode(w, self.policy) == MEASURED for w in self.base.workloads)


def resize(new: Inputs) -> Inputs:
    """The inputs with the planned inventory sized as their policy and usage file say.

    ``new.inventory`` (or ``new.provisioned`` where set) is taken as the provisioned inventory.
    A bad usage file raises the reader's PlannerError (file, row, field), nothing changed.
    """
    base = new.base
    if not new.wants_usage():
        return replace(new, inventory=base, provisioned=None, sizing=None)
    sized, summary = planner.size_inventory(base, new.summary, new.policy,
                                            new.usage_name, data=new.usage_data)
    return replace(new, inventory=sized, provisioned=base, sizing=summary)


def scenario_file(inp: Inputs) -> bytes:
    """The session's scenario as one file that loads back sized the same way.

    The inventory as imported and edited, the quotes, the policy, the usage file and what
    sizing takes from the import.
    """
    usage = (None if inp.usage_name is None or inp.usage_data is None
             else (inp.usage_name, inp.usage_data))
    return save_bundle(inp.base, inp.catalogs, inp.policy, imported=inp.summary, usage=usage,
                       active=inp.active, enforce_rto=inp.enforce_rto)


def reset_policy_form() -> None:
    """Make the policy form show the session's policy afresh (after a policy is loaded).

    Keyed widgets keep their value across reruns whatever default they are given, in the
    browser too: after a policy or scenario upload the form showed the previous values, and
    "Apply policy" would have put them back. New keys make new widgets, drawn from the policy.
    """
    version = int(st.session_state.get("policy_form_version", 0))
    for k in [k for k in st.session_state if str(k).startswith("pol_")]:
        del st.session_state[k]
    st.session_state["policy_form_version"] = version + 1


def with_sizing(plan: Plan) -> Plan:
    """The plan with the session's sizing account in its stats (for the exports)."""
    sz = inputs().sizing
    if sz is None:
        return plan
    extra = [w for w in sz.warnings() if w not in plan.warnings]
    return replace(plan, stats={**plan.stats, "sizing": sz.to_dict()},
                   warnings=[*plan.warnings, *extra])


def sample_inputs() -> Inputs:
    """The bundled sample: its inventory, the sample catalog and the three sample quotes."""
    inv, summary = planner.load_inventory("data/sample/inventory.csv",
                                          data=SAMPLE_INVENTORY.read_bytes())
    catalogs = [planner.load_catalog(SAMPLE_CATALOG)]
    catalogs += [planner.load_catalog(q) for q in SAMPLE_QUOTES]
    return Inputs(inv, summary, "sample inventory", catalogs,
                  planner.load_policy(SAMPLE_POLICY))


def init() -> Inputs:
    """The session's inputs, the sample on the first visit."""
    if "inputs" not in st.session_state:
        st.session_state["inputs"] = sample_inputs()
        st.session_state["runs"] = {}
        st.session_state["scenarios"] = {}
        st.session_state["last_plan"] = {}
    inputs: Inputs = st.session_state["inputs"]
    return inputs


def inputs() -> Inputs:
    """The session's inputs."""
    return init()


def set_inputs(new: Inputs) -> None:
    """Replace this session's inputs (the plan runs follow by their keys)."""
    st.session_state["inputs"] = new


def check_upload(name: str, data: bytes) -> None:
    """Refuse uploads over the size limit with a message, before any parsing."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise planner.InputError(
            f"upload is {len(data) / 1e6:,.1f} MB; the limit is {MAX_UPLOAD_BYTES / 1e6:,.0f} MB",
            file=name, fix="split the inventory, or group identical machines with 'count'")


def key_of(inventory: Inventory, catalog: Catalog, policy: Policy, time_limit: float,
           enforce_rto: bool = False) -> str:
    """A hash of everything a plan depends on (the cache key of plans and runs).

    The RTOs and approvers change only a plan made to meet the RTO: a plain plan's key leaves
    them out, so changing a target keeps the plan (and its proof) instead of solving again.
    """
    if not enforce_rto:
        policy = replace(policy, rto=(), approvals=())
    # a dataclass's repr holds every field, the scenario and the extras included
    text = repr((inventory.workloads, catalog, policy, time_limit))
    if enforce_rto:  # the key of a plain plan is unchanged
        text += "|enforce_rto"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@st.cache_resource(max_entries=1)
def _finished() -> dict[str, Plan]:
    """Finished plans by input key, shared by all sessions (same inputs, same answer)."""
    return {}


@st.cache_resource(max_entries=1)
def _finished_rto() -> dict[str, RtoPlan]:
    """Finished plans meeting the RTO (with what that costs) by input key, shared likewise."""
    return {}


def enforcing() -> bool:
    """Whether this session plans to meet the RTO (the switch is on and the policy has one)."""
    inp = inputs()
    return inp.enforce_rto and bool(inp.policy.rto)


def run_for(catalog_index: int | None = None, policy: Policy | None = None,
            time_limit: float = TIME_LIMIT, enforce_rto: bool = False) -> PlanRun:
    """The plan run for the session's inventory, one quote and a policy (started if new).

    A new run starts from this session's last plan for the same quote (warm start), so a
    what-if answers at once; a finished run's plan goes to the shared cache. With
    ``enforce_rto`` (and RTO targets in the policy) the run is an ``RtoRun``: its plan meets
    the RTO and its ``result`` says what that costs; it starts from the finished plan that
    ignores the RTO when the cache has it.
    """
    inp = inputs()
    ci = inp.active if catalog_index is None else catalog_index
    catalog = inp.catalogs[ci]
    pol = policy or inp.policy
    enforce_rto = enforce_rto and bool(pol.rto)
    key = key_of(inp.inventory, catalog, pol, time_limit, enforce_rto)
    runs: dict[str, PlanRun] = st.session_state["runs"]
    run = runs.get(key)
    if run is None and enforce_rto:
        free = _finished().get(key_of(inp.inventory, catalog, pol, time_limit))
        run = RtoRun(inp.inventory, catalog, pol, time_limit=time_limit, unconstrained=free,
                     known=_finished_rto().get(key))
        runs[key] = run.start()
    elif run is None:
        done = _finished().get(key)
        start = st.session_state["last_plan"].get(catalog.source or catalog.vendor)
        run = PlanRun(inp.inventory, catalog, pol, time_limit=time_limit, start=start,
                      known=done)
        runs[key] = run.start()
    if not enforce_rto and (run.policy.rto, run.policy.approvals) != (pol.rto, pol.approvals):
        # the same plan (the key leaves the RTOs out): its timeline and written plan follow
        # the targets and approvers now set
        run.policy = replace(run.policy, rto=pol.rto, approvals=pol.approvals)
    while len(runs) > MAX_RUNS:
        old = next(iter(runs))
        runs.pop(old).stop()
    p = run.progress()
    if p.plan is not None:
        finished = (p.done and not p.stopped and p.error is None
                    and not p.plan.stats.get("interrupted"))
        if isinstance(run, RtoRun):
            # the enforced plan is no warm start for plain solves (its PCs are sized for the
            # RTO); its result is cached whole
            if finished and run.result is not None:
                _finished_rto()[key] = run.result
        else:
            st.session_state["last_plan"][catalog.source or catalog.vendor] = p.plan
            if finished:
                _finished()[key] = p.plan
    return run


def plain_run() -> PlanRun | None:
    """The session's run ignoring the RTO for the active quote and policy, if there is one.

    Never starts a solve: a run already made in this session, or one answered at once from
    the finished plans of the same inputs; else None.
    """
    inp = inputs()
    key = key_of(inp.inventory, inp.catalogs[inp.active], inp.policy, TIME_LIMIT)
    run = st.session_state["runs"].get(key)
    if run is None and key in _finished():
        run = run_for()  # a cached plan: handed over without solving
    return run


def stop_all() -> None:
    """Stop every running solve of this session (each keeps its best plan)."""
    for run in st.session_state.get("runs", {}).values():
        run.stop()


def policy_with(policy: Policy, **changes: Any) -> Policy:
    """The policy with packing fields and scenario fields changed (scenario keys by name).

    A value equal to the current one keeps the current one (``Decimal("21.0")`` for 21 days
    would change the repr, so the plan cache's key, and re-plan the same policy).
    """
    scenario_keys = set(policy.scenario.__dataclass_fields__)
    sc = {k: v for k, v in changes.items()
          if k in scenario_keys and getattr(policy.scenario, k) != v}
    pack = {k: v for k, v in changes.items()
            if k not in scenario_keys and getattr(policy, k) != v}
    out = replace(policy, **pack) if pack else policy
    return replace(out, scenario=replace(policy.scenario, **sc)) if sc else out


def sidebar() -> None:
    """What the session plans with, in the sidebar of every page."""
    inp = inputs()
    cat = inp.catalogs[inp.active]
    pol = inp.policy
    usage = f"usage: {inp.usage_name}" if inp.usage_name else "no usage file yet"
    with st.sidebar:
        st.markdown("**Planning with**")
        st.caption(f"Inventory: {inp.inventory_name} ({inp.inventory.total_instances:,} "
                   f"machines)  \nQuote: {cat.vendor} ({cat.term_years}-year term, "
                   f"{cat.currency})  \nPolicy: {pol.cpu_overcommit:g} vCPU per core, "
                   f"{100 * pol.headroom:g} % headroom, {100 * pol.growth_per_year:g} % growth "
                   "a year"
                   + (f", sized on measured use ({usage})" if inp.wants_usage() else "")
                   + (f", N+{pol.spares} spare PCs" if pol.spares else ""))


def pick_quote(widget_key: str) -> None:
    """A quote picker's on_change: the chosen quote becomes the active one before the rerun."""
    inputs().active = int(st.session_state[widget_key])


def set_enforce_rto(widget_key: str) -> None:
    """The RTO switch's on_change: the session plans to meet the RTO (or not) from this run."""
    inputs().enforce_rto = bool(st.session_state[widget_key])


def compare_policy() -> Policy:
    """The policy with the scenario ``planner compare`` uses: amounts in one reporting currency."""
    inp = inputs()
    return replace(inp.policy, scenario=reporting_currency(inp.catalogs, inp.policy))
