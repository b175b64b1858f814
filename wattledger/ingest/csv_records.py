"""Split CSV bytes into records without a Python loop per row.

RFC 4180 quoting: a newline inside double quotes belongs to the field; an escaped
quote is written twice, so the parity of the quote count before a byte tells
whether the byte is inside quotes (counted by a binary search of each newline and
delimiter among the quotes' offsets). With that parity we find, for every record, its
byte range, its physical line number (1-based, as an editor shows it) and its field
count, all with numpy over the whole buffer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_NL = ord("\n")
_CR = ord("\r")
_QUOTE = ord('"')


@dataclass(frozen=True)
class CsvRecords:
    """Records of a CSV buffer, blank lines removed; index 0 is the header."""

    starts: np.ndarray  # byte offset of each record's first byte
    ends: np.ndarray  # byte offset one past its last byte (line ending excluded)
    next_starts: np.ndarray  # byte offset one past its line ending
    lines: np.ndarray  # physical line number of its first byte, 1-based
    field_counts: np.ndarray  # number of fields (delimiters outside quotes + 1)
    unterminated_last: bool  # the last record opens a quote that never closes
    blank_lines: int  # blank lines removed


def _outside_quotes(positions: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Which of ``positions`` (sorted byte offsets, not quotes) have an even number of
    quotes before them, i.e. lie outside quoted fields."""
    if quotes.size == 0:
        return np.ones(positions.size, dtype=bool)
    return (np.searchsorted(quotes, positions) & 1) == 0


def split_records(buf: np.ndarray, delimiter: int = ord(","), *, quoting: bool = True) -> CsvRecords:
    """Find record boundaries, lines and field counts in ``buf`` (uint8 array).

    ``quoting=False``: a double quote is an ordinary byte (formats that never quote).
    """
    n = buf.size
    quotes = np.flatnonzero(buf == _QUOTE) if quoting else np.empty(0, dtype=np.int64)
    all_nl = np.flatnonzero(buf == _NL)
    record_nl = all_nl[_outside_quotes(all_nl, quotes)]

    starts = np.concatenate(([0], record_nl + 1))
    next_starts = np.concatenate((record_nl + 1, [n]))
    ends = np.concatenate((record_nl, [n]))
    # A final newline leaves an empty trailing record: drop it.
    if starts[-1] >= n:
        starts, ends, next_starts = starts[:-1], ends[:-1], next_starts[:-1]
    # Line endings may be CRLF: the CR is not part of the record.
    has_cr = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == _CR)
    ends = ends - has_cr

    lines = np.searchsorted(all_nl, starts) + 1

    delim = np.flatnonzero(buf == delimiter)
    if quotes.size:
        delim = delim[_outside_quotes(delim, quotes)]
    # delimiters of a record: those between its start and its end (only its line ending follows);
    # one binary search per record among the delimiters, not one per delimiter among the records
    first_delim = np.searchsorted(delim, starts)
    field_counts = np.searchsorted(delim, ends) - first_delim + 1

    unterminated = bool(quotes.size & 1)
    keep = ends > starts  # blank lines are not records
    return CsvRecords(
        starts=starts[keep],
        ends=ends[keep],
        next_starts=next_starts[keep],
        lines=lines[keep],
        field_counts=field_counts[keep],
        unterminated_last=unterminated and bool(keep[-1]) if keep.size else False,
        blank_lines=int(keep.size - np.count_nonzero(keep)),
    )


def keep_records(buf: np.ndarray, records: CsvRecords, keep: np.ndarray) -> bytes:
    """Bytes of the records where ``keep`` is true, each with its own line ending."""
    starts, next_starts = records.starts[keep], records.next_starts[keep]
    # records that follow one another in the file are copied as one slice
    joined = np.flatnonzero(starts[1:] != next_starts[:-1])
    first = np.concatenate(([0], joined + 1))
    last = np.concatenate((joined, [starts.size - 1]))
    view = memoryview(buf)
    out = b"".join([view[a:b] for a, b in zip(starts[first].tolist(), next_starts[last].tolist())]) if starts.size else b""
    return out if out.endswith(b"\n") or not out else out + b"\n"
