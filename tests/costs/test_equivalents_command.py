"""`wattledger equivalents`: published figures in household-years and car-years, with the
constants, sources and years; a wrong claim made obvious."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from wattledger.compute.equivalents import AmountError, equivalents, parse_amount, parse_claim

runner = CliRunner()


@pytest.mark.parametrize("text, kind, quantity", [
    ("1287MWh", "energy", 1_287_000.0), ("1,287 MWh", "energy", 1_287_000.0), ("3.5GWh", "energy", 3_500_000.0),
    ("552t", "co2e", 552_000.0), ("120kg", "co2e", 120.0), ("552 tCO2e", "co2e", 552_000.0), ("1e3 Wh", "energy", 1.0),
])
def test_amounts_are_read_with_their_units(text, kind, quantity):
    got_kind, got, _ = parse_amount(text)
    assert got_kind == kind and got == pytest.approx(quantity, rel=1e-12)


@pytest.mark.parametrize("text", ["3mWh", "12", "MWh", "5 furlongs"])
def test_an_unreadable_amount_says_what_is_accepted(text):
    with pytest.raises(AmountError, match="MWh"):
        parse_amount(text)


def test_gpt3_published_figures():
    # Patterson et al. 2021, Table 4: GPT-3 1,287 MWh and 552 tCO2e
    (homes,) = equivalents("energy", 1_287_000.0)
    assert homes.value == pytest.approx(1_287_000 / 10_791, rel=1e-12) and round(homes.value, 1) == 119.3
    assert homes.vintage_year == 2022 and "Energy Information Administration" in homes.source
    (cars,) = equivalents("co2e", 552_000.0)
    assert cars.value == pytest.approx(120.0, rel=1e-12) and cars.vintage_year == 2023 and "EPA" in cars.source


def test_the_command_makes_a_wrong_claim_obvious(tmp_path):
    res = runner.invoke(app, ["equivalents", "1287MWh", "--check", "one US household for 3 years",
                              "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 0, res.output
    assert "119.3 US household-years" in res.output and "10,791 kWh/household-year" in res.output
    assert "39.8x too SMALL" in res.output and "eia.gov" in res.output
    assert parse_claim("120 households for a year").claimed == 120
    res = runner.invoke(app, ["equivalents", "552t", "--db", str(tmp_path / "none.duckdb")])
    assert "120.0 passenger-car-years" in res.output and "4,600 kgCO2/vehicle-year" in res.output


def test_the_command_uses_the_databases_override(tmp_path):
    db = tmp_path / "w.duckdb"
    res = runner.invoke(app, ["constants", "--set", "us_household_kwh_per_year=10000", "--source", "test",
                              "--db", str(db)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["equivalents", "1287MWh", "--db", str(db)])
    assert "128.7 US household-years" in res.output and "your override" in res.output


def test_a_bad_amount_is_one_error_line_and_exit_2(tmp_path):
    res = runner.invoke(app, ["equivalents", "3mWh", "--db", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 2 and "milliwatt-hour" in res.output and "Traceback" not in res.output
