"""Library entry points the CLI and the Prefect flows call: ingest paths, compute, report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from wattledger.factors import FactorLibrary, load_sites, sites_frame
from wattledger.ingest import (
    ConfigFileError,
    FileRefused,
    KnownContent,
    discover,
    file_sha256,
    known_content,
    load_mapping,
    parse_run_log,
    parse_run_log_pieces,
    reads_in_pieces,
)
from wattledger.ingest.prefetch import prefetched
from wattledger.ingest.adapters.cluster import load_cluster_file
from wattledger.ingest.telemetry_files import ParsedTelemetry, is_telemetry, parse_telemetry
from wattledger.store import (
    StoredFile,
    replace_datacenters,
    store_known_content,
    store_parsed_file,
    store_parsed_telemetry,
    stored_contents,
)


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


def ingest_paths(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    mapping: Path | None = None,
    *,
    cluster: Path | None = None,
    on_file: Callable[[int, int, StoredFile | FileRefused], None] | None = None,
) -> IngestSummary:
    """Ingest every run-log file under ``paths``, one transaction per file.

    Each file's format is detected from its header (canonical, Slurm sacct, CodeCarbon;
    telemetry files are refused as not being run logs) unless ``mapping`` (a mapping
    file) is given: then every file is read through it. ``cluster`` is the cluster file
    of sacct files (default: ``cluster.yaml`` next to each sacct file).

    A file that cannot be read is refused (nothing of it stored) and the others go on;
    the summary lists both. An invalid mapping or cluster file refuses the whole call
    before any file is read. ``on_file(done, total, outcome)`` is called after each file
    (progress for the caller to show).
    """
    summary = IngestSummary()
    for config, load in ((mapping, load_mapping), (cluster, load_cluster_file)):
        if config is not None:
            try:
                load(Path(config))
            except ConfigFileError as err:
                summary.refused.append(FileRefused(err.path, "; ".join(err.problems)))
                return summary
    try:
        files = discover([Path(p) for p in paths])
    except FileRefused as err:
        summary.refused.append(err)
        return summary
    known = stored_contents(con)  # files with these contents are hashed, not parsed

    def parse(f: Path):
        if mapping is None and is_telemetry(f):
            return parse_telemetry(f)
        if reads_in_pieces(f, mapping):
            return parse_run_log_pieces(f, mapping, cluster=cluster)
        return parse_run_log(f, mapping, cluster=cluster)

    def parsed_files():
        """Each file known by its content, or parsed (small ones whole, ahead of the writer),
        or the lazy pieces of a large one (parsed while its transaction is open), or its refusal."""
        for f in files:
            try:
                yield f, known_content(f, known) or parse(f)
            except FileRefused as err:
                yield f, err

    for i, (f, parsed) in enumerate(prefetched(parsed_files()), start=1):
        try:
            if isinstance(parsed, FileRefused):
                raise parsed
            outcome: StoredFile | FileRefused | None = None
            if isinstance(parsed, KnownContent):
                outcome = store_known_content(con, parsed)
                if outcome is None:  # that content is no longer current: store the file as usual
                    parsed = parse(f)
            if outcome is None:
                if isinstance(parsed, ParsedTelemetry):
                    outcome = store_parsed_telemetry(con, parsed)
                else:
                    outcome = store_parsed_file(con, parsed)
        except FileRefused as err:
            summary.refused.append(err)
            outcome = err
        else:
            summary.stored.append(outcome)
        if on_file is not None:
            on_file(i, len(files), outcome)
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
