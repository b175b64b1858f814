"""The what-if section: CO2e that flexible timing or placement would have saved, by team.

Numbers come from the named query ``whatif_by_team`` (sql/queries/report/) over the view
``run_whatif``; this module only formats them (docs/whatif.md gives the method).
"""

from __future__ import annotations

import polars as pl

from wattledger.report import markdown as md

ASSUMPTIONS = (
    "Assumptions: each run keeps its energy and its power profile (drawn evenly over its duration), "
    "its duration, GPUs and PUE; no queueing (the other hours or datacenter were free, and waiting "
    "costs nothing); location-based CO2e only; a start is a candidate only when the hourly series "
    "covers all of the shifted run (others are skipped and counted)."
)


def _t(kg: float | None) -> str:
    return md.sig(None if kg is None else kg / 1000.0, 3)


def _share(saved: float | None, total: float | None) -> str:
    if saved is None or not total:
        return "—"
    return f"{md.sig(100.0 * saved / total, 2)} %"


def totals(by_team: pl.DataFrame) -> dict:
    """The section's totals over every team (numbers)."""
    cols = ("runs", "energy_kwh", "energy_kwh_hourly", "runs_timed", "co2e_kg_timed", "co2e_kg_saved_timing", "runs_placed", "co2e_kg_placed",
            "co2e_kg_saved_placement")
    return {c: (by_team[c].sum() if by_team.height else 0) for c in cols}


def whatif_section(by_team: pl.DataFrame, window_hours: int) -> str:
    """Per team: runs compared, their CO2e and what the best start within ±window_hours
    (timing) or the best datacenter of the site file (placement) would have saved."""
    t = totals(by_team)
    if not t["runs"]:
        return "_No what-if rows: run `wattledger compute` (or `wattledger whatif`)._"
    intro = (f"What the same runs would have emitted had they started at the best whole hour within "
             f"±{window_hours} h of their start (**timing**: runs whose grid intensity is an hourly series over all of the "
             f"run) or run at their own time in the datacenter of the site file that emits least (**placement**: runs of a "
             f"site-file datacenter). Timing could have saved **{_t(t['co2e_kg_saved_timing'])} t CO2e** "
             f"({_share(t['co2e_kg_saved_timing'], t['co2e_kg_timed'])} of the {t['runs_timed']:,} runs' "
             f"{_t(t['co2e_kg_timed'])} t); placement **{_t(t['co2e_kg_saved_placement'])} t** "
             f"({_share(t['co2e_kg_saved_placement'], t['co2e_kg_placed'])} of the {t['runs_placed']:,} runs' "
             f"{_t(t['co2e_kg_placed'])} t). The two are alternatives, not to be added. Hourly grid series cover "
             f"{_share(t['energy_kwh_hourly'], t['energy_kwh'])} of these runs' energy (the rest: other bases, see 'Basis of the figures').")
    rows = [[md.text(r["team"]), f"{r['runs_timed']:,}", _t(r["co2e_kg_timed"]), _t(r["co2e_kg_saved_timing"]),
             _share(r["co2e_kg_saved_timing"], r["co2e_kg_timed"]), f"{r['runs_placed']:,}", _t(r["co2e_kg_placed"]),
             _t(r["co2e_kg_saved_placement"]), _share(r["co2e_kg_saved_placement"], r["co2e_kg_placed"])]
            for r in by_team.iter_rows(named=True)]
    table = md.table(["team", "runs timed", "CO2e t", "saved by timing t", "%", "runs placed", "CO2e t",
                      "saved by placement t", "%"], rows, "lrrrrrrrr")
    return "\n\n".join([intro, table, ASSUMPTIONS + " Per run: `wattledger whatif` or the view `run_whatif`."])


def whatif_summary(rows: pl.DataFrame, window_hours: int) -> str:
    """One line over the rows of ``wattledger whatif``: saved by timing and by placement."""
    timed = rows.filter(pl.col("timing_status") == "compared")
    placed = rows.filter(pl.col("best_datacenter").is_not_null())
    now, saved = timed["co2e_kg_now"].sum(), timed["co2e_kg_saved"].sum()
    here, moved = placed["co2e_kg"].sum(), placed["co2e_kg_saved_placement"].sum()
    return (f"{rows.height:,} runs; timing (±{window_hours} h): {timed.height:,} compared, {_t(saved)} t CO2e of "
            f"{_t(now)} t could have been saved ({_share(saved, now)}); placement: {placed.height:,} compared, "
            f"{_t(moved)} t of {_t(here)} t ({_share(moved, here)}). Assumes the same power profile and no queueing.")
