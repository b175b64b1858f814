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

import hashlib
import re
from datetime import UTC, datetime

import polars as pl
from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from wattledger.compute import PARTITION_RUNS, ComputeResult, compute_footprints, kernel_table, unknown_datacenters_line
from wattledger.ingest import FileRefused, plan_path, survey
from wattledger.pipeline import (Parsed, UnknownRegion, default_report_path, load_site_file, parse_planned, record_vanished,
                                 settle_ledger, store_planned, unknown_regions_of_files)
from wattledger.report import scope_for, top_runs, write_period_report
from wattledger.report.full_cost import overrun_events
from wattledger.report.period import PREVIOUS_MONTH, previous_month, report_markdown_inline
from wattledger.report.tables import top_runs_rows
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


def _file_label(path: Path | str) -> str:
    """A file's folder and name: three CodeCarbon files are ``a/emissions.csv``, ``b/emissions.csv``."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def artifact_keys(db: str, prefix: str | None = None) -> tuple[str, str]:
    """The keys of the report and top-runs artifacts of database ``db``: ``<prefix>-report`` and
    ``<prefix>-top-runs``, the prefix by default ``wattledger-<file stem>-<6 hex of its path>``,
    so flows on different databases keep apart histories in the UI (a key is lower-case letters,
    digits and dashes)."""
    if prefix is None:
        stem = re.sub(r"[^a-z0-9]+", "-", Path(db).stem.lower()).strip("-") or "db"
        digest = hashlib.sha256(str(Path(db).resolve()).encode()).hexdigest()[:6]
        prefix = f"wattledger-{stem}-{digest}"
    prefix = re.sub(r"[^a-z0-9-]+", "-", prefix.lower()).strip("-")
    return f"{prefix}-report", f"{prefix}-top-runs"


def resolve_period(period: str | None, when: datetime | None = None) -> str | None:
    """``previous-month`` as the month before ``when`` (the flow run's scheduled time), else as given."""
    if period != PREVIOUS_MONTH:
        return period
    return previous_month(when or datetime.now(UTC))


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name="find files")
def find_files(paths: list[str]) -> list[Path]:
    """The files to read; each file of the folders that is skipped is logged with its reason."""
    found = survey([Path(p) for p in paths])
    for skipped in found.skipped:
        get_run_logger().info("skipped %s: %s", skipped.path, skipped.reason)
    return found.files


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name="check regions of the new runs")
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


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name=lambda: f"parse {_file_label(runtime.task_run.parameters['path'])}")
def parse_file(path: Path, mapping: Path | None = None, cluster: Path | None = None,
               known: frozenset[str] = frozenset()) -> Parsed:
    """The file planned and parsed (a refusal is an answer, returned, not a failure to retry);
    a large run log comes back as its plan, read in pieces by :func:`store_file`."""
    return parse_planned(plan_path(path, mapping=mapping, cluster=cluster, known_sha256=known))


@task(cache_policy=NO_CACHE, task_run_name=lambda: f"store {_file_label(runtime.task_run.parameters['parsed'].path)}")
def store_file(db: str, parsed: Parsed) -> StoredFile | FileRefused:
    con = connect(db)
    try:
        return store_planned(con, parsed)
    except FileRefused as err:  # a large file refused in a later piece: nothing of it stored
        return err
    finally:
        con.close()


@task(cache_policy=NO_CACHE, task_run_name=lambda: f"refused {_file_label(runtime.task_run.parameters['refusal'].path)}")
def refused_file(refusal: FileRefused) -> State:
    """A refused file as a failed task in the UI, its reason as the state's message (a state,
    not an exception: no traceback for a file that is simply unreadable); the flow goes on
    with the other files, then fails."""
    return Failed(message=f"refused: {refusal}")


@task(cache_policy=NO_CACHE, task_run_name="record vanished files")
def vanished_files(db: str, paths: list[str]) -> list[StoredFile]:
    """The ledger rule, before the files: files gone from the folders given, recorded vanished."""
    con = connect(db)
    try:
        return record_vanished(con, [Path(p) for p in paths])
    finally:
        con.close()


@task(cache_policy=NO_CACHE, task_run_name="read again what moved (ledger rule)")
def settle(db: str, stored: list[StoredFile], mapping: Path | None, mapped: dict[Path, Path],
           cluster: Path | None) -> tuple[list[StoredFile], list[FileRefused]]:
    """The ledger rule, after the files: the files to read again (moved runs, rotated logs)."""
    con = connect(db)
    try:
        again = settle_ledger(con, stored, mapping_of=lambda p: mapped.get(Path(p).resolve(), mapping), cluster=cluster)
        return again.stored, again.refused
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE, task_run_name="load the site file")
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


@task(cache_policy=NO_CACHE, task_run_name="compute footprints")
def compute(db: str, distributed: bool = False, partition_runs: int = PARTITION_RUNS) -> ComputeResult:
    """Footprints, written by this (the flow's) process; with ``distributed`` the kernel's
    partitions (of ``partition_runs`` runs) go to the flow's task runner (Dask workers)."""
    con = connect(db)
    try:
        return compute_footprints(con, kernel_map=_kernel_on_task_runner if distributed else None,
                                  partition_runs=partition_runs)
    finally:
        con.close()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE,
      task_run_name=lambda: f"write the report ({runtime.task_run.parameters['period'] or 'all runs'})")
def write_report(db: str, period: str | None, out: str) -> str:
    con = connect(db)
    try:
        return str(write_period_report(con, Path(out), period=period, db_label=Path(db).name))
    finally:
        con.close()


