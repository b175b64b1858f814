"""Columnar validation of run-log records in SQL (sql/queries/ingest/), on a private in-memory DuckDB.

No Python loop per row: every check is one set-based query over the whole file. The
caller stages the records (every canonical column as text, plus ``_line``) and passes the
limits of the checked values; nothing here knows the file formats.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import polars as pl
import pyarrow as pa

from wattledger.resources import sql_text


def validate_runs(staged: pl.DataFrame, limits: Mapping[str, float]) -> tuple[pa.Table, pl.DataFrame]:
    """Type and check every record of ``staged``.

    Returns the valid runs (shaped as the runs table, without source ids) and one row per
    value problem: line, column_name, value, reason, detail (ordered by line, column).
    """
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(sql_text("macros/030_identity_text.sql"))  # the one definition of identity text
        # columns without any value (those the file's format lacks) go as Arrow's null type: DuckDB
        # scans them as constant nulls instead of trimming and storing a string per record
        nulls = staged.null_count().row(0, named=True)
        empty = [c for c, t in staged.schema.items() if c != "_line" and t == pl.String and nulls[c] == staged.height > 0]
        con.register("staged", staged.with_columns(pl.col(empty).cast(pl.Null)).to_arrow())
        con.execute("create temp table typed as " + sql_text("queries/ingest/runs_typed.sql"))
        con.execute("create temp table problems as " + sql_text("queries/ingest/runs_problems.sql"), dict(limits))
        con.execute(sql_text("queries/ingest/runs_text_problems.sql"))
        runs = con.sql(sql_text("queries/ingest/runs_valid.sql")).to_arrow_table()
        problems = con.sql("select * from problems order by line, column_name").pl()
    finally:
        con.close()
    return runs, problems
