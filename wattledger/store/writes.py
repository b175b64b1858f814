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
from wattledger.store.staging import staged_parquet
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
    replaced_rows: int = 0  # samples of that version removed (telemetry; runs are never removed)
    absent_rows: int = 0  # runs of that version the new one lacks: kept, flagged absent_since
    taken_rows: int = 0  # runs taken from another file, where they were absent (moved runs)


def stored_contents(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The content hashes (SHA-256) of the current (not replaced) source files."""
    rows = con.execute("select content_sha256 from source_files where replaced_by_source_file_id is null").fetchall()
    return frozenset(r[0] for r in rows)


def _already_stored(con: duckdb.DuckDBPyConnection, parsed) -> StoredFile | None:
    """The current source file with this content and side files, if any (``parsed``: a parsed
    file, or a :class:`KnownFile`: then the format is the stored file's): the current version
    at this path, else one at another path, unless this path's current version differs (then
    the file has changed: its new version replaces it, the ledger rule)."""
    existing = con.execute(
        "select source_file_id, format, detected, path = ? as here, "
        "content_sha256 = ? and coalesce(side_sha256, '') = ? as same from source_files "
        "where (path = ? or (content_sha256 = ? and coalesce(side_sha256, '') = ?)) "
        "and replaced_by_source_file_id is null order by here desc, source_file_id",
        [str(parsed.path), parsed.content_sha256, getattr(parsed, "side_sha256", "") or "", str(parsed.path),
         parsed.content_sha256, getattr(parsed, "side_sha256", "") or ""],
    ).fetchall()
    if existing and existing[0][4]:
        source_file_id, fmt, detected = existing[0][:3]
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
    """Inside the caller's transaction: mark version ``old_id`` of a file replaced by ``new_id``,
    remove its rejects and power samples; return the samples removed. Its runs stay (the
    ledger rule): those the new version repeats are taken by it as they are stored
    (:func:`_take_runs`), the rest are flagged absent by :func:`_flag_absent`."""
    if old_id is None:
        return 0
    samples = con.execute("delete from power_samples where source_file_id = ? returning 1", [old_id]).fetchall()
    con.execute("delete from rejects where source_file_id = ?", [old_id])
    con.execute(
        "update source_files set replaced_by_source_file_id = ?, replaced_at = current_timestamp where source_file_id = ?",
        [new_id, old_id],
    )
    con.execute("update source_files set replaces_source_file_id = ? where source_file_id = ?", [old_id, new_id])
    return len(samples)


def _remove_runs(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> None:
    """Inside the caller's transaction: remove these runs. Their footprints are marked stale,
    not deleted: a run stored again unchanged keeps it (compute sees the same inputs, no
    kernel work); :func:`_drop_orphans` removes the rest. Runs that shared a host and time
    with a removed run may now be measured: re-checked next compute."""
    if not run_ids:
        return
    con.execute("update footprint_values set factor_set = ? where run_id in (select unnest(?))",
                [REPLACED_FACTOR_SET, run_ids])
    con.execute("delete from unresolved_runs where run_id in (select unnest(?))", [run_ids])
    con.execute(
        "insert into compute_rechecks (started_at, ended_at) select started_at, ended_at from runs "
        "where run_id in (select unnest(?)) and hosts is not null and started_at is not null and ended_at is not null",
        [run_ids],
    )
    con.execute("delete from runs where run_id in (select unnest(?))", [run_ids])


def _take_runs(con: duckdb.DuckDBPyConnection, previous: int | None, *, keep_taken: bool = False) -> int:
    """Remove the stored copies the incoming runs replace: the copy of the version this file
    replaces (same path), or a copy absent from its file (a run that moved: the ledger rule);
    return how many were absent from another file. ``keep_taken`` (a file read in pieces): the
    copies are kept aside in ``taken_runs`` until the file's last piece, since a later piece
    may repeat the run_id (then no copy of the file is valid and the stored one stays)."""
    taken = con.execute(
        "select run_id, source_file_id is distinct from ? from runs "
        "where run_id in (select run_id from incoming_runs) and (source_file_id = ? or absent_since is not null)",
        [previous, previous],
    ).fetchall()
    if keep_taken and taken:
        con.execute("insert into taken_runs select * from runs where run_id in (select unnest(?))", [[r[0] for r in taken]])
    _remove_runs(con, [r[0] for r in taken])
    return sum(1 for r in taken if r[1])


def _flag_absent(con: duckdb.DuckDBPyConnection, old_id: int | None) -> int:
    """The runs of version ``old_id`` its new version did not take: kept, flagged absent."""
    if old_id is None:
        return 0
    return len(con.execute(
        "update runs set absent_since = current_timestamp where source_file_id = ? and absent_since is null returning 1",
        [old_id],
    ).fetchall())


def _drop_orphans(con: duckdb.DuckDBPyConnection) -> None:
    """After a file's runs are stored: footprints of removed runs not stored again go (only
    footprints marked replaced can be such; a new file replaces none: nothing is scanned)."""
    if con.execute(sql_text("queries/ingest/any_replaced_footprint.sql"), [REPLACED_FACTOR_SET]).fetchone()[0]:
        con.execute(sql_text("queries/ingest/drop_orphan_footprints.sql"), [REPLACED_FACTOR_SET])


def _record_file(con, parsed, problems: pl.DataFrame, loaded: int, folded: int, ignored: list[str]) -> tuple[int, int]:
    """Insert the source_files row and the rejects of a file (inside the caller's transaction);
    return (source_file_id, rejected records)."""
    rejected = problems["line"].n_unique()
    source_file_id = con.execute(
        """
        insert into source_files
            (path, content_sha256, side_sha256, format, detected, size_bytes, records, rows_loaded,
             rows_rejected, folded_records, ignored_columns)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        returning source_file_id
        """,
        [str(parsed.path), parsed.content_sha256, getattr(parsed, "side_sha256", "") or "", parsed.format, parsed.detected or parsed.format,
         parsed.size_bytes, parsed.records, loaded, rejected, folded, ignored],
    ).fetchall()[0][0]
    _insert_rejects(con, source_file_id, problems)
    return source_file_id, rejected


#: Rejects inserted at once above this many rows are staged through a Parquet file: DuckDB keeps
#: rows inserted from a registered Arrow frame in memory until the transaction commits (about
#: 90 MB per million rejects), rows scanned from a file it writes out (issue 15, item 13).
REJECTS_STAGED_ABOVE = 100_000


def _insert_rejects(con, source_file_id: int, problems: pl.DataFrame) -> None:
    if problems.height > REJECTS_STAGED_ABOVE:
        with staged_parquet(problems) as path:
            con.execute(sql_text("queries/ingest/insert_rejects_from_parquet.sql"), [source_file_id, str(path)])
        return
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


def _store_runs(con, parsed: RunFile, source_file_id: int, previous: int | None, *,
                keep_taken: bool = False) -> tuple[int, pl.DataFrame, int]:
    """Insert one file's (or piece's) valid runs, taking the stored copies of the version it
    replaces and absent ones; return (loaded, problems incl. duplicates, runs moved here)."""
    con.register("incoming_runs", parsed.runs)
    try:
        dup = con.sql(sql_text("queries/ingest/cross_file_duplicates.sql"),
                      params={"source_file_id": source_file_id, "previous": previous}).pl()
        problems = pl.concat([parsed.problems, dup.cast(parsed.problems.schema)]).sort("line", nulls_last=True)
        moved = _take_runs(con, previous, keep_taken=keep_taken)
        con.register("incoming_duplicates", dup.select("value").to_arrow())
        con.execute(sql_text("queries/ingest/incoming_new_runs.sql"))
        con.execute(sql_text("queries/ingest/insert_runs.sql"), [source_file_id])
        if parsed.record_run_ids is not None:  # a piece: its records that did not become runs
            con.register("incoming_run_ids", parsed.record_run_ids.to_arrow())
            con.execute(sql_text("queries/ingest/keep_unstored_run_ids.sql"))
    finally:
        con.execute("drop view if exists incoming_new_runs")
        for name in ("incoming_runs", "incoming_duplicates", "incoming_run_ids"):
            con.unregister(name)
    return parsed.runs.num_rows - dup.height, problems, moved


def _reject_repeated_across_pieces(con, source_file_id: int, loaded: int, rejected: int) -> tuple[int, int]:
    """A file read in pieces: every record whose run_id another record of the file repeats is
    rejected as a whole file's would be (same line, reason and detail), whichever pieces hold
    the copies and whether they are valid; returns the file's (loaded, rejected records), from
    the pieces' counts (``loaded``, ``rejected``): each record loaded by a piece and repeated
    elsewhere moves from one to the other (no scan of the file's rejects: it may hold millions)."""
    repeated = con.sql(sql_text("queries/ingest/repeated_across_pieces.sql"),
                       params={"source_file_id": source_file_id}).pl()
    con.execute("drop table piece_run_ids")
    if repeated.height:
        # the pieces' own verdicts on these records (repeated within a piece, or "already
        # loaded" from an earlier piece or file) give way to the file's: all copies rejected
        con.execute("delete from rejects where source_file_id = ? and line in (select unnest(?)) and reason in "
                    "('run_id repeated within this file', 'run_id already loaded from another file')",
                    [source_file_id, repeated["line"].to_list()])
        _insert_rejects(con, source_file_id, repeated)
        unloaded = len(con.execute("delete from runs where source_file_id = ? and run_id in (select unnest(?)) "
                                   "returning 1", [source_file_id, repeated["value"].unique().to_list()]).fetchall())
        loaded, rejected = loaded - unloaded, rejected + unloaded
        # a stored copy an earlier piece took stays, as it would had the file been read whole
        # (the version this file replaces: flagged absent by _flag_absent; an absent one: as it was)
        con.execute("insert into runs select * from taken_runs where run_id in (select unnest(?)) "
                    "and run_id not in (select run_id from runs)", [repeated["value"].unique().to_list()])
    con.execute("drop table taken_runs")
    return loaded, rejected


def store_parsed_file(con: duckdb.DuckDBPyConnection, parsed: RunFile | Iterable[RunFile], *,
                      force: bool = False) -> StoredFile:
    """Record the file, its valid runs and its rejects, all or nothing.

    ``parsed`` is a whole file or the pieces of a large one (parse_run_log_pieces): the
    pieces are parsed and stored one at a time inside the file's single transaction, so
    memory holds one piece; a piece that cannot be read rolls the whole file back.

    A file whose content hash (with its side files' hash) is already recorded adds
    nothing, unless ``force`` (a re-read: a new version replaces the current one). A run_id
    loaded from another current file is rejected with the file and line it came from: a run
    is never counted twice. A run_id repeated within the file rejects every copy, also
    across pieces. The ledger rule: the runs of the version this one replaces that it lacks
    stay, flagged ``absent_since``; a run absent from another file is taken from this one.
    """
    # the pieces of a large file: the next one is parsed while this one is stored
    pieces = iter([parsed]) if isinstance(parsed, RunFile) else prefetched(iter(parsed))
    first = next(pieces)
    if not force and (stored := _already_stored(con, first)):
        return stored
    with atomic(con):
        previous = _previous_version(con, first.path)
        source_file_id, _ = _record_file(con, first, first.problems.clear(), 0, first.folded_records,
                                         first.ignored_columns)
        replaced = _retire(con, previous, source_file_id)
        records = loaded = rejected = moved = 0
        ignored = set(first.ignored_columns)
        if first.piece:
            con.execute("create or replace temp table piece_run_ids (line bigint, run_id varchar)")
            con.execute("create or replace temp table taken_runs as select * from runs limit 0")
        for piece in itertools.chain([first], pieces):
            piece_loaded, problems, piece_moved = _store_runs(con, piece, source_file_id, previous,
                                                              keep_taken=bool(first.piece))
            moved += piece_moved
            _insert_rejects(con, source_file_id, problems)
            records += piece.records
            loaded += piece_loaded
            rejected += problems["line"].n_unique()  # pieces hold disjoint lines
            ignored |= set(piece.ignored_columns)
        if first.piece:
            loaded, rejected = _reject_repeated_across_pieces(con, source_file_id, loaded, rejected)
        absent = _flag_absent(con, previous)
        _drop_orphans(con)
        con.execute(
            "update source_files set records = ?, rows_loaded = ?, rows_rejected = ?, ignored_columns = ? "
            "where source_file_id = ?",
            [records, loaded, rejected, sorted(ignored), source_file_id],
        )
    return StoredFile(
        str(first.path), source_file_id, first.format, loaded, rejected, False, tuple(sorted(ignored)),
        first.detected or first.format, first.folded_records, previous, replaced, absent, moved,
    )


def store_parsed_telemetry(con: duckdb.DuckDBPyConnection, parsed: TelemetryFile, *,
                           force: bool = False) -> StoredFile:
    """Record a telemetry file, its power samples and its rejects, all or nothing
    (``loaded`` counts samples). Sample columns the table does not have are ignored.
    A new version replaces the samples of the one before (``force``: even of the same content)."""
    if not force and (stored := _already_stored(con, parsed)):
        return stored
    try:
        with atomic(con):
            problems = parsed.problems.select("line", "column_name", "value", "reason", "detail")
            previous = _previous_version(con, parsed.path)
            source_file_id, rejected = _record_file(con, parsed, problems, parsed.samples.height,
                                                    parsed.folded_records, [])
            replaced = _retire(con, previous, source_file_id)
            samples = parsed.samples
            if "energy_mj" not in samples.columns:  # a reader without an energy counter
                samples = samples.with_columns(pl.lit(None, dtype=pl.Float64).alias("energy_mj"))
            con.register("incoming_samples", samples.to_arrow())
            con.execute(
                """
                insert into power_samples (source_file_id, line, host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj)
                select ?, _line, host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj from incoming_samples
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


def forget_runs(con: duckdb.DuckDBPyConnection, *, run_ids: Iterable[str] = (), path: str | None = None,
                reason: str, forgotten_by: str) -> int:
    """Remove runs explicitly, with their footprints, in one transaction: the runs named, or
    every run read from the file at ``path`` (any version of it). Each is recorded in
    ``forgotten_runs`` (what was asked, why, by whom, when; its file and GPU-hours). Return
    how many runs were removed (0 when none matched)."""
    run_ids = list(run_ids)
    with atomic(con):
        if path is not None:
            request = f"--file {path}"
            run_ids += [r[0] for r in con.execute(
                "select run_id from runs where source_file_id in (select source_file_id from source_files where path = ?)",
                [str(path)],
            ).fetchall()]
        else:
            request = "--run " + " ".join(run_ids)
        found = [r[0] for r in con.execute("select run_id from runs where run_id in (select unnest(?))",
                                           [run_ids]).fetchall()]
        con.execute(
            """
            insert into forgotten_runs (run_id, source_file_id, path, gpu_hours, was_absent, request, reason, forgotten_by)
            select runs.run_id, runs.source_file_id, source_files.path, runs.gpu_hours, runs.absent_since is not null,
                   ?, ?, ?
            from runs left join source_files using (source_file_id)
            where runs.run_id in (select unnest(?))
            """,
            [request, reason, forgotten_by, found],
        )
        _remove_runs(con, found)
        _drop_orphans(con)
    return len(found)


def files_to_reread(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Current files that rejected a run_id as loaded from another file whose copy there is
    now absent (its file's new version lacks it): read again, they take the run."""
    return [r[0] for r in con.execute(
        """
        select distinct source_files.path
        from rejects
        inner join source_files using (source_file_id)
        inner join runs on runs.run_id = rejects.value
        where rejects.reason = 'run_id already loaded from another file'
          and source_files.replaced_by_source_file_id is null
          and runs.absent_since is not null
        order by 1
        """
    ).fetchall()]


def replaced_since(con: duckdb.DuckDBPyConnection, source_file_ids: Iterable[int]) -> frozenset[int]:
    """Those of ``source_file_ids`` that are no longer current (a newer version replaced them)."""
    return frozenset(r[0] for r in con.execute(
        "select source_file_id from source_files where source_file_id in (select unnest(?)) "
        "and replaced_by_source_file_id is not null",
        [list(source_file_ids)],
    ).fetchall())


def current_paths_under(con: duckdb.DuckDBPyConnection, folder: str) -> list[str]:
    """The paths of the current source files inside ``folder`` (an absolute path)."""
    prefix = folder.rstrip("/\\") + "/"
    return [r[0] for r in con.execute(
        "select path from source_files where replaced_by_source_file_id is null and starts_with(path, ?) "
        "and format <> ? order by path",
        [prefix, VANISHED_FORMAT],
    ).fetchall()]


#: format of the version recorded when a file is no longer in its folder (no content)
VANISHED_FORMAT = "vanished"


def store_vanished(con: duckdb.DuckDBPyConnection, path: str) -> StoredFile:
    """A file no longer in its folder: in one transaction, a version without content
    (format ``vanished``) replaces its current one; that version's runs are kept, flagged
    absent (the ledger rule), its samples and rejects go. The file coming back, or another
    file holding its runs, takes them."""
    with atomic(con):
        previous = _previous_version(con, path)
        source_file_id = con.execute(
            """
            insert into source_files
                (path, content_sha256, side_sha256, format, detected, size_bytes, records, rows_loaded,
                 rows_rejected, folded_records, ignored_columns)
            values (?, '', '', ?, 'no longer in its folder', 0, 0, 0, 0, 0, [])
            returning source_file_id
            """,
            [path, VANISHED_FORMAT],
        ).fetchall()[0][0]
        replaced = _retire(con, previous, source_file_id)
        absent = _flag_absent(con, previous)
    return StoredFile(path, source_file_id, VANISHED_FORMAT, 0, 0, False, detected="no longer in its folder",
                      replaced_source_file_id=previous, replaced_rows=replaced, absent_rows=absent)
