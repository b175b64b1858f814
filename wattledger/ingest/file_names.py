"""What a file's name says it holds, under the names log rotation gives it.

logrotate and its peers rename ``runs.csv`` to ``runs.csv.1``, ``runs.csv.2.gz``,
``runs.csv-20261204`` or ``runs.csv.2026-12-04.zst``. The *logical* suffix is the one
that says what the content is (``.csv``), under rotation numbers, dates and compression.
"""

from __future__ import annotations

import re
from pathlib import Path

#: Compression suffix -> codec (wattledger.ingest.compressed reads them).
COMPRESSION_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
#: A rotation number or date appended to a name: ``.1``, ``-20261204``, ``-2026120413``,
#: ``-2026-12-04``, ``.2026-12-04``, ``_20261204`` (logrotate ``dateext``/``dateformat``).
_ROTATION_TAIL = re.compile(r"(?:[.\-_](?:\d{1,3}|\d{8}(?:\d{2}(?:\d{2}(?:\d{2})?)?)?|\d{4}-\d{2}-\d{2}(?:[-_T]\d{2}(?:[-:]?\d{2}){0,2})?))$")


def compression_of(path: Path) -> str | None:
    """The codec a name says (``gzip``, ``zstd``) or None."""
    return COMPRESSION_SUFFIXES.get(Path(path).suffix.lower())


def logical_name(path: Path) -> str:
    """The name without compression suffix and rotation tails: ``runs.csv`` for
    ``runs.csv.2.gz``, ``runs.csv-20261204`` and ``runs.csv.1``. A name that is only
    digits after its last dot keeps it when nothing else would be left (``2026.1``)."""
    name = Path(path).name
    if compression_of(Path(name)):
        name = name[: name.rindex(".")]
    while True:
        m = _ROTATION_TAIL.search(name)
        if m is None or "." not in name[: m.start()]:
            return name
        name = name[: m.start()]


def logical_suffix(path: Path) -> str:
    """The suffix that says what a file holds (lower case): ``.csv`` for ``runs.csv.1``,
    ``runs.csv.2.gz``, ``runs.csv-20261204``; the plain suffix otherwise."""
    return Path(logical_name(path)).suffix.lower()
