"""Read a run-log file (CSV and other delimited text, Parquet, NDJSON) into text columns with line numbers.

Every reader returns the same shape: all values as text (typing is validation's
job, done once for every format), a ``_line`` column, and the records that could not
even be split into fields, each with its line and a reason.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from wattledger.ingest.csv_records import keep_records, split_records
from wattledger.ingest.errors import FileRefused, header_refusal

_BOM = b"\xef\xbb\xbf"
_NL = ord("\n")
_CR = ord("\r")
PROBLEM_SCHEMA = {
    "line": pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "detail": pl.String,
}
Problem = tuple[int, str | None, str | None, str, str | None]


@dataclass
class RawTable:
    """A file's records as text, before validation."""

    frame: pl.DataFrame  # String columns named as in the header (lower-cased) + _line (Int64)
    records: int  # data records in the file (blank lines excluded)
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))


def _problems(rows: list[Problem]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA, orient="row")


def _header_names(path: Path, names: list[str]) -> list[str]:
    cleaned = [n.strip().lower() for n in names]
    seen: set[str] = set()
    for i, n in enumerate(cleaned, start=1):
        if not n:
            raise FileRefused(path, f"line 1, column {i}: empty column name in the header")
        if n in seen:
            raise FileRefused(path, f"line 1: column {n!r} appears more than once in the header")
        seen.add(n)
    return cleaned


def _span(data: bytes, recs, i: int) -> str:
    """For a malformed record over several lines: which lines (a stray quote runs on to the next one)."""
    newlines = data[int(recs.starts[i]) : int(recs.ends[i])].rstrip(b"\r\n").count(b"\n")
    if not newlines:
        return ""
    first = int(recs.lines[i])
    return f"; the record spans lines {first}-{first + newlines} (a double quote opens a quoted field until the next one)"


#: A wrong-field-count record no longer than this (in bytes) is its own ``value`` (200 characters at most).
_VALUE_CHARS = 200


def _wrong_field_count_problems(
    data: bytes, buf: np.ndarray, recs, bad: np.ndarray, n_fields: int, undecodable: set[int]
) -> pl.DataFrame:
    """The "wrong number of fields" problems of records ``bad``, built column-wise.

    Memory and time follow the number of such records without a Python object per record:
    line numbers and field counts stay arrays, the values are cut out of ``buf`` at once
    and the detail is a polars string expression. Records the columns cannot give exactly
    as the record-by-record text does (longer than 200 bytes, not UTF-8, ending in a CR or
    LF inside quotes) are built one by one, as before; there are few of them per byte.
    """
    if bad.size == 0:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    starts, ends = recs.starts[bad], recs.ends[bad]
    lengths = ends - starts
    nl = np.flatnonzero(buf == _NL)
    spans = np.searchsorted(nl, ends) - np.searchsorted(nl, starts)  # newlines inside the record
    last = buf[np.maximum(ends - 1, 0)]
    slow = (lengths > _VALUE_CHARS) | ((spans > 0) & ((last == _NL) | (last == _CR)))
    if undecodable:
        slow |= np.isin(bad, np.fromiter(undecodable, dtype=np.int64))
    fast = ~slow
    f_starts, f_lengths = starts[fast], lengths[fast]
    # the values: every fast record's bytes, cut out of the buffer with one mask
    marks = np.zeros(buf.size + 1, dtype=np.int8)
    marks[f_starts] += 1
    marks[f_starts + f_lengths] -= 1
    inside = np.cumsum(marks[:-1], dtype=np.int8).view(bool)
    del marks
    values = buf[inside]
    del inside
    offsets = np.zeros(f_lengths.size + 1, dtype=np.int64)
    np.cumsum(f_lengths, out=offsets[1:])
    arrow = pa.LargeBinaryArray.from_buffers(pa.large_binary(), int(f_lengths.size), [None, pa.py_buffer(offsets), pa.py_buffer(values)])
    f_lines = recs.lines[bad][fast]
    f_spans = spans[fast]
    frame = pl.DataFrame(
        {
            "line": pl.Series(f_lines, dtype=pl.Int64),
            "value": pl.from_arrow(arrow).cast(pl.String),
            "found": pl.Series(recs.field_counts[bad][fast], dtype=pl.Int64),
            "spans": pl.Series(f_spans, dtype=pl.Int64),
        }
    ).select(
        "line",
        pl.lit(None, dtype=pl.String).alias("column_name"),
        "value",
        pl.lit("wrong number of fields").alias("reason"),
        pl.when(pl.col("spans") == 0)
        .then(pl.format("expected {}, found {}", pl.lit(n_fields), "found"))
        .otherwise(
            pl.format(
                "expected {}, found {}; the record spans lines {}-{} (a double quote opens a quoted field until the next one)",
                pl.lit(n_fields), "found", "line", pl.col("line") + pl.col("spans"),
            )
        )
        .alias("detail"),
    )
    if not slow.any():
        return frame
    rows: list[Problem] = []
    for i in bad[slow]:  # long, not UTF-8 or oddly ended records: the record-by-record text
        raw = data[recs.starts[i] : recs.ends[i]].decode("utf-8", errors="replace")
        rows.append(
            (
                int(recs.lines[i]),
                None,
                raw[:_VALUE_CHARS],
                "wrong number of fields",
                f"expected {n_fields}, found {int(recs.field_counts[i])}{_span(data, recs, i)}",
            )
        )
    return pl.concat([frame, _problems(rows)]).sort("line")


