"""`wattledger costs`, `budgets`, `project-costs`: what they print, and their exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
HEAD = "project,category,amount,currency,date,description,source\n"


def test_costs_prints_each_reject_with_file_line_column_and_loads_once(tmp_path, write):
    db = str(tmp_path / "w.duckdb")
    f = write("ledger.csv", HEAD + "p,data,10,USD,2024-10-01,,inv\np,food,10,USD,2024-10-01,,inv\n")
    res = runner.invoke(app, ["costs", str(f), "--db", db])
    assert res.exit_code == 0, res.output
    assert "1 loaded, 1 rejected" in res.output
    assert f"{f}:3: category 'food': unknown cost category" in res.output
    res = runner.invoke(app, ["costs", str(f), "--db", db])
    assert "(already loaded)" in res.output
    res = runner.invoke(app, ["project-costs", "--db", db])
    assert res.exit_code == 0 and "USD" in res.output


def test_a_refused_ledger_exits_1_and_a_bad_budgets_file_exits_2(tmp_path, write):
    db = str(tmp_path / "w.duckdb")
    res = runner.invoke(app, ["costs", str(write("x.csv", "a,b\n1,2\n")), "--db", db])
    assert res.exit_code == 1 and "missing required column(s)" in res.output
    res = runner.invoke(app, ["budgets", str(write("b.yaml", "budgets: 3\n")), "--db", db])
    assert res.exit_code == 2 and "b.yaml" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["budgets", str(write("b.yaml", "budgets:\n  - team: t\n    period: month\n    co2e_t: 1\n")),
                              "--db", db])
    assert res.exit_code == 0 and "1 budget(s) loaded" in res.output
