"""Ingest: read run-log files, map them to the canonical columns, validate them column by
column, keep rejects with reasons.

Nothing here writes to the database: :func:`parse_run_log` returns what the store
writes in one transaction per file. Formats (docs/formats.md): canonical run logs
(CSV, Parquet, NDJSON), Slurm ``sacct --parsable2`` output, CodeCarbon ``emissions.csv``,
and any CSV/Parquet/NDJSON through a mapping file. The format is detected from the
file's header (:mod:`wattledger.ingest.detect`) unless a mapping is given.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from wattledger.ingest.adapters import Adapted
from wattledger.ingest.adapters.cluster import CLUSTER_FILE_NAME, load_cluster_file
from wattledger.ingest.adapters.codecarbon import SIDECAR_FILE_NAME, CodeCarbonSidecar, adapt_codecarbon, load_sidecar
from wattledger.ingest.adapters.config import ConfigFileError
from wattledger.ingest.adapters.mapping import MappingFile, adapt_mapping, load_mapping
from wattledger.ingest.adapters.slurm import adapt_sacct, read_sacct
from wattledger.ingest.contract import SET_BY_INGEST, USER_COLUMNS, missing_required
from wattledger.ingest.detect import EXPECTED, HEAD_BYTES, TELEMETRY_FORMATS, Detection, detect, detect_format
from wattledger.ingest.discover import discover, format_of
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.pieces import PIECE_BYTES, PIECE_ROWS, parquet_batches, parquet_rows, sha256_of_file, text_pieces
from wattledger.ingest.readers import READERS, RawTable, parquet_frame, read_delimited, read_ndjson
from wattledger.ingest.validate import validate_runs

__all__ = [
    "ConfigFileError",
    "Detection",
    "FileRefused",
    "KnownContent",
    "MappingFile",
    "ParsedFile",
    "detect",
    "detect_format",
    "discover",
    "file_sha256",
    "known_content",
    "load_mapping",
    "parse_run_log",
    "parse_run_log_pieces",
    "reads_in_pieces",
]


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
    piece: int = 0  # 0 for a whole file; 1, 2, ... for the pieces of a large one (parse_run_log_pieces)

    @property
    def rejected_rows(self) -> int:
        return self.problems["line"].n_unique()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class KnownContent:
    """A file whose content (SHA-256) the database holds already: nothing to parse or store."""

    path: Path
    content_sha256: str


def known_content(path: Path, stored_sha256: frozenset[str] | set[str]) -> KnownContent | None:
    """``path`` as :class:`KnownContent` when its content hash is among ``stored_sha256`` (the
    current source files' hashes), else None: the file is hashed in one streaming pass before
    anything parses it, so a scheduled run over an unchanged folder reads each file once and
    parses none. Raises :class:`FileRefused` when the file cannot be read."""
    path = Path(path).resolve()
    if not stored_sha256:
        return None
    try:
        sha = sha256_of_file(path)
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    return KnownContent(path, sha) if sha in stored_sha256 else None


def _read_container(path: Path, data: bytes, container: str, delimiter: str = ",") -> RawTable:
    if container in ("parquet", "ndjson"):
        return READERS[container](path, data)
    return read_delimited(path, data, delimiter=delimiter)


def _adapt_canonical(path: Path, raw: RawTable, container: str) -> Adapted:
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
            + f". Other formats read: {EXPECTED['sacct']}; {EXPECTED['codecarbon']}; or pass a mapping file (--mapping)",
        )
    frame = raw.frame.with_columns(pl.lit("canonical").alias("source_format"))
    return Adapted(
        frame=frame,
        source_format="canonical",
        description=f"canonical run log ({container})",
        used_columns=set(USER_COLUMNS),
    )


def _sidecar(path: Path, explicit: Path | None, name: str) -> Path | None:
    if explicit is not None:
        return Path(explicit).resolve()
    candidate = path.parent / name
    return candidate if candidate.is_file() else None


def _config_refusal(path: Path, err: ConfigFileError) -> FileRefused:
    return FileRefused(path, f"invalid {Path(err.path).name} ({err.path}): {'; '.join(err.problems)}")


def parse_run_log(path: Path, mapping: Path | None = None, *, cluster: Path | None = None) -> ParsedFile:
    """Read, map and validate one run-log file of any supported format.

    ``mapping``: a mapping file (YAML): the file is read through it instead of being
    detected. ``cluster``: the cluster file of a sacct file (default: ``cluster.yaml`` in
    the sacct file's folder). docs/formats.md describes every format and rule.

    Raises :class:`FileRefused` when the file cannot be read at all (unknown format,
    empty, unreadable, required columns missing, telemetry rather than a run log, a
    missing or invalid cluster/mapping file); otherwise every record ends up in
    ``runs``, in ``problems`` with its line, column and reason, or folded into another
    record of the same run (``folded_records``).
    """
    path = Path(path).resolve()
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if not data.strip():
        raise FileRefused(path, "the file is empty")

    if mapping is not None:
        mapping_path = Path(mapping).resolve()
        try:
            spec = load_mapping(mapping_path)
        except ConfigFileError as err:
            raise _config_refusal(path, err) from None
        container = format_of(path) or ("parquet" if data.startswith(b"PAR1") else "csv")
        raw = _read_container(path, data, container, spec.delimiter)
        adapted = adapt_mapping(path, raw, spec, mapping_path)
        fmt = f"mapping:{spec.name}"
    else:
        found = detect(path, data[:HEAD_BYTES])
        if found.format in TELEMETRY_FORMATS:
            raise FileRefused(
                path,
                f"{found.format} power telemetry ({found.reason}): telemetry files are not run logs; "
                "they are loaded by the telemetry ingest, not as runs",
            )
        if found.format == "sacct":
            cluster_path = _sidecar(path, cluster, CLUSTER_FILE_NAME)
            if cluster_path is None:
                raise FileRefused(
                    path,
                    f"Slurm sacct output ({found.reason}) needs a cluster file: sacct prints local times without "
                    f"offset and no GPU models. Put a {CLUSTER_FILE_NAME} (cluster, timezone, partitions) next to "
                    "it or pass one explicitly; see docs/formats.md",
                )
            try:
                cluster_file = load_cluster_file(cluster_path)
            except ConfigFileError as err:
                raise _config_refusal(path, err) from None
            raw = read_sacct(path, data, header=found.header, fields=cluster_file.sacct_fields)
            adapted = adapt_sacct(path, raw, cluster_file, cluster_path, header=found.header)
            fmt = "sacct"
        elif found.format == "codecarbon":
            sidecar_path = _sidecar(path, None, SIDECAR_FILE_NAME)
            try:
                sidecar = load_sidecar(sidecar_path) if sidecar_path else CodeCarbonSidecar()
            except ConfigFileError as err:
                raise _config_refusal(path, err) from None
            raw = _read_container(path, data, found.container)
            adapted = adapt_codecarbon(path, raw, sidecar, sidecar_path)
            fmt = "codecarbon"
        else:
            raw = _read_container(path, data, found.container)
            adapted = _adapt_canonical(path, raw, found.container)
            fmt = found.container

    runs, problems = _validate(raw, adapted)
    columns = [c for c in raw.frame.columns if c != "_line"]
    ignored = sorted((set(columns) - adapted.used_columns) | (set(columns) & set(SET_BY_INGEST)))
    return ParsedFile(
        path=path,
        content_sha256=file_sha256(data),
        format=fmt,
        size_bytes=len(data),
        records=raw.records,
        runs=runs,
        problems=problems,
        ignored_columns=ignored,
        source_format=adapted.source_format,
        detected=adapted.description,
        folded_records=adapted.folded_records,
    )


def _validate(raw: RawTable, adapted: Adapted) -> tuple[pa.Table, pl.DataFrame]:
    """Validate the adapted records; value problems name the source column they came from."""
    validated = validate_runs(RawTable(frame=adapted.frame, records=raw.records))
    value_problems = validated.problems
    renamed = {c: s for c, s in adapted.origins.items() if s != c}
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
    problems = pl.concat([raw.problems, adapted.problems.cast(raw.problems.schema), value_problems.cast(raw.problems.schema)])
    return validated.runs, problems.sort("line", "column_name", nulls_last=True)



def _pieces_container(path: Path, mapping: Path | None, piece_bytes: int, piece_rows: int) -> str | None:
    """The container (csv, ndjson, parquet) of a canonical run log read in pieces: a text file
    over ``piece_bytes``, a Parquet file over ``piece_rows`` rows; None for any other file."""
    if mapping is not None:
        return None
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    if head.startswith(b"PAR1"):
        if parquet_rows(path) <= piece_rows:
            return None
    elif path.stat().st_size <= piece_bytes:
        return None
    found = detect(path, head)
    return found.container if found.format == "canonical" else None


def reads_in_pieces(path: Path, mapping: Path | None = None, *, piece_bytes: int = PIECE_BYTES,
                    piece_rows: int = PIECE_ROWS) -> bool:
    """Whether :func:`parse_run_log_pieces` reads ``path`` in pieces (a large canonical run log)."""
    try:
        return _pieces_container(Path(path), mapping, piece_bytes, piece_rows) is not None
    except (OSError, FileRefused):
        return False


def parse_run_log_pieces(
    path: Path,
    mapping: Path | None = None,
    *,
    cluster: Path | None = None,
    piece_bytes: int = PIECE_BYTES,
    piece_rows: int = PIECE_ROWS,
) -> Iterator[ParsedFile]:
    """Parse a run log as :func:`parse_run_log` does, in pieces when it is large.

    A canonical run log larger than ``piece_bytes`` (CSV, NDJSON) or ``piece_rows`` rows
    (Parquet) is read a piece at a time (memory bounded by the piece, not the file); every piece is a
    ParsedFile with the file's path, hash, format and size, its own records, runs and
    problems (with the file's line numbers), and ``piece`` = 1, 2, ... A run_id repeated
    in two pieces is found when they are stored. Any other file is one ParsedFile
    (``piece`` 0). The pieces are lazy: the caller stores each before the next is read.
    """
    path = Path(path).resolve()
    try:
        size = path.stat().st_size
        container = _pieces_container(path, mapping, piece_bytes, piece_rows)
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if container is None:
        yield parse_run_log(path, mapping, cluster=cluster)
        return
    sha = sha256_of_file(path)
    if container == "parquet":
        raws = (parquet_frame(path, frame, first) for frame, first in parquet_batches(path, piece_rows))
    else:
        raws = (_shifted(_read_piece(path, data, container), offset)
                for data, offset in text_pieces(path, header=container == "csv", quoting=container == "csv",
                                                piece_bytes=piece_bytes))
    for i, raw in enumerate(raws, start=1):
        adapted = _adapt_canonical(path, raw, container)
        runs, problems = _validate(raw, adapted)
        columns = [c for c in raw.frame.columns if c != "_line"]
        yield ParsedFile(
            path=path, content_sha256=sha, format=container, size_bytes=size, records=raw.records,
            runs=runs, problems=problems,
            ignored_columns=sorted((set(columns) - adapted.used_columns) | (set(columns) & set(SET_BY_INGEST))),
            source_format=adapted.source_format, detected=f"{adapted.description}, read in pieces", piece=i,
        )


def _read_piece(path: Path, data: bytes, container: str) -> RawTable:
    return read_ndjson(path, data) if container == "ndjson" else read_delimited(path, data)


def _shifted(raw: RawTable, offset: int) -> RawTable:
    """Line numbers of a piece moved to the file's own numbering."""
    if offset == 0:
        return raw
    return RawTable(
        frame=raw.frame.with_columns(pl.col("_line") + offset),
        records=raw.records,
        problems=raw.problems.with_columns(pl.col("line") + offset),
    )
