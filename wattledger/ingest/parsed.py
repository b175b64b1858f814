"""What ingest hands to the store: a parsed run-log file, or a file whose content is stored already.

The store reads these structurally (attribute names), one transaction per file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa


@dataclass
class ParsedFile:
    """One run-log file, parsed and validated, ready to store."""

    path: Path
    content_sha256: str
    format: str  # csv | parquet | ndjson (canonical) | sacct | codecarbon | mapping:<name>
    size_bytes: int
    records: int
    runs: pa.Table
    problems: pl.DataFrame  # line, column_name, value, reason, detail
    ignored_columns: list[str]
    source_format: str = "canonical"  # canonical | sacct | codecarbon | mapping:<name>
    detected: str = ""  # what was detected and how it was read, for people
    folded_records: int = 0  # records merged into another of the same run (job steps, flushes)
    piece: int = 0  # 0 for a whole file; 1, 2, ... for the pieces of a large one
    #: pieces only: (line, run_id as written) of every record of the piece, valid or not, so that
    #: the store finds a run_id repeated across pieces as validation finds it within a file
    record_run_ids: pl.DataFrame | None = None
    side_sha256: str = ""  # the side files that shaped the reading (plan.side_files_sha256)

    @property
    def rejected_rows(self) -> int:
        return self.problems["line"].n_unique()


@dataclass(frozen=True)
class KnownContent:
    """A file whose content (SHA-256) the database holds already: nothing to parse or store.

    ``mapping`` and ``cluster`` are what the file would be read with, should that content
    turn out to be no longer current (then the file is planned and parsed again).
    """

    path: Path
    content_sha256: str
    mapping: Path | None = None
    cluster: Path | None = None
    side_sha256: str = ""


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
