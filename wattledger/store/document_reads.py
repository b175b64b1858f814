"""The report document's own reads (issue 19): its header, its boundary statement.

Named queries beside the report's sections (sql/queries/report/<name>.sql states the grain);
the period is [period_start, period_end) in UTC, both None for all runs.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.report_cube import reads_cube


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    """sql/queries/report/<name>.sql, or its cube/<name>.sql when a report cube of the period is open."""
    if reads_cube(con, name, params):
        return con.sql(sql_text(f"queries/report/cube/{name}.sql")).pl()
    return con.sql(sql_text(f"queries/report/{name}.sql"), params=params).pl()


def document_header(con: duckdb.DuckDBPyConnection, period_start: datetime | None, period_end: datetime | None) -> dict:
    """One row: last_ingested_at (the data cut-off), last_run_ended_at, factor_sets, and the
    undated runs (undated_runs, undated_energy_mwh, undated_co2e_t) of the period."""
    return _query(con, "document_header", {"period_start": period_start, "period_end": period_end}).row(0, named=True)


def boundary(con: duckdb.DuckDBPyConnection, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """One row per (dimension, item): the datacenters, teams and input formats of the period's runs."""
    return _query(con, "boundary", {"period_start": period_start, "period_end": period_end})
