"""``wattledger whatif``: prints the what-if rows, computes other windows on demand, refuses bad input."""

from __future__ import annotations

from typer.testing import CliRunner

from conftest import HEADER
from flows.cli import app
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

runner = CliRunner()

RUNS = [
    "de-noon,vision,p,2024-06-03T10:00:00Z,2024-06-03T14:00:00Z,H100-SXM,8,600,1.2,DE",
    "gb-night,speech,p,2024-07-01T00:00:00Z,2024-07-01T03:00:00Z,H100-SXM,8,600,1.2,GB",
    "fr-day,speech,p,2024-06-03T10:00:00Z,2024-06-03T14:00:00Z,H100-SXM,8,600,1.2,FR",
]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def database(tmp_path):
    db = tmp_path / "w.duckdb"
    runs = tmp_path / "runs.csv"
    runs.write_text(HEADER + "\n" + "\n".join(RUNS) + "\n", encoding="utf-8")
    con = connect(db)
    ingest_paths(con, [runs])
    compute_footprints(con)
    con.close()
    return db


def test_whatif_prints_every_run_and_the_savings(tmp_path):
    db = database(tmp_path)
    result = invoke("whatif", "--db", db)
    assert result.exit_code == 0, result.output
    for run_id in ("de-noon", "gb-night", "fr-day"):
        assert run_id in result.output
    text = " ".join(result.output.split())
    assert "25/25 starts covered" in text and "timing not compared: no hourly series for its region" in text
    assert "3 runs; timing (±12 h): 2 compared" in " ".join(result.output.split())


def test_one_run_another_window_and_a_period(tmp_path):
    db = database(tmp_path)
    result = invoke("whatif", "--db", db, "--run", "de-noon", "--window-hours", "3")
    assert result.exit_code == 0, result.output
    assert "computed the what-if of 3 runs (window ±3 h)" in " ".join(result.output.split())
    assert "7/7 starts covered" in result.output and "gb-night" not in result.output
    june = invoke("whatif", "--db", db, "--period", "2024-06")
    assert june.exit_code == 0 and "de-noon" in june.output and "gb-night" not in june.output


def test_bad_input_is_one_error_line(tmp_path):
    db = database(tmp_path)
    bad = invoke("whatif", "--db", db, "--period", "June")
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    missing = invoke("whatif", "--db", db, "--run", "nope")
    assert missing.exit_code == 1 and "'nope' has no footprint" in missing.output
    wide = invoke("whatif", "--db", db, "--window-hours", "1000")
    assert wide.exit_code == 2
