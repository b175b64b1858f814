"""Time-resolved factors: hourly grid intensity and time-of-use prices over each run.

Refines the annual factor and flat price that the resolution stages gave
(wattledger.factors.resolve), with the exact integrals of wattledger.kernel.hourly
(docs/time_resolved.md).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from wattledger.factors.hourly_series import series_of_runs
from wattledger.factors.tables import ReferenceTables, TouTariff
from wattledger.kernel.hourly import fill_uncovered, hourly_mean
from wattledger.factors.market import GRID_AVERAGE_BASES
from wattledger.method import HOURLY_REFINABLE

#: Measured energy of a run in one UTC hour (wattledger.compute.attribution): weights hourly intensity and prices.
PIECES_SCHEMA = {"run_id": pl.String, "start_s": pl.Float64, "end_s": pl.Float64, "energy_kwh": pl.Float64}


def _column(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).to_numpy()


def series_mean(start_series_s, values, sid, run_ids: pl.Series, start_s, end_s, pieces: pl.DataFrame):
    """Mean of each run's series over [start, end) and the covered share: time-weighted, or
    energy-weighted for runs with measured energy per hour (``pieces``: run_id, start_s,
    end_s, energy_kwh), whose covered share is then the share of measured energy covered."""
    mean = hourly_mean(start_series_s, values, start_s, end_s, series_index=sid)
    value, covered = mean.mean.copy(), np.nan_to_num(mean.covered_fraction, nan=0.0)
    if pieces.height:
        n_runs = run_ids.len()
        # each piece's run (a repeated run_id: its last row), pieces in their order (the sums below add in it)
        runs = pl.DataFrame({"run_id": run_ids}).with_row_index("parent").unique("run_id", keep="last")
        mine = pieces.join(runs, on="run_id", how="inner", maintain_order="left")
        if mine.height:
            parent = mine["parent"].to_numpy().astype(np.intp)
            e = mine["energy_kwh"].to_numpy()
            piece = hourly_mean(start_series_s, values, mine["start_s"].to_numpy(), mine["end_s"].to_numpy(),
                                series_index=sid[parent])
            ok = np.isfinite(piece.mean) & (piece.covered_fraction > 0)
            weighted = np.bincount(parent, weights=np.where(ok, e * piece.covered_fraction * np.nan_to_num(piece.mean), 0.0),
                                   minlength=n_runs)
            covered_e = np.bincount(parent, weights=np.where(ok, e * piece.covered_fraction, 0.0), minlength=n_runs)
            total_e = np.bincount(parent, weights=e, minlength=n_runs)
            has = total_e > 0
            value = np.where(has, np.divide(weighted, covered_e, out=np.full(n_runs, np.nan), where=covered_e > 0), value)
            covered = np.where(has, covered_e / np.where(has, total_e, 1.0), covered)
    return value, covered


def _epoch_s(column: pl.Series) -> np.ndarray:
    """A datetime column as seconds since the epoch (float64). [s]"""
    return column.dt.epoch("us").to_numpy() / 1e6


def _with_rows_replaced(frame: pl.DataFrame, mask: pl.Series, refined: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the columns of ``refined`` replaced in the rows of ``mask`` (``refined``
    has one row per such row, in order), ordered by run_id.

    The order is that of the rows left as they were followed by the refined ones, sorted by
    run_id: when run_id already increases strictly (the compute batches), that is the
    frame's own order and nothing is moved.
    """
    rows = mask.arg_true()
    out = frame.with_columns(frame[name].clone().scatter(rows, refined[name]) for name in refined.columns)
    run_id = frame["run_id"]
    if frame.height < 2 or (run_id.slice(1) > run_id.slice(0, frame.height - 1)).fill_null(False).all():
        return out
    return pl.concat([out.filter(~mask), out.filter(mask)], how="vertical").sort("run_id")


def _hourly_sources(sub: pl.DataFrame, covered: np.ndarray, which: pl.DataFrame) -> pl.Series:
    """intensity_source of refined runs: the series (``which``: its year and source, one row per
    run), the covered share (in whole percent) and, when partial, the annual factor's source for the rest."""
    # Python's "{:.0%}": x * 100 in float64, rounded half to even (np.rint does the same)
    percent = pl.Series(np.rint(covered * 100.0).astype(np.int64)).cast(pl.String)
    rest = pl.when(pl.Series(covered >= 1)).then(pl.lit("")).otherwise(
        pl.lit("; the rest at the annual factor: ") + pl.col("intensity_source").fill_null("None"))
    return sub.with_columns(which["region"].alias("_series_region"), which["year"].alias("_series_year"),
                            which["source"].alias("_series_source")).select(
        pl.concat_str(pl.lit("hourly series "), pl.col("_series_region"), pl.lit(" "), pl.col("_series_year").cast(pl.String),
                      pl.lit(" ("), pl.col("_series_source"), pl.lit("), "), percent,
                      pl.lit("% of the run"), rest).alias("intensity_source")
    ).to_series()


