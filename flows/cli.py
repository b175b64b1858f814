"""The ``wattledger`` command: a thin face over the library and the Prefect flow.

Each command parses its arguments and calls one library function (or the flow).
"""

from __future__ import annotations

import functools
import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import flows  # noqa: F401  (sets Prefect's offline settings before prefect is imported)
from flows.cli_costs import load_demo_costs, register as register_cost_commands
from flows.explain_text import explanation_lines
from flows.progress import IngestProgress
from wattledger.compute import compute_footprints, current_factor_set, unknown_datacenters_line
from wattledger.factors import FactorError, FactorLibrary, SiteFileError, explain
from wattledger.files import OutputError, check_output
from wattledger.ingest.detect import TELEMETRY_FORMATS
from wattledger.pipeline import default_report_path, ingest_paths, load_site_file, unknown_regions_of_files
from wattledger.report import write_period_report
from wattledger.report.export import RunNotFound, export_footprints, model_card_block, run_card, write_text_output
from wattledger.resources import resource_dir
from wattledger.store import (DATABASE_FAILURES, BadSetting, DatabaseError, DatabaseMissing, MigrationError, connect, datacenters,
                              default_db_path, forget_runs, list_constants, QueryError, read_only_query, reset_constant, resolve_settings, set_constant)

app = typer.Typer(
    help="Energy, CO2e and electricity cost of GPU training runs, from the logs you already have.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(markup=False)  # tables and lines of log text: "[" in a run name is not markup
err = Console(stderr=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file [default: $WATTLEDGER_DB or ./wattledger.duckdb]")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Calendar month YYYY-MM (UTC); all runs if omitted")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Report file [default: reports/wattledger-<period>.md]")]
SitesOption = Annotated[Path | None, typer.Option("--sites", help="Site file (datacenters.yaml) to load before computing")]
MappingOption = Annotated[Path | None, typer.Option("--mapping", help="Mapping file (YAML): read every file through it (docs/formats.md)")]
ClusterOption = Annotated[Path | None, typer.Option("--cluster", help="Cluster file of sacct files [default: cluster.yaml beside each]")]


def _db(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def _error(message: str, code: int) -> typer.Exit:
    """Print one ``error:`` line (never wrapped, the message printed literally); the Exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _open(db: Path | None, *, read_only: bool = False, sandbox: bool = False):
    """The database, or one error line and exit 2 (missing, bad setting) or 3 (locked, bad file,
    read-only file, another program's database): the store says what is wrong."""
    path = _db(db)
    try:
        return connect(path, read_only=read_only, sandbox=sandbox)
    except MigrationError as e:
        raise _error(f"{path}: {e}", 3) from None
    except (DatabaseMissing, BadSetting) as e:
        raise _error(str(e), 2) from None
    except DatabaseError as e:
        raise _error(str(e), 3) from None


def _database_command(command):
    """A command that reads or writes the database: damage DuckDB finds only while reading
    (a corrupt block) ends in one error line naming the file, not a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DATABASE_FAILURES as e:
            raise _error(f"{_db(kwargs.get('db'))}: {' '.join(str(e).split())}", 3) from None
    return wrapper


@app.command()
@_database_command
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Run-log files or folders")],
    db: DbOption = None,
    mapping: MappingOption = None,
    cluster: ClusterOption = None,
    reread: Annotated[bool, typer.Option("--reread", help="Read every file again, even when its content and "
                                         "side files are unchanged (a new version of each)")] = False,
    scraped_at: Annotated[str | None, typer.Option("--scraped-at", help="Time of a DCGM scrape saved without any "
                                                   "time (ISO-8601 with offset) [default: the file's modification time]")] = None,
) -> None:
    """Load run logs (canonical CSV/Parquet/NDJSON, Slurm sacct, CodeCarbon, or any file through
    --mapping) and power telemetry (nvidia-smi, dmon, DCGM); the format of each file is detected.
    Lists every file: loaded (and rejected records), refused (why) or skipped (why).
    Runs no longer in a changed file are kept, flagged absent_since (`wattledger forget` removes runs)."""
    when = _aware_time(scraped_at, "--scraped-at") if scraped_at is not None else None
    con = _open(db)
    try:
        with IngestProgress(err) as progress:
            summary = ingest_paths(con, paths, mapping, cluster=cluster, reread=reread, on_file=progress.update,
                                   scraped_at=when)
        unknown = unknown_regions_of_files(con, [s.source_file_id for s in summary.stored if s.loaded])
    finally:
        con.close()
    table = Table("file", "detected", "loaded", "rejected", "note")
    table.columns[0].overflow = "fold"
    table.columns[1].overflow = "fold"
    for s in summary.stored:
        notes = ["already ingested (same content)"] if s.already_ingested else []
        notes += [f"{s.folded} records folded into their {'sample' if s.format in TELEMETRY_FORMATS else 'run'}"] if s.folded else []
        notes += [f"replaces the earlier version of this file ({s.absent_rows} runs no longer in it: kept, "
                  "flagged absent_since)"] if s.replaced_source_file_id is not None else []
        notes += [f"{s.taken_rows} runs taken from another file they had left"] if s.taken_rows else []
        notes += [f"ignored columns: {', '.join(s.ignored_columns)}"] if s.ignored_columns else []
        table.add_row(s.path, s.detected or s.format, str(s.loaded), str(s.rejected), "; ".join(notes))
    for r in summary.refused:
        table.add_row(r.path, "refused", "-", "-", r.reason)
    for k in summary.skipped:
        table.add_row(str(k.path), "skipped", "-", "-", k.reason)
    out.print(table)
    samples = sum(s.loaded for s in summary.stored if s.format in TELEMETRY_FORMATS)
    out.print(f"{summary.loaded - samples} runs loaded, {summary.rejected} records rejected "
              f"(see: wattledger sql \"select * from rejects\"); {samples} power samples loaded; files: {len(summary.stored)} read, "
              f"{len(summary.refused)} refused, {len(summary.skipped)} skipped")
    for u in unknown:  # once per region value, with the runs affected (issue 16)
        err.print(u.line(), markup=False, highlight=False)
    for r in summary.refused:
        err.print(f"[red]refused:[/red] {escape(str(r))}")
    if summary.refused:
        raise typer.Exit(1)


def _aware_time(text: str, option: str) -> datetime:
    """An ISO-8601 time with its offset (``Z`` or ``+08:00``), or one error line and exit 2."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _error(f"{option} {text!r}: not an ISO-8601 time (e.g. 2026-12-04T18:25:27Z)", 2) from None
    if when.tzinfo is None:
        raise _error(f"{option} {text!r}: give the offset too (e.g. 2026-12-04T18:25:27Z or ...+08:00)", 2)
    return when


@app.command()
@_database_command
def forget(
    reason: Annotated[str, typer.Option("--reason", help="Why the runs are removed (recorded)")],
    run: Annotated[list[str] | None, typer.Option("--run", help="A run_id to remove (repeatable)")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Remove every run read from this file")] = None,
    db: DbOption = None,
) -> None:
    """Remove runs explicitly, with their footprints: named ones (--run) or every run read from a
    file (--file). Each removal is recorded in the table forgotten_runs (what, why, who, when)."""
    if bool(run) == (file is not None) or not reason.strip():
        err.print("[red]error:[/red] give --run ID (repeatable) or --file PATH, and a non-empty --reason")
        raise typer.Exit(2)
    con = _open(db)
    try:
        removed = forget_runs(con, run_ids=run or (), path=str(file.resolve()) if file is not None else None,
                              reason=reason, forgotten_by=_who())
    finally:
        con.close()
    out.print(f"{removed} runs forgotten (see: wattledger sql \"select * from forgotten_runs\")", markup=False)
    if not removed:
        err.print("no stored run matched", markup=False)
        raise typer.Exit(1)


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@app.command()
@_database_command
def compute(db: DbOption = None, all_runs: Annotated[bool, typer.Option("--all", help="Recompute every run")] = False) -> None:
    """Compute footprints for every run that needs one."""
    con = _open(db)
    try:
        result = compute_footprints(con, recompute_all=all_runs)
    finally:
        con.close()
    if result.nothing_to_do:
        out.print(f"footprints up to date: nothing to compute (factor set {result.factor_set})")
    else:
        out.print(f"{result.computed} footprints computed, {result.unchanged} re-checked with unchanged inputs "
                  f"(factor set {result.factor_set}, {result.batches} batch(es))")
    if result.unresolved:
        err.print(f"[yellow]{result.unresolved} runs have no footprint:[/yellow] "
                  "wattledger sql \"select * from unresolved_runs\"")
    if result.unknown_datacenters:
        err.print(unknown_datacenters_line(result.unknown_datacenters), markup=False, highlight=False)


RunOption = Annotated[str | None, typer.Option("--run", help="One run's id")]


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:100]


@app.command()
@_database_command
def report(db: DbOption = None, period: PeriodOption = None, out_path: OutOption = None, run_id: RunOption = None) -> None:
    """Write the markdown report (totals, teams, projects, top runs, basis, methodology),
    or with --run a footprint card of one run."""
    target = out_path or (Path("reports") / f"run-{_safe_name(run_id)}.md" if run_id else default_report_path(period))
    con = _open(db, read_only=True)  # before anything is written: a mistyped --db fails here
    try:
        if run_id:
            path = write_text_output(con, target, run_card(con, run_id))
        else:
            # the current factor set: footprints under another one are counted as stale in the summary
            path = write_period_report(con, target, period=period, db_label=_db(db).name,
                                       factor_set=current_factor_set(con))
    except (ValueError, RunNotFound) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)  # one line, however long the path
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"report written to {path}")


@app.command()
@_database_command
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet, or model-card (with --run)")] = "csv",
    db: DbOption = None,
    period: PeriodOption = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Output file (csv/parquet; model-card: printed if omitted) [default: reports/run_footprints.<fmt>]")] = None,
    run_id: RunOption = None,
    training_type: Annotated[str | None, typer.Option(help="model-card: pre-training, fine-tuning, ...")] = None,
) -> None:
    """Write run_footprints to CSV or Parquet, or print a run's model-card co2_eq_emissions block."""
    con = _open(db, read_only=True)  # before anything is written: a mistyped --db fails here
    try:
        if fmt == "model-card":
            if not run_id:
                err.print("[red]error:[/red] --format model-card needs --run RUN_ID")
                raise typer.Exit(2)
            block = model_card_block(con, run_id, training_type)
            if out_path is None:
                typer.echo(block, nl=False)
            else:
                typer.echo(f"model-card block written to {write_text_output(con, out_path, block)}")
            return
        target = out_path or Path("reports") / f"run_footprints.{fmt}"
        n = export_footprints(con, target, fmt, period)
    except (ValueError, RunNotFound) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)  # one line, however long the path
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"{n} footprints written to {target}")


