"""The region strings written by the runs of some source files (for the unknown-region warning)."""

from __future__ import annotations

import duckdb
import polars as pl

from wattledger.resources import sql_text


def regions_of_files(con: duckdb.DuckDBPyConnection, source_file_ids: list[int]) -> pl.DataFrame:
    """region, runs, example_runs (up to five run ids) of the runs read from ``source_file_ids``."""
    return con.sql(sql_text("queries/ingest/regions_of_files.sql"), params={"source_file_ids": source_file_ids}).pl()
