"""Ingest paths into the database: plan each file, parse it (ahead of the writer), store it.

The same two steps serve the CLI (:func:`ingest_paths`) and the Prefect flow
(``flows/pipeline.py``): :func:`wattledger.pipeline.parse.parse_planned` (no database) and
:func:`store_planned` (one transaction per file).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from wattledger.ingest import (
    ConfigFileError,
    FileRefused,
    KnownContent,
    ParsedTelemetry,
    Plan,
    Skipped,
    load_mapping,
    plan_path,
    survey,
)
from wattledger.ingest.adapters.cluster import load_cluster_file
from wattledger.iterators import prefetched
from wattledger.pipeline.parse import Parsed, parse_planned, run_log_pieces
from wattledger.store import (
    StoredFile,
    current_paths_under,
    files_to_reread,
    replaced_since,
    store_known_content,
    store_vanished,
    store_parsed_file,
    store_parsed_telemetry,
    stored_contents,
)


@dataclass
class IngestSummary:
    stored: list[StoredFile] = field(default_factory=list)
    refused: list[FileRefused] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # files of the folders given that were not read (why)

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.stored)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.stored)


def store_planned(con: duckdb.DuckDBPyConnection, parsed: Parsed, *, force: bool = False) -> StoredFile:
    """Store what :func:`~wattledger.pipeline.parse.parse_planned` gave, in one transaction.

    A known content adds nothing (the StoredFile says already_ingested); a known content
    that is no longer current is planned, parsed and stored as usual. A large run log's
    plan is read in pieces inside its transaction. Raises :class:`FileRefused` for a
    refusal, or for a large file refused in a later piece (nothing of it stored then).
    ``force``: a re-read, stored as a new version even when its content is current.
    """
    if isinstance(parsed, FileRefused):
        raise parsed
    if isinstance(parsed, KnownContent):
        if (stored := store_known_content(con, parsed)) is not None:
            return stored
        # that content is no longer current: store the file as usual
        parsed = parse_planned(plan_path(parsed.path, mapping=parsed.mapping, cluster=parsed.cluster))
        return store_planned(con, parsed)
    if isinstance(parsed, Plan):
        return store_parsed_file(con, run_log_pieces(parsed), force=force)
    if isinstance(parsed, ParsedTelemetry):
        return store_parsed_telemetry(con, parsed, force=force)
    return store_parsed_file(con, parsed, force=force)


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    mapping: Path | None = None,
    *,
    cluster: Path | None = None,
    reread: bool = False,
    on_file: Callable[[int, int, StoredFile | FileRefused], None] | None = None,
    scraped_at: datetime | None = None,
) -> IngestSummary:
    """Ingest every run-log and telemetry file under ``paths``, one transaction per file.

    Each file's format is detected from its header (canonical, Slurm sacct, CodeCarbon,
    nvidia-smi and DCGM telemetry) unless ``mapping`` (a mapping file) is given: then
    every file is read through it. ``cluster`` is the cluster file of sacct files
    (default: ``cluster.yaml`` next to each sacct file). A file whose content is stored
    already is hashed, not parsed.

    A file that cannot be read is refused (nothing of it stored) and the others go on;
    the summary lists both. An invalid mapping or cluster file refuses the whole call
    before any file is read. ``on_file(done, total, outcome)`` is called after each file
    (progress for the caller to show). ``reread``: every file is read and stored again, as a
    new version, even when its content and side files are unchanged. Every file of a folder
    given is accounted for: stored, refused, or skipped with its reason (``summary.skipped``).
    ``scraped_at``: the time of a DCGM scrape saved without any time (default: its file's
    modification time).

    The ledger rule (docs/reliability.md): a file stored from a folder given here that is no
    longer in it is recorded as vanished (its runs kept, flagged absent). After the files, those that must be read again
    are: a file whose content was found stored at another path whose version this call
    replaced, and a file that rejected a run as loaded from another file where that run
    is now absent (it takes the run).
    """
    summary = IngestSummary()
    for config, load in ((mapping, load_mapping), (cluster, load_cluster_file)):
        if config is not None:
            try:
                load(Path(config))
            except ConfigFileError as err:
                summary.refused.append(FileRefused(err.path, "; ".join(err.problems)))
                return summary
    try:
        found = survey([Path(p) for p in paths])
    except FileRefused as err:
        summary.refused.append(err)
        return summary
    summary.skipped = found.skipped
    summary.stored += record_vanished(con, paths)
    _store_files(con, found.files, summary, mapping, cluster, force=reread, on_file=on_file, scraped_at=scraped_at)
    again = settle_ledger(con, summary.stored, mapping_of=lambda _: mapping, cluster=cluster)
    reread_paths = {s.path for s in again.stored}
    summary.stored = [s for s in summary.stored if s.path not in reread_paths] + again.stored
    summary.refused += again.refused
    return summary


def record_vanished(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> list[StoredFile]:
    """The ledger rule, before the files: each file stored from a folder among ``paths`` that
    is no longer in it is recorded as vanished (its runs kept, flagged absent)."""
    gone: list[StoredFile] = []
    for folder in sorted({Path(p).resolve() for p in paths if Path(p).is_dir()}):
        for path in current_paths_under(con, str(folder)):
            if not os.path.lexists(path):
                gone.append(store_vanished(con, path))
    return gone


def settle_ledger(
    con: duckdb.DuckDBPyConnection,
    stored: list[StoredFile],
    *,
    mapping_of: Callable[[Path], Path | None] = lambda _: None,
    cluster: Path | None = None,
) -> IngestSummary:
    """The ledger rule, after the files (``stored``: what storing them did): read again, each
    once, a file skipped as already ingested whose content's version at another path was
    replaced since, and every current file that rejected a run as loaded from another file
    where that run is now absent (it takes the run). ``mapping_of(path)``: the mapping file a
    path is read through. Returns what the re-reads did."""
    summary = IngestSummary()
    done: set[Path] = set()
    while True:
        outcomes = [*stored, *summary.stored]
        elsewhere = replaced_since(con, [s.source_file_id for s in outcomes if s.already_ingested])
        again = sorted(({Path(s.path) for s in outcomes if s.already_ingested and s.source_file_id in elsewhere}
                        | {Path(p) for p in files_to_reread(con) if Path(p).is_file()}) - done)
        if not again:
            return summary
        done |= set(again)
        for path in again:
            _store_files(con, [path], summary, mapping_of(path), cluster, force=True, on_file=None)


def _store_files(con, files: list[Path], summary: IngestSummary, mapping, cluster, *, force: bool,
                 on_file, scraped_at: datetime | None = None) -> None:
    known = frozenset() if force else stored_contents(con)  # files with these contents are hashed, not parsed

    def parsed_files():
        """Each file planned and parsed (small ones whole, ahead of the writer; a large one's
        pieces are parsed while its transaction is open), or its refusal."""
        for f in files:
            yield parse_planned(plan_path(f, mapping=mapping, cluster=cluster, known_sha256=known, scraped_at=scraped_at))

    for i, parsed in enumerate(prefetched(parsed_files()), start=1):
        try:
            outcome: StoredFile | FileRefused = store_planned(con, parsed, force=force)
        except FileRefused as err:
            summary.refused.append(err)
            outcome = err
        else:
            summary.stored.append(outcome)
        if on_file is not None:
            on_file(i, len(files), outcome)
