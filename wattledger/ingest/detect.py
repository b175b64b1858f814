"""Which format is this file? Decided from its first bytes (header), never from its name alone.

Formats: ``canonical`` (CSV, Parquet, NDJSON with the contract's columns), ``sacct``
(Slurm ``sacct --parsable2`` or another single-character ``--delimiter`` such as TAB, with
or without header; sacct's fixed-width output), ``codecarbon`` (emissions.csv), and the
power-telemetry formats ``nvidia-smi`` (``--query-gpu`` CSV logs and ``dmon`` output) and
``dcgm``, which are detected here so that they can be sent to the telemetry ingest rather
than read as run logs.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from wattledger.ingest.adapters.codecarbon import is_codecarbon
from wattledger.ingest.compressed import head_of
from wattledger.ingest.adapters.sacct_fixed import SACCT_EXPORT_COMMAND, is_fixed_width_sacct
from wattledger.ingest.contract import missing_required
from wattledger.ingest.errors import FileRefused, header_refusal
from wattledger.ingest.file_names import logical_suffix

#: Bytes read to detect a format.
HEAD_BYTES = 64 * 1024
FORMATS: tuple[str, ...] = ("canonical", "sacct", "codecarbon", "nvidia-smi", "dcgm")
TELEMETRY_FORMATS: frozenset[str] = frozenset({"nvidia-smi", "dcgm"})
#: Suffixes whose container is fixed; anything else is told by its content.
_PARQUET = {".parquet", ".pq"}
_NDJSON = {".ndjson", ".jsonl"}
_BOM = b"\xef\xbb\xbf"

#: What each format looks like, for refusal messages.
EXPECTED: dict[str, str] = {
    "canonical": "a canonical run log: CSV/Parquet/NDJSON with run_id, started_at and ended_at (or gpu_hours), "
    "gpu_count (or gpu_hours)",
    "sacct": "Slurm `sacct --parsable2` output: '|'-separated, a header with JobID, Start, End, AllocTRES "
    "(or --noheader with the fields JobID|JobName|User|Account|Partition|State|Start|End|Elapsed|ElapsedRaw|"
    "NNodes|AllocTRES|NodeList)",
    "codecarbon": "a CodeCarbon emissions.csv: timestamp, project_name, run_id, duration, emissions, energy_consumed, ...",
    "nvidia-smi": "nvidia-smi power telemetry: `nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv` "
    "(header timestamp, index, uuid, power.draw [W])",
    "dcgm": "DCGM exporter metrics: Prometheus text with DCGM_FI_DEV_POWER_USAGE",
}
_JOB_ID = re.compile(r"^\d+(?:_(?:\d+|\[[^\]]*\]))?(?:\+\d+)?(?:\.[A-Za-z0-9_+-]+)?$")
#: A Prometheus sample line of a DCGM exporter metric (``DCGM_FI_<field>{labels} value``)
_DCGM_SAMPLE = re.compile(r"^DCGM_FI_[A-Z0-9_]+[{ ]")
#: A Prometheus ``# HELP``/``# TYPE`` comment of a DCGM exporter metric
_DCGM_COMMENT = re.compile(r"^#\s*(?:HELP|TYPE)\s+DCGM_FI_[A-Z0-9_]+\s")
#: Comment lines looked at before the first sample line of a Prometheus scrape
_MAX_COMMENT_LINES = 1000
_SMI_NOHEADER = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?, *(?:\d+, *GPU-[0-9a-fA-F-]+|\d+|GPU-[0-9a-fA-F-]+), *"
                           r"[\d.]+(?: W)?\s*$")
#: The header of ``nvidia-smi dmon`` (``#Date Time gpu pwr ...``, ``# gpu pwr ...``)
_DMON = re.compile(r"^#\s*(?:date[\s,]+)?(?:time[\s,]+)?gpu\b", re.IGNORECASE)
#: nvidia-smi --query-gpu field names: index, uuid, name, pci.bus_id, utilization.gpu, ...
_SMI_FIELD = re.compile(r"^(?:index|uuid|pci\.bus_id|[a-z_]+\.[a-z_.]+)$")
#: Delimiters that sacct's values hold themselves (AllocTRES ``cpu=8,gres/gpu=4``, NodeList
#: ``gpu[001-004]``, JobID ``123_4.batch``): output split by one of them cannot be read back.
_UNSOUND_SACCT_DELIMITERS = set(",=/-[]+._:") | {" "}
_SACCT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


@dataclass(frozen=True)
class Detection:
    """A file's format, its container, and what gave it away."""

    format: str  # one of FORMATS
    container: str  # csv | parquet | ndjson | sacct | sacct-fixed | prometheus | dmon
    reason: str  # e.g. "header has JobID, Start, End, AllocTRES"
    header: bool = True  # sacct: a header line is present
    delimiter: str = "|"  # sacct: the --delimiter (one character)