@task(cache_policy=NO_CACHE, task_run_name="publish the report to the UI")
def publish_artifacts(db: str, period: str | None, report_path: str, artifact_key: str | None = None) -> None:
    """The report as a markdown artifact with its charts inline (data URIs: the UI has no file
    beside it to link to), the top runs as a table artifact with the columns a reader needs,
    rounded, units in the names; keys per database (:func:`artifact_keys`)."""
    con = connect(db, read_only=True)
    try:
        text = report_markdown_inline(con, period=period, db_label=Path(db).name)
        runs = top_runs(con, period)
        rows = top_runs_rows(pl.DataFrame(runs)) if runs else []
    finally:
        con.close()
    label = period or "all runs"
    report_key, top_key = artifact_keys(db, artifact_key)
    create_markdown_artifact(key=report_key, markdown=text, description=f"wattledger report ({label}), "
                             f"written to {report_path}")
    create_table_artifact(key=top_key, table=rows, description=f"Runs with the most CO2e ({label}; {len(runs)} shown)")


#: The Prefect event of a budget overrun (docs/costs.md: how to set up an Automation on it).
BUDGET_EXCEEDED = "wattledger.budget.exceeded"


@task(cache_policy=NO_CACHE, task_run_name="alert budget overruns")
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


def _store(db: str, parsed: Parsed, result: PipelineResult, logger, states: list) -> None:
    """Store one parsed file (or record its refusal, as a failed task) and log what it did;
    the task's state joins ``states`` (what compute waits for: the graph's edges)."""
    if isinstance(parsed, FileRefused):
        stored = parsed
    else:
        state = store_file(db, parsed, return_state=True)
        states.append(state)
        stored = state.result()
    if isinstance(stored, FileRefused):
        logger.error("refused %s", stored)
        refused_file(stored, return_state=True)  # failed in the UI; the flow goes on (not waited for)
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
    artifact_key: str | None = None,
) -> PipelineResult:
    """Ingest run logs under ``paths`` (formats detected, or read through ``mapping``), files
    read through their own mapping file (``mapped``: file -> mapping), and the site file
    ``sites``; compute footprints; write the markdown report. ``distributed``: the kernel
    runs on the flow's task runner too (set it with ``pipeline.with_options(task_runner=...)``,
    see flows/runners.py); parsing always does. ``period`` "previous-month": the month before the
    run's scheduled time (``wattledger serve``). ``artifact_key``: the prefix of the UI artifacts'
    keys (default: one per database, :func:`artifact_keys`). Each stage waits for the one before
    (``wait_for``), so the UI's graph shows ingest -> compute -> report."""
    logger = get_run_logger()
    period = resolve_period(period, runtime.flow_run.scheduled_start_time)
    result = PipelineResult()
    stored_states: list = []
    found = find_files(paths, return_state=True)
    files = found.result()
    mappings = [Path(mapping) if mapping else None] * len(files)
    for data, its_mapping in (mapped or {}).items():
        files.append(Path(data))
        mappings.append(Path(its_mapping))
    cluster_file = Path(cluster) if cluster else None
    result.stored += vanished_files(db, paths)
    known = stored_hashes(db)  # files with these contents are hashed, not parsed
    ahead: deque = deque()  # parsed files wait in memory only this many at a time
    for path, its_mapping in zip(files, mappings, strict=True):
        ahead.append(parse_file.submit(path, its_mapping, cluster_file, known, wait_for=[found]))
        if len(ahead) > PARSE_AHEAD:
            _store(db, ahead.popleft().result(), result, logger, stored_states)
    while ahead:
        _store(db, ahead.popleft().result(), result, logger, stored_states)
    settled = settle(db, result.stored, Path(mapping) if mapping else None,
                     {Path(d).resolve(): Path(m) for d, m in (mapped or {}).items()}, cluster_file,
                     wait_for=stored_states, return_state=True)
    again, refused = settled.result()
    for stored in again:
        logger.info("%s read again (the ledger rule): %d loaded, %d rejected", stored.path, stored.loaded,
                    stored.rejected)
    result.stored = [s for s in result.stored if s.path not in {a.path for a in again}] + again
    for r in refused:
        refused_file(r, return_state=True)
    result.refused += [str(r) for r in refused]
    for unknown in unknown_regions(db, [s.source_file_id for s in result.stored if s.loaded]):
        logger.warning("%s", unknown.line())  # once per value, with its runs (issue 16)
    before_compute = [settled]
    if sites:
        before_compute.append(load_sites(db, sites, wait_for=[settled], return_state=True))
        before_compute[-1].result()
    computed = compute(db, distributed, partition_runs, wait_for=before_compute, return_state=True)
    result.computed = computed.result()
    if result.computed.nothing_to_do:
        logger.info("footprints up to date: no kernel work (factor set %s)", result.computed.factor_set)
    else:
        logger.info("%d footprints computed, %d re-checked unchanged, %d unresolved (factor set %s)",
                    result.computed.computed, result.computed.unchanged, result.computed.unresolved,
                    result.computed.factor_set)
    if result.computed.unknown_datacenters:
        logger.warning("%s", unknown_datacenters_line(result.computed.unknown_datacenters))
    written = write_report(db, period, str(report_out or default_report_path(period)), wait_for=[computed],
                           return_state=True)
    result.report_path = written.result()
    result.budget_overruns = alert_budgets(db, period, wait_for=[computed])
    for o in result.budget_overruns:
        logger.warning("budget exceeded: %s %s, %s %s: %.0f%% of %s %s", o["scope"], o["name"], o["period"],
                       o["period_start"], 100 * o["share"], o["budget"], o["unit"])
    publish_artifacts(db, period, result.report_path, artifact_key, wait_for=[written])
    if result.refused:
        raise FilesRefused(f"{len(result.refused)} file(s) refused: " + "; ".join(result.refused))
    return result
