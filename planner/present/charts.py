"""Plotly figures of a plan, a comparison and a sweep, for the dashboard and the written plan.

Every figure has a title, axis titles with units or the currency, numbers formatted with units,
and the Okabe-Ito palette (safe for the common colour-vision deficiencies). Pure functions of
the package's results: no UI code here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go

from planner.model.plan import Plan, PlannedHost
from planner.money.costing import Assessment
from planner.readers.catalog import Policy
from planner.recovery.timeline import Timeline

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
DIMENSIONS = (("vcpu", "vCPU", "vCPU"), ("memory_gib", "memory", "GiB"),
              ("storage_gb", "storage", "GB"))


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.0, "xanchor": "left"}, height=height,
                      template="plotly_white", colorway=list(PALETTE),
                      margin={"l": 60, "r": 20, "t": 60, "b": 60},
                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.0,
                              "xanchor": "right", "x": 1.0},
                      font={"size": 13}, hoverlabel={"namelength": -1})
    return fig


def money_text(x: Decimal | float | None, currency: str, digits: int = 0) -> str:
    """An amount with thousands separators and its currency, e.g. ``1,297,350 USD``."""
    if x is None:
        return "n/a"
    return f"{float(x):,.{digits}f} {currency}"


def _names(names: Sequence[str], limit: int = 12) -> str:
    shown = "<br>".join(names[:limit])
    return shown + (f"<br>... and {len(names) - limit} more" if len(names) > limit else "")


def binding(host: PlannedHost) -> str:
    """The dimension a PC fills most, as a share of its usable capacity (vCPU, memory, ...)."""
    shares = [host.used[d[0]] / (host.usable[d[0]] or 1.0) for d in DIMENSIONS]
    return DIMENSIONS[shares.index(max(shares))][1]


def utilisation_figure(plan: Plan) -> go.Figure:
    """Per-PC use of usable capacity in each dimension (%), the binding one marked in hover."""
    ids = [h.id for h in plan.hosts]
    fig = go.Figure()
    for (key, label, unit), colour in zip(DIMENSIONS, PALETTE, strict=False):
        pct, hover = [], []
        for h in plan.hosts:
            cap = h.usable[key] or 1.0
            p = 100 * h.used[key] / cap
            pct.append(p)
            hover.append(f"{h.id} ({h.model}{', ' + h.unit if h.unit else ''})<br>{label}: "
                         f"{h.used[key]:,.1f} of {h.usable[key]:,.1f} {unit} ({p:.0f} %)<br>"
                         f"binding: {binding(h)}<br>{len(h.workloads)} workloads:<br>"
                         + _names(h.workloads))
        fig.add_bar(x=ids, y=pct, name=label if label == unit else f"{label} ({unit})",
                    marker_color=colour,
                    hovertext=hover, hoverinfo="text")
    fig.update_yaxes(title_text="share of usable capacity (%)", range=[0, 105],
                     ticksuffix=" %")
    fig.update_xaxes(title_text="recovery PC")
    fig.update_layout(barmode="group")
    return _layout(fig, "Utilisation of each recovery PC (after overcommit and headroom)")


#: the treemap's colours: the palette with a light grey for black (a black box hid its PCs'
#: borders; dark text on this grey reads at 5:1)
TREEMAP_COLOURS = (*PALETTE[:-1], "#BBBBBB")
#: labels smaller than this (px) are not printed in the treemap; hover still names the box
TREEMAP_MIN_TEXT = 11


def contents_figure(plan: Plan) -> go.Figure:
    """Units, the PCs and staff seats in them, the workloads on each PC (hover: names).

    A box's size counts what it holds, one workload or one staff seat each, so a unit that
    carries staff seats only (no PCs) is drawn with its seats instead of vanishing.
    """
    labels, parents, values, ids, hover = [], [], [], [], []
    seats = sum(u.seats_used for u in plan.units)
    labels.append(f"{len(plan.hosts)} PCs" + (f", {seats:,} staff seats" if seats else ""))
    parents.append("")
    ids.append("root")
    values.append(0.0)
    hover.append(f"{len(plan.hosts)} PCs in {len(plan.units)} mobile units")
    for u in plan.units:
        ids.append(u.id)
        labels.append(f"{u.id} {u.model}")
        parents.append("root")
        values.append(0.0)
        hover.append(f"{u.id} ({u.model}): {len(u.hosts)} PCs, {u.slots_used} slots, "
                     f"{u.seats_used} seats in use")
        if u.seats_used:
            ids.append(f"{u.id}/seats")
            labels.append(f"{u.seats_used} staff seats" + ("" if u.hosts else "<br>no PCs"))
            parents.append(u.id)
            values.append(float(u.seats_used))
            hover.append(f"{u.id} ({u.model}): {u.seats_used} staff seats in use"
                         + ("" if u.hosts else "; it carries no PCs"))
    for h in plan.hosts:
        ids.append(h.id)
        labels.append(f"{h.id}<br>{h.model}")  # two short lines fit a narrow box
        parents.append(h.unit or "root")
        values.append(0.0)
        hover.append(f"{h.id} ({h.model}): {len(h.workloads)} workloads, "
                     f"{h.used['vcpu']:,.1f} vCPU, {h.used['memory_gib']:,.1f} GiB")
        for n in h.workloads:
            ids.append(f"{h.id}/{n}")
            labels.append(n)
            parents.append(h.id)
            values.append(1.0)
            hover.append(f"{n} on {h.id}")
    fig = go.Figure(go.Treemap(ids=ids, labels=labels, parents=parents, values=values,
                               hovertext=hover, hoverinfo="text", branchvalues="remainder",
                               maxdepth=3, marker={"colors": None},
                               root_color="#f4f4f4"))
    _layout(fig, "What runs where: mobile units, recovery PCs, workloads and staff seats",
            height=540)
    fig.update_layout(title_subtitle_text="Box size: one workload or staff seat each. Click "
                      "a box to zoom; hover a box for its name where no label fits.",
                      title_subtitle_font_size=12, margin_t=80,
                      colorway=list(TREEMAP_COLOURS),
                      uniformtext={"minsize": TREEMAP_MIN_TEXT, "mode": "hide"})
    return fig


def component_figure(assessments: Sequence[Assessment]) -> go.Figure:
    """Cost over the term by component, virtual and physical per quote (stacked)."""
    rows = []
    for a in assessments:
        df = a.breakdown()
        for r in df.to_dict(orient="records"):
            rows.append({"quote": f"{a.vendor}<br>{r['option']}", "component": r["component"],
                         "total": float(r["total"])})
    df = pd.DataFrame(rows)
    cur = assessments[0].currency if assessments else ""
    fig = go.Figure()
    if not df.empty:
        for comp, colour in zip(df["component"].unique(), PALETTE, strict=False):
            part = df[df["component"] == comp]
            fig.add_bar(x=part["quote"], y=part["total"], name=str(comp), marker_color=colour,
                        hovertemplate=f"%{{x}}<br>{comp}: %{{y:,.0f}} {cur}<extra></extra>")
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=f"cost over the term ({cur})", tickformat=",.0f")
    fig.update_xaxes(title_text="quote and option")
    return _layout(fig, f"Cost over the term by component ({cur})", height=460)


def cashflow_figure(assessments: Sequence[Assessment]) -> go.Figure:
    """Virtual cash flow by contract year for each quote (year 0: the contract start)."""
    cur = assessments[0].currency if assessments else ""
    fig = go.Figure()
    for a, colour in zip(assessments, PALETTE, strict=False):
        t = a.virtual.table()
        by_year = t.groupby("year")["amount"].sum()
        fig.add_scatter(x=list(by_year.index), y=[float(v) for v in by_year.values],
                        mode="lines+markers", name=a.vendor, line={"color": colour},
                        hovertemplate=f"{a.vendor}<br>year %{{x}}: %{{y:,.0f}} {cur}"
                                      "<extra></extra>")
    fig.update_xaxes(title_text="contract year (0 = start)", dtick=1)
    fig.update_yaxes(title_text=f"paid in the year ({cur})", tickformat=",.0f", rangemode="tozero")
    return _layout(fig, f"Cash flow of the virtual plan by year ({cur})")


#: a swept parameter in words with its unit, and the factor from the policy's value to it
#: (fractions shown in %, as the sliders show them)
SWEPT: dict[str, tuple[str, str, float]] = {
    "cpu_overcommit": ("CPU overcommit", "vCPU per core", 1.0),
    "overcommit": ("CPU overcommit", "vCPU per core", 1.0),
    "memory_overcommit": ("memory overcommit", "ratio", 1.0),
    "headroom": ("headroom", "%", 100.0),
    "growth_per_year": ("growth per year", "%", 100.0),
    "host_reserved_cores": ("cores reserved for the host", "cores", 1.0),
    "declarations": ("declared disasters over the term", "expected", 1.0),
    "disaster_days": ("days in use per disaster", "days", 1.0),
}


def swept(parameter: str) -> tuple[str, str, float]:
    """(words, unit, factor) of a swept parameter (its own name, no unit, 1 when unknown)."""
    return SWEPT.get(parameter, (parameter.replace("_", " "), "", 1.0))


def sweep_figure(points: pd.DataFrame, parameter: str, metric: str, current: float | None,
                 currency: str) -> go.Figure:
    """A metric (``total`` cost or ``pcs``) against one swept parameter, one line per quote.

    ``points`` is a sweep's tidy table (``SweepResult.points``, one parameter at a time). The
    parameter is shown with its unit, fractions in % (as the sliders show them).
    """
    fig = go.Figure()
    label = f"cost over the term ({currency})" if metric == "total" else "recovery PCs"
    fmt = ",.0f"
    words, unit, k = swept(parameter)
    axis = f"{words} ({unit})" if unit else words
    sub = points[points["varied"] == parameter]
    for (vendor, part), colour in zip(sub.groupby("vendor", sort=True), PALETTE, strict=False):
        part = part.sort_values(parameter)
        fig.add_scatter(x=[float(v) * k for v in part[parameter]],
                        y=[float(v) for v in part[metric]],
                        mode="lines+markers", name=str(vendor), line={"color": colour},
                        hovertemplate=f"{vendor}<br>{axis} %{{x:.4g}}: %{{y:{fmt}}}"
                                      f"{' ' + currency if metric == 'total' else ' PCs'}"
                                      "<extra></extra>")
    if current is not None:
        fig.add_vline(x=current * k, line_dash="dash", line_color="#555555",
                      annotation_text="current", annotation_position="top left")
    fig.update_xaxes(title_text=axis)
    fig.update_yaxes(title_text=label, tickformat=fmt)
    _layout(fig, f"{label[0].upper() + label[1:]} against {words}", height=420)
    # the legend under the plot: above it, it ran over the title on a half-width chart
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.25,
                              "xanchor": "left", "x": 0.0},
                      margin={"l": 60, "r": 20, "t": 60, "b": 110})
    return fig


#: tier colours (Okabe-Ito): vermillion, orange, blue, bluish green; grey for waiting
TIER_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#0072B2", 4: "#009E73"}
WAIT_COLOUR = "#BBBBBB"
#: line dash per tier, so RTO lines differ without colour too
TIER_DASH = {1: "solid", 2: "dash", 3: "dot", 4: "dashdot"}


def timeline_figure(tl: Timeline, policy: Policy, *, title: str | None = None) -> go.Figure:
    """Recovery timeline: one row per PC, restores coloured by tier, a line per tier's RTO.

    x: hours after the declaration [h]. Grey: waiting for delivery; coloured: a workload's
    restore and boot, in the order they run on that PC (a workstation waiting for its staff
    seat's unit says so when hovered).
    """
    fig = go.Figure()
    rows = [p.id if p.unit is None else f"{p.id} ({p.unit})" for p in tl.pcs]
    label = {p.id: r for p, r in zip(tl.pcs, rows, strict=True)}
    fig.add_trace(go.Bar(
        y=rows, x=[p.delivery for p in tl.pcs], base=[0.0] * len(tl.pcs), orientation="h",
        marker={"color": WAIT_COLOUR}, name="waiting for delivery",
        hovertemplate="%{y}: on site at %{x:.1f} h<extra></extra>"))
    for tier in sorted({w.tier for w in tl.workloads}):
        ws = [w for w in tl.workloads if w.tier == tier]
        fig.add_trace(go.Bar(
            y=[label[w.pc] for w in ws], x=[w.booted_at - w.restore_start for w in ws],
            base=[w.restore_start for w in ws], orientation="h",
            marker={"color": TIER_COLOURS.get(tier, "#000000"),
                    "line": {"color": "#FFFFFF", "width": 0.5}},
            name=f"tier {tier}",
            customdata=[[w.name, w.running_at,
                         "" if w.seat_at is None or w.seat_at <= w.booted_at else
                         f" (waits for its staff seat in {w.seat_unit}, on site at "
                         f"{w.seat_at:.1f} h)"] for w in ws],
            hovertemplate="%{customdata[0]}: restore from %{base:.2f} h, running at "
                          "%{customdata[1]:.2f} h%{customdata[2]}<extra>tier " + str(tier)
                          + "</extra>"))
    for tier, hours in policy.rto:
        fig.add_vline(x=hours, line={"color": TIER_COLOURS.get(tier, "#000000"), "width": 2,
                                     "dash": TIER_DASH.get(tier, "solid")},
                      annotation={"text": f"tier {tier} RTO {hours:g} h",
                                  "font": {"size": 13,
                                           "color": TIER_COLOURS.get(tier, "#000000")},
                                  "bgcolor": "rgba(255,255,255,0.85)",
                                  "yshift": -18 * (tier - 1)},
                      annotation_position="top right")
    fig.update_layout(
        barmode="overlay", title=title or "Recovery timeline after a declaration",
        xaxis_title="hours after the declaration [h]", yaxis_title="recovery PC (unit)",
        yaxis={"autorange": "reversed", "type": "category"},
        # the legend at the figure's foot, below the axis title (never on top of it)
        legend={"orientation": "h", "yref": "container", "y": 0.0, "yanchor": "bottom"},
        height=min(2440, 220 + 22 * len(rows)), margin={"l": 10, "r": 10, "t": 60, "b": 80},
        plot_bgcolor="#FFFFFF", template="plotly_white", font={"size": 13})
    fig.update_xaxes(rangemode="tozero", showgrid=True, gridcolor="#E5E5E5")
    return fig
