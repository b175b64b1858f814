"""Writes of source files: one transaction per file (its row, its runs or samples, its rejects)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import polars as pl

from wattledger.iterators import prefetched
from wattledger.resources import sql_text
from wattledger.store.inputs import KnownFile, RunFile, TelemetryFile
from wattledger.store.transactions import atomic

#: factor_set of a footprint whose run's file was replaced: compute re-checks it.
REPLACED_FACTOR_SET = "replaced:"


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
    replaced_source_file_id: int | None = None  # the earlier version of this path it replaced
    replaced_rows: int = 0  # runs (or samples) of that version removed


def stored_contents(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The content hashes (SHA-256) of the current (not replaced) source files."""
    rows = con.execute("select content_sha256 from source_files where replaced_by_source_file_id is null").fetchall()
    return frozenset(r[0] for r in rows)


def _already_stored(con: duckdb.DuckDBPyConnection, parsed) -> StoredFile | None:
    """The current (not replaced) source file with this content, if any (``parsed``: a parsed
    file, or a :class:`KnownFile`: then the format is the stored file's)."""
    existing = con.execute(
        "select source_file_id, format, detected from source_files "
        "where content_sha256 = ? and replaced_by_source_file_id is null",
        [parsed.content_sha256],
    ).fetchall()
    if existing:
        source_file_id, fmt, detected = existing[0]
        return StoredFile(str(parsed.path), source_file_id, getattr(parsed, "format", fmt), 0, 0, True,
                          detected=getattr(parsed, "detected", detected))
    return None


def store_known_content(con: duckdb.DuckDBPyConnection, known: KnownFile) -> StoredFile | None:
    """What storing a file whose content is already recorded does: nothing (the StoredFile
    says already_ingested). None when that content is no longer current (the caller parses
    and stores the file as usual)."""
    return _already_stored(con, known)


def _previous_version(con: duckdb.DuckDBPyConnection, path) -> int | None:
    """The current source file recorded at ``path`` (a file that has changed since)."""
    rows = con.execute(
        "select source_file_id from source_files where path = ? and replaced_by_source_file_id is null",
        [str(path)],
    ).fetchall()
    return rows[0][0] if rows else None


def _retire(con: duckdb.DuckDBPyConnection, old_id: int | None, new_id: int) -> int:
    """Inside the caller's transaction: remove what version ``old_id`` of a file stored (its
    runs with their footprints, its samples, its rejects), mark it replaced by ``new_id``;
    return the runs and samples removed."""
    if old_id is None:
        return 0
    # their footprints are marked stale, not deleted: a run the new version repeats unchanged
    # keeps it (compute sees the same inputs, no kernel work); _drop_orphans removes the rest
    con.execute(
        "update footprints set factor_set = ? where run_id in (select run_id from runs where source_file_id = ?)",
        [f"{REPLACED_FACTOR_SET}{old_id}", old_id],
    )
    con.execute("delete from unresolved_runs where run_id in (select run_id from runs where source_file_id = ?)", [old_id])
    # runs that shared a host and time with a removed run may now be measured: re-checked next compute
    con.execute(
        "insert into compute_rechecks (started_at, ended_at) select started_at, ended_at from runs "
        "where source_file_id = ? and hosts is not null and started_at is not null and ended_at is not null",
        [old_id],
    )
    removed = con.execute("delete from runs where source_file_id = ? returning 1", [old_id]).fetchall()
    samples = con.execute("delete from power_samples where source_file_id = ? returning 1", [old_id]).fetchall()
    con.execute("delete from rejects where source_file_id = ?", [old_id])
    con.execute(
        "update source_files set replaced_by_source_file_id = ?, replaced_at = current_timestamp where source_file_id = ?",
        [new_id, old_id],
    )
    con.execute("update source_files set replaces_source_file_id = ? where source_file_id = ?", [old_id, new_id])
    return len(removed) + len(samples)


def _drop_orphans(con: duckdb.DuckDBPyConnection, old_id: int | None) -> None:
    """After a new version's runs are stored: footprints of runs it no longer has go."""
    if old_id is not None:
        con.execute("delete from footprints where factor_set = ? and run_id not in (select run_id from runs)",
                    [f"{REPLACED_FACTOR_SET}{old_id}"])


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


def _store_runs(con, parsed: RunFile, source_file_id: int) -> tuple[int, pl.DataFrame]:
    """Insert one file's (or piece's) valid runs; return (loaded, problems incl. duplicates)."""
    con.register("incoming_runs", parsed.runs)
    try:
        dup = con.sql(sql_text("queries/ingest/cross_file_duplicates.sql"), params={"source_file_id": source_file_id}).pl()
        problems = pl.concat([parsed.problems, dup.cast(parsed.problems.schema)]).sort("line", nulls_last=True)
        con.register("incoming_duplicates", dup.select("value").to_arrow())
        con.execute(sql_text("queries/ingest/insert_runs.sql"), [source_file_id])
    finally:
        con.unregister("incoming_runs")
        con.unregister("incoming_duplicates")
    return parsed.runs.num_rows - dup.height, problems


