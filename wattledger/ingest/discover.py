"""Turn the paths a user gives into the list of run-log files to read."""

from __future__ import annotations

import os
from pathlib import Path

from wattledger.ingest.detect import sniff
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.file_names import logical_suffix

#: File name suffix -> container format; files with these suffixes are read from folders.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson"}
#: Suffixes people give saved sacct output: read from folders only when the content is sacct's.
SACCT_SUFFIXES = (".txt", ".log", ".out", ".psv", ".sacct")
#: Suffix of saved DCGM exporter scrapes (Prometheus text): read from folders.
TELEMETRY_SUFFIXES = (".prom",)


def format_of(path: Path) -> str | None:
    return FORMATS.get(logical_suffix(path))


def _is_sacct(path: Path) -> bool:
    try:
        return sniff(path).format == "sacct"
    except (FileRefused, OSError):
        return False


def _in_folder(path: Path) -> bool:
    suffix = logical_suffix(path)
    if suffix in FORMATS or suffix in TELEMETRY_SUFFIXES:
        return True
    return suffix in SACCT_SUFFIXES and _is_sacct(path)


def discover(paths: list[Path]) -> list[Path]:
    """Files to ingest, in a stable order: given files as named, folders walked (sorted).

    Inside a folder, files with the run-log suffixes (.csv, .parquet/.pq, .ndjson/.jsonl)
    are read, also rotated, dated and compressed (``runs.csv.1``, ``runs.csv.2.gz``,
    ``runs.csv-20261204.zst``: :func:`~wattledger.ingest.file_names.logical_suffix`), and .txt/.log/.out/.psv/.sacct files whose content is sacct output; other
    files are skipped (README.md, cluster.yaml, ...). A file named explicitly is always
    read: its format is told by its content (wattledger.ingest.detect), and a file
    whose content matches no format is refused then. Symbolic links to folders are not
    followed, so a link loop cannot recurse forever.
    """
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                for f in sorted(files):
                    fp = Path(root) / f
                    if fp.is_file() and _in_folder(fp):
                        found.append(fp)
        elif p.is_file():
            found.append(p)
        else:
            raise FileRefused(p, "no such file or folder")
    return found
