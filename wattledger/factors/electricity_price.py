"""Electricity price (``price_basis``, ``tariff_id``): logged ``price_per_kwh`` + ``currency`` >
datacenter (site file: a price, or a ``tariff`` id: flat, else time-of-use at the schedule's
mean) > the region's flat price (US: EIA-861 industrial; Europe: Eurostat non-household band
ID, else IC) for the run's year or the latest earlier > its country, same rule > the documented
default (US industrial, latest). A time-of-use price is integrated over each run by
wattledger.factors.hourly. Costs keep their currency; nothing is converted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.keys import best_before
from wattledger.factors.ladder import Rule, fold

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"price_value": pl.Float64, "price_currency": pl.String, "price_basis": pl.String, "tariff_id": pl.String,
           "price_source": pl.String}
PER_RUN = ("price_value",)
LEVELS = (("region", "region_key"), ("country", "country_key"))


def _price(when: pl.Expr, value: str, currency: str, basis: str, tariff: pl.Expr | None, source: pl.Expr | str) -> Rule:
    return Rule(when, price_value=pl.col(value), price_currency=pl.col(currency), price_basis=basis, tariff_id=tariff,
                price_source=source)


def rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    d, d_currency, d_tariff = lib.default_price
    site_tariff = pl.col("site_tariff_id")
    return [
        _price(pl.col("price_per_kwh").is_not_null(), "price_per_kwh", "currency", "logged", None,
               "price_per_kwh in the run log"),
        _price(pl.col("site_price_per_kwh").is_not_null(), "site_price_per_kwh", "site_currency", "datacenter", None,
               lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_price_source")),
        _price(pl.col("tariff_price").is_not_null(), "tariff_price", "tariff_currency", "datacenter_tariff", site_tariff,
               pl.col("tariff_source")),
        # time-of-use: the schedule's average here; compute integrates the schedule over each run
        _price(pl.col("tou_price").is_not_null(), "tou_price", "tou_currency", "datacenter_tou_mean", site_tariff,
               pl.col("tou_source")),
        *[_price(pl.col(f"{level}_price").is_not_null(), f"{level}_price", f"{level}_currency", level, pl.col(f"{level}_tariff"),
                 pl.col(f"{level}_price_source")) for level, _ in LEVELS],
        Rule(None, price_value=d.value, price_currency=d_currency, price_basis=d.key, tariff_id=d_tariff, price_source=d.source),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The region's and the country's flat price of the run's year or the latest earlier
    (``{level}_price``, ``_currency``, ``_tariff``, ``_price_source``), the site's tariff, flat
    (``tariff_*``) or time-of-use (``tou_*``); then the rules."""
    for level, key in LEVELS:
        keys = df.select(key, "run_year").drop_nulls()
        best = best_before(keys, lib.flat_prices, key).select(
            key, "run_year",
            pl.col("price_per_kwh").alias(f"{level}_price"),
            pl.col("currency").alias(f"{level}_currency"),
            pl.col("tariff_id").alias(f"{level}_tariff"),
            pl.col("source").alias(f"{level}_price_source"),
        )
        df = df.join(best, on=[key, "run_year"], how="left", maintain_order="left")
    site_tariff = lib.tariffs_by_id.rename(
        {"tariff_id": "site_tariff_id", "price_per_kwh": "tariff_price", "currency": "tariff_currency", "source": "tariff_source"}
    )
    tou = pl.DataFrame(
        [{"site_tariff_id": t.tariff_id, "tou_price": t.mean_price, "tou_currency": t.currency, "tou_source": t.source}
         for t in lib.tou_tariffs.values()],
        schema={"site_tariff_id": pl.String, "tou_price": pl.Float64, "tou_currency": pl.String, "tou_source": pl.String},
    )
    df = df.join(site_tariff, on="site_tariff_id", how="left", maintain_order="left").join(
        tou, on="site_tariff_id", how="left", maintain_order="left")
    return df.with_columns(fold(rules(lib), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(lib), COLUMNS, only=PER_RUN))
