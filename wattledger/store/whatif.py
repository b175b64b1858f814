"""The what-if's reads and its one write (sql/queries/whatif/, sql/views/180_run_whatif.sql)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.transactions import atomic


def whatif_run_batches(con: duckdb.DuckDBPyConnection, window_hours: int, *, changed_only: bool, factor_set: str,
                       batch_runs: int) -> Iterator[pl.DataFrame]:
    """The runs the what-if of ``window_hours`` computes (queries/whatif/queue.sql: every run with
    a footprint, or ``changed_only`` those without a row computed from their current footprint
    under ``factor_set``),
    streamed ``batch_runs`` at a time on a cursor of their own: 10 M runs never sit in memory at
    once, and ``con`` stays free to write each batch's rows (the cursor reads the database as it
    was when the stream began)."""
    reader = con.cursor()
    try:
        reader.execute("create or replace temp view whatif_runs as " + sql_text("queries/whatif/runs.sql"))
        stream = reader.sql(sql_text("queries/whatif/queue.sql"),
                            params={"window_hours": window_hours, "changed_only": changed_only,
                                    "factor_set": factor_set}).to_arrow_reader(batch_runs)
        for batch in stream:
            if batch.num_rows:
                yield pl.from_arrow(pa.Table.from_batches([batch]))
    finally:
        reader.close()


def write_whatif(con: duckdb.DuckDBPyConnection, window_hours: int, batches: Iterable[pa.Table], *, whole: bool) -> int:
    """Write the what-if rows of ``window_hours`` from ``batches``, in one transaction:
    ``whole``: instead of every row of the window; else instead of the rows of the same runs,
    and without the rows of runs that have no footprint any more. Returns the rows written."""
    written = 0
    with atomic(con):
        if whole:
            con.execute("delete from whatif_results where window_hours = ?", [window_hours])
        else:
            con.execute("delete from whatif_results where window_hours = ? "
                        "and run_id not in (select run_id from footprint_values)", [window_hours])
        for rows in batches:
            try:
                con.register("new_whatif", rows)
                if not whole:
                    con.execute("delete from whatif_results where window_hours = ? "
                                "and run_id in (select run_id from new_whatif)", [window_hours])
                con.execute("insert into whatif_results by name select * from new_whatif")
            finally:
                con.unregister("new_whatif")
            written += rows.num_rows
    return written


def insert_batch_whatif(writer: duckdb.DuckDBPyConnection, rows: pa.Table, windows: tuple[int, ...], *,
                        replace: bool) -> int:
    """Inside compute's write transaction of one batch (its runs registered as ``batch_runs``):
    the batch's what-if rows of ``windows``, computed from the footprints written in the same
    transaction, so each row's ``computed_at`` and ``footprint_computed_at`` are the footprint's
    own (DuckDB's ``current_timestamp`` is the transaction's start). ``replace``: some run of the
    batch had a footprint, so its rows of these windows are deleted first (also those of runs
    left unresolved or unchanged: the what-if after compute recomputes the latter)."""
    if replace:
        writer.execute("delete from whatif_results where list_contains(?, window_hours) "
                       "and run_id in (select run_id from batch_runs)", [list(windows)])
    if not rows.num_rows:
        return 0
    try:
        writer.register("batch_whatif", rows)
        writer.execute("insert into whatif_results by name select * exclude (computed_at), "
                       "current_timestamp as computed_at, current_timestamp as footprint_computed_at from batch_whatif")
    finally:
        writer.unregister("batch_whatif")
    return rows.num_rows


@dataclass(frozen=True)
class WhatifState:
    """A window's rows against the footprints (queries/whatif/state.sql)."""
    rows: int
    rows_under_factor_set: int  # rows computed under the factor set asked about
    matches_footprints: bool  # one row per footprint, each computed from that footprint as it is now

    @property
    def current(self) -> bool:
        """Nothing to compute: every footprint has its row, from the current factor set."""
        return self.matches_footprints and self.rows_under_factor_set == self.rows


def whatif_state(con: duckdb.DuckDBPyConnection, window_hours: int, factor_set: str) -> WhatifState:
    """The state of the window's rows, from two aggregates (no run-by-run comparison)."""
    rows, under, matches = con.execute(sql_text("queries/whatif/state.sql"),
                                       {"window_hours": window_hours, "factor_set": factor_set}).fetchall()[0]
    return WhatifState(rows, under, bool(matches))


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
