"""``ingest``, ``forget`` and ``compute``: the commands that write runs and footprints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich import box
from rich.table import Table

from flows.cli.common import (ClusterOption, DbOption, MappingOption, app, aware_time, database_command, db_path, err, fail,
                              open_db, out, who)
from flows.cli.progress import IngestProgress


def _shown(path: object) -> str:
    """A path as the person would type it: relative to the current folder when under it."""
    p = Path(str(path))
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def _print_summary(summary, telemetry_formats) -> None:
    """The files read (a table that fits 80 columns: runs and power samples counted apart),
    their notes, the skipped files grouped by reason, and the totals."""
    table = Table("file", "format", "runs", "samples", "rejected", box=box.SIMPLE_HEAD, pad_edge=False)
    table.columns[0].overflow = "fold"
    table.columns[0].ratio = 1  # the file name takes the room the short columns leave
    table.columns[1].overflow = "fold"
    table.columns[1].max_width = 14
    for c in table.columns[2:]:
        c.justify = "right"
        c.no_wrap = True
    notes: list[str] = []
    for s in summary.stored:
        telemetry = s.format in telemetry_formats
        table.add_row(_shown(s.path), s.format, "-" if telemetry else f"{s.loaded:,}",
                      f"{s.loaded:,}" if telemetry else "-", f"{s.rejected:,}")
        said = ["already ingested (same content)"] if s.already_ingested else []
        said += [f"{s.folded} records folded into their {'sample' if telemetry else 'run'}"] if s.folded else []
        said += [f"replaces the earlier version of this file ({s.absent_rows} runs no longer in it: kept, "
                 "flagged absent_since)"] if s.replaced_source_file_id is not None else []
        said += [f"{s.taken_rows} runs taken from another file they had left"] if s.taken_rows else []
        said += [f"ignored columns: {', '.join(s.ignored_columns)}"] if s.ignored_columns else []
        notes += [f"note: {_shown(s.path)}: {'; '.join(said)}"] if said else []
    for r in summary.refused:
        table.add_row(_shown(r.path), "refused", "-", "-", "-")
    out.print(table)
    for n in notes:
        out.print(n, soft_wrap=True)
    by_reason: dict[str, list[str]] = {}
    for k in summary.skipped:
        by_reason.setdefault(k.reason, []).append(_shown(k.path))
    for reason, paths in by_reason.items():
        out.print(f"skipped {len(paths)} file{'s' * (len(paths) != 1)} ({reason}): {', '.join(paths)}", soft_wrap=True)
    samples = sum(s.loaded for s in summary.stored if s.format in telemetry_formats)
    runs = summary.loaded - samples
    out.print(f"{runs} runs loaded, {summary.rejected} records rejected (wattledger sql \"select * from rejects\"); "
              f"{samples} power samples loaded; files: {len(summary.stored)} read, {len(summary.refused)} refused, "
              f"{len(summary.skipped)} skipped", soft_wrap=True)


def _remove_new_database(path: Path) -> None:
    """A database this command created and stored nothing in: removed, with its WAL, so a failed
    first ingest leaves no empty file behind."""
    for p in (path, Path(f"{path}.wal")):
        p.unlink(missing_ok=True)


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
                                                   "time (ISO-8601 with offset)",
                                                   show_default="the file's modification time")] = None,
) -> None:
    """Load run logs (canonical CSV/Parquet/NDJSON, Slurm sacct, CodeCarbon, or any file through
    --mapping) and power telemetry (nvidia-smi, dmon, DCGM); the format of each file is detected.
    Lists every file: loaded (and rejected records), refused (why) or skipped (why).
    Runs no longer in a changed file are kept, flagged absent_since (`wattledger forget` removes runs)."""
    when = aware_time(scraped_at, "--scraped-at") if scraped_at is not None else None
    from wattledger.ingest.detect import TELEMETRY_FORMATS  # noqa: PLC0415  (the library loads only when used)
    from wattledger.pipeline import ingest_paths, unknown_regions_of_files  # noqa: PLC0415

    missing = [p for p in paths if not p.exists()]
    if missing:
        raise fail(f"{', '.join(map(str, missing))}: no such file or folder", 2)
    path = db_path(db)
    new_database = not path.exists()
    con = open_db(db)
    summary = None
    try:
        with IngestProgress(err) as progress:
            summary = ingest_paths(con, paths, mapping, cluster=cluster, reread=reread, on_file=progress.update,
                                   scraped_at=when)
        unknown = unknown_regions_of_files(con, [s.source_file_id for s in summary.stored if s.loaded])
    finally:
        con.close()
        if new_database and (summary is None or not summary.stored):
            _remove_new_database(path)
    _print_summary(summary, TELEMETRY_FORMATS)
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
    from wattledger.store import forget_runs  # noqa: PLC0415

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
    from wattledger.compute import compute_footprints, unknown_datacenters_line  # noqa: PLC0415

    if not db_path(db).exists():  # computing creates nothing: a mistyped --db is said, not made
        raise fail(f"{db_path(db)}: no such database; create one with `wattledger ingest FILES --db {db_path(db)}`", 2)
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


