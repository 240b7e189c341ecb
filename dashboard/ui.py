"""Small UI helpers shared by the pages: money and counts in words, status in words, errors."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from planner import Plan, PlannerError, Progress
from planner.readers.schema import POLICY_FIELDS, Field


def money(x: Decimal | float | None, currency: str, digits: int = 0) -> str:
    """``1,297,350 USD``; in count mode (currency "PCs") a plain count."""
    if x is None:
        return "n/a"
    if currency == "PCs":
        return f"{float(x):,.3f} PC-equivalents"
    return f"{float(x):,.{digits}f} {currency}"


#: what a read-only table shows where a value is missing (Streamlit writes "None" otherwise)
MISSING = "—"


def table(data: pd.DataFrame, key: str, where: Any = None, **kw: Any) -> None:
    """A read-only table as every page shows them.

    No index, the page's width, and a missing value as "—" (the frame itself keeps its
    empty cells, so the exports built from it stay empty).
    """
    (where or st).dataframe(data, hide_index=True, width="stretch", key=key,
                            placeholder=MISSING, **kw)


def editor(data: pd.DataFrame, key: str, where: Any = None, missing: str = "",
           **kw: Any) -> pd.DataFrame:
    """An editable table as every page shows them; returns the edited frame.

    No index, the page's width, and an empty cell shown blank: empty means "not set", and
    the caption above each editor says what that stands for (``missing`` where a blank
    would read as a value to fill in, e.g. "—" for a field that does not apply).
    """
    edited: pd.DataFrame = (where or st).data_editor(
        data, hide_index=True, width="stretch", key=key, placeholder=missing, **kw)
    return edited


def money_columns(columns: Iterable[str], currency: str = "",
                  helps: dict[str, str] | None = None) -> dict[str, Any]:
    """Column configs that show money the same way on every page's tables.

    Thousands separators and cents on every row ("accounting": 1,323,060.00, a negative in
    brackets), snake_case names read as words, and ``currency`` added to a label that does
    not name it already (``one_time`` -> ``one time (USD)``); ``helps``: a heading's tooltip
    by column name.
    """
    out: dict[str, Any] = {}
    for c in columns:
        label = c.replace("_", " ")
        if currency and f"({currency})" not in label:
            label += f" ({currency})"
        out[c] = st.column_config.NumberColumn(label, format="accounting",
                                               help=(helps or {}).get(c))
    return out


#: what every page's saving is measured against (the Plan page's "Saving vs physical imaging")
SAVING_AGAINST = "vs physical imaging"
#: the saving's tooltip, the same on every page (docs/cost-model.md)
SAVING_HELP = ("Physical imaging (one recovery PC and one image per machine) priced under the "
               "same vendor's quote and the policy's scenario, minus this plan's cost: both "
               "over the contract term (docs/cost-model.md).")
#: physical imaging in a few words, under a metric (a help icon would cut its label at 1280 px)
PHYSICAL_WORDS = "one recovery PC and one image per machine, same vendor's quote, over the term"
#: the physical imaging column's tooltip
PHYSICAL_HELP = ("Physical imaging (one recovery PC and one image per machine) under the same "
                 "vendor's quote, over the contract term: what the saving is measured against.")


def saving_label(currency: str, present_value: bool = False) -> str:
    """``saving vs physical imaging (USD)``: a table heading that says what it is against."""
    pv = ", present value" if present_value else ""
    return f"saving {SAVING_AGAINST}{pv} ({currency})"


def clock_words(elapsed: float, limit: float) -> str:
    """``12 s of the 30 s time limit``: where a run is against its whole time limit.

    A phase's own "time left" restarts with each phase; this one only grows.
    """
    if elapsed > limit:
        return f"{elapsed:,.1f} s; the {limit:g} s time limit is reached, finishing the checks"
    return f"{elapsed:,.1f} s of the {limit:g} s time limit"


def clock_fraction(elapsed: float, limit: float) -> float:
    """The share of the whole time limit used (a progress bar's value, 0 to 1)."""
    return min(1.0, max(0.0, elapsed / max(limit, 0.1)))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 unit``, ``2 units``, ``1,024 PCs``."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def counts_text(counts: dict[str, int]) -> str:
    """``RPC-M × 9, RPC-L × 4``."""
    return ", ".join(f"{m} × {k:,}" for m, k in counts.items()) or "none"


def status_words(plan: Plan, progress: Progress | None = None,
                 rto_missed: bool = False) -> tuple[str, str]:
    """The plan's standing in words a manager can repeat, and a Streamlit colour for it.

    "Proven optimal" only where the bound meets the cost with every placeable workload placed;
    otherwise the proven gap, or why no bound is claimed. ``rto_missed``: the answer of a
    search for a plan meeting the RTO still leaves a tier late (also when that answer is the
    plan ignoring the RTO, which carries no mark of the search).
    """
    running = progress is not None and not progress.done
    interrupted = plan.interrupted or bool(plan.stats.get("interrupted")) or (
        progress is not None and progress.stopped)
    if plan.status == "interrupted before any plan":
        return ("Stopped before any plan was found: nothing to show yet. Run it again.", "red")
    what = ("expected cost of its PCs and units over the term" if plan.objective == "money"
            else "PC count")
    if plan.status == "infeasible":
        return ("No complete plan: vendor stock is too small or no workload fits any PC "
                "model, so no bound is claimed. See the unplaced list.", "red")
    words, colour = _status_words(plan, progress, running, interrupted, what, rto_missed)
    sp = plan.stats.get("spares")
    if isinstance(sp, dict) and sp.get("model"):  # N+k: the proof covers one shape of spares
        words += (f" For N+{int(sp['k'])}, the bound and the proof cover plans whose spares "
                  "are of one model or mixed"
                  + (" (every working PC fits every spare)." if not sp.get("per_unit") else
                     ", each unit's own spare models." if sp.get("per_unit_sets") else
                     ", the same spare models in every unit.")
                  + ("" if "beyond" not in str(sp.get("scope", "")) else
                     " Some mixes of spare models were not searched (see the scope)."))
    return words, colour


def _status_words(plan: Plan, progress: Progress | None, running: bool, interrupted: bool,
                  what: str, rto_missed: bool) -> tuple[str, str]:
    """status_words for a plan with a result (the bound and gap in words)."""
    if rto_missed and not running and not interrupted:
        # planned for the RTO, yet a tier still misses it: never "meeting it" in the headline
        low = plan.lower_bound
        gap_words = ("no plan at all costs less" if plan.status == "optimal" else
                     f"at most {100 * (plan.gap or 0):.2f} % above the cheapest plan at all"
                     + ("" if low is None
                        else f" (proven lower bound {money(low, plan.currency)})"))
        return ("Planned to meet the RTO where it can be met, but a tier still misses its "
                f"target (see the recovery timeline); {gap_words}.", "orange")
    if plan.status == "optimal" and not plan.unplaced and not interrupted:
        if plan.stats.get("rto_enforced"):
            scope = plan.stats.get("rto_assumption") or ""
            return (f"Proven optimal: no plan meeting every RTO has lower {what} for these "
                    f"inputs{f' ({scope})' if scope else ''}.", "green")
        return (f"Proven optimal: no plan has lower {what} for these inputs.", "green")
    gap = plan.gap
    low = plan.lower_bound
    if running and progress is not None and progress.bound is not None and low is not None \
            and plan.cost > 0:
        # the search's bound has risen since this plan was handed over: the plan's gap to it
        low = max(low, min(plan.cost, Decimal(repr(progress.bound))))
        gap = float((plan.cost - low) / plan.cost)
    bound = "" if low is None else f" (proven lower bound {money(low, plan.currency)})"
    if (running or interrupted) and (low is None or low <= 0):
        # no phase has proven a bound yet: "at most 100 % above" would say nothing
        return ("Best plan so far, still searching; no lower bound proven yet." if running
                else "Stopped early: the best plan found; no lower bound was proven before "
                     "the stop.", "blue" if running else "orange")
    if running:
        return (f"Best plan so far, still searching: at most {100 * (gap or 0):.2f} % above "
                f"the best possible{bound}.", "blue")
    if interrupted:
        return (f"Stopped early: the best plan found, at most {100 * (gap or 0):.2f} % above "
                f"the best possible{bound}.", "orange")
    if plan.status == "optimal" or (plan.unplaced and gap == 0.0):
        return (f"Proven optimal for the workloads placed; {plural(len(plan.unplaced), 'workload')}"
                " could not be placed (the unplaced list on the Plan page says why).", "orange")
    if plan.stats.get("rto_enforced"):
        # the bound holds for every plan meeting the RTO (docs/recovery.md): the restore
        # deadlines' own where they are packed exactly, else the plan ignoring the RTO's
        return (f"Planned to meet the RTO: at most {100 * (gap or 0):.2f} % above the best "
                f"plan meeting it{bound}; the time limit or a stricter-than-needed deadline "
                "ended the proof, so the gap is an upper estimate.", "blue")
    return (f"Within {100 * (gap or 0):.2f} % of the best possible{bound}: the time limit "
            "ended the proof, not the search for savings.", "blue")


def show_error(exc: BaseException) -> None:
    """A planner error as the reader wrote it (file, row, field, fix); never a traceback."""
    st.error(str(exc), icon=":material/error:")


@contextmanager
def guarded(what: str) -> Iterator[None]:
    """Run a user action; a bad input shows its message and the previous state stays."""
    try:
        yield
    except PlannerError as exc:
        show_error(exc)
        st.caption(f"{what} was not applied; the previous state is kept.")


def field_of(name: str, table: tuple[Field, ...] = POLICY_FIELDS) -> Field | None:
    """The schema entry of a field (its range, unit and description)."""
    return next((f for f in table if f.name == name), None)


def limits(name: str, low: float, high: float,
           table: tuple[Field, ...] = POLICY_FIELDS) -> tuple[float, float]:
    """A widget's range: the schema's documented range where it gives one, else the default."""
    f = field_of(name, table)
    lo = float(f.minimum if f is not None and f.minimum is not None else low)
    hi = float(f.maximum if f is not None and f.maximum is not None else high)
    # an open end (overcommit > 0, headroom < 1) is kept out of the widget's reach
    if f is not None and f.min_open:
        lo += 0.01 * max(1.0, abs(hi - lo)) / 100
    if f is not None and f.max_open:
        hi -= 0.01 * max(1.0, abs(hi - lo))
    return lo, hi


def help_of(name: str, table: tuple[Field, ...] = POLICY_FIELDS) -> str | None:
    """The schema's description of a field, shown as the widget's help."""
    f = field_of(name, table)
    return None if f is None else f.description + (f" [{f.unit}]" if f.unit else "")


def download(label: str, data: bytes | Callable[[], bytes], file_name: str, mime: str,
             key: str, **kw: Any) -> None:
    """A download button (data built only when needed)."""
    st.download_button(label, data() if callable(data) else data, file_name=file_name,
                       mime=mime, key=key, **kw)
