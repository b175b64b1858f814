"""Large run logs in pieces: memory bounded by the piece size, not by the file size.

A CSV file is cut at record boundaries (a newline outside double quotes, found with
the same quote parity as :mod:`wattledger.ingest.csv_records`); every piece after the
first is read with the file's header in front and its line numbers shifted back to the
file's own. NDJSON is cut at newlines; Parquet is read a batch of rows at a time.
The content hash is computed in one streaming pass before any piece is parsed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from wattledger.ingest.errors import FileRefused

#: Files above this size are read in pieces of about this many bytes.
PIECE_BYTES = 32 * 2**20
#: Parquet files over this many rows are read this many rows at a time.
PIECE_ROWS = 250_000
#: A record longer than this cannot be a run record: the quote that opened it never closed.
MAX_RECORD_BYTES = 16 * 2**20
_NL = ord("\n")
_QUOTE = ord('"')


def sha256_of_file(path: Path, block_bytes: int = 8 * 2**20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(block_bytes):
            h.update(block)
    return h.hexdigest()


def newlines_outside_quotes(data: bytes, quoting: bool) -> np.ndarray:
    """Offsets of the newlines of ``data`` that end records (with ``quoting``: not inside quotes)."""
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == _NL)
    if quoting and data.find(b'"') >= 0:
        quotes = np.flatnonzero(buf == _QUOTE)
        nl = nl[(np.searchsorted(quotes, nl) & 1) == 0]
    return nl


def _record_cut(data: bytes, quoting: bool) -> int:
    """Offset one past the last newline outside quotes (0 when there is none)."""
    if not quoting or data.find(b'"') < 0:
        return data.rfind(b"\n") + 1
    nl = newlines_outside_quotes(data, quoting)
    return int(nl[-1]) + 1 if nl.size else 0


def text_pieces(path: Path, *, header: bool, quoting: bool, piece_bytes: int = PIECE_BYTES,
                name: Path | None = None) -> Iterator[tuple[bytes, int]]:
    """``(bytes, line_offset)`` pieces of a line-based text file, cut between records.

    With ``header``, every piece after the first starts with the file's header record,
    and ``line_offset`` is what to add to a line number counted in the piece to get the
    file's line. Raises :class:`FileRefused` for a record longer than MAX_RECORD_BYTES.
    """
    head = b""
    head_lines = 0
    lines_before = 0
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(piece_bytes)
            data = carry + block
            if not block:
                if data:
                    yield (head + data if head else data), lines_before - head_lines
                return
            cut = _record_cut(data, quoting)
            if cut == 0:
                if len(data) > MAX_RECORD_BYTES:
                    raise FileRefused(
                        name or path,
                        f"line {lines_before + 1}: a record longer than {MAX_RECORD_BYTES // 2**20} MiB "
                        "(a quote that never closes?)",
                    )
                carry = data
                continue
            piece, carry = data[:cut], data[cut:]
            if header and not head:
                first = _record_cut_first(piece, quoting)
                head, head_lines = piece[:first], piece[:first].count(b"\n")
                if head.startswith(b"\xef\xbb\xbf"):
                    head = head[3:]
                yield piece, 0
            else:
                yield (head + piece if head else piece), lines_before - head_lines
            lines_before += piece.count(b"\n")


def _record_cut_first(data: bytes, quoting: bool) -> int:
    """Offset one past the first newline outside quotes (the header record's end)."""
    nl = newlines_outside_quotes(data, quoting)
    return int(nl[0]) + 1 if nl.size else len(data)


def parquet_rows(path: Path) -> int:
    """Rows of a Parquet file, from its footer (0 when it cannot be read: the reader says why)."""
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001  (the Parquet reader reports the unreadable file)
        return 0


def parquet_batches(path: Path, rows: int = PIECE_ROWS, *, name: Path | None = None):
    """``(polars frame, first_row)`` batches of a Parquet file, ``first_row`` 1-based
    (``name``: the file messages name, when ``path`` is a decompressed copy)."""
    try:
        reader = pq.ParquetFile(path)
    except Exception as err:
        raise FileRefused(name or path, f"cannot read as Parquet: {err}") from None
    first = 1
    for batch in reader.iter_batches(batch_size=rows):
        frame = pl.from_arrow(batch)
        yield frame, first
        first += batch.num_rows
