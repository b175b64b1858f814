"""Library entry points the CLI and the Prefect flows call: ingest paths, compute, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wattledger.ingest import FileRefused, discover, parse_run_log
from wattledger.store import StoredFile, store_parsed_file


@dataclass
class IngestSummary:
    stored: list[StoredFile] = field(default_factory=list)
    refused: list[FileRefused] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(s.loaded for s in self.stored)

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.stored)


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> IngestSummary:
    """Ingest every run-log file under ``paths``, one transaction per file.

    A file that cannot be read is refused (nothing of it stored) and the others go on;
    the summary lists both.
    """
    summary = IngestSummary()
    try:
        files = discover([Path(p) for p in paths])
    except FileRefused as err:
        summary.refused.append(err)
        return summary
    for f in files:
        try:
            parsed = parse_run_log(f)
        except FileRefused as err:
            summary.refused.append(err)
            continue
        summary.stored.append(store_parsed_file(con, parsed))
    return summary


def default_report_path(period: str | None) -> Path:
    """``reports/wattledger-<period>.md`` (or ``-all``) under the working folder."""
    return Path("reports") / f"wattledger-{period or 'all'}.md"
