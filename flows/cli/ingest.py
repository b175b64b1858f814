"""``ingest``, ``forget`` and ``compute``: the commands that write runs and footprints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli.common import ClusterOption, DbOption, MappingOption, app, aware_time, database_command, err, open_db, out, who
from flows.cli.progress import IngestProgress
from wattledger.compute import compute_footprints, unknown_datacenters_line
from wattledger.ingest.detect import TELEMETRY_FORMATS
from wattledger.pipeline import ingest_paths, unknown_regions_of_files
from wattledger.store import forget_runs


@app.command()
@database_command
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
    when = aware_time(scraped_at, "--scraped-at") if scraped_at is not None else None
    con = open_db(db)
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


@app.command()
@database_command
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
    con = open_db(db)
    try:
        removed = forget_runs(con, run_ids=run or (), path=str(file.resolve()) if file is not None else None,
                              reason=reason, forgotten_by=who())
    finally:
        con.close()
    out.print(f"{removed} runs forgotten (see: wattledger sql \"select * from forgotten_runs\")", markup=False)
    if not removed:
        err.print("no stored run matched", markup=False)
        raise typer.Exit(1)


@app.command()
@database_command
def compute(db: DbOption = None, all_runs: Annotated[bool, typer.Option("--all", help="Recompute every run")] = False) -> None:
    """Compute footprints for every run that needs one."""
    con = open_db(db)
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


