"""The period report: totals, breakdowns, top runs, the basis of every figure, methodology."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from wattledger import files
from wattledger.report import charts
from wattledger.report import markdown as md
from wattledger.report.beyond_gpu import energy_split_section, water_section
from wattledger.report.cost import cost_section
from wattledger.report.full_cost import FullCost, budgets_section, full_cost_section, gather_full_cost
from wattledger.report.full_cost_chart import categories_by_project
from wattledger.report.methodology import methodology
from wattledger.store import constants_table
from wattledger.store import report_queries as q

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


def gather(con: duckdb.DuckDBPyConnection, scope: Scope, factor_set: str | None = None) -> ReportData:
    """Every figure of the report, as numbers (formatting is :func:`render`'s job).

    ``factor_set``: the current factor set, so that footprints computed under another one are
    counted as stale (without it, only those computed before their file changed are)."""
    with q.report_cube(con, scope.start, scope.end):  # the period's footprints aggregated once (issue 20)
        return _gather(con, scope, factor_set)


def _gather(con: duckdb.DuckDBPyConnection, scope: Scope, factor_set: str | None) -> ReportData:
    start, end = scope.start, scope.end
    return ReportData(
        scope=scope,
        totals=q.totals(con, start, end),
        costs=q.cost_by_currency(con, start, end),
        breakdown=q.breakdown(con, start, end),
        top_runs=q.top_runs(con, start, end, TOP_RUNS),
        basis=q.basis(con, start, end),
        factors_used=q.factors_used(con, start, end),
        data_quality=q.data_quality(con, start, end),
        constants=constants_table(con),
        months=q.months(con, end),
        regions=q.regions(con, start, end),
        waste=q.waste(con, start, end),
        trackers=q.tracker_comparison(con, start, end),
        previous_totals=q.totals(con, prev.start, prev.end) if (prev := scope.previous()) else None,
        cost_totals=q.cost_totals(con, start, end),
        cost_breakdown=q.cost_breakdown(con, start, end),
        compute_basis=q.compute_basis(con, start, end),
        stale=q.stale_runs(con, start, end, factor_set),
        energy_split=q.energy_split(con, start, end),
        water=q.water(con, start, end),
        full_cost=gather_full_cost(con, start, end),
    )


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
        f"**{md.sig(t['energy_mwh'])} MWh** of electricity (bounds {md.bounds(t['energy_mwh_low'], t['energy_mwh_high'])} MWh) "
        f"and emitted **{md.sig(t['co2e_t'])} tCO2e** (location-based; bounds "
        f"{md.bounds(t['co2e_t_low'], t['co2e_t_high'])} t); market-based, counting the datacenters' "
        f"renewable certificates and contracts, {md.sig(t['co2e_market_t'])} tCO2e. The electricity cost "
        f"{_money(d.costs)}. That energy is what **{md.sig(t['household_years'])} average US homes** use in a "
        f"year of electricity, and those emissions equal **{md.sig(t['car_years'])} typical passenger cars** "
        f"driven for a year."
    ) + _not_current(d)


def _change(now: float, before: float | None) -> str:
    if before is None:
        return ""
    if before == 0:
        return "new" if now else "—"
    return f"{(now - before) / before:+.0%}"


def _month_over_month(d: ReportData) -> str:
    prev, t = d.previous_totals, d.totals
    if prev is None:
        return ""
    label = d.scope.previous().label
    if prev["runs"] == 0:
        return f"No runs started in {label}, the month before: no month-over-month change to show."
    rows = [
        [name, md.sig(prev[col]), md.sig(t[col]), _change(t[col], prev[col])]
        for name, col in (("Runs", "runs"), ("Energy (MWh)", "energy_mwh"), ("CO2e, location-based (t)", "co2e_t"),
                          ("CO2e, market-based (t)", "co2e_market_t"))
    ]
    return md.table(["Figure", label, d.scope.label, "Change"], rows, "lrrr")


def _totals_table(d: ReportData) -> str:
    t = d.totals
    rows = [
        ["Runs", f"{t['runs']:,}", ""],
        ["GPU-hours", md.num(t["gpu_hours"], 0), "h"],
        ["Energy (facility, after PUE)", md.sig(t["energy_mwh"], 4), f"MWh (bounds {md.bounds(t['energy_mwh_low'], t['energy_mwh_high'])})"],
        ["CO2e, location-based", md.sig(t["co2e_t"], 4), f"t (bounds {md.bounds(t['co2e_t_low'], t['co2e_t_high'])})"],
        ["CO2e, market-based", md.sig(t["co2e_market_t"], 4),
         f"t (bounds {md.bounds(t['co2e_market_t_low'], t['co2e_market_t_high'])})"],
        ["Embodied CO2e of the GPUs (separate line, not in the CO2e above)", md.sig(t["embodied_co2e_t"], 4),
         f"t ({t['embodied_runs']:,} of {t['runs']:,} runs have a published per-GPU figure)"],
        ["Electricity cost", _money(d.costs), ""],
        ["US household-years of electricity", md.sig(t["household_years"]), "household-years"],
        ["Passenger-car-years of CO2e", md.sig(t["car_years"]), "car-years"],
    ]
    return md.table(["Figure", "Value", "Unit"], rows, "lrl")


def _breakdown_table(d: ReportData, dimension: str) -> str:
    rows = d.breakdown.filter(pl.col("dimension") == dimension)
    if rows.height == 0:
        return "_No runs._"
    per_key = (
        rows.group_by("key", maintain_order=True)
        .agg(
            pl.col("runs").sum(),
            pl.col("gpu_hours").sum(),
            pl.col("energy_mwh").sum(),
            pl.col("co2e_t").sum(),
            pl.col("co2e_t_low").sum(),
            pl.col("co2e_t_high").sum(),
            pl.col("co2e_market_t").sum(),
            pl.struct("currency", "energy_cost").alias("costs"),
            pl.col("household_years").sum(),
            pl.col("car_years").sum(),
        )
        .sort("co2e_t", descending=True)
    )
    body = [
        [
            md.text(r["key"]),
            f"{r['runs']:,}",
            md.num(r["gpu_hours"], 0),
            md.sig(r["energy_mwh"]),
            md.sig(r["co2e_t"]),
            md.bounds(r["co2e_t_low"], r["co2e_t_high"]),
            md.sig(r["co2e_market_t"]),
            "; ".join(f"{md.num(c['energy_cost'], 0)} {md.text(c['currency'])}" for c in r["costs"]),
            md.sig(r["household_years"]),
            md.sig(r["car_years"]),
        ]
        for r in per_key.iter_rows(named=True)
    ]
    headers = [dimension.replace("_", " ").capitalize(), "Runs", "GPU-h", "MWh", "tCO2e (location)", "bounds", "tCO2e (market)",
               "Electricity cost", "Household-years", "Car-years"]
    return md.table(headers, body, "lrrrrrrrrr")


def _top_runs_table(d: ReportData) -> str:
    if d.top_runs.height == 0:
        return "_No runs._"
    body = [
        [
            md.text(r["run_id"]),
            md.text(r["name"]),
            md.text(r["team"]),
            md.text(r["gpu_model"]),
            md.num(r["gpu_hours"], 0),
            md.sig(r["energy_mwh"]),
            md.sig(r["co2e_t"]),
            f"{md.num(r['energy_cost'], 0)} {md.text(r['currency'])}",
            md.text(r["power_basis"]),
            md.text(r["intensity_basis"]),
        ]
        for r in d.top_runs.iter_rows(named=True)
    ]
    headers = ["Run", "Name", "Team", "GPU", "GPU-h", "MWh", "tCO2e", "Electricity cost", "Power basis", "Intensity basis"]
    return md.table(headers, body, "llllrrrrll")


def _basis_table(d: ReportData, factor: str, with_source: bool = False) -> str:
    rows = d.basis.filter(pl.col("factor") == factor)
    if rows.height == 0:
        return "_No runs._"
    headers = ["Basis"] + (["Source", "Year"] if with_source else []) + ["Runs", "Energy (MWh)", "Share of energy"]
    body = [
        [md.text(r["basis"])]
        + ([md.text(r["source"]), str(r["year"] or "—")] if with_source else [])
        + [f"{r['runs']:,}", md.sig(r["energy_kwh"] / 1000.0), md.pct(r["energy_share"])]
        for r in rows.iter_rows(named=True)
    ]
    return md.table(headers, body, "l" + ("ll" if with_source else "") + "rrr")


def _waste(d: ReportData) -> str:
    if d.waste.height == 0:
        return "No run of the period ended FAILED, CANCELLED, TIMEOUT or OUT_OF_MEMORY (or none has a job state)."
    body = [
        [md.text(r["job_state"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0), md.sig(r["energy_mwh"]),
         md.pct(r["energy_share"]), md.sig(r["co2e_t"]), md.sig(r["co2e_market_t"])]
        for r in d.waste.iter_rows(named=True)
    ]
    return ("Jobs that did not complete, from the scheduler's final state (Slurm sacct):\n\n"
            + md.table(["Final state", "Runs", "GPU-h", "MWh", "Share of energy", "tCO2e (location)", "tCO2e (market)"],
                       body, "lrrrrrr"))


def _trackers(d: ReportData) -> str:
    if d.trackers.height == 0:
        return ""
    body = [
        [md.text(r["source_format"]), f"{r['runs']:,}", md.sig(r["tracker_co2e_t"]), md.sig(r["co2e_t"]), md.sig(r["co2e_market_t"])]
        for r in d.trackers.iter_rows(named=True)
    ]
    return ("Runs measured by a tracker carry its own emissions figure; wattledger recomputes CO2e from the "
            "measured energy with its own factors:\n\n"
            + md.table(["Source", "Runs", "tCO2e (tracker's own)", "tCO2e (wattledger, location)", "tCO2e (wattledger, market)"],
                       body, "lrrrr"))


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


def _charts(links: dict[str, str] | None) -> str:
    if not links:
        return "_No charts (no runs)._"
    titles = {"months": "Energy and CO2e by month, stacked by team", "regions": "CO2e by grid region",
              "intensity": "Grid intensity of each region"}
    return "\n\n".join(f"![{titles[k]}]({v})" for k, v in links.items() if k in titles)


def render(d: ReportData, *, db_label: str, generated_at: datetime | None = None,
           chart_links: dict[str, str] | None = None) -> str:
    """The whole report as markdown; ``chart_links`` maps chart name to a relative PNG path."""
    when = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        f"# GPU training footprint — {d.scope.label}",
        f"_Generated by wattledger on {when} from `{md.text(db_label)}`._",
        "## Summary",
        _summary(d),
        "## Totals",
        _totals_table(d),
        *(["## Energy beyond the GPUs: CPUs and memory", energy_split_section(d.energy_split, d.totals["runs"])]
          if d.energy_split is not None else []),
        *(["## Water", water_section(d.water, d.constants, d.totals["runs"])] if d.water is not None else []),
        "## Cost: compute and electricity",
        cost_section(d.cost_totals, d.cost_breakdown, d.compute_basis),
        *(["## Full cost by project", full_cost_section(d.full_cost, (chart_links or {}).get("full_cost")),
            "## Budgets", budgets_section(d.full_cost)] if d.full_cost is not None else []),
        *(["## Change from the month before", _month_over_month(d)] if d.previous_totals is not None else []),
        "## Charts",
        _charts(chart_links),
        "## By team",
        _breakdown_table(d, "team"),
        "## By project",
        _breakdown_table(d, "project"),
        "## By GPU model",
        _breakdown_table(d, "gpu_model"),
        "## By grid region",
        _breakdown_table(d, "region"),
        "## By source format",
        _breakdown_table(d, "source_format"),
        "## Waste: jobs that did not complete",
        _waste(d),
        f"## Top {TOP_RUNS} runs by CO2e",
        _top_runs_table(d),
        "## Basis of the figures",
        "How much of the energy rests on each power basis (measured, logged, or estimated from TDP):",
        _basis_table(d, "power"),
        "Grid intensity factors:",
        _basis_table(d, "intensity", with_source=True),
        "PUE:",
        _basis_table(d, "pue"),
        "Electricity price:",
        _basis_table(d, "price"),
        "Market-based CO2e (contractual instruments):",
        _basis_table(d, "market", with_source=True),
        *([t] if (t := _trackers(d)) else []),
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


def write_period_report(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    period: str | None = None,
    db_label: str = "wattledger.duckdb",
    generated_at: datetime | None = None,
    factor_set: str | None = None,
) -> Path:
    """Write the markdown report for ``period`` (``YYYY-MM``, or all runs) to ``out``, with
    its charts beside it; ``factor_set`` is the current one (``compute.current_factor_set``),
    see :func:`gather`. Refuses (:class:`wattledger.files.OutputError`, nothing written) an
    ``out`` or chart path that is a folder or a file of the database (the database, its WAL, an
    input file). The charts and the report are written to temporaries first, then renamed,
    the charts first and the report last: a reader never sees the report point at a missing or
    half-written chart, and a failure leaves the previous report and charts as they were."""
    scope = scope_for(period)
    out = Path(out)
    protected = q.protected_paths(con)
    files.check_output(out, protected)
    data = gather(con, scope, factor_set)
    charted = chart_files(data, out) if data.totals["runs"] else []
    for path, _ in charted:
        files.check_output(path, protected)
    links = {name: path.name for (name, *_), (path, _) in zip(CHARTS, charted, strict=False)} or None
    text = render(data, db_label=db_label, generated_at=generated_at, chart_links=links)
    files.write_together([*charted, (out, lambda f: f.write(text.encode("utf-8")))])
    return out
