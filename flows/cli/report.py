"""``report`` and ``export``: documents and files written from the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import DbOption, PeriodOption, app, database_command, db_path, fail, open_db

RunOption = Annotated[str | None, typer.Option("--run", help="One run's id")]
REPORT_FORMATS = ("md", "html")


def _safe_name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:100]


@app.command()
@database_command
def report(
    db: DbOption = None,
    period: PeriodOption = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Report file",
                                                  show_default="reports/wattledger-<period>.<md|html>")] = None,
    run_id: RunOption = None,
    fmt: Annotated[str, typer.Option("--format", help="md (markdown, charts as PNG files beside it) or html "
                                     "(one self-contained file: charts inline, printable)")] = "md",
) -> None:
    """Write the period report (summary, totals, teams, projects, top runs, basis, methodology),
    or with --run a footprint card of one run."""
    if fmt not in REPORT_FORMATS:
        raise fail(f"--format {fmt!r}: one of {', '.join(REPORT_FORMATS)}", 2)
    from wattledger.compute import current_factor_set  # noqa: PLC0415  (the library loads only when used)
    from wattledger.files import OutputError  # noqa: PLC0415
    from wattledger.pipeline import default_report_path  # noqa: PLC0415
    from wattledger.report import write_period_report  # noqa: PLC0415
    from wattledger.report.export import RunNotFound, run_card, write_text_output  # noqa: PLC0415

    target = out_path or (Path("reports") / f"run-{_safe_name(run_id)}.md" if run_id
                          else default_report_path(period).with_suffix(f".{fmt}"))
    con = open_db(db, read_only=True)  # before anything is written: a mistyped --db fails here
    try:
        if run_id:
            path = write_text_output(con, target, run_card(con, run_id))
        else:
            # the current factor set: footprints under another one are counted as stale in the summary
            path = write_period_report(con, target, period=period, db_label=db_path(db).name,
                                       factor_set=current_factor_set(con), fmt=fmt)
    except (ValueError, RunNotFound, OutputError) as e:
        raise fail(str(e), 2) from None  # one line, however long the path
    finally:
        con.close()
    typer.echo(f"report written to {path}")


@app.command()
@database_command
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, parquet, or model-card (with --run)")] = "csv",
    db: DbOption = None,
    period: PeriodOption = None,
    out_path: Annotated[Path | None, typer.Option("--out", help="Output file",
                                                  show_default="reports/run_footprints.<fmt>; model-card: printed")] = None,
    run_id: RunOption = None,
    training_type: Annotated[str | None, typer.Option(help="model-card: pre-training, fine-tuning, ...")] = None,
) -> None:
    """Write run_footprints to CSV or Parquet, or a run's model-card co2_eq_emissions block."""
    from wattledger.files import OutputError  # noqa: PLC0415  (the library loads only when used)
    from wattledger.report.export import RunNotFound, export_footprints, model_card_block, write_text_output  # noqa: PLC0415

    con = open_db(db, read_only=True)  # before anything is written: a mistyped --db fails here
    try:
        if fmt == "model-card":
            if not run_id:
                raise fail("--format model-card needs --run RUN_ID", 2)
            block = model_card_block(con, run_id, training_type)
            if out_path is None:
                typer.echo(block, nl=False)
            else:
                typer.echo(f"model-card block written to {write_text_output(con, out_path, block)}")
            return
        target = out_path or Path("reports") / f"run_footprints.{fmt}"
        n = export_footprints(con, target, fmt, period)
    except (ValueError, RunNotFound, OutputError) as e:
        raise fail(str(e), 2) from None  # one line, however long the path
    finally:
        con.close()
    typer.echo(f"{n} footprints written to {target}")
