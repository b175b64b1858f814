"""Turn the paths a user gives into the list of files to read, and the files of their folders that are skipped (why)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from wattledger.ingest.detect import sniff
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.file_names import logical_name, logical_suffix

#: File name suffix -> container format; files with these suffixes are read from folders.
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".ndjson": "ndjson", ".jsonl": "ndjson"}
#: Suffixes people give saved tool output (sacct, nvidia-smi, dmon, DCGM): read from folders only
#: when the content is one of those formats; listed as skipped otherwise.
SACCT_SUFFIXES = (".txt", ".log", ".out", ".psv", ".tsv", ".sacct")
#: Suffix of saved DCGM exporter scrapes (Prometheus text): read from folders.
TELEMETRY_SUFFIXES = (".prom",)
#: Side files read with the files beside them, never on their own.
SIDE_FILES = {
    "cluster.yaml": "cluster file, read with the sacct files beside it",
    "telemetry.yaml": "telemetry side file, read with the nvidia-smi logs beside it",
    "codecarbon.yaml": "CodeCarbon side file, read with the emissions.csv beside it",
    "mapping.yaml": "mapping file, read with the run logs beside it",
}


@dataclass(frozen=True)
class Skipped:
    """A file in a folder that is not read, and why."""

    path: Path
    reason: str


@dataclass
class Survey:
    """The files to read under the paths given, and the files of their folders that are not."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def format_of(path: Path) -> str | None:
    return FORMATS.get(logical_suffix(path))


def _is_cost_ledger(path: Path) -> bool:
    """Whether a CSV's header line names the required columns of a cost ledger (docs/costs.md)."""
    try:
        with open(path, "rb") as f:
            first = f.read(4096).split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return False
    from wattledger.ingest.cost_ledger import LEDGER_REQUIRED  # noqa: PLC0415  (it imports this module)

    return set(LEDGER_REQUIRED) <= {c.strip().strip('"').lower() for c in first.split(",")}


def _why_not_read(path: Path) -> str | None:
    """None when a file found in a folder is read; else why it is skipped."""
    suffix = logical_suffix(path)
    if suffix == ".csv" and path.name == logical_name(path) and _is_cost_ledger(path):
        return "a cost ledger (project, category, amount, ...): load it with `wattledger costs FILE`"
    if suffix in FORMATS or suffix in TELEMETRY_SUFFIXES:
        return None
    if path.name in SIDE_FILES:
        return SIDE_FILES[path.name]
    if path.name.endswith(".mapping.yaml"):
        return "mapping file, read with the files beside it whose names start with its own"
    if suffix not in SACCT_SUFFIXES:
        return f"not a data file ({suffix or 'no suffix'}: read from folders are {', '.join([*FORMATS, *TELEMETRY_SUFFIXES])}, " \
               f"and {', '.join(SACCT_SUFFIXES)} holding sacct, nvidia-smi or DCGM output; name a file to read it anyway)"
    try:
        sniff(path)
    except FileRefused as err:
        if err.reason.startswith(("unknown file type", "a file without suffix", "the file is empty")):
            return (f"a {suffix} file whose content is not sacct, nvidia-smi (CSV or dmon) or DCGM output "
                    f"({err.reason.split('. Expected')[0].split(' and ', 1)[-1]})")
        return None  # a format recognised but refused: read, so that the refusal is reported
    except OSError as err:
        return f"cannot read: {err.strerror}"
    return None


def survey(paths: list[Path]) -> Survey:
    """Files to ingest, in a stable order, and the files of the folders that are skipped (why).

    Given files are read as named, folders walked (sorted). Inside a folder, files with the
    run-log suffixes (.csv, .parquet/.pq, .ndjson/.jsonl) and .prom are read, also rotated, dated
    and compressed (``runs.csv.1``, ``runs.csv.2.gz``, ``runs.csv-20261204.zst``: :func:`logical_suffix`), and .txt/.log/.out/.psv/.tsv/.sacct
    files whose content is sacct, nvidia-smi (CSV or dmon) or DCGM output; every other file is
    listed as skipped with the reason (side files such as cluster.yaml, README.md, text that is
    none of those formats, anything that is not a regular file). A file named explicitly is
    always read: its format is told by its content (wattledger.ingest.detect), and a file
    whose content matches no format is refused then. Symbolic links to folders are not
    followed, so a link loop cannot recurse forever.
    """
    out = Survey()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                for f in sorted(files):
                    fp = Path(root) / f
                    if not fp.is_file():
                        out.skipped.append(Skipped(fp, "not a regular file (a link that leads nowhere or in a loop, a pipe, ...)"))
                    elif (why := _why_not_read(fp)) is not None:
                        out.skipped.append(Skipped(fp, why))
                    else:
                        out.files.append(fp)
        elif p.is_file():
            out.files.append(p)
        else:
            raise FileRefused(p, "no such file or folder")
    return out


def discover(paths: list[Path]) -> list[Path]:
    """The files :func:`survey` reads, without the skipped ones."""
    return survey(paths).files
