"""The period report: totals, breakdowns, top runs, the basis of every figure, methodology."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from wattledger import files
from wattledger.report import charts
from wattledger.report import markdown as md
from wattledger.report.document import data_uri, to_html
from wattledger.report.scale import energy, energy_bounds, mass, mass_bounds
from wattledger.report.summary import boundary_statement, equivalence_cell, equivalence_sentence, executive_summary, header_lines
from wattledger.report.tables import basis_table, breakdown_table, top_runs_table, trackers_table, waste_table
from wattledger.report.beyond_gpu import energy_split_section, water_section
from wattledger.report.cost import cost_section
from wattledger.report.full_cost import FullCost, budgets_section, full_cost_section, gather_full_cost
from wattledger.report.full_cost_chart import categories_by_project
from wattledger.report.methodology import methodology
from wattledger.report.whatif import whatif_section
from wattledger.method import WHATIF_WINDOW_HOURS
from wattledger.store import constants_table
from wattledger.store.whatif import whatif_by_team
from wattledger.store import report_queries as q
from wattledger.store.document_reads import boundary, document_header
from wattledger.store.gpu_model_names import gpu_model_names

TOP_RUNS = 10
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Scope:
    """The runs a report covers: those started in [start, end), or all runs."""

    label: str
    start: datetime | None
    end: datetime | None

    @property
    def params(self) -> dict:
        return {"period_start": self.start, "period_end": self.end}

    def previous(self) -> Scope | None:
        """The month before a monthly scope (None for all runs)."""
        if self.start is None:
            return None
        year, month = (self.start.year, self.start.month - 1) if self.start.month > 1 else (self.start.year - 1, 12)
        return scope_for(f"{year:04d}-{month:02d}")


#: ``--period`` of a scheduled run: the calendar month before the run's (scheduled) time.
PREVIOUS_MONTH = "previous-month"


def previous_month(when: datetime) -> str:
    """``YYYY-MM`` of the calendar month before ``when`` (in UTC)."""
    when = when.astimezone(UTC)
    year, month = (when.year, when.month - 1) if when.month > 1 else (when.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def scope_for(period: str | None) -> Scope:
    """``None`` for all runs, or a calendar month ``YYYY-MM`` (UTC)."""
    if period is None:
        return Scope("all runs", None, None)
    m = _PERIOD.match(period)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"--period must be a month as YYYY-MM (e.g. 2026-10), got {period!r}")
    year, month = int(m.group(1)), int(m.group(2))
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return Scope(start.strftime("%B %Y"), start, end)


@dataclass
class ReportData:
    scope: Scope
    totals: dict
    costs: pl.DataFrame
    breakdown: pl.DataFrame
    top_runs: pl.DataFrame
    basis: pl.DataFrame
    factors_used: pl.DataFrame
    data_quality: pl.DataFrame
    constants: pl.DataFrame
    months: pl.DataFrame
    regions: pl.DataFrame
    waste: pl.DataFrame
    trackers: pl.DataFrame
    previous_totals: dict | None
    cost_totals: pl.DataFrame
    cost_breakdown: pl.DataFrame
    compute_basis: pl.DataFrame
    stale: dict | None = None  # runs without a current footprint: never_computed, stale
    energy_split: pl.DataFrame | None = None  # IT energy per part (gpu, cpu, ram) and basis
    water: pl.DataFrame | None = None  # water per WUE and water-intensity basis
    full_cost: FullCost | None = None  # project costs (cost ledger included) and budgets (docs/costs.md)
    whatif: pl.DataFrame | None = None  # CO2e flexible timing / placement would have saved, by team (docs/whatif.md)
    header: dict | None = None  # data cut-off, factor sets, undated runs (store.document_reads)
    boundary: pl.DataFrame | None = None  # datacenters, teams, input formats in scope
    gpu_names: dict[str, str] | None = None  # logged GPU model -> canonical model (store.gpu_model_names)


def gather(con: duckdb.DuckDBPyConnection, scope: Scope, factor_set: str | None = None,
           timings: dict[str, float] | None = None) -> ReportData:
    """Every figure of the report, as numbers (formatting is :func:`render`'s job).

    ``factor_set``: the current factor set, so that footprints computed under another one are
    counted as stale (without it, only those computed before their file changed are).
    ``timings``: when given, filled with the seconds of the cube's build and of each section's
    read (benchmarks/bench_report.py); the figures are the same either way."""
    started = time.perf_counter()
    with q.report_cube(con, scope.start, scope.end):  # the period's footprints aggregated once (issue 20)
        _record(timings, "cube", started)
        return ReportData(scope=scope, **_read_sections(_sections(con, scope, factor_set), timings))


def _record(timings: dict[str, float] | None, name: str, started: float) -> None:
    if timings is not None:
        timings[name] = time.perf_counter() - started


def _read_sections(sections: dict[str, Callable[[], object]], timings: dict[str, float] | None) -> dict[str, object]:
    values = {}
    for name, read in sections.items():
        started = time.perf_counter()
        values[name] = read()
        _record(timings, name, started)
    return values


def _sections(con: duckdb.DuckDBPyConnection, scope: Scope, factor_set: str | None) -> dict[str, Callable[[], object]]:
    """Each field of :class:`ReportData` (but the scope) and the read that gives it, in the order read."""
    start, end = scope.start, scope.end
    prev = scope.previous()
    return {
        "totals": lambda: q.totals(con, start, end),
        "costs": lambda: q.cost_by_currency(con, start, end),
        "breakdown": lambda: q.breakdown(con, start, end),
        "top_runs": lambda: q.top_runs(con, start, end, TOP_RUNS),
        "basis": lambda: q.basis(con, start, end),
        "factors_used": lambda: q.factors_used(con, start, end),
        "data_quality": lambda: q.data_quality(con, start, end),
        "constants": lambda: constants_table(con),
        "months": lambda: q.months(con, end),
        "regions": lambda: q.regions(con, start, end),
        "waste": lambda: q.waste(con, start, end),
        "trackers": lambda: q.tracker_comparison(con, start, end),
        "previous_totals": lambda: q.totals(con, prev.start, prev.end) if prev else None,
        "cost_totals": lambda: q.cost_totals(con, start, end),
        "cost_breakdown": lambda: q.cost_breakdown(con, start, end),
        "compute_basis": lambda: q.compute_basis(con, start, end),
        "stale": lambda: q.stale_runs(con, start, end, factor_set),
        "energy_split": lambda: q.energy_split(con, start, end),
        "water": lambda: q.water(con, start, end),
        "full_cost": lambda: gather_full_cost(con, start, end),
        "whatif": lambda: whatif_by_team(con, WHATIF_WINDOW_HOURS, start, end),
        "header": lambda: document_header(con, start, end),
        "boundary": lambda: boundary(con, start, end),
        "gpu_names": lambda: gpu_model_names(con),
    }


def _money(costs: pl.DataFrame, column: str = "energy_cost") -> str:
    if costs.height == 0:
        return "—"
    return "; ".join(f"{md.num(r[column], 0)} {md.text(r['currency'])}" for r in costs.iter_rows(named=True))


def _not_current(d: ReportData) -> str:
    """What the figures leave out or show as they were: runs without a current footprint."""
    s = d.stale or {}
    never, stale = s.get("never_computed", 0), s.get("stale", 0)
    if not never and not stale:
        return ""
    parts = []
    if never:
        parts.append(f"{never:,} run{'s' * (never != 1)} never computed (not in these figures)")
    if stale:
        parts.append(f"{stale:,} run{'s' * (stale != 1)} with a stale footprint, computed before "
                     f"{'their' if stale != 1 else 'its'} file changed or with other reference data "
                     f"({'their' if stale != 1 else 'its'} old figures are shown)")
    total = never + stale
    started = f" started in {d.scope.label}" if d.scope.start else ""
    return (f"\n\n**Not up to date: {total:,} run{'s' * (total != 1)}{started} "
            f"{'have' if total != 1 else 'has'} no current footprint**: {'; '.join(parts)}. "
            f"Run `wattledger compute`, then write this report again.")


def _summary(d: ReportData) -> str:
    t = d.totals
    if t["runs"] == 0:
        return f"No run with a computed footprint started in {d.scope.label}." + _not_current(d)
    teams = f" by {t['teams']} team{'s' * (t['teams'] != 1)}" if t["teams"] else ""
    return (
        f"In {d.scope.label}, {t['runs']:,} training run{'s' * (t['runs'] != 1)}{teams} used "
        f"**{energy(t['energy_mwh'] * 1e3)}** of electricity (bounds {energy_bounds(t['energy_mwh_low'] * 1e3, t['energy_mwh_high'] * 1e3)}) "
        f"and emitted **{mass(t['co2e_t'] * 1e3)} CO2e** (location-based; bounds "
        f"{mass_bounds(t['co2e_t_low'] * 1e3, t['co2e_t_high'] * 1e3)}); market-based, counting the datacenters' "
        f"renewable certificates and contracts, {mass(t['co2e_market_t'] * 1e3)} CO2e. The electricity cost "
        f"{_money(d.costs)}. {equivalence_sentence(t['household_years'], t['car_years'], t['energy_mwh'] * 1e3 / eu if (eu := _eu_kwh(d)) else None)}"
    ) + _not_current(d)


def _eu_kwh(d: ReportData) -> float | None:
    """The EU-27 household electricity constant of the database (overrides included), if it has one."""
    row = d.constants.filter(pl.col("name") == "eu_household_kwh_per_year")
    return float(row["value"][0]) if row.height else None


def _totals_table(d: ReportData) -> str:
    t = d.totals
    rows = [
        ["Runs", f"{t['runs']:,}", ""],
        ["GPU-hours", f"{md.num(t['gpu_hours'], 0)} h", ""],
        ["Energy (facility, after PUE)", energy(t["energy_mwh"] * 1e3, 4),
         f"bounds {energy_bounds(t['energy_mwh_low'] * 1e3, t['energy_mwh_high'] * 1e3)}"],
        ["CO2e, location-based", mass(t["co2e_t"] * 1e3, 4), f"bounds {mass_bounds(t['co2e_t_low'] * 1e3, t['co2e_t_high'] * 1e3)}"],
        ["CO2e, market-based", mass(t["co2e_market_t"] * 1e3, 4),
         f"bounds {mass_bounds(t['co2e_market_t_low'] * 1e3, t['co2e_market_t_high'] * 1e3)}"],
        ["Embodied CO2e of the GPUs (separate line, not in the CO2e above)", mass(t["embodied_co2e_t"] * 1e3, 4),
         f"{t['embodied_runs']:,} of {t['runs']:,} runs have a published per-GPU figure"],
        ["Electricity cost", _money(d.costs), ""],
        ["US household-years of electricity", *equivalence_cell(t["household_years"], "household-years", "one home")],
        *([["EU household-years of electricity (EU-27 average dwelling)",
            *equivalence_cell(t["energy_mwh"] * 1e3 / eu, "household-years", "one EU home")]] if (eu := _eu_kwh(d)) else []),
        ["Passenger-car-years of CO2e", *equivalence_cell(t["car_years"], "car-years", "one car")],
    ]
    return md.table(["Figure", "Value", "Note"], rows, "lrl")


def _data_quality(d: ReportData) -> str:
    if d.data_quality.height == 0:
        return "No rejected records, and every run has a footprint."
    body = [[md.text(r["kind"]), md.text(r["reason"]), f"{r['records']:,}",
             "" if r.get("energy_share") is None else md.pct(r["energy_share"])] for r in d.data_quality.iter_rows(named=True)]
    return (
        md.table(["Kind", "Reason", "Count", "Share of energy"], body, "llrr")
        + "\n\nRejected records are kept with file, line, column and value in the `rejects` table "
        "(`wattledger sql \"select * from rejects\"`); runs without a footprint in `unresolved_runs`."
    )


CHART_TITLES = {"months": "Energy and CO2e by month, stacked by team", "regions": "CO2e by grid region",
                "intensity": "Grid intensity of each region"}


def _caption(d: ReportData, name: str) -> str:
    """What a chart shows and leaves out, in a sentence under it."""
    if name == "months":
        h = d.header or {}
        undated, mwh = h.get("undated_runs") or 0, h.get("undated_energy_mwh") or 0.0
        total = d.totals["energy_mwh"] or 0.0
        left_out = (f" {undated:,} run{'s' * (undated != 1)} without a start time ({energy(mwh * 1e3)}, "
                    f"{md.pct(mwh / total if total else None)} of this report's energy) have no month and are not drawn."
                    if undated else "")
        return (f"Bars at each calendar month (UTC) of run starts, on a time axis: a gap between months is a gap in "
                f"time. Teams beyond the {charts.TOP_TEAMS} largest are summed as \"other\"." + left_out)
    if name == "regions":
        return (f"The {charts.TOP_REGIONS} regions with the most CO2e by name, the rest summed as \"other\"; a "
                "logarithmic axis when a few regions dwarf the rest.")
    return "Location-based CO2e over facility energy of each region's runs, as accounted (hourly where a series exists)."


def _charts(d: ReportData, links: dict[str, str] | None) -> str:
    if not links:
        return "_No charts (no runs)._"
    return "\n\n".join(f"![{CHART_TITLES[k]}]({v})\n\n_Figure: {CHART_TITLES[k]}. {_caption(d, k)}_"
                        for k, v in links.items() if k in CHART_TITLES)


def render(d: ReportData, *, db_label: str, generated_at: datetime | None = None,
           chart_links: dict[str, str] | None = None, factor_set: str | None = None) -> str:
    """The whole report as markdown; ``chart_links`` maps chart name to a relative PNG path
    or a data URI."""
    when = generated_at or datetime.now(UTC)
    prev = d.scope.previous()
    sections = [
        f"# GPU training footprint — {d.scope.label}",
        f"_{header_lines(d.header or {}, db_label=db_label, generated_at=when, factor_set=factor_set)}_",
        "## Executive summary",
        _summary(d),
        *([executive_summary(d.totals, d.basis, _money(d.costs), d.previous_totals, prev.label if prev else None)]
          if d.totals["runs"] else []),
        "## Boundary: what these figures include",
        boundary_statement(d.boundary if d.boundary is not None else pl.DataFrame(
            schema={"dimension": pl.String, "item": pl.String, "runs": pl.Int64, "energy_mwh": pl.Float64}),
            d.scope.label, d.totals["runs"], d.header or {}, d.stale, d.scope.start is None),
        "## Totals",
        _totals_table(d),
        *(["## Energy beyond the GPUs: CPUs and memory", energy_split_section(d.energy_split, d.totals["runs"])]
          if d.energy_split is not None else []),
        *(["## Water", water_section(d.water, d.constants, d.totals["runs"])] if d.water is not None else []),
        "## Cost: compute and electricity",
        cost_section(d.cost_totals, d.cost_breakdown, d.compute_basis),
        *(["## Full cost by project", full_cost_section(d.full_cost, (chart_links or {}).get("full_cost")),
            "## Budgets", budgets_section(d.full_cost)] if d.full_cost is not None else []),
        *(["## What-if: a better hour or another datacenter", whatif_section(d.whatif, WHATIF_WINDOW_HOURS)]
          if d.whatif is not None else []),
        "## Charts",
        _charts(d, chart_links),
        "## By team",
        breakdown_table(d.breakdown, "team"),
        "## By project",
        breakdown_table(d.breakdown, "project"),
        "## By GPU model",
        "Grouped by the model of the GPU table (hardware/gpu_power.csv) each logged name matches; the names "
        "as logged are listed beside it (a name the table does not know stands alone).",
        breakdown_table(d.breakdown, "gpu_model", d.gpu_names or {}),
        "## By grid region",
        breakdown_table(d.breakdown, "region"),
        "## By source format",
        breakdown_table(d.breakdown, "source_format"),
        "## Waste: jobs that did not complete",
        waste_table(d.waste),
        f"## Top {TOP_RUNS} runs by CO2e",
        top_runs_table(d.top_runs),
        "## Basis of the figures",
        "How much of the energy rests on each power basis (measured, logged, or estimated from TDP):",
        basis_table(d.basis, "power"),
        "Grid intensity factors:",
        basis_table(d.basis, "intensity", with_source=True),
        "PUE:",
        basis_table(d.basis, "pue"),
        "Electricity price:",
        basis_table(d.basis, "price"),
        "Market-based CO2e (contractual instruments):",
        basis_table(d.basis, "market", with_source=True),
        *([t] if (t := trackers_table(d.trackers)) else []),
        "## Data quality",
        _data_quality(d),
        "## Methodology",
        methodology(d.factors_used, d.constants),
    ]
    return "\n\n".join(sections).rstrip() + "\n"


def top_runs(con: duckdb.DuckDBPyConnection, period: str | None = None, limit: int = TOP_RUNS) -> list[dict]:
    """The period's runs with the most CO2e, as rows (numbers, not text)."""
    scope = scope_for(period)
    return q.top_runs(con, scope.start, scope.end, limit).to_dicts()


#: The report's charts: link name, file name after the report's stem, the chart, its data.
CHARTS = (
    ("months", "-by-month.png", charts.monthly_by_team, "months"),
    ("regions", "-co2e-by-region.png", charts.co2e_by_region, "regions"),
    ("intensity", "-intensity-by-region.png", charts.intensity_by_region, "regions"),
    ("full_cost", "-full-cost.png", categories_by_project, "full_cost"),  # shown in "Full cost by project"
)


def chart_files(d: ReportData, out: Path) -> list[tuple[Path, files.Writer]]:
    """The PNG charts beside the report ``out``: (path, writer) of each, written by
    :func:`wattledger.files.write_together`."""
    return [(out.with_name(f"{out.stem}{suffix}"), lambda f, draw=draw, data=getattr(d, field): draw(data, f))
            for _, suffix, draw, field in CHARTS]


def write_charts(d: ReportData, out: Path) -> dict[str, str]:
    """PNG charts beside the report ``out`` (each written whole); returns name -> path relative to the report."""
    made = chart_files(d, out)
    files.write_together(made)
    return {name: path.name for (name, *_), (path, _) in zip(CHARTS, made, strict=True)}


def chart_images(d: ReportData) -> dict[str, str]:
    """Every chart drawn in memory, as data URIs (name -> URI): for a document that carries
    its images inside (the HTML report, the Prefect artifact)."""
    if not d.totals["runs"]:
        return {}
    images = {}
    for name, _, draw, field in CHARTS:
        buf = io.BytesIO()
        draw(getattr(d, field), buf)
        images[name] = data_uri(buf.getvalue())
    return images


def report_markdown_inline(con: duckdb.DuckDBPyConnection, *, period: str | None = None,
                           db_label: str = "wattledger.duckdb", generated_at: datetime | None = None,
                           factor_set: str | None = None) -> str:
    """The report as markdown with its charts inline (data URIs): one text, no file beside it."""
    data = gather(con, scope_for(period), factor_set)
    return render(data, db_label=db_label, generated_at=generated_at, chart_links=chart_images(data) or None,
                  factor_set=factor_set)


def write_period_report(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    period: str | None = None,
    db_label: str = "wattledger.duckdb",
    generated_at: datetime | None = None,
    factor_set: str | None = None,
    fmt: str = "md",
    timings: dict[str, float] | None = None,
) -> Path:
    """Write the report for ``period`` (``YYYY-MM``, or all runs) to ``out``: ``fmt`` "md", the
    markdown with its PNG charts beside it, or "html", one self-contained page (charts inline,
    table of contents, print styles). ``factor_set`` is the current one
    (``compute.current_factor_set``), see :func:`gather`. Refuses (:class:`wattledger.files.OutputError`,
    nothing written) an ``out`` or chart path that is a folder or a file of the database (the
    database, its WAL, an input file). The charts and the report are written to temporaries
    first, then renamed, the charts first and the report last: a reader never sees the report
    point at a missing or half-written chart, and a failure leaves the previous report and
    charts as they were. ``timings``: when given, filled with the seconds of each step (the
    cube, each section, charts, render, write); the output is the same either way."""
    if fmt not in ("md", "html"):
        raise ValueError(f"report format must be md or html, got {fmt!r}")
    scope = scope_for(period)
    out = Path(out)
    started = time.perf_counter()
    protected = q.protected_paths(con)
    files.check_output(out, protected)
    _record(timings, "protected_paths", started)
    data = gather(con, scope, factor_set, timings)
    if fmt == "html":
        started = time.perf_counter()
        images = chart_images(data) or None
        _record(timings, "charts", started)
        started = time.perf_counter()
        text = render(data, db_label=db_label, generated_at=generated_at, chart_links=images, factor_set=factor_set)
        page = to_html(text, f"GPU training footprint — {scope.label}")
        _record(timings, "render", started)
        started = time.perf_counter()
        files.write_together([(out, lambda f: f.write(page.encode("utf-8")))])
        _record(timings, "write", started)
        return out
    started = time.perf_counter()
    charted = chart_files(data, out) if data.totals["runs"] else []
    for path, _ in charted:
        files.check_output(path, protected)
    links = {name: path.name for (name, *_), (path, _) in zip(CHARTS, charted, strict=False)} or None
    text = render(data, db_label=db_label, generated_at=generated_at, chart_links=links, factor_set=factor_set)
    _record(timings, "render", started)
    started = time.perf_counter()
    files.write_together([*charted, (out, lambda f: f.write(text.encode("utf-8")))])
    _record(timings, "charts and write", started)
    return out
