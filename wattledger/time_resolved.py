"""Time-resolved factors: hourly grid intensity and time-of-use prices over each run.

Refines the annual factor and flat price that wattledger.factors resolved, with the exact
integrals of wattledger.kernel.hourly (docs/time_resolved.md).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from wattledger.attribution import PIECES_SCHEMA
from wattledger.factors import FactorLibrary
from wattledger.kernel.hourly import fill_uncovered, hourly_mean


def _column(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).to_numpy()


#: Intensity bases an hourly series may refine: the run's annual grid factor came from its region.
HOURLY_REFINABLE = ("region", "region_earlier_year")


def series_mean(start_series_s, values, sid, run_ids: list[str], start_s, end_s, pieces: pl.DataFrame):
    """Mean of each run's series over [start, end) and the covered share: time-weighted, or
    energy-weighted for runs with measured energy per hour (``pieces``: run_id, start_s,
    end_s, energy_kwh), whose covered share is then the share of measured energy covered."""
    mean = hourly_mean(start_series_s, values, start_s, end_s, series_index=sid)
    value, covered = mean.mean.copy(), np.nan_to_num(mean.covered_fraction, nan=0.0)
    if pieces.height:
        index = {r: i for i, r in enumerate(run_ids)}
        mine = pieces.filter(pl.col("run_id").is_in(run_ids))
        if mine.height:
            parent = np.array([index[r] for r in mine["run_id"].to_list()], dtype=np.intp)
            e = mine["energy_kwh"].to_numpy()
            piece = hourly_mean(start_series_s, values, mine["start_s"].to_numpy(), mine["end_s"].to_numpy(),
                                series_index=sid[parent])
            ok = np.isfinite(piece.mean) & (piece.covered_fraction > 0)
            weighted = np.bincount(parent, weights=np.where(ok, e * piece.covered_fraction * np.nan_to_num(piece.mean), 0.0),
                                   minlength=len(run_ids))
            covered_e = np.bincount(parent, weights=np.where(ok, e * piece.covered_fraction, 0.0), minlength=len(run_ids))
            total_e = np.bincount(parent, weights=e, minlength=len(run_ids))
            has = total_e > 0
            value = np.where(has, np.divide(weighted, covered_e, out=np.full(len(run_ids), np.nan), where=covered_e > 0), value)
            covered = np.where(has, covered_e / np.where(has, total_e, 1.0), covered)
    return value, covered


def apply_hourly_intensity(ok: pl.DataFrame, lib: FactorLibrary, pieces: pl.DataFrame | None = None) -> pl.DataFrame:
    """Replace the annual grid factor by the hourly series' mean over the run, where the run's
    region has an hourly series and the run has start and end.

    The part of the run outside the series (or on a missing hour) keeps the annual factor:
    value = covered share x hourly mean + uncovered share x annual factor. A run with any
    covered time gets basis ``hourly`` (all of it covered) or ``hourly_partial``, and its
    covered share in ``intensity_hourly_coverage``. A run with measured energy per hour
    (``pieces``) is weighted by it; others are taken to draw constant power.
    """
    grid = lib.hourly_grid
    row = {r: i for i, r in enumerate(grid.regions)}
    candidate = (
        pl.col("intensity_basis").is_in(HOURLY_REFINABLE)
        & pl.col("intensity_region").is_in(grid.regions)
        & pl.col("started_at").is_not_null()
        & pl.col("ended_at").is_not_null()
    )
    ok = ok.with_columns(pl.lit(None, pl.Float64).alias("intensity_hourly_coverage"))
    mask = ok.select(candidate.fill_null(False)).to_series().to_numpy()
    if not mask.any():
        return ok
    sub = ok.filter(pl.Series(mask))
    sid = np.array([row[r] for r in sub["intensity_region"].to_list()], dtype=np.intp)
    start_s = sub["started_at"].dt.epoch("us").to_numpy() / 1e6
    end_s = sub["ended_at"].dt.epoch("us").to_numpy() / 1e6
    hourly, covered = series_mean(grid.start_s, grid.values, sid, sub["run_id"].to_list(), start_s, end_s,
                                  pieces if pieces is not None else pl.DataFrame(schema=PIECES_SCHEMA))
    annual = _column(sub, "intensity_kg_per_kwh")
    value = fill_uncovered(hourly, covered, annual)
    low = fill_uncovered(hourly, covered, _column(sub, "intensity_low_kg_per_kwh"))
    high = fill_uncovered(hourly, covered, _column(sub, "intensity_high_kg_per_kwh"))
    series_meta = {r[0]: r for r in grid.series.iter_rows()}
    used = covered > 0
    sources = [
        f"hourly series {reg} {series_meta[reg][1]} ({series_meta[reg][2]}), {c:.0%} of the run"
        + ("" if c >= 1 else f"; the rest at the annual factor: {src}")
        for reg, c, src in zip(sub["intensity_region"].to_list(), covered, sub["intensity_source"].to_list(), strict=True)
    ]
    refined = sub.with_columns(
        pl.Series("intensity_kg_per_kwh", np.where(used, value, annual)),
        pl.Series("intensity_low_kg_per_kwh", np.where(used, low, _column(sub, "intensity_low_kg_per_kwh"))),
        pl.Series("intensity_high_kg_per_kwh", np.where(used, high, _column(sub, "intensity_high_kg_per_kwh"))),
        pl.Series("intensity_basis", np.where(used, np.where(covered >= 1, "hourly", "hourly_partial"), sub["intensity_basis"].to_numpy())),
        pl.Series("intensity_source", np.where(used, np.array(sources, dtype=object), sub["intensity_source"].to_numpy())).cast(pl.String),
        pl.Series("intensity_year", np.where(used, [series_meta[r][1] for r in sub["intensity_region"].to_list()], sub["intensity_year"].to_numpy())).cast(pl.Int32),
        pl.Series("intensity_hourly_coverage", np.where(used, covered, np.nan)).fill_nan(None),
    )
    # market-based falls back to the location factor when no instruments: keep them in step
    refined = refined.with_columns(
        pl.when(pl.col("market_basis") == "no_instruments:grid_average").then(pl.col("intensity_kg_per_kwh"))
        .otherwise(pl.col("market_factor_kg_per_kwh")).alias("market_factor_kg_per_kwh")
    )
    return pl.concat([ok.filter(~pl.Series(mask)), refined], how="vertical").sort("run_id")


def _tou_series(tariff, timezone: str, first_s: float, last_s: float) -> tuple[float, np.ndarray]:
    """The tariff's price in every UTC hour from first_s to last_s: (first hour [s], prices).

    The schedule is in the site's local time: each UTC hour is converted, then priced by
    its local month, hour and weekday/weekend (holidays are not known: priced as their
    weekday). [currency/kWh]
    """
    first = int(first_s // 3600 * 3600)
    hours = pl.DataFrame({"t_s": np.arange(first, last_s + 3600, 3600, dtype=np.int64)})
    local = hours.with_columns(pl.from_epoch("t_s", time_unit="s").dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).alias("t"))
    month = local["t"].dt.month().to_numpy() - 1
    hour = local["t"].dt.hour().to_numpy()
    weekend = local["t"].dt.weekday().to_numpy() >= 6  # ISO: Saturday 6, Sunday 7
    return float(first), np.where(weekend, tariff.weekend[month, hour], tariff.weekday[month, hour])


def apply_tou_prices(ok: pl.DataFrame, lib: FactorLibrary, pieces: pl.DataFrame | None = None) -> pl.DataFrame:
    """Price runs on a time-of-use tariff at the exact time-weighted mean of its schedule over
    [started_at, ended_at) (basis ``datacenter_tou``); runs without times keep the schedule's
    average (``datacenter_tou_mean``)."""
    mask = ok.select((pl.col("price_basis") == "datacenter_tou_mean") & pl.col("started_at").is_not_null()
                     & pl.col("ended_at").is_not_null()).to_series().fill_null(False).to_numpy()
    if not mask.any():
        return ok
    sub = ok.filter(pl.Series(mask))
    start_s = sub["started_at"].dt.epoch("us").to_numpy() / 1e6
    end_s = sub["ended_at"].dt.epoch("us").to_numpy() / 1e6
    keys = list(zip(sub["tariff_id"].to_list(), sub["site_timezone"].to_list(), strict=True))
    distinct = sorted(set(keys))
    series = [_tou_series(lib.tou_tariffs[t], tz, start_s.min(), end_s.max()) for t, tz in distinct]
    width = max(len(v) for _, v in series)
    values = np.full((len(series), width), np.nan)
    for i, (_, v) in enumerate(series):  # one row per (tariff, time zone): a handful
        values[i, : len(v)] = v
    sid = np.array([distinct.index(k) for k in keys], dtype=np.intp)
    price, _ = series_mean(np.array([s for s, _ in series]), values, sid, sub["run_id"].to_list(), start_s, end_s,
                           pieces if pieces is not None else pl.DataFrame(schema=PIECES_SCHEMA))
    refined = sub.with_columns(
        pl.Series("price_value", np.where(np.isfinite(price), price, _column(sub, "price_value"))),
        pl.lit("datacenter_tou").alias("price_basis"),
        (pl.col("price_source") + pl.lit(", schedule integrated over the run in ") + pl.col("site_timezone")).alias("price_source"),
    )
    return pl.concat([ok.filter(~pl.Series(mask)), refined], how="vertical").sort("run_id")
