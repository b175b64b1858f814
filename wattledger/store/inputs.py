"""What the store is given to write: the attributes it reads, as structural types.

The store imports nothing from ingest: ingest's dataclasses (ParsedFile, ParsedTelemetry,
KnownContent) satisfy these protocols by having the attributes, and so does any other
producer (a test's stand-in, another reader).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import polars as pl
import pyarrow as pa


@runtime_checkable
class KnownFile(Protocol):
    """A file whose content the database may hold already (identified by its SHA-256)."""

    path: Path
    content_sha256: str


@runtime_checkable
class RunFile(Protocol):
    """A run log (or one piece of a large one), parsed and validated, ready to store."""

    path: Path
    content_sha256: str
    format: str  # csv | parquet | ndjson | sacct | codecarbon | mapping:<name>
    detected: str  # what was detected and how it was read, for people ("" for: as format)
    size_bytes: int
    records: int  # data records of the file (or piece)
    runs: pa.Table  # valid runs, shaped as the runs table without source_file_id
    problems: pl.DataFrame  # line, column_name, value, reason, detail
    ignored_columns: list[str]
    folded_records: int  # records merged into another record of the same run
    piece: int  # 0 for a whole file; 1, 2, ... for the pieces of a large one


@runtime_checkable
class TelemetryFile(Protocol):
    """A power-telemetry file (nvidia-smi, DCGM), parsed, ready to store."""

    path: Path
    content_sha256: str
    format: str  # nvidia-smi | dcgm
    detected: str
    size_bytes: int
    records: int
    samples: pl.DataFrame  # _line, host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj (other columns ignored)
    problems: pl.DataFrame  # line, column_name, value, reason, detail (other columns ignored)
    folded_records: int
