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


def document_header(con: duckdb.DuckDBPyConnection, period_start: datetime | None, period_end: datetime | None) -> dict:
    """One row: last_ingested_at (the data cut-off), last_run_ended_at, factor_sets, and the
    undated runs (undated_runs, undated_energy_mwh, undated_co2e_t) of the period."""
    params = {"period_start": period_start, "period_end": period_end}
    if reads_cube(con, "document_header", params):  # the report's cube of this period (store/report_cube.py)
        return con.sql(sql_text("queries/report/cube/document_header.sql")).pl().row(0, named=True)
    return con.sql(sql_text("queries/report/document_header.sql"), params=params).pl().row(0, named=True)


def boundary(con: duckdb.DuckDBPyConnection, period_start: datetime | None, period_end: datetime | None) -> pl.DataFrame:
    """One row per (dimension, item): the datacenters, teams and input formats of the period's runs."""
    params = {"period_start": period_start, "period_end": period_end}
    if reads_cube(con, "boundary", params):
        return con.sql(sql_text("queries/report/cube/boundary.sql")).pl()
    return con.sql(sql_text("queries/report/boundary.sql"), params=params).pl()
