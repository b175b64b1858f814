"""Factor resolution: the documented rules, each recorded with its basis, source and year."""

import polars as pl
import pytest

from conftest import EXAMPLES
from wattledger.factors import FactorError, FactorLibrary, SiteFileError, explain, load_sites, sites_frame
from wattledger.pipeline import load_site_file


@pytest.fixture(scope="module")
def lib():
    return FactorLibrary()


def test_country_for_the_runs_year(lib):
    r = explain(lib, region="FR", year=2024)
    assert (r["intensity_basis"], r["intensity_region"], r["intensity_year"]) == ("region", "FR", 2024)
    assert r["intensity_kg_per_kwh"] == pytest.approx(0.044179, rel=1e-6)  # Ember via OWID, France 2024
    assert "Ember" in r["intensity_source"]
    assert (r["price_basis"], r["tariff_id"], r["price_currency"]) == ("region", "eurostat:FR:ID:2024-S2", "EUR")


def test_future_year_takes_the_nearest_earlier_year(lib):
    r = explain(lib, region="DE", year=2030)
    assert (r["intensity_basis"], r["intensity_year"]) == ("region_earlier_year", 2024)
    past = explain(lib, region="DE", year=2015)
    assert (past["intensity_basis"], past["intensity_year"]) == ("region", 2015)


def test_cloud_region_with_provider_pue_and_country_price(lib):
    r = explain(lib, region="gcp:europe-west1", year=2023)
    # issue 16: the grid where the region is (Belgium), lifecycle; Google's 2023 figure is direct
    # (another scope), so it only widens the bounds
    assert (r["intensity_basis"], r["intensity_region"], r["intensity_year"]) == ("zone", "BE", 2023)
    assert "Ember" in r["intensity_source"]
    assert r["intensity_low_kg_per_kwh"] < r["intensity_kg_per_kwh"] or r["intensity_kg_per_kwh"] < r["intensity_high_kg_per_kwh"]
    own = explain(lib, region="gcp:europe-west1", year=2020)  # Google's own lifecycle figure while it exists
    assert (own["intensity_basis"], own["intensity_region"]) == ("region", "gcp:europe-west1") and "Google" in own["intensity_source"]
    assert (r["pue_basis"], r["pue_value"]) == ("provider:gcp", pytest.approx(1.09))  # the latest Google figure
    assert r["price_basis"] == "country" and r["tariff_id"].startswith("eurostat:BE:")
    aws = explain(lib, region="AWS:US-EAST-1", year=2024)  # case-insensitive cloud ids
    assert (aws["region_key"], aws["intensity_region"], aws["pue_basis"]) == ("aws:us-east-1", "US-MIDA-PJM", "provider:aws")


def test_us_balancing_authority_and_eia_alias(lib):
    by_zone = explain(lib, region="US-TEX-ERCO", year=2022)
    by_code = explain(lib, region="eia:ERCO", year=2022)
    assert by_zone["intensity_kg_per_kwh"] == by_code["intensity_kg_per_kwh"]
    assert (by_zone["intensity_basis"], by_zone["intensity_year"]) == ("region", 2022)
    assert "hourly" in by_zone["intensity_source"]
    assert [(s["year"], s["hours"]) for s in by_zone["hourly_series"]] == [(2022, 8760)]
    series = lib.hourly_series("US-TEX-ERCO")
    assert series.height == 8760 and series["intensity_kg_per_kwh"].min() > 0
    assert series["intensity_kg_per_kwh"].mean() == pytest.approx(by_zone["intensity_kg_per_kwh"], rel=1e-12)
    # EIA-861 prices start in 2023: a 2022 run takes Texas's earliest later year, and says so
    assert (by_zone["price_basis"], by_zone["tariff_id"]) == ("state_later_year", "eia861:US-TX:industrial:2023")
    assert explain(lib, region="US-TEX-ERCO", year=2024)["tariff_id"] == "eia861:US-TX:industrial:2024"  # its state, not the US


def test_missing_region_falls_back_to_world_and_says_so(lib):
    for region in ("XX-NOWHERE", None):
        r = explain(lib, region=region, year=2024)
        assert (r["intensity_basis"], r["intensity_region"]) == ("default:WORLD", "WORLD")
        assert r["intensity_kg_per_kwh"] == pytest.approx(0.473006, rel=1e-6)  # Ember 2024 world
        assert r["pue_basis"] == "default:unknown" and r["pue_value"] == pytest.approx(1.56)
        assert r["price_basis"].startswith("default:eia861:US:industrial")


