"""The report's what-if section: by team, with the assumptions, its numbers those of run_whatif."""

from __future__ import annotations

from conftest import HEADER
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report.period import write_period_report
from wattledger.report.whatif import whatif_section
from wattledger.store.whatif import whatif_by_team

import polars as pl

RUNS = [
    "de-night,vision,p,2024-06-03T20:00:00Z,2024-06-04T02:00:00Z,H100-SXM,8,600,1.2,DE",
    "gb-night,speech,p,2024-07-01T00:00:00Z,2024-07-01T03:00:00Z,H100-SXM,8,600,1.2,GB",
    "fr-day,speech,p,2024-06-03T10:00:00Z,2024-06-03T14:00:00Z,H100-SXM,8,600,1.2,FR",
]


def test_section_by_team_with_assumptions(con, write, tmp_path):
    ingest_paths(con, [write("runs.csv", HEADER + "\n" + "\n".join(RUNS) + "\n")])
    compute_footprints(con)
    by_team = whatif_by_team(con, 12, None, None)
    saved = con.sql("select team, sum(co2e_kg_saved) from run_whatif where window_hours = 12 group by all").fetchall()
    got = dict(by_team.select("team", "co2e_kg_saved_timing").iter_rows())
    for team, kg in saved:
        assert got[team] == kg
    assert by_team.filter(pl.col("team") == "speech")["runs_timed"].item() == 1  # fr-day: no hourly series
    out = write_period_report(con, tmp_path / "r.md")
    text = out.read_text(encoding="utf-8")
    assert "## What-if: a better hour or another datacenter" in text
    assert "no queueing" in text and "| vision | 1 |" in text
    assert "_No what-if rows" in whatif_section(by_team.clear(), 12)
