"""The wattledger pipeline as a Prefect flow: ingest -> compute -> report.

Thin by design: each task wraps one library call. Files are parsed and validated
concurrently (threads; pure functions of the file), then stored one by one by the
flow's single writer, each in its own transaction.

Caching: no task uses Prefect's result cache (NO_CACHE). Idempotency comes from the
database itself: a file whose content hash is recorded is skipped, and footprints are
recomputed only for runs without one for the current factor set. A Prefect cache keyed
on paths would go stale when a file changes; one keyed on content would duplicate the
store's own record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from wattledger.compute import ComputeResult, compute_footprints
from wattledger.ingest import FileRefused, ParsedFile, discover, parse_run_log
from wattledger.ingest.telemetry_files import ParsedTelemetry, is_telemetry, parse_telemetry
from wattledger.pipeline import default_report_path, load_site_file
from wattledger.report import top_runs, write_period_report
from wattledger.store import StoredFile, connect, store_parsed_file, store_parsed_telemetry


class FilesRefused(Exception):
    """Some input files could not be read; the others were processed."""


@dataclass
class PipelineResult:
    stored: list[StoredFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    computed: ComputeResult | None = None
    report_path: str | None = None


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def find_files(paths: list[str]) -> list[Path]:
    return discover([Path(p) for p in paths])


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name="parse {path.name}")
def parse_file(path: Path, mapping: Path | None = None, cluster: Path | None = None) -> ParsedFile | ParsedTelemetry | FileRefused:
    try:
        if mapping is None and is_telemetry(path):
            return parse_telemetry(path)
        return parse_run_log(path, mapping, cluster=cluster)
    except FileRefused as err:  # a refusal is an answer, not a failure to retry
        return err


@task(cache_policy=NO_CACHE, task_run_name="store {parsed.path.name}")
def store_file(db: str, parsed: ParsedFile | ParsedTelemetry) -> StoredFile:
    con = connect(db)
    try:
        if isinstance(parsed, ParsedTelemetry):
            return store_parsed_telemetry(con, parsed)
        return store_parsed_file(con, parsed)
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def load_sites(db: str, sites: str) -> int:
    con = connect(db)
    try:
        return load_site_file(con, Path(sites))
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def compute(db: str) -> ComputeResult:
    con = connect(db)
    try:
        return compute_footprints(con)
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_report(db: str, period: str | None, out: str) -> str:
    con = connect(db)
    try:
        return str(write_period_report(con, Path(out), period=period, db_label=Path(db).name))
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def publish_artifacts(db: str, period: str | None, report_path: str) -> None:
    """The report as a markdown artifact, the top runs as a table artifact (Prefect UI)."""
    con = connect(db, read_only=True)
    try:
        rows = top_runs(con, period)
    finally:
        con.close()
    label = period or "all runs"
    create_markdown_artifact(key="wattledger-report", markdown=Path(report_path).read_text(encoding="utf-8"),
                             description=f"wattledger report ({label})")
    create_table_artifact(key="wattledger-top-runs", table=[
        {k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()} for r in rows
    ], description=f"Runs with the most CO2e ({label})")


@flow(name="wattledger-pipeline", task_runner=ThreadPoolTaskRunner(max_workers=2), log_prints=True)
def pipeline(
    paths: list[str],
    db: str = "wattledger.duckdb",
    period: str | None = None,
    report_out: str | None = None,
    sites: str | None = None,
    mapping: str | None = None,
    cluster: str | None = None,
    mapped: dict[str, str] | None = None,
) -> PipelineResult:
    """Ingest run logs under ``paths`` (formats detected, or read through ``mapping``), files
    read through their own mapping file (``mapped``: file -> mapping), and the site file
    ``sites``; compute footprints; write the markdown report."""
    logger = get_run_logger()
    result = PipelineResult()
    files = find_files(paths)
    mappings = [Path(mapping) if mapping else None] * len(files)
    for data, its_mapping in (mapped or {}).items():
        files.append(Path(data))
        mappings.append(Path(its_mapping))
    cluster_file = Path(cluster) if cluster else None
    for parsed in parse_file.map(files, mappings, unmapped(cluster_file)).result():
        if isinstance(parsed, FileRefused):
            logger.error("refused %s", parsed)
            result.refused.append(str(parsed))
            continue
        stored = store_file(db, parsed)
        note = " (already ingested)" if stored.already_ingested else ""
        if stored.replaced_source_file_id is not None:
            note = f" (replaces the earlier version of this file: {stored.replaced_rows} rows removed)"
        logger.info("%s (%s): %d loaded, %d rejected%s", stored.path, stored.detected or stored.format, stored.loaded,
                    stored.rejected, note)
        result.stored.append(stored)
    if sites:
        load_sites(db, sites)
    result.computed = compute(db)
    if result.computed.nothing_to_do:
        logger.info("footprints up to date: no kernel work (factor set %s)", result.computed.factor_set)
    else:
        logger.info("%d footprints computed, %d re-checked unchanged, %d unresolved (factor set %s)",
                    result.computed.computed, result.computed.unchanged, result.computed.unresolved,
                    result.computed.factor_set)
    result.report_path = write_report(db, period, str(report_out or default_report_path(period)))
    publish_artifacts(db, period, result.report_path)
    if result.refused:
        raise FilesRefused(f"{len(result.refused)} file(s) refused: " + "; ".join(result.refused))
    return result
