"""Compute's reads: the queue of runs that need work (a temp table, read batch by batch), the
site file's datacenters, what the power samples hold, and footprints with unchanged inputs."""

from __future__ import annotations

import duckdb
import polars as pl

from wattledger.resources import sql_text


def power_samples_summary(con: duckdb.DuckDBPyConnection) -> tuple[int, int | None]:
    """(count, highest source_file_id) of the stored power samples: a version of the telemetry."""
    return con.sql("select count(*), max(source_file_id) from power_samples").fetchall()[0]


def datacenters(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per datacenter of the loaded site file: the columns factor resolution uses."""
    return con.sql(sql_text("queries/compute/datacenters.sql")).pl()


def unknown_datacenters(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(name as the runs write it, runs) of each datacenter named by runs that the loaded site file
    does not have (names matched ignoring case and surrounding spaces), most runs first."""
    return con.sql(sql_text("queries/compute/unknown_datacenters.sql")).fetchall()


def create_compute_queue(con: duckdb.DuckDBPyConnection, factor_set: str, *, recompute_all: bool,
                         batch_runs: int, has_samples: bool = False) -> int:
    """Create the temp table ``compute_queue``: the runs that need work under ``factor_set``
    (every run when ``recompute_all``), and, when power samples exist (``has_samples``), the
    runs with hosts that overlap in time a new, changed or removed run with hosts (their
    telemetry attribution may change), numbered into batches of ``batch_runs`` runs by start
    time; return the number of batches."""
    con.execute(
        "create or replace temp table compute_queue as " + sql_text("queries/compute/compute_queue.sql"),
        {"factor_set": factor_set, "recompute_all": recompute_all, "batch_runs": batch_runs, "has_samples": has_samples},
    )
    return con.execute("select coalesce(max(batch) + 1, 0) from compute_queue").fetchall()[0][0]


def queued_batch(con: duckdb.DuckDBPyConnection, batch: int) -> pl.DataFrame:
    """The runs of one batch of ``compute_queue``, in the order the queue stores them (by
    run_id; DuckDB promises no order without ORDER BY, so the caller checks it)."""
    return con.sql(sql_text("queries/compute/runs_to_compute.sql"), params={"batch": batch}).pl()


def batch_has_footprints(con: duckdb.DuckDBPyConnection, batch: int) -> bool:
    """Whether some run of ``batch`` of ``compute_queue`` has a footprint already."""
    return bool(con.execute("select bool_or(has_footprint) from compute_queue where batch = ?", [batch]).fetchall()[0][0])


def drop_compute_queue(con: duckdb.DuckDBPyConnection) -> None:
    """Once every batch is written: drop the temp table ``compute_queue`` and forget the
    windows of removed runs it re-checked (``compute_rechecks``). After an interrupted
    compute both remain for the next one (re-checking again is harmless)."""
    con.execute("drop table compute_queue")
    con.execute("delete from compute_rechecks")


def runs_with_same_inputs(con: duckdb.DuckDBPyConnection, inputs: pl.DataFrame) -> pl.DataFrame:
    """run_id of the runs of ``inputs`` (run_id, inputs_sha) whose stored footprint was
    computed from those same inputs."""
    con.register("batch_inputs", inputs.to_arrow())
    try:
        return con.sql("select run_id from footprint_values inner join batch_inputs using (run_id, inputs_sha)").pl()
    finally:
        con.unregister("batch_inputs")
