"""The written DR plan (the paper's steps 4, 7-10): one self-contained HTML file and its PDF.

``build_report`` gathers every figure from the plan, its assessment, its recovery timeline and
the test programme (so the report's numbers are the JSON plan's and ``planner compare``'s);
``render_html`` fills the jinja2 templates shipped in ``planner/present/templates``; ``write_pdf``
prints the same HTML with WeasyPrint, with the charts as SVG images (plotly's static export
through kaleido and the Chromium listed in scripts/apt-packages.txt).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go

from planner.model.plan import OPTIMAL, Plan, spare_words
from planner.money.compare import Comparison, reporting_currency
from planner.money.costing import COMPONENTS, Assessment, assess, cents
from planner.money.programme import TEST_NAMES, TEST_PURPOSE, Programme, programme
from planner.present.charts import TIER_COLOURS, timeline_figure
from planner.readers.catalog import Catalog, Policy, with_scenario
from planner.readers.inventory import Inventory
from planner.readers.usage import SNAPSHOT
from planner.recovery.enforce import RtoPlan
from planner.recovery.timeline import TierResult, Timeline, timeline

#: default approval block when the policy names nobody: roles with blank name lines
DEFAULT_APPROVALS = (("", "Prepared by (DR plan owner)"), ("", "IT manager"),
                     ("", "Finance"), ("", "Top management (plan approval)"))


@dataclass
class RtoComparison:
    """What meeting the RTO costs: the plan that ignores it against the plan that meets it."""

    unconstrained: Plan
    unconstrained_total: Decimal
    enforced_total: Decimal
    impossible: list[str] = field(default_factory=list)
    method: str = ""
    tiers: list[TierResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the answer is the plan that ignores the RTO (it meets every target, or nothing better)
    same_plan: bool = False
    #: the enforced plan is proven the cheapest meeting every target (under ``assumption``)
    proven: bool = False
    #: the delivery assumption that proof holds under ("" when none is needed)
    assumption: str = ""
    #: the plan ignoring the RTO is proven optimal
    free_proven: bool = False

    @property
    def exact(self) -> bool:
        """Whether the extra cost is exact (0 on the same plan, or a proven enforced plan)."""
        return self.meets and (self.same_plan or self.proven)

    @property
    def extra(self) -> Decimal:
        """Extra cost over the term of this plan against the plan that ignores the RTO."""
        return self.enforced_total - self.unconstrained_total

    @property
    def meets(self) -> bool:
        """Whether every tier with a target meets it."""
        return all(t.meets is not False for t in self.tiers)

    def cost_words(self, currency: str) -> str:
        """What meeting the RTO costs, in words that hold (one wording for CLI, report, UI).

        Exact when the plan that ignores the RTO already meets it, or when the enforced plan is
        proven the cheapest meeting every target (the restore deadlines are packed exactly,
        docs/recovery.md; under the delivery assumption it names, if any). Otherwise the
        cheapest plan meeting every target costs no more than this one, so the extra is "at
        most" this much.
        """
        def m(x: Decimal) -> str:
            return f"{cents(x):,.2f} {currency}"

        if self.same_plan and self.meets:
            return ("The plan that ignores the RTO already meets every target: meeting it costs "
                    "nothing more.")
        # "cannot be met" only where a workload is named that no PC model restores in time;
        # otherwise the search found no plan meeting them all, which is all it can say
        missed = ("not every target can be met (a workload cannot meet its RTO on any PC "
                  "model, below)" if self.impossible else
                  "no plan meeting every target was found")
        if self.same_plan:
            return (f"{missed[0].upper()}{missed[1:]}: this is the plan that ignores the RTO, "
                    f"{m(self.unconstrained_total)} over the term (planning for the RTO left "
                    "no fewer workloads late).")
        against = (f"{m(self.enforced_total)} over the term against {m(self.unconstrained_total)} "
                   "for the plan that ignores the RTO")
        if not self.meets:
            return (f"Planning for the RTO costs {m(self.extra)} more ({against}), and "
                    f"{missed}.")
        if self.extra < 0:
            return (f"This plan meets every target and costs {m(-self.extra)} less ({against}: "
                    "that search stopped on its clock before finding a cheaper plan).")
        scope = f" ({self.assumption})" if self.assumption else ""
        if self.exact:
            free = "" if self.free_proven else (
                " The plan that ignores the RTO is not proven optimal, so the extra is counted "
                "against the plan found.")
            return (f"Meeting the RTO costs {m(self.extra)} more ({against}): this plan is "
                    f"proven the cheapest that meets every target{scope}.{free}")
        return (f"Meeting the RTO costs at most {m(self.extra)} more ({against}). An upper "
                "estimate: this plan is not proven the cheapest that meets every "
                f"target{scope}, so a cheaper one may exist.")


def rto_comparison(r: RtoPlan, inventory: Inventory, catalog: Catalog,
                   policy: Policy) -> RtoComparison:
    """The enforced plan against the one ignoring the RTO, both priced over the term.

    Priced in the reporting currency ``planner compare`` uses, so the figures are its own.
    """
    sc = reporting_currency([catalog], policy)
    pol = with_scenario(policy, currency=sc.currency)
    before = assess(r.unconstrained, inventory, catalog, pol).virtual.total
    after = before if r.same_plan else assess(r.plan, inventory, catalog, pol).virtual.total
    notes = [n for n in r.timeline.notes if not n.startswith("tier ")]
    return RtoComparison(r.unconstrained, before, after, r.impossible, r.method,
                         list(r.timeline.tiers), notes, r.same_plan, r.proven, r.assumption,
                         r.unconstrained.status == OPTIMAL)


@dataclass
class Report:
    """Everything the written plan shows, computed once; ``context`` feeds the templates."""

    plan: Plan
    inventory: Inventory
    catalog: Catalog
    policy: Policy
    assessment: Assessment
    timeline: Timeline
    programme: Programme
    comparison: Comparison | None = None
    rto: RtoComparison | None = None
    title: str = "Disaster recovery plan"
    date: dt.date = field(default_factory=dt.date.today)

    def figure(self) -> go.Figure:
        """The recovery timeline chart."""
        return timeline_figure(self.timeline, self.policy)

    def context(self) -> dict[str, Any]:
        """The values the templates print (amounts already formatted with the currency)."""
        a, p, cur = self.assessment, self.plan, self.assessment.currency
        v, ph = a.virtual, a.physical
        tiers_all = sorted({w.tier for w in self.inventory.workloads})
        placed = sum(len(h.workloads) for h in p.hosts)
        saving_pct = (f"{100 * a.savings / ph.total:.1f} %" if ph.total else "n/a")
        models = {m.name: m for m in self.catalog.hosts}
        umodels = {m.name: m for m in self.catalog.units}
        pcs_rows = [{"model": k, "count": n, "cores": models[k].cores,
                     "memory": f"{models[k].memory_gib:g} GiB",
                     "storage": f"{models[k].storage_gb:g} GB",
                     "item": money(self.catalog.item_cost(models[k]) * v.conversion_rate, cur),
                     "total": money(self.catalog.item_cost(models[k]) * n * v.conversion_rate,
                                    cur)}
                    for k, n in p.host_counts().items()]
        unit_rows = [{"model": k, "count": n, "slots": umodels[k].slots,
                      "seats": umodels[k].seats,
                      "item": money(self.catalog.item_cost(umodels[k]) * v.conversion_rate, cur),
                      "total": money(self.catalog.item_cost(umodels[k]) * n
                                     * v.conversion_rate, cur)}
                     for k, n in p.unit_counts().items()]
        breakdown = [{"component": c, "virtual": money(v.by(c), cur),
                      "physical": money(ph.by(c), cur)} for c in COMPONENTS]
        tl = self.timeline
        tier_rows = [{"tier": t.tier, "workloads": t.workloads, "unplaced": t.unplaced,
                      "back": ("no workloads" if not t.workloads else
                               f"never ({t.unplaced} unplaced; the placed at "
                               f"{hours(t.back_at)})" if t.unplaced else hours(t.back_at)),
                      "rto": hours(t.rto),
                      "status": ("no target" if t.meets is None else
                                 "meets" if t.meets else
                                 (f"misses by {hours(t.miss)} ({t.late} late)" if t.miss else
                                  "never fully back")),
                      "ok": t.meets, "colour": TIER_COLOURS.get(t.tier, "#000")}
                     for t in tl.tiers]
        pc_rows = [{"id": q.id, "model": q.model, "unit": q.unit or "-",
                    "delivery": hours(q.delivery), "rate": f"{q.rate_gb_h:,.0f} GB/h",
                    "boot": f"{60 * q.boot:g} min", "done": hours(q.done_at),
                    "workloads": sum(1 for w in tl.workloads if w.pc == q.id)}
                   for q in tl.pcs]
        assign = [{"id": h.id, "model": h.model, "unit": h.unit or "-",
                   "workloads": ", ".join(h.workloads),
                   "vcpu": f"{h.used['vcpu']:,.1f} / {h.usable['vcpu']:,.1f}",
                   "memory": f"{h.used['memory_gib']:,.1f} / {h.usable['memory_gib']:,.1f}",
                   "storage": f"{h.used['storage_gb']:,.0f} / {h.usable['storage_gb']:,.0f}"}
                  for h in p.hosts]
        pr = self.programme
        prog_rows = [{"year": r.year, "name": r.name, "count": r.count, "scope": r.scope,
                      "pcs": ", ".join(f"{k} ×{n}" for k, n in r.pcs.items()) or "none",
                      "units": ", ".join(f"{k} ×{n}" for k, n in r.units.items()) or "none",
                      "pc_days": f"{r.pc_days:g}", "unit_days": f"{r.unit_days:g}",
                      "per_test": money(r.cost_per_test, cur)} for r in pr.rows]
        kinds = sorted({r.kind for r in pr.rows}, key=list(TEST_PURPOSE).index)
        comparison = None
        if self.comparison is not None and len(self.comparison.assessments) > 1:
            comparison = [{"rank": r["rank"], "vendor": r["vendor"],
                           "total": money(r["total"], self.comparison.currency),
                           "pv": money(r["present_value"], self.comparison.currency),
                           "pcs": r["pcs"], "units": r["units"],
                           "gap": "n/a" if r["gap"] is None else f"{100 * r['gap']:.2f} %",
                           "savings": money(r["savings"], self.comparison.currency)}
                          for r in self.comparison.rows()]
        rto = None
        if self.rto is not None:
            rto = {"unconstrained": money(self.rto.unconstrained_total, cur),
                   "enforced": money(self.rto.enforced_total, cur),
                   "extra": money(self.rto.extra, cur), "impossible": self.rto.impossible,
                   "method": self.rto.method, "notes": self.rto.notes,
                   "meets": all(t.meets is not False for t in tl.tiers),
                   "words": self.rto.cost_words(cur), "same": self.rto.same_plan,
                   "pcs_before": len(self.rto.unconstrained.hosts), "pcs_after": len(p.hosts)}
        pol = self.policy
        sc = pol.scenario
        assumptions = [
            ("CPU overcommit", f"{pol.cpu_overcommit:g} vCPU per core"),
            ("Memory overcommit", f"{pol.memory_overcommit:g}"),
            ("Headroom kept free on every PC", f"{100 * pol.headroom:g} %"),
            ("Reserved for the host", f"{pol.host_reserved_cores:g} cores, "
                                      f"{pol.host_reserved_memory_gib:g} GiB"),
            ("Demand growth", f"{100 * pol.growth_per_year:g} % a year over "
                              f"{self.catalog.term_years} years"),
            ("Storage planned and restored", pol.storage_basis),
            ("Tiers in scope", ", ".join(map(str, pol.tiers))),
            ("Workstations need a staff seat", "yes" if pol.workstation_seats else "no"),
            ("RTO targets", ", ".join(f"tier {t}: {h:g} h" for t, h in pol.rto) or "none"),
            ("Declared disasters over the term", f"{sc.declarations:g}"),
            ("Days in use per declaration", f"{sc.disaster_days:g}"),
            ("Discount rate (present value)", f"{100 * sc.discount_rate:g} %"),
            ("P2V per server / workstation", f"{money(sc.p2v_server, cur)} / "
                                             f"{money(sc.p2v_workstation, cur)}"),
            ("Hypervisor licence per PC", money(sc.hypervisor_licence, cur)),
            ("Image storage + maintenance a year", f"{money(sc.image_storage, cur)} + "
                                                   f"{money(sc.image_maintenance, cur)}"),
            ("Currency", cur + (f" (1 {self.catalog.currency} = {v.conversion_rate} {cur})"
                                if self.catalog.currency != cur else "")),
        ]
        timing = [{"model": m.name, "delivery": hours(m.delivery_hours),
                   "rate": f"{m.restore_rate_gb_h:,.0f} GB/h", "boot": f"{m.boot_minutes:g} min"}
                  for m in self.catalog.hosts]
        unit_timing = [{"model": m.name, "delivery": hours(m.delivery_hours)}
                       for m in self.catalog.units]
        approvals = pol.approvals or DEFAULT_APPROVALS
        return {
            "title": self.title, "date": self.date.isoformat(), "version": planner_version(),
            "vendor": a.vendor, "currency": cur, "term": v.term_years,
            "status": p.status, "proven": p.proven_optimal,
            "gap": "n/a" if p.gap is None else f"{100 * p.gap:.2f} %",
            "lower_bound": "n/a" if p.lower_bound is None else money(p.lower_bound, p.currency),
            "contract_fees": money(p.cost, p.currency),
            "n_pcs": len(p.hosts), "n_units": len(p.units),
            "pcs_text": ", ".join(f"{n} × {k}" for k, n in p.host_counts().items()) or "none",
            "units_text": ", ".join(f"{n} × {k}" for k, n in p.unit_counts().items())
            or "none",
            "total": money(v.total, cur), "pv": money(v.present_value, cur),
            "physical_total": money(ph.total, cur), "savings": money(a.savings, cur),
            "saving_pct": saving_pct, "one_time": money(v.one_time, cur),
            "recurring": money(v.recurring(1), cur), "per_disaster": money(v.per_disaster, cur),
            "physical_pcs": ph.contract.n_pcs, "breakdown": breakdown,
            "tiers_all": tiers_all, "tiers_scope": list(pol.tiers),
            "placed": placed, "unplaced": p.unplaced, "out_of_scope": p.out_of_scope,
            "inventory_source": self.inventory.source or "inventory",
            "catalog_source": self.catalog.source, "pc_rows": pcs_rows, "unit_rows": unit_rows,
            "tier_rows": tier_rows, "pc_times": pc_rows, "notes": tl.notes,
            "all_back": hours(tl.all_back), "rto": rto, "assign": assign,
            "prog_rows": prog_rows, "prog_kinds": [(TEST_NAMES[k], TEST_PURPOSE[k])
                                                   for k in kinds],
            "prog_years": [{"year": y, "cost": money(c, cur)}
                           for y, c in pr.cost_by_year.items()],
            "prog_total": money(pr.total, cur), "prog_warnings": pr.warnings,
            "included_test_days": f"{pr.included_test_days:g}",
            "comparison": comparison,
            "comparison_warnings": self.comparison.warnings if self.comparison else [],
            "assumptions": assumptions, "timing": timing, "unit_timing": unit_timing,
            "approvals": approvals, "warnings": p.warnings,
            "spares": _spares_text(p), "sizing": _sizing_text(p),
        }


def money(x: Decimal | None, currency: str) -> str:
    """An amount for the report: thousands separators, cents, currency code."""
    return "n/a" if x is None else f"{cents(Decimal(x)):,.2f} {currency}"


def hours(x: float | None) -> str:
    """Hours for people: one decimal, or n/a."""
    return "n/a" if x is None else f"{x:,.1f} h"


def planner_version() -> str:
    """The installed planner's version (the report names it under assumptions)."""
    try:
        return metadata.version("dr-contract-planner")
    except metadata.PackageNotFoundError:
        return "unknown"


