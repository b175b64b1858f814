"""`project-costs --currency --fx`: items converted at the latest rate on or before their date,
the rate dates recorded, items without a rate left unconverted (never guessed)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from wattledger.ingest.fx_rates import FxFileError, read_fx_file
from wattledger.pipeline.cost_ledger import load_cost_ledger
from wattledger.store.cost_ledger import project_costs_converted

LEDGER = ("project,category,amount,currency,date,description,source\n"
          "p,data,1100,USD,2024-10-15,,inv\n"     # at 2024-10-01's rate: 1100 / 1.1 = 1000 EUR
          "p,people,2000,EUR,2024-10-31,,plan\n"  # already EUR
          "p,other,1200,USD,2024-09-01,,inv\n"    # before every rate: the earliest after (1200 / 1.1)
          "p,hardware,50,GBP,2024-10-15,,inv\n")  # no GBP rate: unconverted
ECB = "Date,USD,JPY,\n2024-10-31,1.2000,N/A,\n2024-10-01,1.1000,160.00,\n"


def test_ecb_layout_conversion_with_rate_dates(con, write):
    load_cost_ledger(con, write("ledger.csv", LEDGER))
    rates = read_fx_file(write("eurofxref-hist.csv", ECB))
    assert rates.height == 3  # N/A is no rate
    (row,) = project_costs_converted(con, "EUR", rates).iter_rows(named=True)
    assert row["data_cost"] == pytest.approx(1000.0, rel=1e-12)
    assert row["people_cost"] == 2000.0
    assert row["other_cost"] == pytest.approx(1200 / 1.1, rel=1e-12)
    assert row["hardware_cost"] is None and row["items_unconverted"] == 1 and row["items_at_later_rate"] == 1
    assert str(row["first_fx_rate_date"]) == "2024-10-01" and "ECB" in row["fx_sources"]
    (usd,) = project_costs_converted(con, "USD", rates).iter_rows(named=True)
    assert usd["people_cost"] == pytest.approx(2000 * 1.2, rel=1e-12)  # EUR -> USD at 2024-10-31


@pytest.mark.parametrize("text, words", [
    ("Date,USD\n2024-13-01,1.1\n", "line 2, column Date"),
    ("Date,USD\n2024-10-01,-1\n", "line 2, column USD"),
    ("date,currency,units_per_eur,source\n2024-10-01,USD,1.1,\n", "column source"),
    ("when,rate\n", "expected the ECB's layout"),
    ("date,currency,units_per_eur,source\n2024-10-01,USD,1.1,a\n2024-10-01,USD,1.2,b\n", "given 2 times"),
])
def test_a_bad_rates_file_is_refused_naming_line_and_column(write, text, words):
    with pytest.raises(FxFileError, match=words):
        read_fx_file(write("fx.csv", text))


def test_the_command_needs_both_options_and_prints_the_conversion(tmp_path, write):
    db = str(tmp_path / "w.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["costs", str(write("ledger.csv", LEDGER)), "--db", db]).exit_code == 0
    res = runner.invoke(app, ["project-costs", "--currency", "EUR", "--db", db])
    assert res.exit_code == 2 and "go together" in res.output
    res = runner.invoke(app, ["project-costs", "--currency", "EUR", "--fx", str(write("fx.csv", ECB)), "--db", db])
    assert res.exit_code == 0 and "converted to EUR" in res.output and "ECB" in res.output
