"""Issue 16 through the CLI: `wattledger factors` explains each case; ingest warns about unknown regions."""

import pytest
from typer.testing import CliRunner

from conftest import HEADER
from flows.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("region, year, expected", [
    ("France", 2024, ["[region: FR, 2024]", "region 'France' -> key FR", "own annual factor of the run's year"]),
    ("FRA", 2024, ["[region: FR, 2024]"]),
    ("UK", 2023, ["[region: GB, 2023]"]),
    ("US-CAL-CISO", 2021, ["0.278 kgCO2e/kWh  [region: US-CAL-CISO, 2021]", "price region: US-CA", "[state_later_year: eia861:US-CA"]),
    ("US-CAL-CISO", 2019, ["[region_later_year: US-CAL-CISO, 2021]", "FALLBACK: the region's factor of a later year, 2021 (the run is of 2019)"]),
    ("US-TX", 2024, ["[zone: US-TEX-ERCO, 2024]", "grid zone: US-TEX-ERCO"]),
    ("azure:westeurope", 2024, ["[zone: NL, 2024]", "2019 azure:westeurope: 0.39 kg/kWh (direct) Cloud Carbon Footprint"]),
    ("aws:us-east-1", 2024, ["[zone: US-MIDA-PJM, 2024]", "price region: US-VA"]),
    ("azure:brazilsouth", 2024, ["[zone: BR-CS, 2024]"]),
    ("DE-NORTH", 2024, ["[country_for_zone: DE, 2024]", "FALLBACK: no factor for the region or its zone"]),
    ("Frnace", 2015, ["[default:WORLD: WORLD, 2015]", "warning: 'Frnace' is not in the reference tables", "world average of 2015"]),
])
def test_factors_explains_the_case(tmp_path, monkeypatch, region, year, expected):
    monkeypatch.chdir(tmp_path)  # no database: a region needs none
    result = invoke("factors", "--region", region, "--year", year)
    assert result.exit_code == 0, result.output
    for text in expected:
        assert text in result.output, (text, result.output)
    assert "lifecycle scope" in result.output


def test_ingest_warns_once_per_unknown_region_with_its_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [("a1", "Frnace"), ("a2", "Frnace"), ("a3", "France"), ("a4", "aws:mars-1"), ("a5", "US-TX")]
    (tmp_path / "runs.csv").write_text(HEADER + "\n" + "".join(
        f"{r},t,p,2024-01-01T00:00:00Z,2024-01-01T10:00:00Z,H100-SXM,1,500,1.2,{g}\n" for r, g in rows), encoding="utf-8")
    result = invoke("ingest", tmp_path / "runs.csv")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())  # the console wraps long lines
    assert out.count("warning: region") == 2
    assert "region 'Frnace' is not in the reference tables: 2 run(s) (a1, a2)" in out
    assert "region 'aws:mars-1' is not in the reference tables: 1 run(s) (a4)" in out
    assert "'France'" not in out and "'US-TX'" not in out
