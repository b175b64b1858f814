"""Columnar validation of a run log, in SQL (sql/ingest/), on a private in-memory DuckDB.

No Python loop per row: every check is one set-based query over the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from wattledger.ingest.contract import CANONICAL_COLUMNS, LIMITS
from wattledger.ingest.readers import PROBLEM_SCHEMA, RawTable
from wattledger.resources import sql_text


@dataclass
class ValidatedRuns:
    """Valid runs (shaped as the runs table, without source ids) and every problem found."""

    runs: pa.Table
    problems: pl.DataFrame  # line, column_name, value, reason, detail (structural + value)

    @property
    def rejected_rows(self) -> int:
        return self.problems["line"].n_unique()


def validate_runs(raw: RawTable) -> ValidatedRuns:
    """Type and check every record of ``raw``; rejects carry line, column and reason."""
    staged = raw.frame.select(
        [pl.col(c) if c in raw.frame.columns else pl.lit(None, dtype=pl.String).alias(c) for c in CANONICAL_COLUMNS]
        + [pl.col("_line")]
    )
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.execute("set TimeZone = 'UTC'")
        con.register("staged", staged.to_arrow())
        con.execute("create temp table typed as " + sql_text("ingest/runs_typed.sql"))
        con.execute("create temp table problems as " + sql_text("ingest/runs_problems.sql"), LIMITS)
        runs = con.sql(sql_text("ingest/runs_valid.sql")).to_arrow_table()
        value_problems = con.sql("select * from problems order by line, column_name").pl()
    finally:
        con.close()
    problems = pl.concat([raw.problems, value_problems.cast(PROBLEM_SCHEMA)]).sort("line", "column_name", nulls_last=True)
    return ValidatedRuns(runs=runs, problems=problems)