def _spares_text(p: Plan) -> str | None:
    """N+k in words (policy spares): the spares, where, and what they cost against N+0."""
    sp = p.stats.get("spares")
    if not isinstance(sp, dict) or not sp.get("model"):
        return None
    k, cur = int(sp["k"]), p.currency
    where = f"{k} in each mobile unit that carries PCs" if sp.get("per_unit") else "at the site"
    return (f"N+{k}: {spare_words(sp)} ({where}), standing in "
            f"for the lost PCs; PCs and units cost {float(sp['nk_cost']):,.2f} {cur} against "
            f"{float(sp['n0_cost']):,.2f} {cur} without spares (+{float(sp['extra_cost']):,.2f} "
            f"{cur})")


def _sizing_text(p: Plan) -> str | None:
    """Sizing on measured use in words, with its confidence (from the plan's stats)."""
    sz = p.stats.get("sizing")
    if not isinstance(sz, dict):
        return None
    conf = sz.get("confidence")
    snapshot = sz.get("source") == SNAPSHOT
    how = (f"one snapshot of the export's vCPU and vMemory sheets × {sz.get('comfort'):g}"
           if snapshot else f"p{sz.get('percentile'):g} × {sz.get('comfort'):g}")
    return (f"{sz.get('measured')} workload(s) sized on measured use ({how}), "
            f"{len(sz.get('fallback') or [])} without usage kept "
            "provisioned; confidence "
            + ("n/a" if conf is None else f"{100 * float(conf):.0f} %")
            + " (measured workloads on enough samples over enough days)"
            + ("; one sample each, so low confidence" if snapshot else ""))


