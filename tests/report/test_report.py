"""The markdown report: totals match the view, hostile text cannot break it, periods filter."""

import re
from datetime import datetime, timezone

import pytest

from conftest import EXAMPLES, HEADER
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report import markdown as md
from wattledger.report import scope_for, write_period_report

FIXED = datetime(2026, 11, 1, tzinfo=timezone.utc)


@pytest.fixture
def demo_con(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    compute_footprints(con)
    return con


def _cells(line):
    # split a table row on unescaped pipes
    return re.split(r"(?<!\\)\|", line.strip())[1:-1]


def test_report_totals_match_the_view(demo_con, tmp_path):
    text = write_period_report(demo_con, tmp_path / "r.md", period="2024-10", generated_at=FIXED).read_text()
    scope = "from run_footprints where started_at >= '2024-10-01' and started_at < '2024-11-01'"
    mwh, t = demo_con.sql(f"select sum(energy_mwh), sum(co2e_t) {scope}").fetchall()[0]
    costs = demo_con.sql(f"select currency, sum(energy_cost) {scope} group by all").fetchall()
    assert {c for c, _ in costs} == {"USD", "EUR"}  # US and European sites
    totals = text.split("## Totals")[1].split("##")[0]
    assert f"| {md.sig(mwh, 4)} MWh |" in totals  # units scaled to the figures: tens of MWh, tens of t
    assert f"| {md.sig(t, 4)} t |" in totals
    for currency, cost in costs:
        assert f"{cost:,.0f} {currency}" in totals
    for heading in ("## By team", "## By project", "## Top 10 runs by CO2e", "## Basis of the figures",
                    "## Data quality", "## Methodology", "10,791", "4,600", "EIA", "EPA"):
        assert heading in text
    assert "wrong number of fields" in text  # the demo's deliberate bad records are reported


def test_all_runs_report_includes_undated_published_runs(demo_con, tmp_path):
    text = write_period_report(demo_con, tmp_path / "r.md", generated_at=FIXED).read_text()
    runs = demo_con.sql("select count(*) from run_footprints").fetchall()[0][0]
    assert f"| Runs | {runs:,} |" in text
    top = text.split("## Top 10 runs by CO2e")[1].split("##")[0]
    assert "| patterson2021-gpt3 |" in top and "| llama2-70b |" in top


def test_hostile_names_cannot_change_the_structure(con, write, tmp_path):
    evil_team = "a|b</td><script>x</script>"
    evil_name = "**bold** [link](http://evil) `code` _u_"
    rows = (f'x1,"{evil_team}","p\nq",2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n'
            f'x2,"# heading","{evil_name}",2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n')
    ingest_paths(con, [write("evil.csv", HEADER + "\n" + rows)])
    compute_footprints(con)
    text = write_period_report(con, tmp_path / "r.md", period="2024-10", generated_at=FIXED).read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
    for section in text.split("\n\n"):
        lines = section.splitlines()
        if lines and lines[0].startswith("| "):
            widths = {len(_cells(line)) for line in lines}
            assert len(widths) == 1, section  # every row has the header's column count
    assert not any(line.startswith("# heading") for line in text.splitlines())


def test_period_must_be_a_month():
    assert scope_for("2024-12").end == datetime(2025, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ValueError, match="YYYY-MM"):
        scope_for("2024-13")
    with pytest.raises(ValueError):
        scope_for("October")


def test_empty_period(demo_con, tmp_path):
    text = write_period_report(demo_con, tmp_path / "r.md", period="2020-01", generated_at=FIXED).read_text()
    assert "No run with a computed footprint started in January 2020" in text


def test_charts_are_written_beside_the_report_and_linked(demo_con, tmp_path):
    out = write_period_report(demo_con, tmp_path / "oct.md", period="2024-10", generated_at=FIXED)
    text = out.read_text()
    for name in ("oct-by-month.png", "oct-co2e-by-region.png", "oct-intensity-by-region.png"):
        png = tmp_path / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000
        assert f"]({name})" in text
    for heading in ("## By GPU model", "## By grid region", "## Executive summary", "| Key figure |"):
        assert heading in text
    assert "| US\\-TEX\\-ERCO |" in text or "| US-TEX-ERCO |" in text


def test_month_over_month_change(con, write, tmp_path):
    from conftest import HEADER

    rows = ("a,t,p,2024-09-10T00:00:00Z,2024-09-10T10:00:00Z,H100-SXM,8,500,1.2,FR\n"
            "b,t,p,2024-10-10T00:00:00Z,2024-10-10T15:00:00Z,H100-SXM,8,500,1.2,FR\n")
    ingest_paths(con, [write("runs.csv", HEADER + "\n" + rows)])
    compute_footprints(con)
    text = write_period_report(con, tmp_path / "r.md", period="2024-10", generated_at=FIXED).read_text()
    section = text.split("## Executive summary")[1].split("##")[0]
    assert "| Key figure | This period | September 2024 | Change | Note |" in section
    assert "| Energy (facility, after PUE) | 72.0 kWh | 48.0 kWh | +50% |" in section  # kWh: scaled to the figure


def test_the_methodology_quotes_the_method_constants_not_retyped_figures(monkeypatch):
    """The methodology text is rendered from wattledger/method.py: change a constant, the text follows."""
    import polars as pl

    from wattledger.report import methodology as m

    empty_factors = pl.DataFrame(schema={"factor": pl.String, "basis": pl.String, "source": pl.String, "year": pl.Int64,
                                         "runs": pl.Int64})
    empty_constants = pl.DataFrame(schema={"name": pl.String, "value": pl.Float64, "unit": pl.String, "source": pl.String,
                                           "vintage_year": pl.Int64, "is_override": pl.Boolean, "description": pl.String,
                                           "url": pl.String})
    text = " ".join(m.methodology(empty_factors, empty_constants).split())
    assert f"±{m.LOGGED_POWER_REL_UNCERTAINTY:.0%}" in text and f"source's {m.EARLIER_YEAR_SPAN} published years" in text
    monkeypatch.setattr(m, "EARLIER_YEAR_SPAN", 7)
    monkeypatch.setattr(m, "MIN_TELEMETRY_COVERAGE", 0.8)
    text = " ".join(m.methodology(empty_factors, empty_constants).split())
    assert "source's 7 published years" in text and "within 7 years of the run" in text and "at least 80% of the run's GPU-time" in text
