"""Electricity price (``price_basis``, ``tariff_id``): logged ``price_per_kwh`` + ``currency`` >
datacenter (site file: a price, or a ``tariff`` id: flat, else time-of-use at the schedule's
mean) > the region's flat price (US: EIA-861 industrial; Europe: Eurostat non-household band
ID, else IC) > its price region's (a US zone or cloud region's state, grid_intensity/region_grid.csv:
``US-CAL-CISO`` -> ``US-CA``) > its country's > the documented default (US industrial, latest).
Each level takes the run's year, else the latest earlier year (basis ``..._earlier_year``), else
the earliest later one (``..._later_year``): both fallbacks, listed under data quality. A time-of-use price is integrated over each run by
wattledger.factors.hourly. Costs keep their currency; nothing is converted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.keys import nearest_year
from wattledger.factors.ladder import Rule, fold
from wattledger.factors.market_price import MARKET_PREFIX
from wattledger.method import NO_YEAR

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"price_value": pl.Float64, "price_currency": pl.String, "price_basis": pl.String, "tariff_id": pl.String,
           "price_source": pl.String}
PER_RUN = ("price_value",)
LEVELS = (("region", "region_key"), ("state", "price_region_key"), ("country", "country_key"))


def _price(when: pl.Expr, value: str, currency: str, basis: str, tariff: pl.Expr | None, source: pl.Expr | str) -> Rule:
    return Rule(when, price_value=pl.col(value), price_currency=pl.col(currency), price_basis=basis, tariff_id=tariff,
                price_source=source)


def rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    d, d_currency, d_tariff = lib.default_price
    site_tariff = pl.col("site_tariff_id")
    year = pl.col("run_year")

    def in_force(prefix: str) -> pl.Expr:
        """The tariff covers the run's year (a run without a start: any)."""
        first, last = pl.col(f"{prefix}_first_year"), pl.col(f"{prefix}_last_year")
        return (year == NO_YEAR) | ((first <= year) & (last.is_null() | (year <= last)))

    def not_in_force(prefix: str) -> pl.Expr:
        return pl.format(" (in force {}-{}; the run is of {})", pl.col(f"{prefix}_first_year"),
                         pl.col(f"{prefix}_last_year").cast(pl.String).fill_null(""), year)

    return [
        _price(pl.col("price_per_kwh").is_not_null(), "price_per_kwh", "currency", "logged", None,
               "price_per_kwh in the run log"),
        _price(pl.col("site_price_per_kwh").is_not_null(), "site_price_per_kwh", "site_currency", "datacenter", None,
               lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_price_source")),
        # indexed to a wholesale market: the series' mean + the adder here; compute prices it hour by hour
        Rule(pl.col("market_price").is_not_null(),
             price_value=pl.col("market_price") + pl.col("site_price_adder_per_kwh").fill_null(0.0),
             price_currency=pl.col("market_currency"), price_basis="datacenter_market_mean",
             tariff_id=lit(MARKET_PREFIX) + pl.col("site_price_market"),
             price_source=pl.format("datacenter {}: wholesale day-ahead price {} {} ({}) + adder {} {}/kWh", pl.col("datacenter"),
                                    pl.col("site_price_market"), pl.col("market_year"), pl.col("market_source"),
                                    pl.col("site_price_adder_per_kwh").fill_null(0.0), pl.col("market_currency"))),
        _price(pl.col("tariff_price").is_not_null() & in_force("tariff"), "tariff_price", "tariff_currency", "datacenter_tariff",
               site_tariff, pl.col("tariff_source")),
        # time-of-use: the schedule's average here; compute integrates the schedule over each run
        _price(pl.col("tou_price").is_not_null() & in_force("tou"), "tou_price", "tou_currency", "datacenter_tou_mean", site_tariff,
               pl.col("tou_source")),
        # the site's tariff was not in force in the run's year: still the site's only tariff, said so
        _price(pl.col("tariff_price").is_not_null(), "tariff_price", "tariff_currency", "datacenter_tariff_not_in_force",
               site_tariff, pl.col("tariff_source") + not_in_force("tariff")),
        _price(pl.col("tou_price").is_not_null(), "tou_price", "tou_currency", "datacenter_tou_mean_not_in_force", site_tariff,
               pl.col("tou_source") + not_in_force("tou")),
        *[Rule(pl.col(f"{level}_price").is_not_null(), price_value=pl.col(f"{level}_price"),
               price_currency=pl.col(f"{level}_currency"), price_basis=lit(level) + pl.col(f"{level}_price_rule"),
               tariff_id=pl.col(f"{level}_tariff"), price_source=pl.col(f"{level}_price_source")) for level, _ in LEVELS],
        Rule(None, price_value=d.value, price_currency=d_currency, price_basis=d.key, tariff_id=d_tariff, price_source=d.source),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The region's and the country's flat price of the run's year or the latest earlier
    (``{level}_price``, ``_currency``, ``_tariff``, ``_price_source``), the site's tariff, flat
    (``tariff_*``) or time-of-use (``tou_*``); then the rules."""
    for level, key in LEVELS:
        keys = df.select(key, "run_year").drop_nulls()
        best = nearest_year(keys, lib.flat_prices, key).select(
            key, "run_year", pl.col("year_rule").alias(f"{level}_price_rule"),
            pl.col("price_per_kwh").alias(f"{level}_price"),
            pl.col("currency").alias(f"{level}_currency"),
            pl.col("tariff_id").alias(f"{level}_tariff"),
            pl.col("source").alias(f"{level}_price_source"),
        )
        df = df.join(best, on=[key, "run_year"], how="left", maintain_order="left")
    site_tariff = lib.tariffs_by_id.rename(
        {"tariff_id": "site_tariff_id", "price_per_kwh": "tariff_price", "currency": "tariff_currency", "source": "tariff_source",
         "year": "tariff_first_year"}
    ).with_columns(pl.col("tariff_first_year").alias("tariff_last_year"))
    tou = pl.DataFrame(
        [{"site_tariff_id": t.tariff_id, "tou_price": t.mean_price, "tou_currency": t.currency, "tou_source": t.source,
          "tou_first_year": t.first_year, "tou_last_year": t.last_year} for t in lib.tou_tariffs.values()],
        schema={"site_tariff_id": pl.String, "tou_price": pl.Float64, "tou_currency": pl.String, "tou_source": pl.String,
                "tou_first_year": pl.Int64, "tou_last_year": pl.Int64},
    )
    markets = lib.market_grid.series.select(
        pl.col("market").alias("site_price_market"), pl.col("mean_price_per_kwh").alias("market_price"),
        pl.col("currency").alias("market_currency"), pl.col("source").alias("market_source"), pl.col("year").alias("market_year"))
    df = df.join(site_tariff, on="site_tariff_id", how="left", maintain_order="left").join(
        tou, on="site_tariff_id", how="left", maintain_order="left").join(
        markets, on="site_price_market", how="left", maintain_order="left")
    return df.with_columns(fold(rules(lib), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(lib), COLUMNS, only=PER_RUN))
