"""The command line as a person uses it (issue 19): output that fits 80 columns, formats,
--out, defaults in the help, unknown names said with the nearest known, --version."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from flows.cli import app
from flows.cli.result_text import table

runner = CliRunner()


def invoke(*args, **env):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False, env={"COLUMNS": "80", **env})


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("habits") / "w.duckdb"
    assert invoke("ingest", EXAMPLES / "cluster_logs", "--db", path).exit_code == 0
    assert invoke("compute", "--db", path).exit_code == 0
    return path


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output.startswith("wattledger ") and result.output.strip() != "wattledger"


def test_sql_table_of_a_wide_result_fits_80_columns_and_says_what_it_leaves_out(db):
    result = invoke("sql", "select * from run_footprints order by run_id", "--db", db)
    assert result.exit_code == 0
    lines = result.output.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80
    n_columns = int(invoke("sql", "select count(*) from (describe run_footprints)", "--db", db, "--format", "csv")
                    .output.splitlines()[1])
    assert lines[-1].startswith("379 rows (40 shown), ") and f"{n_columns} columns (" in lines[-1]
    assert "│ run_id " in lines[0] and "│ … │" in lines[0] and "│ source_file_id │" in lines[0]  # first, …, last


def test_sql_table_rounds_numbers_for_display_only(db):
    query = "select 1234.56789::double as a, 0.000012345::double as b, 1e15::double as c, 42 as n"
    shown = invoke("sql", query, "--db", db).output
    assert "1,235" in shown and "1.234e-05" in shown and "1.000e+15" in shown and "│ 42 │" in shown
    as_csv = list(csv.reader(io.StringIO(invoke("sql", query, "--db", db, "--format", "csv").output)))
    assert as_csv == [["a", "b", "c", "n"], ["1234.56789", "1.2345e-05", "1000000000000000.0", "42"]]
    assert json.loads(invoke("sql", query, "--db", db, "--format", "json").output) == [
        {"a": 1234.56789, "b": 1.2345e-05, "c": 1e15, "n": 42}]
    md = invoke("sql", query, "--db", db, "--format", "markdown").output.splitlines()
    assert md[0] == "| a | b | c | n |" and md[1] == "| ---: | ---: | ---: | ---: |"


def test_sql_out_writes_the_file(db, tmp_path):
    out = tmp_path / "runs.csv"
    result = invoke("sql", "select run_id from runs order by run_id limit 3", "--db", db, "--format", "csv", "--out", out)
    assert result.exit_code == 0 and "3 rows written to" in result.output
    assert out.read_text().splitlines()[0] == "run_id" and len(out.read_text().splitlines()) == 4
    refused = invoke("sql", "select 1", "--db", db, "--out", db)
    assert refused.exit_code == 2 and "the database" in refused.output


def test_sql_refuses_an_unknown_format(db):
    result = invoke("sql", "select 1", "--db", db, "--format", "xml")
    assert result.exit_code == 2 and "error: --format 'xml': one of table, csv, json, markdown" in result.output


def test_the_table_layout_keeps_both_ends():
    cols = [f"column_{i}" for i in range(30)]
    text = table(cols, [tuple(range(30))], width=60)
    head, footer = text.splitlines()[0], text.splitlines()[-1]
    assert "column_0" in head and "column_29" in head and "…" in head
    assert max(len(line) for line in text.splitlines()) <= 60
    assert footer.startswith("1 row, 30 columns (") and footer.endswith(" shown)")


def test_help_texts_show_their_defaults():
    text = invoke("report", "--help").output
    assert "[default: $WATTLEDGER_DB or ./wattledger.duckdb]" in " ".join(text.split()) or "$WATTLEDGER_DB" in text
    assert "default:" in text and "reports/wattledger-<period>" in text
    assert "a local cluster" in invoke("run", "--help").output


def test_an_unknown_region_is_said_with_the_nearest_known_names():
    result = invoke("factors", "--region", "eia:cis", "--db", "/nonexistent/none.duckdb")
    assert result.exit_code == 2  # a named database that is missing is an error
    result = runner.invoke(app, ["factors", "--region", "eia:cis"], env={"WATTLEDGER_DB": "/nonexistent/none.duckdb"})
    assert result.exit_code == 0
    assert "warning: region 'eia:cis' is not in the reference tables" in result.output
    assert "Nearest known: eia:ciso" in result.output


def test_an_unknown_datacenter_is_said(tmp_path):
    db = tmp_path / "w.duckdb"
    assert invoke("ingest", EXAMPLES / "public_runs.csv", "--db", db).exit_code == 0
    assert invoke("sites", EXAMPLES / "datacenters.yaml", "--db", db).exit_code == 0
    result = invoke("factors", "--datacenter", "fra", "--db", db)
    assert result.exit_code == 0
    assert "has no datacenter 'fra'; it is ignored. Nearest known: fra-dc" in " ".join(result.output.split())


def test_constants_show_the_full_names_set_needs(db):
    result = invoke("constants", "--db", db)
    assert "passenger_vehicle_kg_co2e_per_year = 4,600" in result.output
    assert "us_household_kwh_per_year = 10,791" in result.output


def test_site_file_errors_speak_of_the_file_not_the_validator(tmp_path, db):
    bad = tmp_path / "sites.yaml"
    bad.write_text("- a\n- b\n")
    result = invoke("sites", bad, "--db", db)
    assert result.exit_code == 2 and "expected a mapping" in result.output
    assert "instance of" not in result.output and "SiteFile" not in result.output
    bad.write_text("datacenters:\n  x:\n    region: FR\n    pue: abc\n")
    assert "datacenters.x.pue: expected a number, got 'abc'" in " ".join(invoke("sites", bad, "--db", db).output.split())


def test_ingest_counts_runs_and_power_samples_apart(tmp_path):
    db = tmp_path / "w.duckdb"
    result = invoke("ingest", EXAMPLES / "telemetry", EXAMPLES / "public_runs.csv", "--db", db)
    assert result.exit_code == 0
    assert "9 runs loaded" in result.output and "609 power samples loaded" in " ".join(result.output.split())
    assert max(len(line) for line in result.output.splitlines() if "│" in line or "─" in line) <= 80


def test_a_failed_first_ingest_leaves_no_database(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("no,run,id\n1,2,3\n")
    db = tmp_path / "new.duckdb"
    result = invoke("ingest", bad, "--db", db)
    assert result.exit_code == 1 and "refused" in result.output
    assert not db.exists() and not (tmp_path / "new.duckdb.wal").exists()


def test_a_missing_path_is_one_error_line(tmp_path):
    for command in ("ingest", "run"):
        result = invoke(command, tmp_path / "nowhere", "--db", tmp_path / "w.duckdb")
        assert result.exit_code == 2, command
        assert result.output.count("error:") == 1 and "no such file or folder" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "w.duckdb").exists()


def test_model_card_out_is_honoured(db, tmp_path):
    out = tmp_path / "card.yaml"
    result = invoke("export", "--format", "model-card", "--run", "oct24-0001", "--out", out, "--db", db)
    assert result.exit_code == 0 and "written to" in result.output and "co2_eq_emissions" in out.read_text()


def test_report_html_is_written_where_asked(db, tmp_path):
    out = tmp_path / "r.html"
    result = invoke("report", "--format", "html", "--out", out, "--db", db)
    assert result.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert invoke("report", "--format", "pdf", "--db", db).exit_code == 2


def test_compute_on_a_missing_database_is_an_error_naming_it(tmp_path):
    db = tmp_path / "typo.duckdb"
    result = invoke("compute", "--db", db)
    assert result.exit_code == 2 and f"error: {db}: no such database" in " ".join(result.output.split())
    assert not db.exists()
