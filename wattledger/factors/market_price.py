"""Electricity indexed to a wholesale day-ahead market, priced hour by hour.

A datacenter of the site file may say ``price: {market: US-TEX-ERCO, adder_per_kwh: 0.03}``:
its electricity costs the market's hourly day-ahead price plus a fixed adder (network,
supplier margin, taxes: the contract's own figure). The markets are those of
``tariffs/wholesale_markets.csv`` (the market registry: market, year, file, column, unit USD/MWh,
source, licence; adding a year or a market is adding a file and its rows), their hours in
``tariffs/wholesale_prices_<year>.csv`` (wide: one column per market).

Resolution (wattledger.factors.electricity_price) gives such a run the market's mean over its
series + the adder (basis ``datacenter_market_mean``); compute then replaces it by the exact
mean of the hourly price over [started_at, ended_at) (wattledger.kernel.hourly; weighted by
measured energy per hour where the run's energy is telemetry) + the adder: basis
``datacenter_market``, or ``datacenter_market_partial`` when part of the run lies outside the
series (that part at the series' mean, said in the source). Prices are converted USD/MWh →
USD/kWh by ``wattledger.units.KWH_PER_MWH``; negative prices are kept (they happen).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from wattledger.kernel.hourly import fill_uncovered, hourly_mean
from wattledger.units import KWH_PER_MWH

if TYPE_CHECKING:
    from wattledger.factors.tables import ReferenceTables

REGISTRY = "wholesale_markets.csv"
MARKET_PREFIX = "market:"  # tariff_id of a market-indexed price: market:<MARKET>
_HOUR = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class MarketGrid:
    """Hourly market prices: market names, each row's first hour [s], values (markets × hours)
    [currency/kWh], and one row per market: market, year, currency, mean_price_per_kwh, source."""

    markets: list[str]
    start_s: np.ndarray
    values: np.ndarray
    series: pl.DataFrame


def registry(lib: ReferenceTables) -> pl.DataFrame:
    return pl.read_csv(lib.file_bytes("tariffs", REGISTRY), infer_schema_length=None)


def market_files(lib: ReferenceTables) -> list[str]:
    """The price files the market registry names."""
    return registry(lib)["file"].unique(maintain_order=True).to_list()


def market_grid(lib: ReferenceTables) -> MarketGrid:
    """Every market's hourly prices as one NaN-padded 2-D array (one year per market)."""
    reg = registry(lib).sort("market")
    dup = reg.group_by("market").len().filter(pl.col("len") > 1)
    if dup.height:
        from wattledger.factors.errors import FactorError
        raise FactorError(f"tariffs/{REGISTRY}: markets with several years are not supported yet: {dup['market'].to_list()}")
    tables = {name: pl.read_csv(lib.file_bytes("tariffs", name), infer_schema_length=None,
                                schema_overrides={"hour_start_utc": pl.String}) for name in reg["file"].unique().to_list()}
    width = max(t.height for t in tables.values())
    values = np.full((reg.height, width), np.nan)
    start_s = np.empty(reg.height)
    for i, (name, column) in enumerate(reg.select("file", "column").iter_rows()):
        t = tables[name]
        first = t.select(pl.col("hour_start_utc").first().str.to_datetime(_HOUR, time_zone="UTC").dt.epoch("s")).item()
        start_s[i] = float(first)
        values[i, : t.height] = t[column].cast(pl.Float64).to_numpy() / KWH_PER_MWH
    series = reg.select("market", "year", "currency", (pl.col("mean_price") / KWH_PER_MWH).alias("mean_price_per_kwh"),
                        "source")
    return MarketGrid(reg["market"].to_list(), start_s, values, series)


def market_price_at(lib: ReferenceTables, markets: pl.Series, start_s: np.ndarray, end_s: np.ndarray) -> np.ndarray:
    """The market's exact mean price over each interval [currency/kWh]; NaN unless fully covered."""
    grid = lib.market_grid
    row = {m: i for i, m in enumerate(grid.markets)}
    names = markets.str.strip_prefix(MARKET_PREFIX)
    sid = names.replace_strict(row, default=-1, return_dtype=pl.Int64).to_numpy()
    out = np.full(sid.size, np.nan)
    known = sid >= 0
    if known.any():
        m = hourly_mean(grid.start_s, grid.values, start_s[known], end_s[known], series_index=sid[known])
        out[known] = np.where(m.covered_fraction >= 1, m.mean, np.nan)
    return out


def apply_market_prices(ok: pl.DataFrame, lib: ReferenceTables, pieces: pl.DataFrame | None = None) -> pl.DataFrame:
    """Price runs of a market-indexed datacenter (basis ``datacenter_market_mean``, with start
    and end) at the market's exact mean over the run + the adder; see the module's docstring."""
    from wattledger.factors.hourly import PIECES_SCHEMA, _epoch_s, _with_rows_replaced, series_mean

    mask = ok.select((pl.col("price_basis") == "datacenter_market_mean") & pl.col("started_at").is_not_null()
                     & pl.col("ended_at").is_not_null()).to_series().fill_null(False)
    if not mask.any():
        return ok
    grid = lib.market_grid
    row = {m: i for i, m in enumerate(grid.markets)}
    sub = ok.select("run_id", "started_at", "ended_at", "tariff_id", "price_value", "price_source", "site_price_adder_per_kwh",
                    ).filter(mask)
    market = sub["tariff_id"].str.strip_prefix(MARKET_PREFIX)
    sid = market.replace_strict(row, return_dtype=pl.Int64).to_numpy().astype(np.intp)
    mean, covered = series_mean(grid.start_s, grid.values, sid, sub["run_id"], _epoch_s(sub["started_at"]),
                                _epoch_s(sub["ended_at"]), pieces if pieces is not None else pl.DataFrame(schema=PIECES_SCHEMA))
    adder = sub["site_price_adder_per_kwh"].fill_null(0.0).to_numpy()
    series_mean_price = sub["price_value"].to_numpy() - adder  # resolution's placeholder: the series' mean
    price = fill_uncovered(mean, covered, series_mean_price) + adder
    percent = pl.Series(np.rint(covered * 100.0).astype(np.int64)).cast(pl.String)
    full = pl.Series(covered >= 1)
    refined = sub.select(
        pl.Series("price_value", price),
        pl.when(full).then(pl.lit("datacenter_market")).otherwise(pl.lit("datacenter_market_partial")).alias("price_basis"),
        (pl.col("price_source") + pl.lit("; hourly over the run: ") + percent + pl.lit("% of it in the series")
         + pl.when(full).then(pl.lit("")).otherwise(pl.lit(", the rest at the series' mean"))).alias("price_source"),
    )
    return _with_rows_replaced(ok, mask, refined)
