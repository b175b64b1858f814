"""Read a planned run-log file and map it to the canonical columns; finish it with a validator.

Ingest reads and adapts; it does not validate values itself. Validation (SQL, in the store)
is passed in by the layer above as a :data:`Validator`, and :func:`validated` turns an
:class:`AdaptedFile` and the validator's answer into the :class:`ParsedFile` the store writes.
Formats: canonical run logs (CSV, Parquet, NDJSON), Slurm ``sacct --parsable2`` output,
CodeCarbon ``emissions.csv``, and any CSV/Parquet/NDJSON through a mapping file
(docs/formats.md). A large canonical run log is read in pieces (:func:`read_run_log_pieces`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from wattledger.ingest.adapters import Adapted
from wattledger.ingest.adapters.cluster import load_cluster_file
from wattledger.ingest.adapters.codecarbon import SIDECAR_FILE_NAME, CodeCarbonSidecar, adapt_codecarbon, load_sidecar
from wattledger.ingest.adapters.config import ConfigFileError
from wattledger.ingest.adapters.mapping import adapt_mapping, load_mapping
from wattledger.ingest.adapters.sacct_fixed import read_sacct_fixed_width
from wattledger.ingest.adapters.slurm import adapt_sacct, read_sacct
from wattledger.ingest.contract import CANONICAL_COLUMNS, LIMITS, SET_BY_INGEST, USER_COLUMNS, missing_required
from wattledger.ingest.detect import EXPECTED, TELEMETRY_FORMATS
from wattledger.ingest.discover import format_of
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.parsed import ParsedFile, file_sha256
from wattledger.ingest.pieces import newlines_outside_quotes, parquet_batches, sha256_of_file, text_pieces
from wattledger.ingest.plan import Plan, telemetry_refusal
from wattledger.ingest.readers import PROBLEM_SCHEMA, READERS, RawTable, parquet_frame, read_delimited, read_ndjson

#: Validates staged records (every canonical column as text, plus ``_line``) against the
#: sanity ``limits``: returns the valid runs and one row per value problem (line,
#: column_name, value, reason, detail). The store's ``validate_runs`` is one.
Validator = Callable[[pl.DataFrame, Mapping[str, float]], tuple[pa.Table, pl.DataFrame]]


@dataclass
class AdaptedFile:
    """A run-log file (or one piece of a large one), read and mapped, not yet validated."""

    path: Path
    content_sha256: str
    format: str  # csv | parquet | ndjson (canonical) | sacct | codecarbon | mapping:<name>
    size_bytes: int
    records: int
    read_problems: pl.DataFrame  # records the reader could not split (PROBLEM_SCHEMA)
    adapted: Adapted
    ignored_columns: list[str]
    detected: str
    piece: int = 0


def validated(adapted: AdaptedFile, validate: Validator) -> ParsedFile:
    """``adapted`` validated by ``validate``; value problems name the source column they came from."""
    a = adapted.adapted
    staged = a.frame.select(
        [pl.col(c) if c in a.frame.columns else pl.lit(None, dtype=pl.String).alias(c) for c in CANONICAL_COLUMNS]
        + [pl.col("_line")]
    )
    runs, value_problems = validate(staged, LIMITS)
    value_problems = value_problems.cast(PROBLEM_SCHEMA).sort("line", "column_name", nulls_last=True)
    renamed = {c: s for c, s in a.origins.items() if s != c}
    if renamed:
        was = pl.col("column_name")
        note = pl.lit("mapped to ") + was
        detail = pl.col("detail")
        value_problems = value_problems.with_columns(
            was.replace(renamed).alias("column_name"),
            pl.when(~was.is_in(list(renamed)))
            .then(detail)
            .when(detail.is_null())
            .then(note)
            .otherwise(detail + pl.lit("; ") + note)
            .alias("detail"),
        )
    schema = adapted.read_problems.schema
    problems = pl.concat([adapted.read_problems, a.problems.cast(schema), value_problems.cast(schema)])
    return ParsedFile(
        path=adapted.path,
        content_sha256=adapted.content_sha256,
        format=adapted.format,
        size_bytes=adapted.size_bytes,
        records=adapted.records,
        runs=runs,
        problems=problems.sort("line", "column_name", nulls_last=True),
        ignored_columns=adapted.ignored_columns,
        source_format=a.source_format,
        detected=adapted.detected,
        folded_records=a.folded_records,
        piece=adapted.piece,
        record_run_ids=staged.select(pl.col("_line").alias("line"), "run_id") if adapted.piece else None,
    )


def read_run_log(plan: Plan) -> AdaptedFile:
    """Read and map the whole run-log file of ``plan`` (any size), as its plan says.

    Raises :class:`FileRefused` when the file cannot be read at all (empty, unreadable,
    required columns missing, telemetry rather than a run log, an invalid cluster, sidecar
    or mapping file); otherwise every record is in the adapted frame, in the read or
    adapter problems with its line, column and reason, or folded into another record.
    """
    if plan.refusal is not None:
        raise plan.refusal
    path = plan.path
    try:
        data = plan.read_path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if not data.strip():
        raise FileRefused(path, "the file is empty")

    found = plan.detection
    if plan.mapping is not None:
        try:
            spec = load_mapping(plan.mapping)
        except ConfigFileError as err:
            raise _config_refusal(path, err) from None
        container = format_of(path) or ("parquet" if data.startswith(b"PAR1") else "csv")
        raw = _read_container(path, data, container, spec.delimiter)
        adapted = adapt_mapping(path, raw, spec, plan.mapping)
        fmt = f"mapping:{spec.name}"
    elif found.format in TELEMETRY_FORMATS:
        raise telemetry_refusal(plan)
    elif found.format == "sacct":
        try:
            cluster_file = load_cluster_file(plan.cluster)
        except ConfigFileError as err:
            raise _config_refusal(path, err) from None
        if found.container == "sacct-fixed":
            raw = read_sacct_fixed_width(path, data)
        else:
            raw = read_sacct(path, data, header=found.header, fields=cluster_file.sacct_fields, delimiter=found.delimiter)
        adapted = adapt_sacct(path, raw, cluster_file, plan.cluster, header=found.header)
        fmt = "sacct"
    elif found.format == "codecarbon":
        candidate = path.parent / SIDECAR_FILE_NAME
        sidecar_path = candidate if candidate.is_file() else None
        try:
            sidecar = load_sidecar(sidecar_path) if sidecar_path else CodeCarbonSidecar()
        except ConfigFileError as err:
            raise _config_refusal(path, err) from None
        raw = _read_container(path, data, found.container)
        adapted = adapt_codecarbon(path, raw, sidecar, sidecar_path)
        fmt = "codecarbon"
    else:
        raw = _read_container(path, data, found.container)
        adapted = adapt_canonical(path, raw, found.container)
        fmt = found.container
    return AdaptedFile(
        path=path,
        content_sha256=plan.sha256 or file_sha256(data),
        format=fmt,
        size_bytes=len(data),
        records=raw.records,
        read_problems=raw.problems,
        adapted=adapted,
        ignored_columns=_ignored(raw, adapted),
        detected=adapted.description,
    )


def read_run_log_pieces(plan: Plan) -> Iterator[AdaptedFile]:
    """The pieces of a large canonical run log (``plan.kind == "large_run_log"``), lazily.

    A CSV or NDJSON file is read about ``plan.piece_bytes`` and at most ``plan.piece_records``
    lines at a time (:func:`_record_bounded`), Parquet
    ``plan.piece_rows`` rows at a time: memory is bounded by the piece, not the file. Every
    piece has the file's path, hash, format and size, its own records (with the file's line
    numbers) and ``piece`` = 1, 2, ... A run_id repeated in two pieces is found when they are
    stored. The content hash is the plan's, else computed in one streaming pass first.
    """
    path, container, source = plan.path, plan.detection.container, plan.read_path
    try:
        sha = plan.sha256 or sha256_of_file(source)
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if container == "parquet":
        raws = (parquet_frame(path, frame, first) for frame, first in parquet_batches(source, plan.piece_rows, name=path))
    else:
        raws = (_read_piece(path, data, container, offset)
                for data, offset in _record_bounded(
                    text_pieces(source, header=container == "csv", quoting=container == "csv", piece_bytes=plan.piece_bytes,
                                name=path),
                    header=container == "csv", quoting=container == "csv", max_lines=plan.piece_records))
    for i, raw in enumerate(raws, start=1):
        adapted = adapt_canonical(path, raw, container)
        yield AdaptedFile(
            path=path, content_sha256=sha, format=container, size_bytes=plan.size_bytes, records=raw.records,
            read_problems=raw.problems, adapted=adapted, ignored_columns=_ignored(raw, adapted),
            detected=f"{adapted.description}, read in pieces", piece=i,
        )


def adapt_canonical(path: Path, raw: RawTable, container: str) -> Adapted:
    """A canonical run log needs no mapping; refused when a required column is missing."""
    columns = [c for c in raw.frame.columns if c != "_line"]
    missing = missing_required(set(columns))
    if missing and container == "ndjson" and raw.frame.height == 0:
        missing = []  # no valid JSON object at all: every line is already a reject
    if missing:
        raise FileRefused(
            path,
            f"missing required column(s): {', '.join(missing)}; found {columns}. "
            f"A canonical run log has the columns {', '.join(USER_COLUMNS)}"
            + (" (is the file comma-separated?)" if container == "csv" and len(columns) == 1 else "")
            + f". Other formats read: {EXPECTED['sacct']}; {EXPECTED['codecarbon']}; or a mapping file (--mapping, or NAME.mapping.yaml beside the file: docs/formats.md)",
        )
    frame = raw.frame.with_columns(pl.lit("canonical").alias("source_format"))
    return Adapted(
        frame=frame,
        source_format="canonical",
        description=f"canonical run log ({container})",
        used_columns=set(USER_COLUMNS),
    )


def _ignored(raw: RawTable, adapted: Adapted) -> list[str]:
    columns = [c for c in raw.frame.columns if c != "_line"]
    return sorted((set(columns) - adapted.used_columns) | (set(columns) & set(SET_BY_INGEST)))


def _read_container(path: Path, data: bytes, container: str, delimiter: str = ",") -> RawTable:
    if container in ("parquet", "ndjson"):
        return READERS[container](path, data)
    return read_delimited(path, data, delimiter=delimiter)


def _record_bounded(
    pieces: Iterator[tuple[bytes, int]], *, header: bool, quoting: bool, max_lines: int
) -> Iterator[tuple[bytes, int]]:
    """``pieces`` (``(bytes, line_offset)`` of :func:`text_pieces`) cut again so that none has
    more than ``max_lines`` lines after its header: a piece of tiny records costs memory per
    record, not per byte. Cuts fall on newlines outside double quotes, as the byte cuts do;
    every piece cut off keeps the header in front and its line numbers the file's own."""
    for data, offset in pieces:
        if data.count(b"\n") <= max_lines + 1:
            yield data, offset
            continue
        nl = newlines_outside_quotes(data, quoting)
        body = int(nl[0]) + 1 if header and nl.size else 0  # where the records start
        head = data[:body]
        head_lines = head.count(b"\n")
        head_again = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
        cuts = nl[(1 if header else 0) + max_lines - 1 :: max_lines] + 1
        bounds = [body, *(int(c) for c in cuts if c < len(data)), len(data)]
        del nl, cuts
        for k, (a, b) in enumerate(zip(bounds[:-1], bounds[1:])):
            if k == 0:
                yield data[:b], offset
            else:  # lines of this piece counted after a copy of the header
                yield head_again + data[a:b], offset + data.count(b"\n", 0, a) - head_lines


def _read_piece(path: Path, data: bytes, container: str, offset: int) -> RawTable:
    """A piece read with the file's line numbers (in details too: a record spanning lines)."""
    if container == "ndjson":
        return _shifted(read_ndjson(path, data), offset)
    return read_delimited(path, data, line_offset=offset)


def _shifted(raw: RawTable, offset: int) -> RawTable:
    """Line numbers of a piece moved to the file's own numbering."""
    if offset == 0:
        return raw
    return RawTable(
        frame=raw.frame.with_columns(pl.col("_line") + offset),
        records=raw.records,
        problems=raw.problems.with_columns(pl.col("line") + offset),
    )


def _config_refusal(path: Path, err: ConfigFileError) -> FileRefused:
    return FileRefused(path, f"invalid {Path(err.path).name} ({err.path}): {'; '.join(err.problems)}")
