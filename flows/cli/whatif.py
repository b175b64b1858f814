"""``whatif``: what the runs would have emitted started at a better hour, or in another datacenter."""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli.common import DbOption, PeriodOption, app, database_command, fail, open_db, out
from wattledger.method import WHATIF_WINDOW_HOURS

#: Rows printed without --run (the most CO2e saved first); `wattledger sql` reads them all.
SHOWN = 20


def _num(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def _line(r: dict) -> str:
    """One run: its CO2e now, at the best start, and in the best datacenter. [kg]"""
    if r["timing_status"] == "compared":
        timing = (f"{_num(r['co2e_kg_now'])} kg now, {_num(r['co2e_kg_best'])} kg from {str(r['best_started_at'])[:16]} "
                  f"({r['best_shift_h']:+d} h, {r['candidates_covered']}/{r['candidates']} starts covered): "
                  f"saves {_num(r['co2e_kg_saved'])} kg")
    else:
        timing = f"{_num(r['co2e_kg'])} kg; timing not compared: {r['timing_status']}"
    place = ""
    if r["best_datacenter"] is not None:
        place = (f"; in {r['best_datacenter']}: {_num(r['co2e_kg_best_datacenter'])} kg "
                 f"(saves {_num(r['co2e_kg_saved_placement'])} kg)")
    return f"{r['run_id']} [{r['team'] or '-'}, {r['intensity_region'] or '-'}]: {timing}{place}"


@app.command()
@database_command
def whatif(
    run: Annotated[str | None, typer.Option("--run", help="One run's id")] = None,
    window_hours: Annotated[int, typer.Option("--window-hours", min=0, max=336,
                                              help=f"Whole-hour shifts tried either side of each start (default {WHATIF_WINDOW_HOURS})",
                                              show_default=False)] = WHATIF_WINDOW_HOURS,
    period: PeriodOption = None,
    db: DbOption = None,
) -> None:
    """CO2e each run would have emitted started at the best whole hour within ±N hours (the
    hourly series of its grid), or in the best datacenter of the site file at its own time.
    Assumes the same power profile and no queueing (docs/whatif.md)."""
    from wattledger.compute.whatif import ensure_whatif  # noqa: PLC0415  (the library loads only when used)
    from wattledger.report.period import scope_for  # noqa: PLC0415
    from wattledger.report.whatif import whatif_summary  # noqa: PLC0415
    from wattledger.store.whatif import whatif_rows  # noqa: PLC0415
    try:
        scope = scope_for(period)
    except ValueError as e:
        raise fail(str(e), 2) from None
    con = open_db(db)
    try:
        done = ensure_whatif(con, window_hours)
        rows = whatif_rows(con, window_hours, run_id=run, period_start=scope.start, period_end=scope.end)
    finally:
        con.close()
    if run is not None and rows.height == 0:
        raise fail(f"run {run!r} has no footprint (run `wattledger compute` first, or check the id)", 1)
    if done is not None:
        out.print(f"computed the what-if of {done.runs:,} runs (window ±{window_hours} h): {done.timed:,} compared at other "
                  f"starts ({done.candidates_skipped:,} candidate starts skipped, not fully covered by an hourly series), "
                  f"{done.placed:,} placed in the site file's datacenters")
    for r in rows.head(len(rows) if run else SHOWN).iter_rows(named=True):
        out.print(_line(r), soft_wrap=True, highlight=False, markup=False)
    if run is None:
        out.print(whatif_summary(rows, window_hours))
