"""``run``, ``serve`` and ``demo``: the Prefect flow, once, on a schedule, or on the examples."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.common import ClusterOption, DbOption, MappingOption, OutOption, PeriodOption, SitesOption, app, db_path, err, fail


TaskRunnerOption = Annotated[str, typer.Option("--task-runner", help="threads (this machine) or dask (Dask workers)")]
DaskAddressOption = Annotated[str | None, typer.Option("--dask-address", help="An existing Dask scheduler, e.g. tcp://10.0.0.5:8786",
                                                      show_default="a local cluster")]
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="Threads, or local Dask worker processes")]
ArtifactKeyOption = Annotated[str | None, typer.Option("--artifact-key", help="Prefix of the Prefect UI artifacts' keys "
                                                       "(PREFIX-report, PREFIX-top-runs)",
                                                       show_default="wattledger-<db name>-<hash of its path>")]


def _flow(task_runner: str, dask_address: str | None, workers: int):
    from flows.pipeline import pipeline  # noqa: PLC0415  (prefect loads only here)
    from flows.runners import RunnerError, task_runner as make_runner  # noqa: PLC0415

    try:
        return pipeline.with_options(task_runner=make_runner(task_runner, dask_address=dask_address, workers=workers))
    except RunnerError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None


def _run_flow(paths: list[str], db: Path, period: str | None, out_path: Path | None, sites: Path | None,
              mapping: Path | None = None, cluster: Path | None = None, mapped: dict[str, str] | None = None,
              task_runner: str = "threads", dask_address: str | None = None, workers: int = 2,
              artifact_key: str | None = None) -> None:
    from flows.pipeline import FilesRefused  # noqa: PLC0415  (prefect loads only here)
    from wattledger.factors import FactorError, SiteFileError  # noqa: PLC0415
    from wattledger.files import OutputError, check_output  # noqa: PLC0415
    from wattledger.pipeline import default_report_path  # noqa: PLC0415
    from wattledger.store import BadSetting, DatabaseError, resolve_settings  # noqa: PLC0415

    missing = [p for p in (*paths, *(mapped or {}), sites, mapping, cluster) if p and not Path(p).exists()]
    if missing:  # before Prefect starts: one line, no traceback
        raise fail(f"{', '.join(map(str, missing))}: no such file or folder", 2)
    try:
        resolve_settings()  # a bad $WATTLEDGER_* value: one line before the flow starts
    except BadSetting as e:
        raise fail(str(e), 2) from None
    flow_ = _flow(task_runner, dask_address, workers)
    target = out_path or default_report_path(period)
    inputs = [p for p in (*paths, *(mapped or {}), *(mapped or {}).values(), sites, mapping, cluster) if p]
    try:  # before any work: the flow's report refuses the files recorded in the database too
        check_output(target, {str(db): "the database", f"{db}.wal": "the database's write-ahead log"}
                     | {str(p): "an input file" for p in inputs})
    except OutputError as e:
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        flow_(paths=paths, db=str(db), period=period, report_out=str(target), sites=str(sites) if sites else None,
              mapping=str(mapping) if mapping else None, cluster=str(cluster) if cluster else None, mapped=mapped,
              distributed=task_runner == "dask", artifact_key=artifact_key)
    except (FilesRefused, SiteFileError, FactorError, DatabaseError, OutputError) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(1) from None
    typer.echo(f"database: {db.resolve()}")
    typer.echo(f"report:   {target.resolve()}")


@app.command()
def run(
    paths: Annotated[list[Path], typer.Argument(help="Run-log files or folders")],
    db: DbOption = None,
    period: PeriodOption = None,
    out_path: OutOption = None,
    sites: SitesOption = None,
    mapping: MappingOption = None,
    cluster: ClusterOption = None,
    task_runner: TaskRunnerOption = "threads",
    dask_address: DaskAddressOption = None,
    workers: WorkersOption = 2,
    artifact_key: ArtifactKeyOption = None,
) -> None:
    """The whole pipeline (ingest -> compute -> report) as a Prefect flow."""
    _run_flow([str(p) for p in paths], db_path(db), period, out_path, sites, mapping, cluster,
              task_runner=task_runner, dask_address=dask_address, workers=workers, artifact_key=artifact_key)


SERVER_NEEDED = (
    "wattledger serve schedules the pipeline, and Prefect only schedules flows on a real Prefect server, "
    "not on the temporary one it starts by itself. Start one (`prefect server start`, it listens on "
    "http://127.0.0.1:4200) and point wattledger at it: `export PREFECT_API_URL=http://127.0.0.1:4200/api`; "
    "see README \"Scheduling\""
)


@app.command()
def serve(
    paths: Annotated[list[Path], typer.Argument(help="Run-log folders to ingest on every run")],
    cron: Annotated[str, typer.Option("--cron", help='When to run, a cron expression, e.g. "0 2 * * *" (02:00 daily)')],
    db: DbOption = None,
    sites: SitesOption = None,
    out_path: OutOption = None,
    mapping: MappingOption = None,
    cluster: ClusterOption = None,
    period: Annotated[str, typer.Option("--period", help="Month each run reports: YYYY-MM, 'all' (every run), or "
                                        "'previous-month' (the month before the run's scheduled time)")] = "previous-month",
    name: Annotated[str, typer.Option("--name", help="Deployment name")] = "wattledger-nightly",
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone of the cron schedule (IANA)")] = "UTC",
    task_runner: TaskRunnerOption = "threads",
    dask_address: DaskAddressOption = None,
    workers: WorkersOption = 2,
    artifact_key: ArtifactKeyOption = None,
) -> None:
    """Serve the pipeline flow on a schedule (needs a running Prefect server), one run at a time
    (a concurrency limit of 1: the database has one writer). Each run ingests only new or changed
    files, computes only what changed, and reports --period (by default the month before the run)."""
    from prefect.schedules import Cron  # noqa: PLC0415  (prefect loads only here)
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415
    from wattledger.report.period import PREVIOUS_MONTH, scope_for  # noqa: PLC0415

    missing = [p for p in (*paths, sites, mapping, cluster) if p and not p.exists()]
    if missing:
        raise fail(f"{', '.join(map(str, missing))}: no such file or folder", 2)
    if period not in (PREVIOUS_MONTH, "all"):
        try:
            scope_for(period)
        except ValueError as e:
            raise fail(str(e), 2) from None

    try:
        schedule = Cron(cron, timezone=timezone)
    except ValueError as e:
        err.print(f"[red]error:[/red] --cron {escape(repr(cron))}: {escape(str(e))} (e.g. \"0 2 * * *\": 02:00 every day)")
        raise typer.Exit(2) from None
    if not PREFECT_API_URL.value():
        err.print(f"[red]error:[/red] {SERVER_NEEDED}")
        raise typer.Exit(2)
    flow_ = _flow(task_runner, dask_address, workers)
    parameters = {
        "paths": [str(p.resolve()) for p in paths], "db": str(db_path(db).resolve()),
        "period": None if period == "all" else period,
        # with a moving period, the file is named after the month each run reports (in the flow)
        "report_out": str(out_path.resolve()) if out_path else None,
        "sites": str(sites.resolve()) if sites else None, "distributed": task_runner == "dask",
        "mapping": str(mapping.resolve()) if mapping else None, "cluster": str(cluster.resolve()) if cluster else None,
        "artifact_key": artifact_key,
    }
    try:  # limit 1: a second scheduled run waits while one runs (prefect.yaml's concurrency_limit too)
        flow_.serve(name=name, schedule=schedule, parameters=parameters, limit=1)
    except RuntimeError as e:  # Prefect's own refusal of a temporary server, if it got this far
        err.print(f"[red]error:[/red] {escape(str(e))}. {SERVER_NEEDED}")
        raise typer.Exit(2) from None


@app.command()
def demo(db: DbOption = None, out_path: OutOption = None) -> None:
    """Build a database from the shipped example data and write a report (a Prefect flow)."""
    from flows.cli.costs import load_demo_costs  # noqa: PLC0415  (the library loads only when used)
    from wattledger.resources import resource_dir  # noqa: PLC0415

    examples = resource_dir("examples")
    load_demo_costs(db_path(db), examples)  # the illustrative cost ledger and budgets (examples/costs/)
    _run_flow(
        [str(examples / "public_runs.csv"), str(examples / "cluster_logs"), str(examples / "slurm"),
         str(examples / "codecarbon"), str(examples / "grid_hourly"), str(examples / "telemetry"),
         str(examples / "mappings")],  # read through vision_k8s.mapping.yaml, beside it
        db_path(db), None, out_path or Path("reports") / "wattledger-demo.md", examples / "datacenters.yaml",
    )


