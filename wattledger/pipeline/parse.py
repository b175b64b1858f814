"""Parse what a plan says, validated by the store's SQL: the executor the CLI and the flows share.

Ingest (``wattledger.ingest``) plans a path and reads it; the validation of run-log values
is the store's (``wattledger.store.validate_runs``). This module joins them, above both
layers, and touches no database: everything it returns is picklable, so a task runner may
parse on another process.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from wattledger.ingest import (
    FileRefused,
    KnownContent,
    ParsedFile,
    ParsedTelemetry,
    Plan,
    parse_telemetry,
    plan_path,
    read_run_log,
    read_run_log_pieces,
    telemetry_refusal,
    validated,
)
from wattledger.ingest.compressed import discard_copy
from wattledger.ingest.pieces import PIECE_BYTES, PIECE_ROWS
from wattledger.ingest.plan import PIECE_RECORDS
from wattledger.store import validate_runs

#: What :func:`parse_planned` gives for a plan: a parsed file, the plan of a large run log
#: (parsed in pieces while it is stored: :func:`run_log_pieces`), a stored content, or a refusal.
Parsed = ParsedFile | ParsedTelemetry | Plan | KnownContent | FileRefused


def parse_planned(plan: Plan) -> Parsed:
    """Parse ``plan``'s file as its kind says; a refusal is returned, not raised.

    ``known``: :class:`KnownContent` (nothing parsed). ``large_run_log``: the plan itself,
    for the storing process to read in pieces inside the file's transaction (memory holds
    one piece). ``telemetry``: :class:`ParsedTelemetry`. ``run_log``: a validated
    :class:`ParsedFile`. ``refused`` (or a file that cannot be read): :class:`FileRefused`.
    """
    if plan.kind == "large_run_log":
        return plan  # its decompressed copy, if any, is removed when its pieces are read
    try:
        if plan.kind == "refused":
            return plan.refusal
        if plan.kind == "known":
            return KnownContent(plan.path, plan.sha256, plan.mapping, plan.cluster, plan.side_sha256)
        if plan.kind == "telemetry":
            return replace(parse_telemetry(plan), side_sha256=plan.side_sha256)
        return replace(validated(read_run_log(plan), validate_runs), side_sha256=plan.side_sha256)
    except FileRefused as err:
        return err
    finally:
        discard_copy(plan.source)


def run_log_pieces(plan: Plan) -> Iterator[ParsedFile]:
    """The validated pieces of a large run log, lazily (the store parses each as it goes);
    a compressed file's decompressed copy is removed once they are read (or given up)."""
    try:
        for adapted in read_run_log_pieces(plan):
            yield replace(validated(adapted, validate_runs), side_sha256=plan.side_sha256)
    finally:
        discard_copy(plan.source)


def parse_run_log(path: Path, mapping: Path | None = None, *, cluster: Path | None = None) -> ParsedFile:
    """Read, map and validate one whole run-log file of any supported format (docs/formats.md).

    ``mapping``: a mapping file (YAML): the file is read through it instead of being
    detected. ``cluster``: the cluster file of a sacct file (default: ``cluster.yaml`` in
    the sacct file's folder). Raises :class:`FileRefused` when the file cannot be read at
    all (telemetry included: it is not a run log); otherwise every record ends up in
    ``runs``, in ``problems`` with its line, column and reason, or folded into another
    record of the same run (``folded_records``).
    """
    return _whole(plan_path(path, mapping=mapping, cluster=cluster))


def parse_run_log_pieces(
    path: Path,
    mapping: Path | None = None,
    *,
    cluster: Path | None = None,
    piece_bytes: int = PIECE_BYTES,
    piece_rows: int = PIECE_ROWS,
    piece_records: int = PIECE_RECORDS,
) -> Iterator[ParsedFile]:
    """Parse a run log as :func:`parse_run_log` does, in pieces when it is large.

    A canonical run log larger than ``piece_bytes`` or of more than ``piece_records`` lines
    (CSV, NDJSON), or of more than ``piece_rows`` rows (Parquet), is read a piece at a time; every piece is a ParsedFile with ``piece`` = 1,
    2, ... (see :func:`wattledger.ingest.read_run_log_pieces`). Any other file is one
    ParsedFile (``piece`` 0). The pieces are lazy: the caller stores each before the next
    is read.
    """
    plan = plan_path(path, mapping=mapping, cluster=cluster, piece_bytes=piece_bytes, piece_rows=piece_rows,
                     piece_records=piece_records)
    if plan.kind == "large_run_log":
        yield from run_log_pieces(plan)
    else:
        yield _whole(plan)


def _whole(plan: Plan) -> ParsedFile:
    """The run log of ``plan`` read whole and validated, whatever its size; raises a refusal."""
    try:
        if plan.kind == "telemetry":
            raise telemetry_refusal(plan)
        if plan.kind == "refused":
            raise plan.refusal
        return replace(validated(read_run_log(plan), validate_runs), side_sha256=plan.side_sha256)
    finally:
        discard_copy(plan.source)
