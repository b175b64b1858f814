"""The what-if's reads and its one write (sql/queries/whatif/, sql/views/180_run_whatif.sql)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.transactions import atomic


def whatif_runs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every run with a current footprint: its own columns and its footprint's energy, CO2e, price."""
    return con.sql(sql_text("queries/whatif/runs.sql")).pl()


def replace_whatif(con: duckdb.DuckDBPyConnection, window_hours: int, rows: pa.Table) -> int:
    """Replace the what-if rows of ``window_hours`` by ``rows``, in one transaction."""
    try:
        with atomic(con):
            con.register("new_whatif", rows)
            con.execute("delete from whatif_results where window_hours = ?", [window_hours])
            con.execute("insert into whatif_results by name select * from new_whatif")
    finally:
        con.unregister("new_whatif")
    return rows.num_rows


def whatif_windows(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """window_hours -> the factor set its rows were computed under."""
    return dict(con.sql("select window_hours, any_value(factor_set) from whatif_results group by all").fetchall())


def footprints_newer_than_whatif(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a footprint was computed after the oldest what-if row (or there are footprints
    and no what-if rows): the what-if rows may be out of date."""
    return bool(con.sql("select coalesce((select max(computed_at) from footprints) > coalesce((select min(computed_at) "
                        "from whatif_results), '-infinity'::timestamptz), false)").fetchall()[0][0])


def whatif_rows(con: duckdb.DuckDBPyConnection, window_hours: int, *, run_id: str | None = None,
                period_start: datetime | None = None, period_end: datetime | None = None) -> pl.DataFrame:
    """The what-if rows of one window, one run or a period's runs, most saved first."""
    return con.sql(sql_text("queries/whatif/rows.sql"), params={
        "window_hours": window_hours, "run_id": run_id, "period_start": period_start, "period_end": period_end}).pl()


def whatif_by_team(con: duckdb.DuckDBPyConnection, window_hours: int, period_start: datetime | None,
                   period_end: datetime | None) -> pl.DataFrame:
    """CO2e that flexible timing or placement would have saved, per team, over the period."""
    return con.sql(sql_text("queries/report/whatif_by_team.sql"), params={
        "window_hours": window_hours, "period_start": period_start, "period_end": period_end}).pl()
