"""Compute's reads: the queue of runs that need work (streamed, or a temp table read batch by
batch), the site file's datacenters, what the power samples hold, and footprints with unchanged
inputs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

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


@dataclass(frozen=True)
class QueuedBatch:
    """One batch of the compute queue: its runs (the columns of queue_runs.sql, in no promised
    order) and whether some of them have a footprint already (to replace)."""
    runs: pl.DataFrame
    had_footprints: bool


def nothing_pending(con: duckdb.DuckDBPyConnection, factor_set: str) -> bool:
    """Whether no run needs work under ``factor_set`` (queries/compute/nothing_pending.sql: two
    aggregates, no join)."""
    return bool(con.execute(sql_text("queries/compute/nothing_pending.sql"), {"factor_set": factor_set}).fetchall()[0][0])


def compute_queue(con: duckdb.DuckDBPyConnection, factor_set: str, *, recompute_all: bool, batch_runs: int,
                  has_samples: bool) -> Iterator[QueuedBatch]:
    """The runs that need work under ``factor_set`` (every run when ``recompute_all``), in batches
    of ``batch_runs``. Nothing is read when aggregates show no run pending. Without power samples
    (``has_samples`` False) the runs are streamed in storage order from a cursor of their own
    (pending_runs.sql: no sort, nothing materialised; ``con`` stays free for the batch's other
    reads, and the cursor reads the database as it was when the stream began). With power
    samples, batches follow start time (attribution reads the samples of a short stretch of time
    per batch) and neighbours of changed runs are re-checked: the temp table ``compute_queue``.
    Call :func:`drop_compute_queue` once every batch is written."""
    if not recompute_all and nothing_pending(con, factor_set):
        return
    params = {"factor_set": factor_set, "recompute_all": recompute_all}
    if has_samples:
        con.execute("create or replace temp view queue_runs as " + sql_text("queries/compute/queue_runs.sql"))
        batches = create_compute_queue(con, factor_set, recompute_all=recompute_all, batch_runs=batch_runs,
                                       has_samples=True)
        for batch in range(batches):
            yield QueuedBatch(queued_batch(con, batch), batch_has_footprints(con, batch))
        return
    reader = con.cursor()
    try:
        reader.execute("create or replace temp view queue_runs as " + sql_text("queries/compute/queue_runs.sql"))
        stream = reader.sql(sql_text("queries/compute/pending_runs.sql"), params=params).to_arrow_reader(batch_runs)
        for table in _batches_of(stream, batch_runs):
            runs = pl.from_arrow(table)
            yield QueuedBatch(runs.drop("has_footprint"), bool(runs["has_footprint"].any()))
    finally:
        reader.close()


def _batches_of(stream: pa.RecordBatchReader, rows: int) -> Iterator[pa.Table]:
    """The stream's rows in tables of ``rows`` rows (the last one shorter), whatever the sizes of
    the record batches it comes in."""
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in stream:
        held.append(batch)
        count += batch.num_rows
        while count >= rows:
            table = pa.Table.from_batches(held)
            yield table.slice(0, rows)
            rest = table.slice(rows)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held, schema=stream.schema)


def create_compute_queue(con: duckdb.DuckDBPyConnection, factor_set: str, *, recompute_all: bool,
                         batch_runs: int, has_samples: bool = False) -> int:
    """Create the temp table ``compute_queue`` (with the temp view ``queue_runs`` in place): the
    runs that need work under ``factor_set``
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
    """Once every batch is written: drop the temp table ``compute_queue`` (when the queue was
    one) and forget the windows of removed runs it re-checked (``compute_rechecks``). After an
    interrupted compute the rechecks remain for the next one (re-checking again is harmless)."""
    con.execute("drop table if exists compute_queue")
    con.execute("delete from compute_rechecks")


def runs_with_same_inputs(con: duckdb.DuckDBPyConnection, inputs: pl.DataFrame) -> pl.DataFrame:
    """run_id of the runs of ``inputs`` (run_id, inputs_sha) whose stored footprint was
    computed from those same inputs."""
    con.register("batch_inputs", inputs.to_arrow())
    try:
        return con.sql("select run_id from footprint_values inner join batch_inputs using (run_id, inputs_sha)").pl()
    finally:
        con.unregister("batch_inputs")