def expected_formats() -> str:
    return "; ".join(f"{name}: {text}" for name, text in EXPECTED.items()) + "; or any CSV/Parquet with a mapping file (--mapping)"


def _unknown(path: Path, what: str) -> FileRefused:
    suffix = logical_suffix(path)
    kind = f"unknown file type {suffix!r}" if suffix else "a file without suffix"
    return FileRefused(path, f"{kind} and {what}. Expected one of: {expected_formats()}")


def _first_line(head: bytes) -> str:
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    for raw in head.split(b"\n"):
        if raw.strip():
            return raw.rstrip(b"\r").decode("utf-8", errors="replace")
    return ""


def _second_line(head: bytes) -> str:
    """The second non-blank line of ``head`` ("" when there is none)."""
    lines = [raw for raw in head.split(b"\n") if raw.strip()]
    return lines[1].rstrip(b"\r").decode("utf-8", errors="replace") if len(lines) > 1 else ""


def _is_text(head: bytes) -> bool:
    """Whether the first line of ``head`` is UTF-8 (a first line longer than the head counts as text)."""
    if head.startswith(_BOM):
        head = head[len(_BOM) :]
    first, newline, _ = head.partition(b"\n")
    try:
        first.decode("utf-8")
    except UnicodeDecodeError as err:
        return not newline and err.start > len(first) - 4  # only a character cut by the head's end
    return True


