"""The wattledger pipeline as a Prefect flow: ingest -> compute -> report.

Thin by design: each task wraps one library call. Files are parsed and validated
concurrently (threads; pure functions of the file), then stored one by one by the
flow's single writer, each in its own transaction.

Caching: no task uses Prefect's result cache (NO_CACHE). Idempotency comes from the
database itself: a file whose content hash is recorded is skipped (hashed, never parsed), and footprints are
recomputed only for runs without one for the current factor set. A Prefect cache keyed
on paths would go stale when a file changes; one keyed on content would duplicate the
store's own record.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.task_runners import ThreadPoolTaskRunner

from wattledger.compute import PARTITION_RUNS, ComputeResult, compute_footprints, kernel_table, unknown_datacenters_line
from wattledger.ingest import FileRefused, plan_path, survey
from wattledger.pipeline import (Parsed, UnknownRegion, default_report_path, load_site_file, parse_planned, record_vanished,
                                 settle_ledger, store_planned, unknown_regions_of_files)
from wattledger.report import scope_for, top_runs, write_period_report
from wattledger.report.full_cost import overrun_events
from wattledger.store import StoredFile, connect, stored_contents


class FilesRefused(Exception):
    """Some input files could not be read; the others were processed."""


@dataclass
class PipelineResult:
    stored: list[StoredFile] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    computed: ComputeResult | None = None
    report_path: str | None = None
    budget_overruns: list[dict] = field(default_factory=list)


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def find_files(paths: list[str]) -> list[Path]:
    """The files to read; each file of the folders that is skipped is logged with its reason."""
    found = survey([Path(p) for p in paths])
    for skipped in found.skipped:
        get_run_logger().info("skipped %s: %s", skipped.path, skipped.reason)
    return found.files


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def unknown_regions(db: str, source_file_ids: list[int]) -> list[UnknownRegion]:
    """Region strings of the runs of these files that the reference tables do not know."""
    con = connect(db)
    try:
        return unknown_regions_of_files(con, source_file_ids)
    finally:
        con.close()


def stored_hashes(db: str) -> frozenset[str]:
    """The content hashes of the files the database holds (their files are not parsed again)."""
    con = connect(db)
    try:
        return stored_contents(con)
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name="parse {path.name}")
def parse_file(path: Path, mapping: Path | None = None, cluster: Path | None = None,
               known: frozenset[str] = frozenset()) -> Parsed:
    """The file planned and parsed (a refusal is an answer, returned, not a failure to retry);
    a large run log comes back as its plan, read in pieces by :func:`store_file`."""
    return parse_planned(plan_path(path, mapping=mapping, cluster=cluster, known_sha256=known))


@task(cache_policy=NO_CACHE, task_run_name="store {parsed.path.name}")
def store_file(db: str, parsed: Parsed) -> StoredFile | FileRefused:
    con = connect(db)
    try:
        return store_planned(con, parsed)
    except FileRefused as err:  # a large file refused in a later piece: nothing of it stored
        return err
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def vanished_files(db: str, paths: list[str]) -> list[StoredFile]:
    """The ledger rule, before the files: files gone from the folders given, recorded vanished."""
    con = connect(db)
    try:
        return record_vanished(con, [Path(p) for p in paths])
    finally:
        con.close()


@task(cache_policy=NO_CACHE)
def settle(db: str, stored: list[StoredFile], mapping: Path | None, mapped: dict[Path, Path],
           cluster: Path | None) -> tuple[list[StoredFile], list[FileRefused]]:
    """The ledger rule, after the files: the files to read again (moved runs, rotated logs)."""
    con = connect(db)
    try:
        again = settle_ledger(con, stored, mapping_of=lambda p: mapped.get(Path(p).resolve(), mapping), cluster=cluster)
        return again.stored, again.refused
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def load_sites(db: str, sites: str) -> int:
    con = connect(db)
    try:
        return load_site_file(con, Path(sites))
    finally:
        con.close()


@task(cache_policy=NO_CACHE, task_run_name="kernel on {pre.height} runs")
def kernel_partition(ok: pl.DataFrame, pre: pl.DataFrame) -> pl.DataFrame:
    """The kernel over one partition of a compute batch (pure; runs on the task runner)."""
    return kernel_table(ok, pre)


def _kernel_on_task_runner(parts: list[tuple[pl.DataFrame, pl.DataFrame]]) -> list[pl.DataFrame]:
    return [f.result() for f in [kernel_partition.submit(ok, pre) for ok, pre in parts]]


@task(cache_policy=NO_CACHE)
def compute(db: str, distributed: bool = False, partition_runs: int = PARTITION_RUNS) -> ComputeResult:
    """Footprints, written by this (the flow's) process; with ``distributed`` the kernel's
    partitions (of ``partition_runs`` runs) go to the flow's task runner (Dask workers)."""
    con = connect(db)
    try:
        return compute_footprints(con, kernel_map=_kernel_on_task_runner if distributed else None,
                                  partition_runs=partition_runs)
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


#: The Prefect event of a budget overrun (docs/costs.md: how to set up an Automation on it).
BUDGET_EXCEEDED = "wattledger.budget.exceeded"


@task(cache_policy=NO_CACHE)
def alert_budgets(db: str, period: str | None) -> list[dict]:
    """One Prefect event per budget overrun in ``period`` (every period when None); the overruns."""
    con = connect(db, read_only=True)
    try:
        scope = scope_for(period)
        events = overrun_events(con, scope.start, scope.end)
    finally:
        con.close()
    for e in events:
        emit_event(event=BUDGET_EXCEEDED, resource=e["resource"], payload=e["payload"])
    return [e["payload"] for e in events]


#: Files parsed ahead of the writer (parsed files held in memory at once).
PARSE_AHEAD = 4


def _store(db: str, parsed: Parsed, result: PipelineResult, logger) -> None:
    """Store one parsed file (or record its refusal) and log what it did."""
    stored = parsed if isinstance(parsed, FileRefused) else store_file(db, parsed)
    if isinstance(stored, FileRefused):
        logger.error("refused %s", stored)
        result.refused.append(str(stored))
        return
    note = " (already ingested)" if stored.already_ingested else ""
    if stored.replaced_source_file_id is not None:
        note = (f" (replaces the earlier version of this file: {stored.absent_rows} runs no longer in it, kept "
                f"and flagged absent_since)")
    logger.info("%s (%s): %d loaded, %d rejected%s", stored.path, stored.detected or stored.format, stored.loaded,
                stored.rejected, note)
    result.stored.append(stored)


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
    distributed: bool = False,
    partition_runs: int = PARTITION_RUNS,
) -> PipelineResult:
    """Ingest run logs under ``paths`` (formats detected, or read through ``mapping``), files
    read through their own mapping file (``mapped``: file -> mapping), and the site file
    ``sites``; compute footprints; write the markdown report. ``distributed``: the kernel
    runs on the flow's task runner too (set it with ``pipeline.with_options(task_runner=...)``,
    see flows/runners.py); parsing always does."""
    logger = get_run_logger()
    result = PipelineResult()
    files = find_files(paths)
    mappings = [Path(mapping) if mapping else None] * len(files)
    for data, its_mapping in (mapped or {}).items():
        files.append(Path(data))
        mappings.append(Path(its_mapping))
    cluster_file = Path(cluster) if cluster else None
    result.stored += vanished_files(db, paths)
    known = stored_hashes(db)  # files with these contents are hashed, not parsed
    ahead: deque = deque()  # parsed files wait in memory only this many at a time
    for path, its_mapping in zip(files, mappings, strict=True):
        ahead.append(parse_file.submit(path, its_mapping, cluster_file, known))
        if len(ahead) > PARSE_AHEAD:
            _store(db, ahead.popleft().result(), result, logger)
    while ahead:
        _store(db, ahead.popleft().result(), result, logger)
    again, refused = settle(db, result.stored, Path(mapping) if mapping else None,
                            {Path(d).resolve(): Path(m) for d, m in (mapped or {}).items()}, cluster_file)
    for stored in again:
        logger.info("%s read again (the ledger rule): %d loaded, %d rejected", stored.path, stored.loaded,
                    stored.rejected)
    result.stored = [s for s in result.stored if s.path not in {a.path for a in again}] + again
    result.refused += [str(r) for r in refused]
    for unknown in unknown_regions(db, [s.source_file_id for s in result.stored if s.loaded]):
        logger.warning("%s", unknown.line())  # once per value, with its runs (issue 16)
    if sites:
        load_sites(db, sites)
    result.computed = compute(db, distributed, partition_runs)
    if result.computed.nothing_to_do:
        logger.info("footprints up to date: no kernel work (factor set %s)", result.computed.factor_set)
    else:
        logger.info("%d footprints computed, %d re-checked unchanged, %d unresolved (factor set %s)",
                    result.computed.computed, result.computed.unchanged, result.computed.unresolved,
                    result.computed.factor_set)
    if result.computed.unknown_datacenters:
        logger.warning("%s", unknown_datacenters_line(result.computed.unknown_datacenters))
    result.report_path = write_report(db, period, str(report_out or default_report_path(period)))
    result.budget_overruns = alert_budgets(db, period)
    for o in result.budget_overruns:
        logger.warning("budget exceeded: %s %s, %s %s: %.0f%% of %s %s", o["scope"], o["name"], o["period"],
                       o["period_start"], 100 * o["share"], o["budget"], o["unit"])
    publish_artifacts(db, period, result.report_path)
    if result.refused:
        raise FilesRefused(f"{len(result.refused)} file(s) refused: " + "; ".join(result.refused))
    return result