def _undecodable_records(data: bytes, starts: np.ndarray) -> set[int]:
    """Indices of records holding bytes that are not UTF-8 (a loop over bad records only)."""
    if data.isascii():  # ASCII is UTF-8: one fast scan instead of decoding the whole file
        return set()
    bad: set[int] = set()
    pos = 0
    while pos < len(data):
        try:
            data[pos:].decode("utf-8")
            break
        except UnicodeDecodeError as err:
            at = pos + err.start
            rec = int(np.searchsorted(starts, at, side="right") - 1)
            bad.add(rec)
            nxt = starts[rec + 1] if rec + 1 < starts.size else len(data)
            pos = int(nxt)
    return bad


def read_csv(path: Path, data: bytes) -> RawTable:
    """Read a comma-separated run log (RFC 4180 quoting, LF or CRLF, optional UTF-8 BOM)."""
    return read_delimited(path, data)


def read_delimited(
    path: Path,
    data: bytes,
    *,
    delimiter: str = ",",
    quoting: bool = True,
    names: list[str] | None = None,
    trailing_delimiter: bool = False,
    line_offset: int = 0,
) -> RawTable:
    """Read delimited text: a header line (or ``names`` for a file without one) and records.

    ``quoting=False`` reads formats that never quote (Slurm ``sacct --parsable2``): a
    double quote is then an ordinary character. ``trailing_delimiter`` reads formats that
    end every line with the delimiter (``sacct --parsable``). Line numbers are physical
    lines of the file, 1-based, whatever the header; ``line_offset`` is added to every line
    number of a record (a piece of a file: its lines counted in the file, details included).
    """
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    sep = ord(delimiter)
    buf = np.frombuffer(data, dtype=np.uint8)
    recs = split_records(buf, delimiter=sep, quoting=quoting)  # without quoting a double quote is data
    if line_offset:
        recs.lines[1:] += line_offset  # records[0] of a piece is the file's header, at line 1
    if recs.starts.size == 0:
        raise FileRefused(path, "the file is empty (no header line)")
    if names is None:
        header_bytes = data[recs.starts[0] : recs.ends[0]]
        try:
            header_text = header_bytes.decode("utf-8")
        except UnicodeDecodeError as err:
            raise FileRefused(path, f"line 1: the header is not valid UTF-8 ({err.reason})") from None
        try:
            fields = next(csv.reader([header_text], delimiter=delimiter, quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE))
        except csv.Error as err:  # a bare CR inside the header: CR-only line endings
            raise header_refusal(path, err) from None
        if trailing_delimiter and fields and fields[-1] == "":
            fields = fields[:-1]
        names = _header_names(path, fields)
        first = 1  # records[0] is the header
    else:
        names = _header_names(path, names)
        first = 0
    n_fields = len(names) + (1 if trailing_delimiter else 0)

    problems: list[Problem] = []
    keep = np.ones(recs.starts.size, dtype=bool)
    # a quote that never closes: the last data record (not the header) is cut; its field count means nothing
    unterminated = quoting and recs.unterminated_last and recs.starts.size > first
    bad_count = recs.field_counts != n_fields
    bad_count[:first] = False
    if unterminated:
        bad_count[-1] = False
    undecodable = _undecodable_records(data, recs.starts)
    keep[bad_count] = False
    wrong_count = _wrong_field_count_problems(data, buf, recs, np.flatnonzero(bad_count), n_fields, undecodable)
    if unterminated:
        keep[-1] = False
        raw = data[recs.starts[-1] : recs.ends[-1]].decode("utf-8", errors="replace")
        problems.append((int(recs.lines[-1]), None, raw[:200], "unterminated quoted field", f"file truncated?{_span(data, recs, -1)}"))
    for i in sorted(undecodable):
        if i < first:
            raise FileRefused(path, "line 1: the header is not valid UTF-8")
        if keep[i]:
            keep[i] = False
            problems.append((int(recs.lines[i]), None, None, "not valid UTF-8 text", None))

    records = int(recs.starts.size - first)
    kept_lines = recs.lines[keep][first:] if first else recs.lines[keep]
    read_names = names + (["_trailing"] if trailing_delimiter else [])
    if kept_lines.size == 0:
        frame = pl.DataFrame(schema={n: pl.String for n in names})
    else:
        # the common case, a clean file, goes to the parser as it is
        clean = data if keep.all() and recs.blank_lines == 0 else keep_records(buf, recs, keep)
        try:
            frame = pl.read_csv(
                io.BytesIO(clean),
                has_header=bool(first),
                new_columns=read_names,
                infer_schema=False,
                separator=delimiter,
                quote_char='"' if quoting else None,
            )
        except Exception as err:  # polars' own message (its first line) says what it could not parse
            reason = str(err).strip().split("\n", 1)[0]
            raise FileRefused(path, f"cannot parse as {'CSV' if delimiter == ',' else 'delimited text'}: {reason}") from None
        if frame.height != kept_lines.size:
            raise FileRefused(
                path, f"internal: CSV parser found {frame.height} records where {kept_lines.size} were expected"
            )
        if trailing_delimiter:
            frame = frame.drop("_trailing")
    frame = frame.with_columns(pl.Series("_line", kept_lines, dtype=pl.Int64))
    # the order as before: wrong field counts by line, then the unterminated record, then undecodable ones
    problems_frame = pl.concat([wrong_count, _problems(problems)]) if problems else wrong_count
    return RawTable(frame=frame, records=records, problems=problems_frame)


