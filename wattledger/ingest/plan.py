"""What is this path, and how is it read? Decided once per path, before anything is parsed.

:func:`plan_path` opens the file once: it reads its head (the first :data:`HEAD_BYTES`),
and, when the caller knows stored contents, hashes the whole file in the same pass. From
the head it detects the format once. The :class:`Plan` it returns says what the file is:

=================  ===========================================================================
kind               meaning
=================  ===========================================================================
``known``          its content (SHA-256) is among ``known_sha256``: hashed, never parsed
``run_log``        a run log read whole (any format, or read through a mapping file)
``large_run_log``  a canonical run log over the piece size: read in pieces while it is stored
``telemetry``      nvidia-smi or DCGM power telemetry
``refused``        cannot be read at all (``refusal`` says why); nothing of it is stored
=================  ===========================================================================

Nothing here parses records; the readers (:mod:`wattledger.ingest.run_log`,
:mod:`wattledger.ingest.telemetry_files`) take the plan and use its detection and hash.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Literal

from wattledger.ingest.adapters.cluster import CLUSTER_FILE_NAME
from wattledger.ingest.compressed import codec_of, decompressed_copy, discard_copy
from wattledger.ingest.detect import HEAD_BYTES, TELEMETRY_FORMATS, Detection, detect
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.file_names import logical_name
from wattledger.ingest.pieces import PIECE_BYTES, PIECE_ROWS, parquet_rows

PlanKind = Literal["known", "run_log", "large_run_log", "telemetry", "refused"]
#: Bytes hashed per read after the head.
_HASH_BLOCK = 8 * 2**20
#: A text run log with more lines than this is read in pieces of at most this many lines,
#: whatever its size: memory follows the records of a piece (tiny malformed records cost
#: more per byte than any valid one), not only its bytes.
PIECE_RECORDS = 1_000_000
#: Side files that shape how a file in their folder is read (the sacct cluster file, the
#: telemetry and CodeCarbon sidecars: ``telemetry_files.SIDECAR``,
#: ``adapters.codecarbon.SIDECAR_FILE_NAME``). Part of a stored file's identity.
SIDE_FILE_NAMES = (CLUSTER_FILE_NAME, "telemetry.yaml", "codecarbon.yaml")
#: A mapping file beside the files it describes (docs/formats.md, "Mapping files beside the data"):
#: ``<prefix>.mapping.yaml`` maps the files of its folder whose names start with ``<prefix>``
#: (the longest prefix wins); ``mapping.yaml`` maps the folder's other files.
MAPPING_SUFFIX = ".mapping.yaml"
FOLDER_MAPPING_NAME = "mapping.yaml"


def mapping_beside(path: Path) -> Path | None:
    """The mapping file beside ``path`` that describes it (see :data:`MAPPING_SUFFIX`), or None."""
    folder, name = Path(path).parent, logical_name(Path(path))
    try:
        beside = [p for p in folder.iterdir() if p.name.endswith(MAPPING_SUFFIX) and p.is_file()]
    except OSError:
        return None
    named = [p for p in beside if name.startswith(p.name[: -len(MAPPING_SUFFIX)])]
    if named:
        return max(named, key=lambda p: len(p.name))
    return _next_to(Path(path), FOLDER_MAPPING_NAME)


@dataclass(frozen=True)
class Plan:
    """What one path is and how it is read (picklable: it travels to and from task workers)."""

    kind: PlanKind
    path: Path  # resolved
    size_bytes: int = 0
    sha256: str | None = None  # the content hash, when planning computed it (known contents were given)
    detection: Detection | None = None  # None when read through a mapping, known or refused
    mapping: Path | None = None  # read through this mapping file instead of detecting the format
    cluster: Path | None = None  # sacct: the cluster file to use (the one given, else the one next to it)
    refusal: FileRefused | None = None
    piece_bytes: int = PIECE_BYTES  # a large text run log is read in pieces of about this many bytes
    piece_rows: int = PIECE_ROWS  # a large Parquet run log this many rows at a time
    piece_records: int = PIECE_RECORDS  # and a large text run log at most this many lines a piece
    side_sha256: str = ""  # the side files that shape the reading (side_files_sha256); "" when none
    source: Path | None = None  # a compressed file: its decompressed copy, read in its place (compressed.py)
    scraped_at: datetime | None = None  # the time of a DCGM scrape saved without times (--scraped-at)

    @property
    def read_path(self) -> Path:
        """The file the readers read: the decompressed copy of a compressed file, else ``path``."""
        return self.source or self.path


def plan_path(
    path: Path,
    *,
    mapping: Path | None = None,
    cluster: Path | None = None,
    known_sha256: frozenset[str] | set[str] = frozenset(),
    piece_bytes: int = PIECE_BYTES,
    piece_rows: int = PIECE_ROWS,
    piece_records: int = PIECE_RECORDS,
    scraped_at: datetime | None = None,
) -> Plan:
    """The :class:`Plan` of ``path`` (see the module docstring); never raises for a bad file.

    ``mapping``: every file is a run log read through this mapping file (no detection); without
    it, a mapping file beside the file (:func:`mapping_beside`) reads it.
    ``cluster``: the cluster file of sacct output (default: ``cluster.yaml`` next to it).
    ``known_sha256``: the current stored contents; when given, the file is hashed while its
    head is read, and a stored content is planned ``known``. Files over ``piece_bytes``
    (text) or ``piece_rows`` rows (Parquet), and text files of more than ``piece_records`` lines,
    that are canonical run logs are ``large_run_log``. ``scraped_at``: the time of a DCGM
    scrape saved without any time (else its file's modification time).
    """
    path = Path(path).resolve()
    mapping = Path(mapping).resolve() if mapping is not None else mapping_beside(path)
    cluster = Path(cluster).resolve() if cluster is not None else None
    common = dict(path=path, mapping=mapping, cluster=cluster, piece_bytes=piece_bytes, piece_rows=piece_rows,
                  piece_records=piece_records, side_sha256=side_files_sha256(path, mapping=mapping, cluster=cluster),
                  scraped_at=scraped_at)
    try:
        head, size, sha, source = _read_head(path, hash_all=bool(known_sha256))
    except OSError as err:
        return Plan("refused", refusal=FileRefused(path, f"cannot read: {err.strerror}"), **common)
    except FileRefused as err:  # a corrupt compressed stream
        return Plan("refused", refusal=err, **common)
    plan = _plan(path, head, size, sha, source, common, known_sha256, mapping, cluster)
    if plan.kind in ("known", "refused"):
        discard_copy(source)
        return replace(plan, source=None)
    return plan


def _plan(path, head, size, sha, source, common, known_sha256, mapping, cluster) -> Plan:
    common = dict(common, source=source)
    readable = source or path
    if sha is not None and sha in known_sha256:
        return Plan("known", size_bytes=size, sha256=sha, **common)
    if not head.strip() and size <= len(head):
        return Plan("refused", size_bytes=size, sha256=sha, refusal=FileRefused(path, "the file is empty"), **common)
    if mapping is not None:
        return Plan("run_log", size_bytes=size, sha256=sha, **common)
    try:
        found = detect(readable, head)
    except FileRefused as err:
        return Plan("refused", size_bytes=size, sha256=sha, refusal=FileRefused(path, err.reason), **common)
    if found.format in TELEMETRY_FORMATS:
        return Plan("telemetry", size_bytes=size, sha256=sha, detection=found, **common)
    if found.format == "sacct":
        common["cluster"] = cluster or _next_to(path, CLUSTER_FILE_NAME)
        if common["cluster"] is None:
            return Plan("refused", size_bytes=size, sha256=sha, detection=found, refusal=_no_cluster_file(path, found),
                        **common)
    large = found.format == "canonical" and (
        parquet_rows(readable) > common["piece_rows"]
        if head.startswith(b"PAR1")
        else size > common["piece_bytes"] or _more_lines_than(readable, common["piece_records"], size)
    )
    return Plan("large_run_log" if large else "run_log", size_bytes=size, sha256=sha, detection=found, **common)


def side_files_sha256(path: Path, *, mapping: Path | None = None, cluster: Path | None = None) -> str:
    """One hash of the side files that may shape how ``path`` is read: the mapping and
    cluster files given, and the :data:`SIDE_FILE_NAMES` in its folder ("" when there is
    none). With the content's SHA-256 it is the stored file's identity: when a side file
    changes, the file is read again (whatever its format: a change next to it is enough)."""
    h = hashlib.sha256()
    found = False
    for label, side in (("mapping", mapping), ("cluster", cluster),
                        *((name, Path(path).parent / name) for name in SIDE_FILE_NAMES)):
        try:
            data = Path(side).read_bytes() if side is not None and Path(side).is_file() else None
        except OSError:
            data = None
        if data is not None:
            found = True
            h.update(f"{label}\0{hashlib.sha256(data).hexdigest()}\0".encode())
    return h.hexdigest() if found else ""


def telemetry_refusal(plan: Plan) -> FileRefused:
    """The refusal of a telemetry file where a run log was asked for."""
    found = plan.detection
    return FileRefused(
        plan.path,
        f"{found.format} power telemetry ({found.reason}): telemetry files are not run logs; "
        "they are loaded by the telemetry ingest, not as runs",
    )


def _read_head(path: Path, *, hash_all: bool) -> tuple[bytes, int, str | None, Path | None]:
    """The file's head, size and (with ``hash_all``) SHA-256, from one open; a compressed
    file is decompressed into a copy first: then all four are the copy's (always hashed)."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        codec = codec_of(head)
        if codec is None:
            size = os.fstat(f.fileno()).st_size
            if not hash_all:
                return head, size, None, None
            h = hashlib.sha256(head)
            while block := f.read(_HASH_BLOCK):
                h.update(block)
            return head, size, h.hexdigest(), None
    copy, sha, size = decompressed_copy(path, codec, head)
    with open(copy, "rb") as f:
        return f.read(HEAD_BYTES), size, sha, copy


def _more_lines_than(path: Path, limit: int, size: int) -> bool:
    """Whether the file has more than ``limit`` newlines (read only when its size allows it)."""
    if size <= limit:
        return False
    lines = 0
    try:
        with open(path, "rb") as f:
            while block := f.read(_HASH_BLOCK):
                lines += block.count(b"\n")
                if lines > limit:
                    return True
    except OSError:
        return False  # the reader says why it cannot read it
    return False


def _next_to(path: Path, name: str) -> Path | None:
    candidate = path.parent / name
    return candidate if candidate.is_file() else None


def _no_cluster_file(path: Path, found: Detection) -> FileRefused:
    return FileRefused(
        path,
        f"Slurm sacct output ({found.reason}) needs a cluster file: sacct prints local times without "
        f"offset and no GPU models. Put a {CLUSTER_FILE_NAME} (cluster, timezone, partitions) next to "
        "it or pass one explicitly; see docs/formats.md",
    )