def test_unknown_zone_in_a_known_country_uses_the_country(lib):
    r = explain(lib, region="DE-NORTH", year=2024)
    assert (r["intensity_basis"], r["intensity_region"]) == ("country_for_zone", "DE")


def test_datacenter_rules_come_before_region(lib, con):
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    sites = con.sql("select * exclude (site_file_path, site_file_sha256, loaded_at) from datacenters").pl()
    with_sites = FactorLibrary(sites=sites)
    tx = explain(with_sites, region=None, datacenter="tx-colo-2", year=2024)
    assert tx["intensity_region"] == "US-TEX-ERCO"  # the datacenter's region
    assert (tx["pue_basis"], tx["pue_value"]) == ("datacenter_monthly", pytest.approx(1.45))  # July
    assert (tx["price_basis"], tx["tariff_id"]) == ("datacenter_tariff", "eia861:US-TX:industrial:2024")
    par = explain(with_sites, region=None, datacenter="par-dc", year=2024)
    assert (par["price_basis"], par["price_value"], par["price_currency"]) == ("datacenter", 0.121, "EUR")
    assert with_sites.version != lib.version  # the site file is part of the factor set


@pytest.mark.parametrize(
    "yaml_text, message",
    [
        ("datacenters: {x: {pue: 0.5, pue_source: s}}", "datacenters.x.pue: must be at least 1, got 0.5"),
        ("datacenters: {x: {pue: 1.2}}", "pue needs pue_source"),
        ("datacenters: {x: {monthly_pue: [1.2, 1.3], pue_source: s}}", "monthly_pue needs 12 values"),
        ("datacenters: {x: {price_per_kwh: 0.1}}", "price_per_kwh needs currency and price_source"),
        ("datacenters: {x: {colour: red}}", "datacenters.x.colour: not a key of the site file"),
        ("datacenters: {x: {market: {renewable_coverage_share: 0.5, source: s}}}", "needs supplier_factor_kg_per_kwh or residual_mix"),
        ("datacenters: {x: {market: {renewable_coverage_share: 1.5, source: s}}}", "renewable_coverage_share"),
        ("datacenters:\n  x: [1\n", "line 3, column 1: not valid YAML"),
        # issue 15: a repeated key kept the last value silently
        ("datacenters:\n  x: {pue: 1.2, pue_source: a}\n  y: {pue: 1.3, pue_source: b}\n  x: {pue: 1.6, pue_source: c}\n",
         "line 4, column 3: key 'x' is repeated (first at line 2)"),
        ("datacenters:\n  x:\n    pue: 1.2\n    pue_source: a\n    pue: 1.6\n", "line 5, column 5: key 'pue' is repeated (first at line 3)"),
        ("datacenters: {PAR-DC: {region: FR}, ' par-dc ': {region: FR}}", "'PAR-DC' and ' par-dc ' are the same name"),
    ],
)
def test_site_file_errors_name_file_key_and_problem(write, yaml_text, message):
    p = write("datacenters.yaml", yaml_text)
    with pytest.raises(SiteFileError) as err:
        load_sites(p)
    assert str(p) in str(err.value) and message in str(err.value)


def test_datacenter_names_match_ignoring_case_and_spaces(lib, con):
    """Issue 15: 'PAR-DC' in a run log did not find 'par-dc' of the site file (and got the world default)."""
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    with_sites = FactorLibrary(sites=con.sql("select * exclude (site_file_path, site_file_sha256, loaded_at) from datacenters").pl())
    exact = explain(with_sites, region=None, datacenter="par-dc", year=2024)
    for spelling in ("PAR-DC", "Par-Dc", " par-dc "):
        r = explain(with_sites, region=None, datacenter=spelling, year=2024)
        for column in ("site_datacenter", "intensity_region", "intensity_kg_per_kwh", "pue_basis", "pue_value",
                       "price_basis", "price_value", "market_basis"):
            assert r[column] == exact[column], (spelling, column)
    unknown = explain(with_sites, region=None, datacenter="par-dc2", year=2024)
    assert unknown["intensity_basis"] == "default:WORLD" and unknown["pue_basis"] == "default:unknown"