class _JsonObject(dict):
    """A JSON object whose keys are trimmed and lower-cased as header names are, remembering
    a key given twice (``{"run_id": "a", "RUN_ID": "b"}``: which one is meant cannot be known)."""

    def __init__(self, pairs: list[tuple[str, object]]):
        super().__init__()
        self.repeated: str | None = None
        for key, value in pairs:
            name = key.strip().lower()
            if name in self and self.repeated is None:
                self.repeated = key
            self[name] = value


def _json_text(value) -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate escape such as "\ud800" is not a character
            raise ValueError("not valid UTF-8 text") from None
        return value
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a valid value here")
    if isinstance(value, (int, float)):
        return json.dumps(value)
    kind = "dict" if isinstance(value, dict) else type(value).__name__
    raise ValueError(f"nested {kind} is not a valid value")


def read_ndjson(path: Path, data: bytes) -> RawTable:
    """Read newline-delimited JSON: one object per line, blank lines ignored."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    rows: list[dict[str, str | None]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    records = 0
    for lineno, raw in enumerate(data.split(b"\n"), start=1):  # parsing only; validation is columnar
        if not raw.strip():
            continue
        records += 1
        try:
            obj = json.loads(raw, object_pairs_hook=_JsonObject)
        except UnicodeDecodeError:
            problems.append((lineno, None, None, "not valid UTF-8 text", None))
            continue
        except json.JSONDecodeError as err:
            text = raw[:200].decode("utf-8", "replace")
            problems.append((lineno, None, text, "invalid JSON", f"column {err.colno}: {err.msg}"))
            continue
        except (ValueError, RecursionError) as err:  # an integer of > 4300 digits, arrays nested too deep
            text = raw[:200].decode("utf-8", "replace")
            detail = "nested too deeply" if isinstance(err, RecursionError) else str(err)[:200]
            problems.append((lineno, None, text, "invalid JSON", detail))
            continue
        if not isinstance(obj, dict):
            text = raw[:200].decode("utf-8", "replace")
            problems.append((lineno, None, text, "a line must hold one JSON object", None))
            continue
        if obj.repeated is not None:
            text = raw[:200].decode("utf-8", "replace")
            problems.append((lineno, obj.repeated.strip().lower(), text, "key repeated in the object", None))
            continue
        row: dict[str, str | None] = {}
        try:
            for key, value in obj.items():
                _json_text(key)  # the key's text, like a value's, must be UTF-8
                row[key] = _json_text(value)
        except ValueError as err:
            problems.append((lineno, key, raw[:200].decode("utf-8", "replace"), str(err), None))
            continue
        rows.append(row)
        lines.append(lineno)
    names = sorted({k for r in rows for k in r})
    frame = pl.DataFrame(  # _line built with the columns: objects without keys ({}) leave no other column
        {n: [r.get(n) for r in rows] for n in names} | {"_line": lines},
        schema={n: pl.String for n in names} | {"_line": pl.Int64},
    )
    return RawTable(frame=frame, records=records, problems=_problems(problems))


def _text_like(dtype: pl.DataType) -> bool:
    """Whether a Parquet column type reads as run-log text (booleans and nested types are refused apart)."""
    if dtype == pl.Boolean or isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
        return True  # refused with their own message
    if isinstance(dtype, pl.Duration):
        return False
    return dtype.is_numeric() or dtype.is_temporal() or isinstance(dtype, (pl.String, pl.Categorical, pl.Enum, pl.Null, pl.Binary))


def _as_text(frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.f+00:00")
            else:
                col = col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
        elif dtype == pl.Boolean or isinstance(dtype, (pl.List, pl.Struct, pl.Array)):
            col = pl.lit(None, dtype=pl.String)  # rejected by name below
        exprs.append(col.cast(pl.String).alias(name))
    return frame.select(exprs)


def read_parquet(path: Path, data: bytes) -> RawTable:
    """Read a Parquet run log; the ``_line`` of a row is its 1-based row number."""
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as err:
        raise FileRefused(path, f"cannot read as Parquet: {err}") from None
    return parquet_frame(path, frame)


def parquet_frame(path: Path, frame: pl.DataFrame, first_row: int = 1) -> RawTable:
    """Rows of a Parquet file (or a batch of them starting at ``first_row``) as text."""
    names = _header_names(path, frame.columns)
    frame.columns = names
    unsupported = [n for n, t in frame.schema.items() if t == pl.Boolean or isinstance(t, (pl.List, pl.Struct, pl.Array))]
    if unsupported:
        raise FileRefused(path, f"column(s) {unsupported} have a nested or boolean type; the run log needs scalars")
    other = {n: str(t) for n, t in frame.schema.items() if not _text_like(t)}
    if other:  # durations, objects, ...: no run-log column holds one
        raise FileRefused(path, f"column(s) {other} have a type the run log cannot read (numbers, text, dates and times only)")
    for name, dtype in frame.schema.items():
        if dtype == pl.Binary:  # text written without the UTF-8 annotation: fine when it is UTF-8
            try:
                frame = frame.with_columns(pl.col(name).cast(pl.String))
            except pl.exceptions.PolarsError:
                raise FileRefused(path, f"column {name!r} is binary and not valid UTF-8 text") from None
    text = _as_text(frame).with_columns(
        pl.int_range(first_row, first_row + frame.height, dtype=pl.Int64).alias("_line"))
    return RawTable(frame=text, records=frame.height)


READERS = {"csv": read_csv, "parquet": read_parquet, "ndjson": read_ndjson}
