"""Writes: one transaction per unit of work (a source file, a compute batch)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import polars as pl
import pyarrow as pa

from wattledger.ingest import ParsedFile
from wattledger.ingest.telemetry_files import ParsedTelemetry
from wattledger.resources import sql_text


@dataclass(frozen=True)
class StoredFile:
    """What storing one source file did."""

    path: str
    source_file_id: int
    format: str
    loaded: int
    rejected: int
    already_ingested: bool
    ignored_columns: tuple[str, ...] = ()
    detected: str = ""
    folded: int = 0


def _already_stored(con: duckdb.DuckDBPyConnection, parsed) -> StoredFile | None:
    existing = con.execute(
        "select source_file_id from source_files where content_sha256 = ?", [parsed.content_sha256]
    ).fetchall()
    if existing:
        return StoredFile(str(parsed.path), existing[0][0], parsed.format, 0, 0, True, detected=parsed.detected)
    return None


def _record_file(con, parsed, problems: pl.DataFrame, loaded: int, folded: int, ignored: list[str]) -> tuple[int, int]:
    """Insert the source_files row and the rejects of a file (inside the caller's transaction);
    return (source_file_id, rejected records)."""
    rejected = problems["line"].n_unique()
    source_file_id = con.execute(
        """
        insert into source_files
            (path, content_sha256, format, detected, size_bytes, records, rows_loaded, rows_rejected,
             folded_records, ignored_columns)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        returning source_file_id
        """,
        [str(parsed.path), parsed.content_sha256, parsed.format, parsed.detected or parsed.format,
         parsed.size_bytes, parsed.records, loaded, rejected, folded, ignored],
    ).fetchall()[0][0]
    _insert_rejects(con, source_file_id, problems)
    return source_file_id, rejected


def _insert_rejects(con, source_file_id: int, problems: pl.DataFrame) -> None:
    con.register("incoming_rejects", problems.to_arrow())
    try:
        con.execute(
            """
            insert into rejects (source_file_id, line, column_name, value, reason, detail)
            select ?, line, column_name, value, reason, detail from incoming_rejects
            """,
            [source_file_id],
        )
    finally:
        con.unregister("incoming_rejects")


def _store_runs(con, parsed: ParsedFile, source_file_id: int) -> tuple[int, pl.DataFrame]:
    """Insert one file's (or piece's) valid runs; return (loaded, problems incl. duplicates)."""
    con.register("incoming_runs", parsed.runs)
    try:
        dup = con.sql(sql_text("ingest/cross_file_duplicates.sql"), params={"source_file_id": source_file_id}).pl()
        problems = pl.concat([parsed.problems, dup.cast(parsed.problems.schema)]).sort("line", nulls_last=True)
        con.execute(sql_text("ingest/insert_runs.sql"), [source_file_id])
    finally:
        con.unregister("incoming_runs")
    return parsed.runs.num_rows - dup.height, problems


def store_parsed_file(con: duckdb.DuckDBPyConnection, parsed: ParsedFile | Iterable[ParsedFile]) -> StoredFile:
    """Record the file, its valid runs and its rejects, all or nothing.

    ``parsed`` is a whole file or the pieces of a large one (parse_run_log_pieces): the
    pieces are parsed and stored one at a time inside the file's single transaction, so
    memory holds one piece; a piece that cannot be read rolls the whole file back.

    A file whose content hash is already recorded adds nothing. A run_id already in
    the database (from another file) is rejected with the file and line it came from:
    a run is never counted twice. A run_id repeated within the file rejects every copy,
    also across pieces.
    """
    pieces = iter([parsed] if isinstance(parsed, ParsedFile) else parsed)
    first = next(pieces)
    if stored := _already_stored(con, first):
        return stored
    con.execute("begin transaction")
    try:
        source_file_id, _ = _record_file(con, first, first.problems.clear(), 0, first.folded_records,
                                         first.ignored_columns)
        records = loaded = rejected = 0
        ignored = set(first.ignored_columns)
        for piece in itertools.chain([first], pieces):
            piece_loaded, problems = _store_runs(con, piece, source_file_id)
            _insert_rejects(con, source_file_id, problems)
            records += piece.records
            loaded += piece_loaded
            rejected += problems["line"].n_unique()  # pieces hold disjoint lines
            ignored |= set(piece.ignored_columns)
        if first.piece:
            repeated = con.sql(sql_text("ingest/repeated_across_pieces.sql"), params=[source_file_id]).pl()
            if repeated.height:
                _insert_rejects(con, source_file_id, repeated)
                con.execute("delete from runs where source_file_id = ? and run_id in (select unnest(?))",
                            [source_file_id, repeated["value"].to_list()])
                loaded -= repeated.height
                rejected += repeated.height
        con.execute(
            "update source_files set records = ?, rows_loaded = ?, rows_rejected = ?, ignored_columns = ? "
            "where source_file_id = ?",
            [records, loaded, rejected, sorted(ignored), source_file_id],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return StoredFile(
        str(first.path), source_file_id, first.format, loaded, rejected, False, tuple(sorted(ignored)),
        first.detected or first.format, first.folded_records,
    )


def store_parsed_telemetry(con: duckdb.DuckDBPyConnection, parsed: ParsedTelemetry) -> StoredFile:
    """Record a telemetry file, its power samples and its rejects, all or nothing
    (``loaded`` counts samples)."""
    if stored := _already_stored(con, parsed):
        return stored
    con.execute("begin transaction")
    try:
        problems = parsed.problems.select("line", "column_name", "value", "reason", "detail")
        source_file_id, rejected = _record_file(con, parsed, problems, parsed.samples.height, parsed.folded_records, [])
        con.register("incoming_samples", parsed.samples.to_arrow())
        con.execute(
            """
            insert into power_samples (source_file_id, line, host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj)
            select ?, _line, host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj from incoming_samples
            """,
            [source_file_id],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        try:
            con.unregister("incoming_samples")
        except Exception:
            pass
    return StoredFile(str(parsed.path), source_file_id, parsed.format, parsed.samples.height, rejected, False,
                      detected=parsed.detected, folded=parsed.folded_records)


def replace_footprints(con: duckdb.DuckDBPyConnection, footprints: pa.Table, *, in_transaction: bool = False) -> int:
    """Write footprints for the runs in ``footprints``, replacing older ones.

    Runs in its own transaction unless the caller already holds one (``in_transaction``).
    """
    if not in_transaction:
        con.execute("begin transaction")
    try:
        con.register("new_footprints", footprints)
        con.execute("delete from footprints where run_id in (select run_id from new_footprints)")
        con.execute("insert into footprints by name select * from new_footprints")
        if not in_transaction:
            con.execute("commit")
    except BaseException:
        if not in_transaction:
            con.execute("rollback")
        raise
    finally:
        con.unregister("new_footprints")
    return footprints.num_rows


def replace_datacenters(con: duckdb.DuckDBPyConnection, datacenters: pa.Table, path: str, sha256: str) -> int:
    """Replace the datacenters table with the rows of one site file, in one transaction."""
    con.execute("begin transaction")
    try:
        con.register("new_datacenters", datacenters)
        con.execute("delete from datacenters")
        con.execute(
            "insert into datacenters by name "
            "select *, ? as site_file_path, ? as site_file_sha256 from new_datacenters",
            [path, sha256],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("new_datacenters")
    return datacenters.num_rows
