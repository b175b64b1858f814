"""The canonical GPU model of each logged name (table gpu_model_names, migration 017)."""

from __future__ import annotations

import duckdb
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.transactions import atomic


def distinct_gpu_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every GPU model name the runs log, once."""
    return [r[0] for r in con.execute(sql_text("queries/compute/distinct_gpu_models.sql")).fetchall()]


def replace_gpu_model_names(con: duckdb.DuckDBPyConnection, names: pl.DataFrame) -> int:
    """Make ``names`` (gpu_model, gpu_model_canonical, source) the table's rows, in one transaction."""
    rows = names.select("gpu_model", "gpu_model_canonical", "source").rows()
    with atomic(con):
        con.execute("delete from gpu_model_names")
        if rows:
            con.executemany("insert into gpu_model_names (gpu_model, gpu_model_canonical, source) values (?, ?, ?)", rows)
    return len(rows)


def gpu_model_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Logged GPU model name -> canonical model (names the GPU table does not know are absent)."""
    return dict(con.execute(sql_text("queries/report/gpu_model_names.sql")).fetchall())
