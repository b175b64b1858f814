"""The report's and the exports' reads: one named query per section, over wl_period_footprints.

Inside ``report_cube(con, start, end)`` (store/report_cube.py) the sections of that period
read the report's cube, built once, instead (same figures, same frames). Each takes the period as [period_start, period_end) (UTC datetimes; both None for all runs)
and returns a polars frame, one row per item of its section (sql/queries/report/<name>.sql
states the grain).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.report_cube import reads_cube, report_cube  # noqa: F401  (report_cube: re-exported)


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    """sql/queries/report/<name>.sql with ``params`` (its cube/<name>.sql when a report cube
    of the period is open); every caller names a literal file."""
    if reads_cube(con, name, params):
        text = sql_text(f"queries/report/cube/{name}.sql")
        return con.sql(sql_text(f"queries/report/cube/{name}.sql"),
                       params={k: v for k, v in params.items() if f"${k}" in text}).pl()
    return con.sql(sql_text(f"queries/report/{name}.sql"), params=params).pl()


def _period(start: datetime | None, end: datetime | None) -> dict:
    return {"period_start": start, "period_end": end}


def totals(con: duckdb.DuckDBPyConnection, period_start: datetime | None, period_end: datetime | None) -> dict:
    """The period's totals (runs, teams, GPU-hours, energy, CO2e with bounds, equivalences), as one row."""
    return _query(con, "totals", _period(period_start, period_end)).row(0, named=True)


def cost_by_currency(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Electricity cost per currency."""
    return _query(con, "cost_by_currency", _period(period_start, period_end))


def breakdown(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Figures per dimension (team, project, gpu_model, region, source_format), key and currency."""
    return _query(con, "breakdown", _period(period_start, period_end))


#: Footprints with the most CO2e among which the report looks for a period's top runs first.
TOP_RUN_CANDIDATES = 1000


def top_runs(con, period_start: datetime | None, period_end: datetime | None, limit: int,
             candidates: int = TOP_RUN_CANDIDATES) -> pl.DataFrame:
    """The ``limit`` runs of the period with the most CO2e: looked for among the ``candidates``
    footprints with the most CO2e of all (top_runs_from_candidates.sql: only those are joined with
    their runs), else, when fewer than ``limit`` of them fall in the period and some footprints
    were left out, among all the period's (top_runs.sql). The same rows either way (tested)."""
    params = _period(period_start, period_end) | {"limit": limit}
    cut = con.sql(sql_text("queries/report/top_run_cut.sql"), params={"candidates": candidates}).pl().row(0, named=True)
    if cut["cut_kg"] is not None:
        # a little under the cut, so that the scan can skip row groups (the test on co2e_t decides)
        below = {"cut_kg": cut["cut_kg"] - abs(cut["cut_kg"]) * 1e-9, "cut_t": cut["cut_t"]}
        found = con.sql(sql_text("queries/report/top_runs_from_candidates.sql"), params=params | below).pl()
        if found.height >= limit or cut["footprints"] <= candidates:
            return found
    return _query(con, "top_runs", params)


def basis(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Runs and energy share per factor and basis."""
    return _query(con, "basis", _period(period_start, period_end))


def factors_used(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Each factor row used (factor, basis, source, year) and its runs."""
    return _query(con, "factors_used", _period(period_start, period_end))


def data_quality(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Rejected records and unresolved runs by kind and reason."""
    return _query(con, "data_quality", _period(period_start, period_end))


def months(con, period_end: datetime | None) -> pl.DataFrame:
    """Team-monthly figures up to ``period_end`` (every month when None)."""
    return _query(con, "months", {"period_end": period_end})


def regions(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """CO2e and intensity per grid region."""
    return _query(con, "regions", _period(period_start, period_end))


def waste(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Figures of the runs whose job did not complete, per final state."""
    return _query(con, "waste", _period(period_start, period_end))


def tracker_comparison(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Trackers' own CO2e beside wattledger's, per source format."""
    return _query(con, "tracker_comparison", _period(period_start, period_end))


def cost_totals(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Compute and total cost per currency."""
    return _query(con, "cost_totals", _period(period_start, period_end))


def cost_breakdown(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Compute and total cost per dimension, key and compute currency."""
    return _query(con, "cost_breakdown", _period(period_start, period_end))


def compute_basis(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Runs per compute cost basis, date rule and source."""
    return _query(con, "compute_basis", _period(period_start, period_end))


def export_footprints(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """The run_footprints rows of the period, as exported (CSV, Parquet)."""
    return _query(con, "export_footprints", _period(period_start, period_end))


def stale_runs(con, period_start: datetime | None, period_end: datetime | None, factor_set: str | None = None) -> dict:
    """Runs of the period without a current footprint: ``never_computed`` and ``stale`` (computed
    before their file changed, or under another factor set than ``factor_set`` when given)."""
    return _query(con, "stale_runs", _period(period_start, period_end) | {"factor_set": factor_set}).row(0, named=True)


def run_card(con, run_id: str) -> pl.DataFrame:
    """The footprint of one run with its log's columns (no row when it has none)."""
    return _query(con, "run_card", {"run_id": run_id})


def protected_paths(con) -> dict[str, str]:
    """Files an output must never replace, path -> what it is: the database, its WAL, every
    input file recorded (source_files) and the site file."""
    found: dict[str, str] = {}
    for path, what in _query(con, "protected_paths", {}).iter_rows():
        found.setdefault(path, what)
    return found


def energy_split(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """IT energy per part (gpu, cpu, ram) and basis, with bounds and share of IT energy."""
    return _query(con, "energy_split", _period(period_start, period_end))


def water(con, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """Water on and off site per WUE and water-intensity basis, with bounds and the trackers' own figures."""
    return _query(con, "water", _period(period_start, period_end))
