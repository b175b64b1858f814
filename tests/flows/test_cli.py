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
    # 489 example runs + DeepSeek-V3 (a published training cost, examples/public_runs.csv) + 6 illustrative
    # stage-tagged runs of examples/costs/ (the full cost's final-training and experiments shares) + 14 runs
    # without a discrete GPU (10 Slurm CPU jobs, 4 CodeCarbon machine runs: energy beyond GPUs, issue 17)
    assert "# GPU training footprint — all runs" in text and "| Runs | 510 |" in text
    full = text.split("## Full cost by project")[1].split("\n## ")[0]
    assert "| chat-7b | USD |" in full and "ILLUSTRATIVE" in full and "-full-cost.png)" in full
    assert "**OVER BUDGET**" in text.split("## Budgets")[1].split("\n## ")[0]
    for fmt in ("| canonical |", "| sacct |", "| codecarbon |", "| mapping:vision-k8s |"):  # every format
        assert fmt in text.split("## By source format")[1].split("##")[0]
    assert "| TIMEOUT |" in text.split("## Waste")[1].split("##")[0]
    assert "| measured |" in text and "| hourly |" in text  # telemetry and hourly grids in the demo
    cost = text.split("## Cost: compute and electricity")[1].split("\n## ")[0]
    for basis in ("| explicit |", "| amortised |", "| cloud\\_list |", "| unpriced |"):  # owned, cloud and explicit runs
        assert basis in cost
    assert "of the total cost" in cost and "kgCO2e per 1,000 USD" in cost and "### Cost by team" in cost
    q = invoke("sql", "select count(*) as n, round(sum(energy_mwh), 3) as mwh from run_footprints")
    assert "510" in q.output
    again = invoke("demo")  # idempotent: the same files add nothing
    assert again.exit_code == 0
    assert "510" in invoke("sql", "select count(*) from runs").output
    assert "11" in invoke("sql", "select count(*) from cost_lines").output  # loaded once


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


@pytest.mark.slow  # many commands x many paths: over 10 s together
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

# --- bad databases, the sql sandbox, bad settings: one error line, never a traceback ----------

def _one_error_line(result, *names):
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for name in names:
        assert str(name) in lines[0], result.output


READ_COMMANDS = {
    "report": lambda out: ["report", "--out", out / "r.md"],
    "report --run": lambda out: ["report", "--run", "x", "--out", out / "card.md"],
    "export": lambda out: ["export", "--out", out / "f.csv"],
    "export model-card": lambda out: ["export", "--run", "x", "--format", "model-card"],
    "sql": lambda out: ["sql", "select 1"],
    "factors --datacenter": lambda out: ["factors", "--datacenter", "dc1"],
    "constants": lambda out: ["constants"],
}


@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
def test_a_read_command_on_a_mistyped_db_creates_nothing_and_writes_nothing(tmp_path, command):
    db = tmp_path / "typo" / "w.duckdb"
    result = invoke(*READ_COMMANDS[command](tmp_path), "--db", db)
    _one_error_line(result, db, "no such database")
    assert list(tmp_path.iterdir()) == []  # no database, no folder, no report


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    db = tmp_path_factory.mktemp("ledger") / "w.duckdb"
    assert invoke("ingest", EXAMPLES / "public_runs.csv", "--db", db).exit_code == 0
    assert invoke("compute", "--db", db).exit_code == 0
    return db


def _bytes(path):
    return path.read_bytes() if path.is_file() else None


@pytest.mark.parametrize("command", sorted(READ_COMMANDS))
def test_a_read_command_works_on_a_read_only_file_and_changes_nothing(ledger, tmp_path, command):
    db = tmp_path / "archived.duckdb"
    db.write_bytes(ledger.read_bytes())
    db.chmod(0o444)
    try:
        result = invoke(*READ_COMMANDS[command](tmp_path), "--db", db)
        assert "Traceback" not in result.output
        assert result.exit_code in (0, 2), result.output  # 2: run x / datacenter dc1 do not exist
        assert _bytes(db) == ledger.read_bytes()  # constants.updated_at not restamped either
        assert sorted(p.name for p in tmp_path.iterdir() if p.suffix in (".duckdb", ".wal")) == ["archived.duckdb"]
    finally:
        db.chmod(0o644)


