"""Turn the paths a user gives into the list of run-log files to read."""

from __future__ import annotations

import os
from pathlib import Path

from wattledger.ingest.errors import FileRefused

#: File name suffix -> format.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson"}


def format_of(path: Path) -> str | None:
    return FORMATS.get(path.suffix.lower())


def discover(paths: list[Path]) -> list[Path]:
    """Files to ingest, in a stable order: given files as named, folders walked (sorted).

    Inside a folder, files with other suffixes are skipped (README.md, ...); a file
    named explicitly with an unknown suffix is refused. Symbolic links to folders are
    not followed, so a link loop cannot recurse forever.
    """
    found: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                for f in sorted(files):
                    fp = Path(root) / f
                    if format_of(fp) and fp.is_file():
                        found.append(fp)
        elif p.is_file():
            if not format_of(p):
                raise FileRefused(p, f"unknown file type {p.suffix!r}: expected one of {sorted(FORMATS)}")
            found.append(p)
        else:
            raise FileRefused(p, "no such file or folder")
    return found
