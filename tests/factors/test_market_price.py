"""Electricity indexed to a wholesale market (site file ``price: {market, adder_per_kwh}``):
priced hour by hour, checked against a hand computation from the shipped price file."""

from __future__ import annotations

import polars as pl
import pytest

from test_reference_data import TARIFFS
from wattledger.compute import compute_footprints
from wattledger.factors import FactorError, SiteFileError, load_sites
from wattledger.pipeline import ingest_paths, load_site_file

PRICES = pl.read_csv(TARIFFS / "wholesale_prices_2024.csv")
HALF = pl.read_csv(TARIFFS / "wholesale_prices_2024_half_hour.csv")
MARKETS = pl.read_csv(TARIFFS / "wholesale_markets.csv")

SITES = """datacenters:
  tx-spot:
    region: US-TEX-ERCO
    price: {market: US-TEX-ERCO, adder_per_kwh: 0.03, source: "retail adder of the 2024 supply contract (test)"}
  de-spot:
    region: DE
    price: {market: DE-LU}
"""
RUNS = """run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,datacenter,gpu_hours
tx-afternoon,2024-08-02T19:30:00Z,2024-08-02T22:00:00Z,H100-SXM,8,600,1.2,tx-spot,
de-dst,2024-03-31T00:00:00Z,2024-03-31T04:00:00Z,H100-SXM,8,600,1.2,de-spot,
tx-newyear,2024-12-31T22:00:00Z,2025-01-01T02:00:00Z,H100-SXM,8,600,1.2,tx-spot,
tx-untimed,,,H100-SXM,8,600,1.2,tx-spot,80
"""


def hour_prices(column: str, first: str, hours: int) -> list[float]:
    i = PRICES["hour_start_utc"].to_list().index(first)
    return [v / 1000.0 for v in PRICES[column][i: i + hours].to_list()]  # USD/MWh -> USD/kWh


@pytest.fixture
def priced(con, write):
    load_site_file(con, write("sites.yaml", SITES))
    ingest_paths(con, [write("runs.csv", RUNS)])
    compute_footprints(con)
    return {r[0]: r[1:] for r in con.sql(
        "select run_id, price_per_kwh, price_basis, currency, tariff_id, price_source, energy_kwh, energy_cost "
        "from run_footprints").fetchall()}


def test_market_indexed_runs_are_priced_hour_by_hour(priced):
    # 19:30-22:00 UTC: half of the 19:00 hour, the 20:00 and 21:00 hours, over 2.5 h, + the adder
    p = hour_prices("US-TEX-ERCO", "2024-08-02T19:00:00Z", 3)
    hand = (0.5 * p[0] + p[1] + p[2]) / 2.5 + 0.03
    price, basis, currency, tariff, source, energy, cost = priced["tx-afternoon"]
    assert price == pytest.approx(hand, rel=1e-12)
    assert (basis, currency, tariff) == ("datacenter_market", "USD", "market:US-TEX-ERCO")
    assert "US-TEX-ERCO 2024" in source and "100% of it in the series" in source
    assert cost == pytest.approx(energy * hand, rel=1e-12)
    # no adder given: the market price alone; the UTC hours across Germany's spring DST change
    assert priced["de-dst"][0] == pytest.approx(sum(hour_prices("DE-LU", "2024-03-31T00:00:00Z", 4)) / 4, rel=1e-12)


def test_part_outside_the_series_is_at_its_mean_and_said(priced):
    mean = MARKETS.filter(pl.col("market") == "US-TEX-ERCO")["mean_price"].item() / 1000.0
    p = hour_prices("US-TEX-ERCO", "2024-12-31T22:00:00Z", 2)
    price, basis, *_ , source, _, _ = priced["tx-newyear"]
    assert basis == "datacenter_market_partial" and "the rest at the series' mean" in source
    assert price == pytest.approx(0.5 * sum(p) / 2 + 0.5 * mean + 0.03, rel=1e-12)
    untimed = priced["tx-untimed"]
    assert untimed[1] == "datacenter_market_mean" and untimed[0] == pytest.approx(mean + 0.03, rel=1e-12)


def test_half_hour_markets_keep_their_own_hours():
    t = HALF["hour_start_utc"]
    assert t[0] == "2024-01-01T00:30:00Z" and HALF.height == 8784 and "IN-WE" in HALF.columns
    assert MARKETS.height == 22 and set(MARKETS["unit"]) == {"USD/MWh"}


def test_a_bad_market_or_two_prices_are_refused(con, write):
    with pytest.raises(FactorError, match="unknown market 'XX'"):
        load_site_file(con, write("bad.yaml", "datacenters:\n  a:\n    region: FR\n    price: {market: XX}\n"))
    with pytest.raises(SiteFileError, match="give one of price"):
        load_sites(write("two.yaml", "datacenters:\n  a:\n    region: FR\n    price: {market: FR}\n"
                                     "    price_per_kwh: 0.1\n    currency: EUR\n    price_source: x\n"))
