"""Compute footprints: runs from the store -> factors -> numpy kernel -> footprints table."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

import numpy as np

from wattledger.attribution import PIECES_SCHEMA, measured_telemetry
from wattledger.factors import FactorLibrary, normalise_model
from wattledger.kernel import FootprintInputs, footprints
from wattledger.kernel.hourly import fill_uncovered, hourly_mean
from wattledger.resources import sql_text
from wattledger.store import replace_footprints


@dataclass(frozen=True)
class ComputeResult:
    computed: int
    unresolved: int
    factor_set: str


def _column(frame: pl.DataFrame, name: str):
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
    covered share in ``intensity_hourly_coverage``. The run is taken to draw constant power
    over its interval, so the time-weighted mean is the energy-weighted one.
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


def compute_footprints(
    con: duckdb.DuckDBPyConnection, *, recompute_all: bool = False, library: FactorLibrary | None = None
) -> ComputeResult:
    """Fill footprints for every run that needs one, in one transaction.

    Runs whose factors cannot be resolved are recorded in ``unresolved_runs`` with
    the reason, and get no footprint (never a guessed one).
    """
    telemetry = con.sql("select count(*), max(source_file_id) from power_samples").fetchall()[0]
    lib = library or FactorLibrary(sites=con.sql(sql_text("compute/datacenters.sql")).pl(), data_version=f"samples:{telemetry}")
    runs = con.sql(sql_text("compute/runs_to_compute.sql"), params={"factor_set": lib.version, "recompute_all": recompute_all}).pl()
    if runs.height == 0:
        return ComputeResult(0, 0, lib.version)
    tdp = runs.select("run_id", normalise_model(pl.col("gpu_model")).alias("model_key")).join(
        lib.gpu_aliases.select("model_key", "tdp_w"), on="model_key", how="left").select("run_id", "tdp_w")
    telemetry, pieces = measured_telemetry(con, runs, tdp)
    runs = runs.join(telemetry, on="run_id", how="left", maintain_order="left")
    resolved = lib.resolve(runs)
    ok = resolved.filter(pl.col("unresolved_reason").is_null())
    # telemetry pieces weight the series only for runs whose energy is that telemetry
    pieces = pieces.join(ok.filter(pl.col("power_source").str.starts_with("telemetry:")).select("run_id"), on="run_id")
    ok = apply_tou_prices(apply_hourly_intensity(ok, lib, pieces), lib, pieces).rechunk()
    bad = resolved.filter(pl.col("unresolved_reason").is_not_null())

    inputs = FootprintInputs(
        gpu_hours=_column(ok, "gpu_hours"),
        power_w=_column(ok, "power_w"),
        power_low_w=_column(ok, "power_low_w"),
        power_high_w=_column(ok, "power_high_w"),
        pue=_column(ok, "pue_value"),
        pue_low=_column(ok, "pue_low"),
        pue_high=_column(ok, "pue_high"),
        intensity_kg_per_kwh=_column(ok, "intensity_kg_per_kwh"),
        intensity_low_kg_per_kwh=_column(ok, "intensity_low_kg_per_kwh"),
        intensity_high_kg_per_kwh=_column(ok, "intensity_high_kg_per_kwh"),
        price_per_kwh=_column(ok, "price_value"),
        market_covered_share=_column(ok, "market_covered_share"),
        market_factor_kg_per_kwh=_column(ok, "market_factor_kg_per_kwh"),
    )
    out = footprints(inputs)
    table = ok.select(
        "run_id",
        pl.lit(lib.version).alias("factor_set"),
        "gpu_hours",
        "power_w",
        "power_low_w",
        "power_high_w",
        "power_basis",
        "power_source",
        pl.col("pue_value").alias("pue"),
        "pue_low",
        "pue_high",
        "pue_basis",
        "pue_source",
        "intensity_kg_per_kwh",
        "intensity_low_kg_per_kwh",
        "intensity_high_kg_per_kwh",
        "intensity_basis",
        "intensity_source",
        "intensity_year",
        "intensity_region",
        "intensity_hourly_coverage",
        "market_covered_share",
        "market_factor_kg_per_kwh",
        "market_basis",
        "market_source",
        pl.col("price_value").alias("price_per_kwh"),
        pl.col("price_currency").alias("currency"),
        "price_basis",
        "tariff_id",
        "price_source",
        (pl.col("gpu_hours") * pl.col("embodied_kg_per_gpu_hour")).alias("embodied_co2e_kg"),
        "embodied_source",
    ).with_columns(pl.Series(name, values) for name, values in out.items())

    con.execute("begin transaction")
    try:
        replace_footprints(con, table.to_arrow(), in_transaction=True)
        con.execute(
            "delete from unresolved_runs where run_id in (select unnest(?))", [runs["run_id"].to_list()]
        )
        if bad.height:
            con.executemany(
                "insert into unresolved_runs (run_id, factor_set, reason) values (?, ?, ?)",
                [[r, lib.version, why] for r, why in bad.select("run_id", "unresolved_reason").iter_rows()],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return ComputeResult(computed=table.height, unresolved=bad.height, factor_set=lib.version)