@app.command()
@_database_command
def sites(path: Annotated[Path, typer.Argument(help="Site file (datacenters.yaml)")], db: DbOption = None) -> None:
    """Validate a site file and make it the database's datacenters (replacing the previous one)."""
    con = _open(db)
    try:
        n = load_site_file(con, path)
    except (SiteFileError, FactorError) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"{n} datacenters loaded from {path}; run `wattledger compute` to apply them")


@app.command()
@_database_command
def factors(
    region: Annotated[str | None, typer.Option(help="Grid region: FR, US-CAL-CISO, eia:ERCO, aws:us-east-1, ...")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the run (latest available if omitted)")] = None,
    datacenter: Annotated[str | None, typer.Option(help="A datacenter of the loaded site file")] = None,
    db: DbOption = None,
) -> None:
    """Show what a region (and year, datacenter) resolves to, and why."""
    sites_frame = None
    if db is not None or datacenter is not None or _db(db).exists():  # no database needed for a region
        con = _open(db, read_only=True)
        try:
            sites_frame = datacenters(con)
        finally:
            con.close()
    r = explain(FactorLibrary(sites=sites_frame), region=region, year=year, datacenter=datacenter)
    for line in explanation_lines(r, region, year):
        typer.echo(line)


@app.command()
@_database_command
def sql(query: Annotated[str, typer.Argument(help="A SQL query, e.g. select * from run_footprints")], db: DbOption = None) -> None:
    """Run a query against the database (read-only, sandboxed: no other database, file, extension
    or network) and print the result as a table."""
    con = _open(db, read_only=True, sandbox=True)
    try:
        result = read_only_query(con, query)
        if result is None:
            return
        columns, rows = result
    except QueryError as e:
        raise _error(" ".join(str(e).split()), 2) from None
    finally:
        con.close()
    table = Table(*columns)
    for column in table.columns:
        column.overflow = "fold"  # wrap long values, never cut them
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


@app.command()
@_database_command
def constants(
    db: DbOption = None,
    set_: Annotated[str | None, typer.Option("--set", help="NAME=VALUE to override a constant")] = None,
    source: Annotated[str | None, typer.Option(help="Source of the override (required with --set)")] = None,
    year: Annotated[int | None, typer.Option(help="Vintage year of the override")] = None,
    reset: Annotated[str | None, typer.Option(help="NAME: return to the cited default")] = None,
) -> None:
    """Show the equivalence constants (household-years, car-years), or override one."""
    con = _open(db, read_only=not (set_ or reset))
    try:
        if set_:
            name, _, value = set_.partition("=")
            if not source:
                err.print("[red]error:[/red] --set needs --source (where the new value comes from)")
                raise typer.Exit(2)
            try:
                set_constant(con, name.strip(), float(value), source, year)
            except (KeyError, ValueError) as e:
                err.print(f"[red]error:[/red] {escape(str(e))}")
                raise typer.Exit(2) from None
        if reset:
            try:
                reset_constant(con, reset)
            except KeyError as e:
                err.print(f"[red]error:[/red] {escape(str(e))}")
                raise typer.Exit(2) from None
        table = Table("name", "value", "unit", "source", "year", "override")
        for c in list_constants(con):
            table.add_row(c["name"], f"{c['value']:,}", c["unit"], c["source"], str(c["vintage_year"] or ""),
                          "yes" if c["is_override"] else "")
        out.print(table)
    finally:
        con.close()


TaskRunnerOption = Annotated[str, typer.Option("--task-runner", help="threads (this machine) or dask (Dask workers)")]
DaskAddressOption = Annotated[str | None, typer.Option("--dask-address", help="An existing Dask scheduler, e.g. tcp://10.0.0.5:8786 [default: a local cluster]")]
WorkersOption = Annotated[int, typer.Option("--workers", min=1, help="Threads, or local Dask worker processes")]


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
              task_runner: str = "threads", dask_address: str | None = None, workers: int = 2) -> None:
    from flows.pipeline import FilesRefused  # noqa: PLC0415  (prefect loads only here)

    try:
        resolve_settings()  # a bad $WATTLEDGER_* value: one line before the flow starts
    except BadSetting as e:
        raise _error(str(e), 2) from None
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
              distributed=task_runner == "dask")
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
) -> None:
    """The whole pipeline (ingest -> compute -> report) as a Prefect flow."""
    _run_flow([str(p) for p in paths], _db(db), period, out_path, sites, mapping, cluster,
              task_runner=task_runner, dask_address=dask_address, workers=workers)


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
    name: Annotated[str, typer.Option("--name", help="Deployment name")] = "wattledger-nightly",
    timezone: Annotated[str, typer.Option("--timezone", help="Time zone of the cron schedule (IANA)")] = "UTC",
    task_runner: TaskRunnerOption = "threads",
    dask_address: DaskAddressOption = None,
    workers: WorkersOption = 2,
) -> None:
    """Serve the pipeline flow on a schedule (needs a running Prefect server). Each run ingests
    only new or changed files and computes only what changed."""
    from prefect.schedules import Cron  # noqa: PLC0415  (prefect loads only here)
    from prefect.settings import PREFECT_API_URL  # noqa: PLC0415

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
        "paths": [str(p.resolve()) for p in paths], "db": str(_db(db).resolve()), "period": None,
        "report_out": str((out_path or default_report_path(None)).resolve()),
        "sites": str(sites.resolve()) if sites else None, "distributed": task_runner == "dask",
    }
    try:
        flow_.serve(name=name, schedule=schedule, parameters=parameters)
    except RuntimeError as e:  # Prefect's own refusal of a temporary server, if it got this far
        err.print(f"[red]error:[/red] {escape(str(e))}. {SERVER_NEEDED}")
        raise typer.Exit(2) from None


@app.command()
def demo(db: DbOption = None, out_path: OutOption = None) -> None:
    """Build a database from the shipped example data and write a report (a Prefect flow)."""
    examples = resource_dir("examples")
    load_demo_costs(_db(db), examples)  # the illustrative cost ledger and budgets (examples/costs/)
    _run_flow(
        [str(examples / "public_runs.csv"), str(examples / "cluster_logs"), str(examples / "slurm"),
         str(examples / "codecarbon"), str(examples / "grid_hourly"), str(examples / "telemetry")],
        _db(db), None, out_path or Path("reports") / "wattledger-demo.md", examples / "datacenters.yaml",
        mapped={str(examples / "mappings" / "vision_k8s_jobs_2024-10.csv"): str(examples / "mappings" / "vision_k8s.yaml")},
    )


register_cost_commands(app)  # costs, budgets, project-costs, equivalents (flows/cli_costs.py)
if __name__ == "__main__":
    app()