def _reject_repeated_across_pieces(con, source_file_id: int) -> tuple[int, int]:
    """A file read in pieces: every record whose run_id another record of the file repeats is
    rejected as a whole file's would be (same line, reason and detail), whichever pieces hold
    the copies and whether they are valid; returns the file's (loaded, rejected records)."""
    repeated = con.sql(sql_text("queries/ingest/repeated_across_pieces.sql")).pl()
    con.execute("drop table piece_run_ids")
    if repeated.height:
        # the pieces' own verdicts on these records (repeated within a piece, or "already
        # loaded" from an earlier piece or file) give way to the file's: all copies rejected
        con.execute("delete from rejects where source_file_id = ? and line in (select unnest(?)) and reason in "
                    "('run_id repeated within this file', 'run_id already loaded from another file')",
                    [source_file_id, repeated["line"].to_list()])
        _insert_rejects(con, source_file_id, repeated)
        con.execute("delete from runs where source_file_id = ? and run_id in (select unnest(?))",
                    [source_file_id, repeated["value"].unique().to_list()])
    return con.execute("select (select count(*) from runs where source_file_id = $1), "
                       "(select count(distinct line) from rejects where source_file_id = $1)",
                       [source_file_id]).fetchall()[0]


def store_parsed_file(con: duckdb.DuckDBPyConnection, parsed: RunFile | Iterable[RunFile]) -> StoredFile:
    """Record the file, its valid runs and its rejects, all or nothing.

    ``parsed`` is a whole file or the pieces of a large one (parse_run_log_pieces): the
    pieces are parsed and stored one at a time inside the file's single transaction, so
    memory holds one piece; a piece that cannot be read rolls the whole file back.

    A file whose content hash is already recorded adds nothing. A run_id already in
    the database (from another file) is rejected with the file and line it came from:
    a run is never counted twice. A run_id repeated within the file rejects every copy,
    also across pieces.
    """
    # the pieces of a large file: the next one is parsed while this one is stored
    pieces = iter([parsed]) if isinstance(parsed, RunFile) else prefetched(iter(parsed))
    first = next(pieces)
    if stored := _already_stored(con, first):
        return stored
    with atomic(con):
        previous = _previous_version(con, first.path)
        source_file_id, _ = _record_file(con, first, first.problems.clear(), 0, first.folded_records,
                                         first.ignored_columns)
        replaced = _retire(con, previous, source_file_id)
        records = loaded = rejected = 0
        ignored = set(first.ignored_columns)
        if first.piece:
            con.execute("create or replace temp table piece_run_ids (line bigint, run_id varchar)")
        for piece in itertools.chain([first], pieces):
            if piece.record_run_ids is not None:
                con.register("incoming_run_ids", piece.record_run_ids.to_arrow())
                con.execute("insert into piece_run_ids select line, run_id from incoming_run_ids")
                con.unregister("incoming_run_ids")
            piece_loaded, problems = _store_runs(con, piece, source_file_id)
            _insert_rejects(con, source_file_id, problems)
            records += piece.records
            loaded += piece_loaded
            rejected += problems["line"].n_unique()  # pieces hold disjoint lines
            ignored |= set(piece.ignored_columns)
        if first.piece:
            loaded, rejected = _reject_repeated_across_pieces(con, source_file_id)
        _drop_orphans(con, previous)
        con.execute(
            "update source_files set records = ?, rows_loaded = ?, rows_rejected = ?, ignored_columns = ? "
            "where source_file_id = ?",
            [records, loaded, rejected, sorted(ignored), source_file_id],
        )
    return StoredFile(
        str(first.path), source_file_id, first.format, loaded, rejected, False, tuple(sorted(ignored)),
        first.detected or first.format, first.folded_records, previous, replaced,
    )


def store_parsed_telemetry(con: duckdb.DuckDBPyConnection, parsed: TelemetryFile) -> StoredFile:
    """Record a telemetry file, its power samples and its rejects, all or nothing
    (``loaded`` counts samples). Sample columns the table does not have are ignored."""
    if stored := _already_stored(con, parsed):
        return stored
    try:
        with atomic(con):
            problems = parsed.problems.select("line", "column_name", "value", "reason", "detail")
            previous = _previous_version(con, parsed.path)
            source_file_id, rejected = _record_file(con, parsed, problems, parsed.samples.height,
                                                    parsed.folded_records, [])
            replaced = _retire(con, previous, source_file_id)
            con.register("incoming_samples", parsed.samples.to_arrow())
            con.execute(
                """
                insert into power_samples (source_file_id, line, host, gpu_index, gpu_uuid, sampled_at, power_w)
                select ?, _line, host, gpu_index, gpu_uuid, sampled_at, power_w from incoming_samples
                """,
                [source_file_id],
            )
    finally:
        try:
            con.unregister("incoming_samples")
        except Exception:
            pass
    return StoredFile(str(parsed.path), source_file_id, parsed.format, parsed.samples.height, rejected, False,
                      detected=parsed.detected, folded=parsed.folded_records,
                      replaced_source_file_id=previous, replaced_rows=replaced)