def apply_hourly_intensity(ok: pl.DataFrame, lib: ReferenceTables, pieces: pl.DataFrame | None = None) -> pl.DataFrame:
    """Replace the annual grid factor by the hourly series' mean over the run, where the run's
    region has an hourly series and the run has start and end.

    The part of the run outside the series (or on a missing hour) keeps the annual factor:
    value = covered share x hourly mean + uncovered share x annual factor. A run with any
    covered time gets basis ``hourly`` (all of it covered) or ``hourly_partial``, and its
    covered share in ``intensity_hourly_coverage``. A run with measured energy per hour
    (``pieces``) is weighted by it; others are taken to draw constant power.
    """
    grid = lib.hourly_grid
    row = grid.row_of
    candidate = (
        pl.col("intensity_basis").is_in(HOURLY_REFINABLE)
        & pl.col("intensity_region").is_in(list(row))
        & pl.col("started_at").is_not_null()
        & pl.col("ended_at").is_not_null()
    )
    ok = ok.with_columns(pl.lit(None, pl.Float64).alias("intensity_hourly_coverage"))
    mask = ok.select(candidate.fill_null(False)).to_series()
    if not mask.any():
        return ok
    # only the columns read or refined, of the candidate rows
    sub = ok.select("run_id", "started_at", "ended_at", "intensity_region", "intensity_kg_per_kwh", "intensity_low_kg_per_kwh",
                    "intensity_high_kg_per_kwh", "intensity_basis", "intensity_source", "intensity_year",
                    "market_basis", "market_factor_kg_per_kwh",
                    *[c for c in ("market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh") if c in ok.columns]).filter(mask)
    sid = sub["intensity_region"].replace_strict(row, return_dtype=pl.Int64).to_numpy().astype(np.intp)
    start_s, end_s = _epoch_s(sub["started_at"]), _epoch_s(sub["ended_at"])
    hourly, covered = series_mean(grid.start_s, grid.values, sid, sub["run_id"], start_s, end_s,
                                  pieces if pieces is not None else pl.DataFrame(schema=PIECES_SCHEMA))
    # which series (year, source) of the region the run falls in: a region may have several years
    which = series_of_runs(grid.series, pl.Series([grid.regions[i] for i in sid], dtype=pl.String), start_s, end_s)
    annual = _column(sub, "intensity_kg_per_kwh")
    low, high = _column(sub, "intensity_low_kg_per_kwh"), _column(sub, "intensity_high_kg_per_kwh")
    used = covered > 0
    used_s = pl.Series(used)
    refined = sub.select(
        pl.Series("intensity_kg_per_kwh", np.where(used, fill_uncovered(hourly, covered, annual), annual)),
        pl.Series("intensity_low_kg_per_kwh", np.where(used, fill_uncovered(hourly, covered, low), low)),
        pl.Series("intensity_high_kg_per_kwh", np.where(used, fill_uncovered(hourly, covered, high), high)),
        pl.when(used_s).then(pl.when(pl.Series(covered >= 1)).then(pl.lit("hourly")).otherwise(pl.lit("hourly_partial")))
        .otherwise(pl.col("intensity_basis")).alias("intensity_basis"),
        pl.when(used_s).then(_hourly_sources(sub, covered, which)).otherwise(pl.col("intensity_source")).alias("intensity_source"),
        pl.when(used_s).then(which["year"].cast(pl.Int64))
        .otherwise(pl.col("intensity_year")).cast(pl.Int32).alias("intensity_year"),
        pl.Series("intensity_hourly_coverage", np.where(used, covered, np.nan)).fill_nan(None),
    ).with_columns(
        # market-based falls back to the location factor when no instruments: keep them in step
        pl.when(sub["market_basis"].is_in(GRID_AVERAGE_BASES)).then(pl.col(f"intensity{b}_kg_per_kwh"))
        .otherwise(sub[f"market_factor{b}_kg_per_kwh"]).alias(f"market_factor{b}_kg_per_kwh")
        for b in ("", "_low", "_high") if b == "" or f"market_factor{b}_kg_per_kwh" in sub.columns
    )
    return _with_rows_replaced(ok, mask, refined)


def _tou_series(tariff: TouTariff, timezone: str, first_s: float, last_s: float) -> tuple[float, np.ndarray]:
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


def apply_tou_prices(ok: pl.DataFrame, lib: ReferenceTables, pieces: pl.DataFrame | None = None) -> pl.DataFrame:
    """Price runs on a time-of-use tariff at the exact time-weighted mean of its schedule over
    [started_at, ended_at) (basis ``datacenter_tou``); runs without times keep the schedule's
    average (``datacenter_tou_mean``)."""
    mask = ok.select((pl.col("price_basis") == "datacenter_tou_mean") & pl.col("started_at").is_not_null()
                     & pl.col("ended_at").is_not_null()).to_series().fill_null(False)
    if not mask.any():
        return ok
    sub = ok.select("run_id", "started_at", "ended_at", "tariff_id", "site_timezone", "price_value", "price_source").filter(mask)
    start_s = _epoch_s(sub["started_at"])
    end_s = _epoch_s(sub["ended_at"])
    # one series per (tariff, time zone): a handful, in sorted order
    distinct = sorted(sub.select("tariff_id", "site_timezone").unique().iter_rows())
    series = [_tou_series(lib.tou_tariffs[t], tz, start_s.min(), end_s.max()) for t, tz in distinct]
    width = max(len(v) for _, v in series)
    values = np.full((len(series), width), np.nan)
    for i, (_, v) in enumerate(series):
        values[i, : len(v)] = v
    keys = pl.DataFrame(distinct, schema={"tariff_id": pl.String, "site_timezone": pl.String}, orient="row").with_row_index("sid")
    sid = sub.join(keys, on=["tariff_id", "site_timezone"], how="left", nulls_equal=True, maintain_order="left")["sid"]
    price, _ = series_mean(np.array([s for s, _ in series]), values, sid.to_numpy().astype(np.intp), sub["run_id"], start_s, end_s,
                           pieces if pieces is not None else pl.DataFrame(schema=PIECES_SCHEMA))
    flat = _column(sub, "price_value")
    refined = sub.select(
        pl.Series("price_value", np.where(np.isfinite(price), price, flat)),
        pl.lit("datacenter_tou").alias("price_basis"),
        (pl.col("price_source") + pl.lit(", schedule integrated over the run in ") + pl.col("site_timezone")).alias("price_source"),
    )
    return _with_rows_replaced(ok, mask, refined)