def build_report(plan: Plan, inventory: Inventory, catalog: Catalog, policy: Policy,
                 assessment: Assessment, *, comparison: Comparison | None = None,
                 rto: RtoComparison | None = None, date: dt.date | None = None) -> Report:
    """Gather the plan's timeline and test programme beside its assessment."""
    return Report(plan, inventory, catalog, policy, assessment,
                  timeline(plan, inventory, catalog, policy), programme(assessment),
                  comparison, rto, date=date or dt.date.today())


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("planner.present", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              undefined=jinja2.StrictUndefined, trim_blocks=True,
                              lstrip_blocks=True)


def chart_svg(fig: go.Figure, width: int = 820) -> str | None:
    """The figure as an SVG string through kaleido (it needs a Chromium), or None without one."""
    if not os.environ.get("BROWSER_PATH"):
        exe = shutil.which("chromium") or shutil.which("chromium-browser")
        if exe:
            os.environ["BROWSER_PATH"] = exe
    try:
        height = int(fig.layout.height or 500)
        data = fig.to_image(format="svg", width=width, height=height)
    except Exception:  # kaleido raises several types when no browser can start
        return None
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def render_html(report: Report, *, for_pdf: bool = False) -> str:
    """The written plan as one self-contained HTML page (plotly inline, CSS inline).

    ``for_pdf`` replaces the interactive chart by its SVG image (WeasyPrint runs no script).
    """
    env = _env()
    css = (Path(__file__).parent / "templates" / "report.css").read_text(encoding="utf-8")
    fig = report.figure()
    if for_pdf:
        svg = chart_svg(fig)
        chart = ("" if svg is None else
                 '<img class="chart" alt="recovery timeline" src="data:image/svg+xml;base64,'
                 + base64.b64encode(svg.encode("utf-8")).decode("ascii") + '">')
        chart_note = ("" if svg is not None else
                      "The timeline chart needs Chromium for its image (scripts/apt-packages"
                      ".txt); the table below gives the same times.")
    else:
        chart = fig.to_html(full_html=False, include_plotlyjs="inline",
                            config={"displaylogo": False, "responsive": True})
        chart_note = ""
    ctx = report.context()
    return env.get_template("report.html.j2").render(**ctx, css=css, chart=chart,
                                                     chart_note=chart_note, for_pdf=for_pdf)


def write_html(report: Report, path: str | Path) -> None:
    """Write the self-contained HTML report."""
    Path(path).write_text(render_html(report), encoding="utf-8")


def pdf_bytes(report: Report) -> bytes:
    """The report as PDF in memory (a download: nothing written to disk)."""
    from weasyprint import HTML

    data = HTML(string=render_html(report, for_pdf=True)).write_pdf()
    assert isinstance(data, bytes)
    return data


def write_pdf(report: Report, path: str | Path) -> int:
    """Print the report to PDF with WeasyPrint (its Pango libraries come from Debian).

    Returns the number of pages written.
    """
    from weasyprint import HTML

    document = HTML(string=render_html(report, for_pdf=True)).render()
    document.write_pdf(str(path))
    return len(document.pages)
