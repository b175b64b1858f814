"""Issue 16: every region resolves to its own grid for the run's year, and every fallback says so.

Table-driven through ingest -> compute -> run_footprints. Each expected value is read from the
RAW source file (../shared/data: the OWID grapher export, co2.js's Electricity Maps yearly JSON,
Google's region files), not from the shipped tables, so a build or lookup mistake shows here.
Skipped when the raw sources are not present (as the rebuild test).
"""

from __future__ import annotations

import csv
import json
from functools import cache

import pytest

from conftest import HEADER
from test_reference_data import GRID, shared_data_dir
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

SRC = shared_data_dir()
pytestmark = pytest.mark.skipif(SRC is None, reason="raw sources (../shared/data) not available")


@cache
def _owid() -> dict[tuple[str, int], float]:
    with open(SRC / "owid_carbon_intensity" / "carbon-intensity-electricity.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return {(r[0], int(r[2])): float(r[3]) / 1000 for r in rows[1:]}


@cache
def _zones(year: int) -> dict[str, float]:
    path = SRC / "co2js" / "data" / "output" / "electricity-maps" / f"yearly_{year}.json"
    return {z: v["carbonIntensity"]["value"] / 1000 for z, v in json.loads(path.read_text(encoding="utf-8")).items()}


def _google(year: int, region: str) -> float:
    with open(SRC / "google_cloud_region_carbon" / "data" / "yearly" / f"{year}.csv", encoding="utf-8") as f:
        return next(float(r[3]) / 1000 for r in csv.reader(f) if r[0] == region)


def owid(entity, year):
    return lambda: _owid()[(entity, year)]


def em(zone, year):
    return lambda: _zones(year)[zone]


def google(region, year):
    return lambda: _google(year, region)


#: (region as written, run year, basis, intensity_region, intensity_year, expected value from the raw file)
CASES = [
    # countries: ISO2, ISO3, names, Eurostat codes (Ember via OWID)
    ("FR", 2024, "region", "FR", 2024, owid("France", 2024)),
    ("France", 2023, "region", "FR", 2023, owid("France", 2023)),
    ("FRA", 2022, "region", "FR", 2022, owid("France", 2022)),
    ("fr", 2015, "region", "FR", 2015, owid("France", 2015)),
    ("UK", 2023, "region", "GB", 2023, owid("United Kingdom", 2023)),
    ("EL", 2022, "region", "GR", 2022, owid("Greece", 2022)),
    ("Germany", 2019, "region", "DE", 2019, owid("Germany", 2019)),
    ("Brazil", 2024, "region", "BR", 2024, owid("Brazil", 2024)),
    ("IND", 2020, "region", "IN", 2020, owid("India", 2020)),
    ("United States", 2021, "region", "US", 2021, owid("United States", 2021)),
    ("JP", 2024, "region", "JP", 2024, owid("Japan", 2024)),
    # sub-national zones for the run's year (Electricity Maps), and their aliases
    ("US-CAL-CISO", 2021, "region", "US-CAL-CISO", 2021, em("US-CAL-CISO", 2021)),
    ("US-CAL-CISO", 2025, "region", "US-CAL-CISO", 2025, em("US-CAL-CISO", 2025)),
    ("eia:CISO", 2023, "region", "US-CAL-CISO", 2023, em("US-CAL-CISO", 2023)),
    ("US-TEX-ERCO", 2024, "region", "US-TEX-ERCO", 2024, em("US-TEX-ERCO", 2024)),
    ("US-NY-NYIS", 2023, "region", "US-NY-NYIS", 2023, em("US-NY-NYIS", 2023)),
    ("US-MIDA-PJM", 2021, "region", "US-MIDA-PJM", 2021, em("US-MIDA-PJM", 2021)),
    ("CA-QC", 2022, "region", "CA-QC", 2022, em("CA-QC", 2022)),
    ("Québec", 2023, "region", "CA-QC", 2023, em("CA-QC", 2023)),
    ("AU-NSW", 2024, "region", "AU-NSW", 2024, em("AU-NSW", 2024)),
    ("SE-SE3", 2021, "region", "SE-SE3", 2021, em("SE-SE3", 2021)),
    # US states reach their grid
    ("US-TX", 2024, "zone", "US-TEX-ERCO", 2024, em("US-TEX-ERCO", 2024)),
    ("US-CA", 2023, "zone", "US-CAL-CISO", 2023, em("US-CAL-CISO", 2023)),
    # cloud regions: the grid where the region is, for the run's year
    ("aws:us-east-1", 2024, "zone", "US-MIDA-PJM", 2024, em("US-MIDA-PJM", 2024)),
    ("AWS:US-WEST-2", 2023, "zone", "US-NW-BPAT", 2023, em("US-NW-BPAT", 2023)),
    ("azure:westeurope", 2024, "zone", "NL", 2024, owid("Netherlands", 2024)),
    ("azure:brazilsouth", 2024, "zone", "BR-CS", 2024, em("BR-CS", 2024)),
    ("azure:southcentralus", 2023, "zone", "US-TEX-ERCO", 2023, em("US-TEX-ERCO", 2023)),
    ("gcp:europe-west1", 2023, "zone", "BE", 2023, owid("Belgium", 2023)),
    ("gcp:us-west2", 2024, "zone", "US-CAL-LDWP", 2024, em("US-CAL-LDWP", 2024)),
    ("gcp:us-central1", 2020, "region", "gcp:us-central1", 2020, google("us-central1", 2020)),  # Google's own, lifecycle
    # fallbacks, each said
    ("US-CAL-CISO", 2019, "region_later_year", "US-CAL-CISO", 2021, em("US-CAL-CISO", 2021)),
    ("aws:us-east-1", 2019, "zone_later_year", "US-MIDA-PJM", 2021, em("US-MIDA-PJM", 2021)),
    ("DE", 2030, "region_earlier_year", "DE", 2024, owid("Germany", 2024)),
    ("DE-NORTH", 2024, "country_for_zone", "DE", 2024, owid("Germany", 2024)),
    ("XX-NOWHERE", 2015, "default:WORLD", "WORLD", 2015, owid("World", 2015)),
    ("Atlantis", 2026, "default:WORLD", "WORLD", 2024, owid("World", 2024)),
]


@pytest.fixture(scope="module")
def footprints(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("regions")
    rows = [f"r{i:02d},t,p,{year}-06-01T00:00:00Z,{year}-06-01T10:00:00Z,H100-SXM,1,500,1.2,\"{region}\""
            for i, (region, year, *_) in enumerate(CASES)]
    path = tmp / "runs.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    con = connect(":memory:")
    ingest_paths(con, [path])
    compute_footprints(con)
    out = {r[0]: r[1:] for r in con.sql(
        "select run_id, intensity_basis, intensity_region, intensity_year, intensity_kg_per_kwh, co2e_t_low, co2e_t, "
        "co2e_t_high from run_footprints").fetchall()}
    con.close()
    return out


#: zones with a 2024 hourly series (grid_intensity/hourly_registry.csv, aliases included): a run of
#: 2024 there is refined hour by hour (issue 18), its value the mean of the shipped hours
HOURLY_2024 = {"US-TEX-ERCO": "US-TEX-ERCO", "AU-NSW": "AU-NSW", "US-MIDA-PJM": "US-MIDA-PJM", "BR-CS": "BR-SP"}


def hourly_2024_mean(column: str, year: int) -> float:
    """Mean of the 10 hours from June 1, 00:00 UTC of the shipped wide file (the runs' window)."""
    import polars as pl
    wide = pl.read_csv(GRID / f"hourly_electricitymaps_{year}.csv")
    hours = wide.filter(pl.col("hour_start_utc").str.starts_with(f"{year}-06-01T0"))
    assert hours.height == 10
    return float(hours[column].mean())


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_region_year_resolves_to_the_raw_sources_value(footprints, i):
    region, year, basis, key, vintage, expected = CASES[i]
    got_basis, got_key, got_year, value, low, central, high = footprints[f"r{i:02d}"]
    if year == 2024 and key in HOURLY_2024:  # the annual factor is refined by the hourly series
        assert (got_basis, got_key, got_year) == ("hourly", key, 2024)
        assert value == pytest.approx(hourly_2024_mean(HOURLY_2024[key], year), rel=1e-12)
        assert low <= central <= high
        return
    assert (got_basis, got_key, got_year) == (basis, key, vintage)
    assert value == pytest.approx(expected(), abs=5.01e-7)  # the tables keep 6 decimals of kg/kWh
    assert low <= central <= high


def test_at_least_thirty_pairs():
    assert len(CASES) >= 30


def test_world_default_of_a_year_before_the_table_is_its_first_year():
    from wattledger.factors import FactorLibrary, explain

    r = explain(FactorLibrary(), region=None, year=1990)
    assert (r["intensity_basis"], r["intensity_year"]) == ("default:WORLD", 2000)
    assert r["intensity_kg_per_kwh"] == pytest.approx(owid("World", 2000)(), abs=5.01e-7)
