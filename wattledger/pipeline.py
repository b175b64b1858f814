"""Library entry points the CLI and the Prefect flows call: ingest paths, compute, report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wattledger.factors import FactorLibrary
from wattledger.ingest import FileRefused, discover, file_sha256, parse_run_log
from wattledger.sites import load_sites, sites_frame
from wattledger.store import StoredFile, replace_datacenters, store_parsed_file


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


def load_site_file(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Validate a site file (datacenters.yaml) and make it the database's datacenters.

    Raises :class:`wattledger.sites.SiteFileError` or :class:`wattledger.factors.FactorError`
    (an unknown tariff id) with the file, the key and the problem; nothing is stored then.
    """
    path = Path(path).resolve()
    frame = sites_frame(load_sites(path))
    FactorLibrary().check_sites(frame, str(path))
    return replace_datacenters(con, frame.to_arrow(), str(path), file_sha256(path.read_bytes()))


def default_report_path(period: str | None) -> Path:
    """``reports/wattledger-<period>.md`` (or ``-all``) under the working folder."""
    return Path("reports") / f"wattledger-{period or 'all'}.md"