def test_a_write_command_on_a_read_only_file_is_a_clear_error(ledger, tmp_path):
    db = tmp_path / "archived.duckdb"
    db.write_bytes(ledger.read_bytes())
    db.chmod(0o444)
    try:
        for args in (["compute"], ["ingest", EXAMPLES / "public_runs.csv"],
                     ["constants", "--reset", "us_household_kwh_per_year"]):
            _one_error_line(invoke(*args, "--db", db), db, "read-only")
        assert _bytes(db) == ledger.read_bytes()
    finally:
        db.chmod(0o644)


BAD_FILES = {
    "truncated": lambda good: good[:5000],
    "bit-flipped": lambda good: good[:4200] + bytes([good[4200] ^ 0xFF]) + good[4201:],
    "text": lambda good: b"run_id,gpu_count\nr1,8\n" * 40,
    "empty": lambda good: b"",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES) + ["sqlite", "directory", "foreign"])
@pytest.mark.parametrize("command", ["report", "sql", "constants", "compute", "ingest"])
def test_a_bad_database_file_is_one_error_line(ledger, tmp_path, kind, command):
    import sqlite3

    import duckdb

    db = tmp_path / "bad.duckdb"
    if kind == "sqlite":
        sqlite3.connect(db).execute("create table t (x)").connection.commit()
    elif kind == "directory":
        db.mkdir()
    elif kind == "foreign":
        c = duckdb.connect(str(db))
        c.execute("create table orders (id integer)")
        c.close()
    else:
        db.write_bytes(BAD_FILES[kind](ledger.read_bytes()))
    before = _bytes(db)
    args = {"report": ["report", "--out", tmp_path / "r.md"], "sql": ["sql", "select count(*) from runs"],
            "constants": ["constants"], "compute": ["compute"],
            "ingest": ["ingest", EXAMPLES / "public_runs.csv"]}[command]
    _one_error_line(invoke(*args, "--db", db), db)
    assert _bytes(db) == before and not (tmp_path / "r.md").exists()


def test_damage_found_only_while_reading_is_one_error_line(ledger, tmp_path):
    """Bit flips anywhere in the file: the command works (unused bytes) or says what is wrong."""
    good = ledger.read_bytes()
    db = tmp_path / "flipped.duckdb"
    damaged = [good[:offset] + bytes([good[offset] ^ 0xFF]) + good[offset + 1:]
               for offset in range(12288 + 1000, len(good), max(len(good) // 12, 1))]
    damaged += [good[:length] for length in range(12288, len(good), max(len(good) // 6, 1))]  # truncated
    for data in damaged:
        db.write_bytes(data)
        for args in (["sql", "select * from run_footprints"], ["report", "--out", tmp_path / "r.md"]):
            result = invoke(*args, "--db", db)
            assert "Traceback" not in result.output
            if result.exit_code:
                _one_error_line(result, db)


SANDBOX = [
    "attach '{db}' as again (read_only false); delete from again.runs",
    "select * from read_text('{secret}')",
    "select * from read_csv('{secret}')",
    "copy (select * from runs) to '{new}'",
    "install httpfs",
    "load httpfs",
    "set enable_external_access = true",
    "delete from runs",
    "insert into runs (run_id) values ('z')",
    "create table evil (x int)",
]


@pytest.mark.parametrize("statement", SANDBOX)
def test_sql_is_sandboxed(ledger, tmp_path, statement):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    before = _bytes(ledger)
    result = invoke("sql", statement.format(db=ledger, secret=secret, new=tmp_path / "new.csv"), "--db", ledger)
    _one_error_line(result)
    assert result.exit_code == 2
    assert _bytes(ledger) == before and sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt"]


@pytest.mark.parametrize(("variable", "value"), [("WATTLEDGER_LOCK_TIMEOUT_S", "abc"), ("WATTLEDGER_LOCK_TIMEOUT_S", "nan"),
                                                 ("WATTLEDGER_THREADS", "0"), ("WATTLEDGER_MEMORY_LIMIT", "abc")])
@pytest.mark.parametrize("command", ["report", "ingest", "run"])
def test_a_bad_environment_value_is_one_error_line(ledger, tmp_path, monkeypatch, variable, value, command):
    monkeypatch.setenv(variable, value)
    args = {"report": ["report", "--out", tmp_path / "r.md", "--db", ledger],
            "ingest": ["ingest", EXAMPLES / "public_runs.csv", "--db", tmp_path / "new.duckdb"],
            "run": ["run", EXAMPLES / "public_runs.csv", "--db", tmp_path / "new.duckdb"]}[command]
    _one_error_line(invoke(*args), variable, repr(value))
    assert list(tmp_path.iterdir()) == []
