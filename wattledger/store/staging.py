"""Frames staged through a private Parquet file for DuckDB to scan (bounded memory).

DuckDB keeps the rows a transaction inserts from a registered Arrow frame in memory until it
commits; rows it scans from a file are written out as they go. A large insert inside a long
transaction (the rejects of a file read in pieces) is therefore staged in a file: created
exclusively in a fresh private folder under the temporary folder (``TMPDIR``), removed when
the insert is done, also on error.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl


@contextmanager
def staged_parquet(frame: pl.DataFrame) -> Iterator[Path]:
    """``frame`` written to a private Parquet file, removed on exit."""
    folder = Path(tempfile.mkdtemp(prefix="wattledger-staged-"))
    try:
        path = folder / "frame.parquet"
        frame.write_parquet(path, compression="lz4", statistics=False)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
