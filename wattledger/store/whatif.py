"""The what-if's reads and its one write (sql/queries/whatif/, sql/views/180_run_whatif.sql)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.transactions import atomic


def whatif_runs(con: duckdb.DuckDBPyConnection, window_hours: int, *, changed_only: bool) -> pl.DataFrame:
    """Runs with a footprint (``changed_only``: those whose what-if row of ``window_hours`` is
    missing or older than their footprint): their own columns and their footprint's energy, CO2e, price."""
    return con.sql(sql_text("queries/whatif/runs.sql"),
                   params={"window_hours": window_hours, "changed_only": changed_only}).pl()


def replace_whatif(con: duckdb.DuckDBPyConnection, window_hours: int, rows: pa.Table, *, whole: bool) -> int:
    """Write the what-if rows of ``window_hours``, in one transaction: ``whole``: instead of all
    of the window's rows; else instead of the rows of the same runs, and without the rows of runs
    that have no footprint any more."""
    try:
        with atomic(con):
            con.register("new_whatif", rows)
            if whole:
                con.execute("delete from whatif_results where window_hours = ?", [window_hours])
            else:
                con.execute("delete from whatif_results where window_hours = ? and (run_id in (select run_id from new_whatif) "
                            "or run_id not in (select run_id from footprints))", [window_hours])
            con.execute("insert into whatif_results by name select * from new_whatif")
    finally:
        con.unregister("new_whatif")
    return rows.num_rows


def whatif_is_current(con: duckdb.DuckDBPyConnection, window_hours: int) -> bool:
    """Whether the window's rows match the footprints in number and none is older than the newest
    footprint (two aggregates, no run-by-run comparison)."""
    return bool(con.execute(sql_text("queries/whatif/current.sql"), {"window_hours": window_hours}).fetchall()[0][0])


def whatif_windows(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """window_hours -> the factor set its rows were computed under."""
    return dict(con.sql("select window_hours, any_value(factor_set) from whatif_results group by all").fetchall())


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
