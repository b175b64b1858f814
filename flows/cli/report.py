"""``report`` and ``export``: documents and files written from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.common import DbOption, OutOption, PeriodOption, app, database_command, db_path, err, open_db
from wattledger.compute import current_factor_set
from wattledger.pipeline import default_report_path
from wattledger.report import write_period_report
from wattledger.report.export import RunNotFound, export_footprints, model_card_block, run_card, write_text_output


RunOption = Annotated[str | None, typer.Option("--run", help="One run's id")]


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:100]


@app.command()
@database_command
def report(db: DbOption = None, period: PeriodOption = None, out_path: OutOption = None, run_id: RunOption = None) -> None:
    """Write the markdown report (totals, teams, projects, top runs, basis, methodology),
    or with --run a footprint card of one run."""
    target = out_path or (Path("reports") / f"run-{_safe_name(run_id)}.md" if run_id else default_report_path(period))
    con = open_db(db, read_only=True)  # before anything is written: a mistyped --db fails here
    try:
        if run_id:
            path = write_text_output(con, target, run_card(con, run_id))
        else:
            # the current factor set: footprints under another one are counted as stale in the summary
            path = write_period_report(con, target, period=period, db_label=db_path(db).name,
                                       factor_set=current_factor_set(con))
    except (ValueError, RunNotFound) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)  # one line, however long the path
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"report written to {path}")


@app.command()
@database_command
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet, or model-card (with --run)")] = "csv",
    db: DbOption = None,
    period: PeriodOption = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Output file (csv/parquet; model-card: printed if omitted) [default: reports/run_footprints.<fmt>]")] = None,
    run_id: RunOption = None,
    training_type: Annotated[str | None, typer.Option(help="model-card: pre-training, fine-tuning, ...")] = None,
) -> None:
    """Write run_footprints to CSV or Parquet, or print a run's model-card co2_eq_emissions block."""
    con = open_db(db, read_only=True)  # before anything is written: a mistyped --db fails here
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


