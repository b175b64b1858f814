"""Writes of derived tables: footprints (a compute batch in one transaction) and datacenters."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa

from wattledger.resources import sql_text
from wattledger.store.transactions import atomic
from wattledger.store.whatif import insert_batch_whatif


def replace_footprints(con: duckdb.DuckDBPyConnection, footprints: pl.DataFrame, *, in_transaction: bool = False,
                       replace: bool = True) -> int:
    """Write footprints for the runs in ``footprints``, replacing older ones (``replace``
    False: the caller knows none of these runs has a footprint, so nothing is looked up).

    ``footprints`` has the columns of the view ``footprints``: its provenance goes to
    footprint_profiles (once per distinct one), its numbers to footprint_values with the
    profile's id (migration 018). The batch's distinct provenances and each run's one are
    found here in polars (one hash join of the batch on the provenance columns), and DuckDB
    only matches those few hundred rows with the stored profiles (measured, 1 M footprints in
    5 batches on 2 cores: DuckDB's part 5.7 s -> 3.1 s, the whole write 7.1 s -> 6.2 s). Runs in its own
    transaction unless the caller already holds one (``in_transaction``).
    """
    columns = profile_columns(con)
    profiles = footprints.select(columns).unique(maintain_order=True).with_row_index("batch_profile")
    keyed = footprints.join(profiles, on=columns, how="left", nulls_equal=True, maintain_order="left")
    try:
        with atomic(con, in_transaction=in_transaction):
            con.register("batch_profiles", profiles.to_arrow())
            if replace:
                con.register("batch_footprint_runs", footprints.select("run_id").to_arrow())
                con.execute("delete from footprint_values where run_id in (select run_id from batch_footprint_runs)")
            con.execute(sql_text("queries/compute/insert_footprint_profiles.sql"))
            ids = con.sql(sql_text("queries/compute/batch_profile_ids.sql")).pl()
            values = (keyed.join(ids, on="batch_profile", how="left", maintain_order="left")
                      .drop(*columns, "batch_profile"))
            if values["profile_id"].null_count():  # every provenance was stored just above
                raise RuntimeError("footprint provenance without a profile_id: footprint_profiles not written")
            con.register("new_footprint_values", values.to_arrow())
            con.execute(sql_text("queries/compute/insert_footprint_values.sql"))
    finally:
        for name in ("batch_profiles", "batch_footprint_runs", "new_footprint_values"):
            con.unregister(name)
    return footprints.height


def profile_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The provenance columns of a footprint (those of footprint_profiles but its id)."""
    return [name for (name,) in con.execute(sql_text("queries/compute/profile_columns.sql")).fetchall()]


def write_footprint_batch(writer: duckdb.DuckDBPyConnection, factor_set: str, footprints: pl.DataFrame,
                          run_ids: pl.DataFrame, unchanged: pl.DataFrame, unresolved: pl.DataFrame,
                          *, had_footprints: bool, whatif: tuple[pa.Table, tuple[int, ...]] | None = None) -> None:
    """Write one compute batch in one transaction on ``writer`` (compute's second cursor, see
    :func:`footprint_writer`): the computed ``footprints``; ``unchanged`` (run_id) runs keep
    their footprint under ``factor_set``; every run of ``run_ids`` loses its unresolved record
    and ``unresolved`` (run_id, factor_set, reason) are recorded (their footprints deleted).
    ``had_footprints`` False: no run of the batch has a footprint, so nothing is replaced
    (the common case only inserts: no scan of the whole table). ``whatif``: the what-if rows of
    the computed footprints and their windows, written in the same transaction
    (store.whatif.insert_batch_whatif)."""
    names = ("batch_runs", "batch_unchanged", "batch_unresolved")
    try:
        with atomic(writer):
            writer.register("batch_runs", run_ids.to_arrow())
            writer.register("batch_unchanged", unchanged.to_arrow())
            writer.register("batch_unresolved", unresolved.to_arrow())
            replace_footprints(writer, footprints, in_transaction=True, replace=had_footprints)
            if unchanged.height:
                writer.execute("update footprint_values set factor_set = ? where run_id in (select run_id from batch_unchanged)",
                               [factor_set])
            writer.execute("delete from unresolved_runs where run_id in (select run_id from batch_runs)")
            if unresolved.height:
                writer.execute("insert into unresolved_runs by name select * from batch_unresolved")
                if had_footprints:
                    writer.execute("delete from footprint_values where run_id in (select run_id from batch_unresolved)")
            if whatif is not None:
                insert_batch_whatif(writer, whatif[0], whatif[1], replace=had_footprints)
    finally:
        for name in names:
            writer.unregister(name)


def footprint_writer(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A second cursor of ``con`` for :func:`write_footprint_batch`: batch k is written on it
    while batch k+1 is prepared on ``con``. UTC, and rows written in any order (footprints are
    read by run_id, never by position: about twice as fast on two cores). The caller closes it."""
    writer = con.cursor()
    writer.execute("set TimeZone = 'UTC'")
    writer.execute("set session preserve_insertion_order = false")
    return writer


def replace_datacenters(con: duckdb.DuckDBPyConnection, datacenters: pa.Table, path: str, sha256: str) -> int:
    """Replace the datacenters table with the rows of one site file, in one transaction."""
    try:
        with atomic(con):
            con.register("new_datacenters", datacenters)
            con.execute("delete from datacenters")
            con.execute(
                "insert into datacenters by name "
                "select *, ? as site_file_path, ? as site_file_sha256 from new_datacenters",
                [path, sha256],
            )
    finally:
        con.unregister("new_datacenters")
    return datacenters.num_rows
