"""The command line, end to end: the README's demo, and each command on a real database file."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES, HEADER
from flows.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.slow
def test_demo_builds_database_and_report(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    db, report = tmp_path / "wattledger.duckdb", tmp_path / "reports" / "wattledger-demo.md"
    assert str(db) in result.output and str(report) in result.output
    text = report.read_text()
    # 489 example runs + DeepSeek-V3 (a published training cost, examples/public_runs.csv)
    assert "# GPU training footprint — all runs" in text and "| Runs | 490 |" in text
    for fmt in ("| canonical |", "| sacct |", "| codecarbon |", "| mapping:vision-k8s |"):  # every format
        assert fmt in text.split("## By source format")[1].split("##")[0]
    assert "| TIMEOUT |" in text.split("## Waste")[1].split("##")[0]
    assert "| measured |" in text and "| hourly |" in text  # telemetry and hourly grids in the demo
    cost = text.split("## Cost: compute and electricity")[1].split("\n## ")[0]
    for basis in ("| explicit |", "| amortised |", "| cloud\\_list |", "| unpriced |"):  # owned, cloud and explicit runs
        assert basis in cost
    assert "of the total cost" in cost and "kgCO2e per 1,000 USD" in cost and "### Cost by team" in cost
    q = invoke("sql", "select count(*) as n, round(sum(energy_mwh), 3) as mwh from run_footprints")
    assert "490" in q.output
    again = invoke("demo")  # idempotent: the same files add nothing
    assert again.exit_code == 0
    assert "490" in invoke("sql", "select count(*) from runs").output


def test_ingest_compute_sql_report(tmp_path):
    db = tmp_path / "w.duckdb"
    out = invoke("ingest", EXAMPLES / "cluster_logs", "--db", db)
    assert out.exit_code == 0 and "379 runs loaded, 10 records rejected" in out.output
    assert "[3/3] team_runs_2024-10.csv: 287 loaded, 9 rejected; 379 runs so far" in out.output  # progress
    assert "379 footprints computed" in invoke("compute", "--db", db).output
    q = invoke("sql", "select run_id, energy_mwh, co2e_t, energy_cost, household_years, car_years "
                      "from run_footprints where run_id = 'oct24-0001'", "--db", db)
    assert q.exit_code == 0 and "oct24-0001" in q.output
    r = invoke("report", "--period", "2024-10", "--out", tmp_path / "oct.md", "--db", db)
    assert r.exit_code == 0 and (tmp_path / "oct.md").read_text().startswith("# GPU training footprint — October 2024")


def test_errors_are_clear_and_exit_nonzero(tmp_path, write):
    db = tmp_path / "w.duckdb"
    bad = write("bad.csv", "team,gpu_count\nx,1\n")
    r = invoke("ingest", bad, "--db", db)
    assert r.exit_code == 1 and "bad.csv" in r.output and "run_id" in r.output
    assert invoke("sql", "select 1", "--db", tmp_path / "none.duckdb").exit_code == 2
    assert invoke("sql", "select * from no_such_table", "--db", db).exit_code == 2
    assert invoke("report", "--period", "10-2024", "--db", db).exit_code == 2


def test_sql_is_read_only(tmp_path):
    db = tmp_path / "w.duckdb"
    invoke("ingest", EXAMPLES / "public_runs.csv", "--db", db)
    r = invoke("sql", "delete from runs", "--db", db)
    assert r.exit_code == 2
    assert "9" in invoke("sql", "select count(*) from runs", "--db", db).output  # the 9 published runs, untouched


def test_constants_override(tmp_path):
    db = tmp_path / "w.duckdb"
    r = invoke("constants", "--db", db, "--set", "us_household_kwh_per_year=10500", "--source", "EIA 2023", "--year", "2023")
    assert r.exit_code == 0 and "10,500" in r.output
    assert invoke("constants", "--db", db, "--set", "us_household_kwh_per_year=1").exit_code == 2  # no source


@pytest.mark.parametrize("value", ["inf", "nan", "1e-320", "10.8"])
def test_constants_set_refuses_values_outside_the_range(tmp_path, value):
    """Issue 15: --set accepted inf and 1e-320 (then the report crashed with OverflowError)."""
    db = tmp_path / "w.duckdb"
    r = invoke("constants", "--db", db, "--set", f"us_household_kwh_per_year={value}", "--source", "x")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "must be a finite number from 100 to 100,000 kWh/household-year" in " ".join(r.output.split())
    assert "10,791" in invoke("constants", "--db", db).output  # the cited default still applies


def test_compute_names_datacenters_the_site_file_does_not_have(tmp_path):
    """Issue 15: a run naming an unknown datacenter got the world default silently."""
    db = tmp_path / "w.duckdb"
    runs = tmp_path / "runs.csv"
    runs.write_text("run_id,started_at,ended_at,gpu_count,avg_power_w,datacenter\n"
                    "a,2024-10-01T00:00:00Z,2024-10-01T10:00:00Z,8,300,PAR-DC\n"
                    "b,2024-10-01T00:00:00Z,2024-10-01T10:00:00Z,8,300,par-dc2\n"
                    "c,2024-10-02T00:00:00Z,2024-10-02T10:00:00Z,8,300,par-dc2\n"
                    "d,2024-10-02T00:00:00Z,2024-10-02T10:00:00Z,8,300,[red]x\n")
    assert invoke("ingest", runs, "--db", db).exit_code == 0
    assert invoke("sites", EXAMPLES / "datacenters.yaml", "--db", db).exit_code == 0
    r = invoke("compute", "--db", db)
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert ("3 runs name a datacenter that is not in the site file (their factors come from the region, else the "
            "defaults): 'par-dc2' (2 runs), '[red]x' (1 run)") in text
    assert "PAR-DC" not in text  # matched to par-dc, ignoring case


def test_console_script_is_installed():
    exe = shutil.which("wattledger", path=str(Path(sys.executable).parent))
    assert exe, "the wattledger console script is not installed next to this Python"
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for command in ("demo", "ingest", "compute", "report", "run", "sql", "constants"):
        assert command in out.stdout


@pytest.fixture
def cli_db(tmp_path):
    """A database file with the 9 published runs, ingested from a copy in tmp_path/in/."""
    (tmp_path / "in").mkdir()
    source = Path(shutil.copy(EXAMPLES / "public_runs.csv", tmp_path / "in" / "public_runs.csv"))
    db = tmp_path / "w.duckdb"
    assert invoke("ingest", source, "--db", db).exit_code == 0
    assert invoke("compute", "--db", db).exit_code == 0
    return db, source


OUT_COMMANDS = {
    "report": ["report"],
    "report --run": ["report", "--run", "bloom-176b"],
    "export": ["export"],
    "export parquet": ["export", "--format", "parquet"],
    "export model-card": ["export", "--format", "model-card", "--run", "bloom-176b"],
}


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
@pytest.mark.parametrize("which", ["db", "wal", "input", "link to db"])
def test_out_never_names_a_file_of_the_database(cli_db, tmp_path, monkeypatch, command, which):
    db, source = cli_db
    before = source.read_bytes()  # the database's bytes may change: a writable open re-applies its views
    (tmp_path / "link.md").symlink_to(db)
    monkeypatch.chdir(tmp_path)
    out = {"db": "w.duckdb", "wal": "w.duckdb.wal", "input": source, "link to db": "link.md"}[which]
    listing = sorted(p.name for p in tmp_path.iterdir())
    r = invoke(*OUT_COMMANDS[command], "--db", db, "--out", out)
    assert r.exit_code == 2, r.output
    assert [line for line in r.output.splitlines() if line] == [next(l for l in r.output.splitlines() if l.startswith("error: --out "))]
    assert "never overwritten" in r.output and "Traceback" not in r.output
    assert source.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing written
    assert "9" in invoke("sql", "select count(*) from runs", "--db", db).output  # the database opens, runs intact


@pytest.mark.parametrize("command", list(OUT_COMMANDS))
def test_out_as_a_folder_is_a_clear_error(cli_db, tmp_path, command):
    db, _ = cli_db
    folder = tmp_path / "reports"
    folder.mkdir()
    r = invoke(*OUT_COMMANDS[command], "--db", db, "--out", folder)
    assert r.exit_code == 2 and "error:" in r.output and "is a folder" in r.output and "Traceback" not in r.output
    assert list(folder.iterdir()) == [] and not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    (tmp_path / "plain").write_text("x")
    r = invoke(*OUT_COMMANDS[command], "--db", db, "--out", tmp_path / "plain" / "r.md")
    assert r.exit_code == 2 and "is not a folder" in r.output and (tmp_path / "plain").read_text() == "x"


def test_model_card_out_writes_the_block(cli_db, tmp_path):
    db, _ = cli_db
    printed = invoke("export", "--format", "model-card", "--run", "bloom-176b", "--db", db).output
    r = invoke("export", "--format", "model-card", "--run", "bloom-176b", "--db", db, "--out", tmp_path / "card.yaml")
    assert r.exit_code == 0 and (tmp_path / "card.yaml").read_text() == printed


@pytest.mark.parametrize("which", ["db", "input"])
def test_run_out_naming_the_database_or_an_input_is_refused_before_any_work(tmp_path, which):
    source = Path(shutil.copy(EXAMPLES / "public_runs.csv", tmp_path / "public_runs.csv"))
    before = source.read_bytes()
    db = tmp_path / "w.duckdb"
    r = invoke("run", source, "--db", db, "--out", db if which == "db" else source)
    assert r.exit_code == 2 and r.output.startswith("error: --out ") and "never overwritten" in r.output
    assert not db.exists() and source.read_bytes() == before