def _is_dcgm(text: bytes) -> bool:
    """Whether ``text`` starts as a DCGM exporter scrape: its first non-comment line is a sample
    of a ``DCGM_FI_`` metric, or (a scrape of only comments so far) a comment before it is a
    ``# HELP``/``# TYPE`` line of one. Decided from the file's first lines only: a later line
    that looks like a DCGM sample (a run_id, a line of a quoted name) changes nothing."""
    dcgm_comment = False
    for i, raw in enumerate(text.split(b"\n")):
        line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
        if not line.strip():
            continue
        if line.startswith("#"):
            dcgm_comment = dcgm_comment or bool(_DCGM_COMMENT.match(line))
            if i >= _MAX_COMMENT_LINES:
                return dcgm_comment
            continue
        return bool(_DCGM_SAMPLE.match(line)) or (dcgm_comment and bool(re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*[{ ]", line)))
    return dcgm_comment


def _sacct_delimiter(line: str) -> str | None:
    """The single-character delimiter of a sacct header naming JobID (``JobID|JobName|...``,
    ``JobID<TAB>...``), or None when the line is no such header."""
    m = re.search(r"(?i)(?:^|(?P<before>[^A-Za-z0-9]))jobid(?:$|(?P<after>[^A-Za-z0-9]))", line.strip("\r\n"))
    if not m or not (m.group("after") or m.group("before")):
        return None
    sep = m.group("after") or m.group("before")
    fields = [f.strip() for f in line.strip("\r\n").split(sep)]
    if fields and fields[-1] == "":
        fields = fields[:-1]  # --parsable: a trailing delimiter
    return sep if len(fields) >= 2 and all(_SACCT_NAME.match(f) for f in fields) else None


def _by_columns(names: set[str], container: str, suffix_known: bool, path: Path) -> Detection:
    """The format named by a header's columns. The canonical required columns win: extra
    columns stay extra columns, even when another format's columns are among them."""
    if not missing_required(names):
        return Detection("canonical", container, "the canonical run-log columns")
    if is_codecarbon(names):
        return Detection("codecarbon", container, "columns of CodeCarbon's emissions.csv")
    if any(n.startswith("power.draw") for n in names):
        return Detection("nvidia-smi", container, "a power.draw column")
    bare = {re.sub(r"\s*\[[^\]]*\]$", "", n) for n in names}
    if "timestamp" in bare and any(_SMI_FIELD.match(n) for n in bare):
        raise FileRefused(path, f"an nvidia-smi --query-gpu log (fields {', '.join(sorted(bare)[:8])}) without a power "
                                "field (power.draw, power.draw.average or power.draw.instant): nothing to measure. Log "
                                "with: nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv -l 1")
    if suffix_known:  # let the canonical reader say which required columns are missing
        return Detection("canonical", container, "no other format matched the header")
    raise _unknown(path, f"the header {sorted(names)[:12]} matches no format")


def detect(path: Path, head: bytes) -> Detection:
    """The format of ``path`` from its first bytes ``head`` (up to :data:`HEAD_BYTES`).

    Raises :class:`FileRefused` listing every format it expected when none matches.
    A ``.csv`` whose header matches no format is reported as ``canonical``, so that
    the canonical reader names the missing columns.
    """
    path = Path(path)
    suffix = logical_suffix(path)  # under rotation numbers, dates and compression
    if suffix in _PARQUET or head.startswith(b"PAR1"):
        try:
            names = {n.strip().lower() for n in pl.read_parquet_schema(path)}
        except Exception:  # unreadable: the Parquet reader refuses it with its own message
            return Detection("canonical", "parquet", "Parquet (unreadable schema)")
        return _by_columns(names, "parquet", True, path)
    if suffix in _NDJSON:
        return Detection("canonical", "ndjson", "NDJSON by its suffix")
    text = head[len(_BOM) :] if head.startswith(_BOM) else head
    if _is_dcgm(text):
        return Detection("dcgm", "prometheus", "a DCGM exporter metric (DCGM_FI_...) on its first lines")
    line = _first_line(head)
    if not line:
        raise FileRefused(path, "the file is empty")
    if _DMON.match(line):
        return Detection("nvidia-smi", "dmon", "an nvidia-smi dmon header (#Date Time gpu ...)")
    second = _second_line(head)
    if is_fixed_width_sacct(line, second):
        return Detection("sacct", "sacct-fixed", "sacct's fixed-width output (a header with JobID and a dashes line)",
                         delimiter=" ")
    if not _is_text(head):  # binary: compressed, an image, random bytes
        if suffix == ".csv":  # the canonical reader refuses it, saying the header is not UTF-8
            return Detection("canonical", "csv", "not text")
        raise _unknown(path, "its first line is not UTF-8 text")
    if line.lstrip().startswith("{"):
        return Detection("canonical", "ndjson", "JSON objects, one per line")
    try:
        names = {n.strip().lower() for n in next(csv.reader([line]), [])}
    except csv.Error as err:  # a bare CR inside the first line: CR-only line endings
        raise header_refusal(path, err) from None
    if not missing_required(names):  # the canonical header wins over every other signature
        return Detection("canonical", "csv", "the canonical run-log columns")
    sep = _sacct_delimiter(line)
    if sep is not None:
        named = {f.strip().lower() for f in line.split(sep)}
        if sep in _UNSOUND_SACCT_DELIMITERS and {"start", "end", "alloctres"} <= named:
            raise FileRefused(path, f"sacct output separated by {sep!r}, which its values hold themselves (AllocTRES, "
                                    f"NodeList): it cannot be split soundly. Re-export with `{SACCT_EXPORT_COMMAND}`")
        if sep not in _UNSOUND_SACCT_DELIMITERS:
            shown = "TAB" if sep == "\t" else repr(sep)
            return Detection("sacct", "sacct", f"{shown}-separated header with JobID", delimiter=sep)
    for sep in ("|", "\t"):
        if sep in line:
            fields = [f.strip() for f in line.split(sep)]
            if _JOB_ID.match(fields[0]) and len(fields) >= 4:
                shown = "TAB" if sep == "\t" else repr(sep)
                return Detection("sacct", "sacct", f"{shown}-separated records starting with a Slurm job id",
                                 header=False, delimiter=sep)
    if _SMI_NOHEADER.match(line):
        return Detection("nvidia-smi", "csv", "nvidia-smi records (csv,noheader)")
    return _by_columns(names, "csv", suffix == ".csv", path)



def detect_format(path: Path, head: bytes) -> str:
    """The format name of ``path`` (one of :data:`FORMATS`); see :func:`detect`."""
    return detect(path, head).format


def sniff(path: Path) -> Detection:
    """Detect the format of a file on disk from its first :data:`HEAD_BYTES` bytes (decompressed)."""
    return detect(path, head_of(path, HEAD_BYTES))