def test_unknown_tariff_in_site_file(write, con, lib):
    p = write("dc.yaml", "datacenters: {x: {tariff: nope}}")
    with pytest.raises(FactorError, match=r"datacenters\.x\.tariff: unknown tariff 'nope'"):
        load_site_file(con, p)
    assert con.sql("select count(*) from datacenters").fetchall() == [(0,)]  # nothing stored


def test_every_demo_datacenter_resolves_to_cited_factors(lib):
    frame = sites_frame(load_sites(EXAMPLES / "datacenters.yaml"))
    lib.check_sites(frame, "examples/datacenters.yaml")
    assert frame.height == 6


def test_bounds_follow_the_basis(lib):
    exact = explain(lib, region="FR", year=2024)
    assert exact["intensity_low_kg_per_kwh"] == exact["intensity_kg_per_kwh"] == exact["intensity_high_kg_per_kwh"]
    later = explain(lib, region="DE", year=2030)  # 2024 factor; bounds span DE 2022-2024
    de = lib.annual_intensity.filter((pl.col("lookup_key") == "DE") & pl.col("vintage_year").is_between(2022, 2024))
    assert later["intensity_low_kg_per_kwh"] == pytest.approx(de["intensity_kg_per_kwh"].min())
    assert later["intensity_high_kg_per_kwh"] == pytest.approx(de["intensity_kg_per_kwh"].max())
    world = explain(lib, region=None, year=None)
    assert world["intensity_low_kg_per_kwh"] < world["intensity_kg_per_kwh"] < world["intensity_high_kg_per_kwh"]
    assert (world["pue_low"], world["pue_value"], world["pue_high"]) == (1.12, 1.56, 1.56)
    aws = explain(lib, region="aws:us-east-1", year=2024)
    assert (aws["pue_low"], aws["pue_value"], aws["pue_high"]) == (1.14, 1.14, 1.15)  # the latest AWS figure (2025)


def test_time_of_use_tariff_is_integrated_over_the_run_in_local_time(con, write):
    from datetime import datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from wattledger.compute import compute_footprints
    from wattledger.pipeline import ingest_paths

    sites = write("dc.yaml", "datacenters:\n  la:\n    region: US-CAL-CISO\n    tariff: sce-tou-8-option-d-under-2kv\n"
                             "    timezone: America/Los_Angeles\n")
    load_site_file(con, sites)
    runs = write("runs.csv", "run_id,started_at,ended_at,gpu_model,gpu_count,datacenter\n"
                             "peak,2024-07-16T22:30:00Z,2024-07-17T05:00:00Z,H100-SXM,8,la\n")
    write("runs2.csv", "run_id,gpu_hours,gpu_model,gpu_count,datacenter\nundated,80,H100-SXM,8,la\n")
    ingest_paths(con, [runs, runs.with_name("runs2.csv")])
    compute_footprints(con)
    got = {r[0]: r[1:] for r in con.sql("select run_id, price_per_kwh, price_basis, tariff_id from footprints").fetchall()}
    tou = FactorLibrary().tou_tariffs["sce-tou-8-option-d-under-2kv"]
    # brute force: price each minute by its local month, hour and day type
    t, end, total, n = datetime(2024, 7, 16, 22, 30, tzinfo=timezone.utc), datetime(2024, 7, 17, 5, tzinfo=timezone.utc), 0.0, 0
    while t < end:
        local = t.astimezone(ZoneInfo("America/Los_Angeles"))
        table = tou.weekend if local.weekday() >= 5 else tou.weekday
        total += table[local.month - 1, local.hour]
        n += 1
        t += timedelta(minutes=1)
    assert got["peak"][1:] == ("datacenter_tou", "sce-tou-8-option-d-under-2kv")
    assert got["peak"][0] == pytest.approx(total / n, rel=1e-9)
    assert got["undated"][1] == "datacenter_tou_mean" and got["undated"][0] == pytest.approx(tou.mean_price)


def test_time_of_use_tariff_needs_the_site_time_zone(con, write):
    p = write("dc.yaml", "datacenters: {la: {tariff: sce-tou-8-option-d-under-2kv}}")
    with pytest.raises(FactorError, match=r"datacenters\.la\.tariff: .* needs 'timezone'"):
        load_site_file(con, p)
