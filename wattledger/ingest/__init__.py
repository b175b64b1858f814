"""Ingest: read run-log files, validate them column by column, keep rejects with reasons.

Nothing here writes to the database: :func:`parse_run_log` returns what the store
writes in one transaction per file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import polars as pl

from wattledger.ingest.contract import CANONICAL_COLUMNS, missing_required
from wattledger.ingest.discover import discover, format_of
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import READERS
from wattledger.ingest.validate import validate_runs

__all__ = ["FileRefused", "ParsedFile", "discover", "file_sha256", "parse_run_log"]


@dataclass
class ParsedFile:
    """One run-log file, parsed and validated, ready to store."""

    path: Path
    content_sha256: str
    format: str
    size_bytes: int
    records: int
    runs: pa.Table
    problems: pl.DataFrame  # line, column_name, value, reason
    ignored_columns: list[str]

    @property
    def rejected_rows(self) -> int:
        return self.problems["line"].n_unique()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_run_log(path: Path) -> ParsedFile:
    """Read and validate one canonical run log (CSV, Parquet or NDJSON).

    Raises :class:`FileRefused` when the file cannot be read at all (unknown type,
    empty, unreadable, required columns missing); otherwise every record ends up in
    ``runs`` or in ``problems`` with its line, column and reason.
    """
    path = Path(path).resolve()
    fmt = format_of(path)
    if fmt is None:
        raise FileRefused(path, f"unknown file type {path.suffix!r}")
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if not data.strip():
        raise FileRefused(path, "the file is empty")
    raw = READERS[fmt](path, data)
    columns = [c for c in raw.frame.columns if c != "_line"]
    missing = missing_required(set(columns))
    if missing and fmt == "ndjson" and raw.frame.height == 0:
        missing = []  # no valid JSON object at all: every line is already a reject
    if missing:
        raise FileRefused(
            path,
            f"missing required column(s): {', '.join(missing)}; found {columns}. "
            f"A canonical run log has the columns {', '.join(CANONICAL_COLUMNS)}"
            + (" (is the file comma-separated?)" if fmt == "csv" and len(columns) == 1 else ""),
        )
    validated = validate_runs(raw)
    return ParsedFile(
        path=path,
        content_sha256=file_sha256(data),
        format=fmt,
        size_bytes=len(data),
        records=raw.records,
        runs=validated.runs,
        problems=validated.problems,
        ignored_columns=sorted(set(columns) - set(CANONICAL_COLUMNS)),
    )
