"""The hourly grid-intensity series, assembled from the series registry.

``grid_intensity/hourly_registry.csv`` has one row per series: region, year, the file holding
it and its column, other names of the region (``aliases``: ``DE`` for ``DE-LU``), scope
(``basis``), hour count, filled hours, first and last hour, hour convention, source, licence.
Adding a year or a zone is adding a file (and its registry rows). Two layouts are read:

* long (``column`` empty): ``region,hour_start_utc,intensity_kg_per_kwh,is_filled``
  (grid_intensity/hourly_us_ba_2022.csv, EIA-930);
* wide: ``hour_start_utc`` then one column per zone [kgCO2e/kWh]
  (grid_intensity/hourly_electricitymaps_2024.csv, Electricity Maps, ODbL).

Every series of one region lies on one timeline of UTC hours (NaN between years: uncovered,
never 0), so the kernel (wattledger.kernel.hourly) integrates across them as one series.
Only series of the method's scope (INTENSITY_SCOPE, lifecycle) are used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from wattledger.factors.errors import FactorError
from wattledger.method import INTENSITY_SCOPE

REGISTRY = "hourly_registry.csv"
_HOUR = "%Y-%m-%dT%H:%M:%SZ"


def registry_files(registry: pl.DataFrame) -> list[str]:
    """The series files the registry names, in first-named order."""
    return registry["file"].unique(maintain_order=True).to_list()


def _series_hours(registry: pl.DataFrame, read: Callable[[str], bytes]) -> pl.DataFrame:
    """region, year, t_s (hour start, s since the epoch), intensity_kg_per_kwh of every series."""
    parts = []
    for name in registry_files(registry):
        rows = registry.filter(pl.col("file") == name)
        data = pl.read_csv(read(name), infer_schema_length=None, schema_overrides={"hour_start_utc": pl.String})
        if "region" in data.columns:  # long layout
            long = data.select("region", "hour_start_utc", pl.col("intensity_kg_per_kwh").cast(pl.Float64))
        else:
            missing = set(rows["column"].to_list()) - set(data.columns)
            if missing:
                raise FactorError(f"grid_intensity/{name}: no column(s) {sorted(missing)} named by {REGISTRY}")
            long = data.unpivot(index="hour_start_utc", on=rows["column"].to_list(), variable_name="column",
                                value_name="intensity_kg_per_kwh").join(
                rows.select("column", "region"), on="column").select("region", "hour_start_utc",
                                                                     pl.col("intensity_kg_per_kwh").cast(pl.Float64))
        t = pl.col("hour_start_utc").str.to_datetime(_HOUR, time_zone="UTC").dt.epoch("s")
        long = long.with_columns(t.alias("t_s")).with_columns((pl.from_epoch("t_s", "s").dt.year()).alias("t_year"))
        # a row belongs to the series of its region whose [first, last] hour holds it
        spans = rows.select("region", "year", _epoch("first_hour_start_utc").alias("first_s"),
                            _epoch("last_hour_start_utc").alias("last_s"))
        long = long.join(spans, on="region").filter((pl.col("t_s") >= pl.col("first_s")) & (pl.col("t_s") <= pl.col("last_s")))
        parts.append(long.select("region", "year", "t_s", "intensity_kg_per_kwh"))
    return pl.concat(parts)


def _epoch(column: str) -> pl.Expr:
    return pl.col(column).str.to_datetime(_HOUR, time_zone="UTC").dt.epoch("s")


def assemble(registry: pl.DataFrame, read: Callable[[str], bytes]):
    """(regions, start_s, values, series, aliases) of every series of the method's scope; see
    wattledger.factors.tables.HourlyGrid."""
    registry = registry.filter(pl.col("basis") == INTENSITY_SCOPE)
    dup = registry.group_by("region", "year").len().filter(pl.col("len") > 1)
    if dup.height:
        raise FactorError(f"grid_intensity/{REGISTRY}: series given twice: {dup.select('region', 'year').rows()}")
    hours = _series_hours(registry, read)
    regions = sorted(set(registry["region"].to_list()))
    row = {r: i for i, r in enumerate(regions)}
    first = hours.group_by("region").agg(pl.col("t_s").min().alias("first"), pl.col("t_s").max().alias("last"))
    first_of = dict(first.select("region", "first").iter_rows())
    width = int(first.select((pl.col("last") - pl.col("first")) // 3600 + 1).max().item())
    values = np.full((len(regions), width), np.nan)
    r = hours["region"].replace_strict(row, return_dtype=pl.Int64).to_numpy()
    c = (hours["t_s"].to_numpy() - hours["region"].replace_strict(first_of, return_dtype=pl.Int64).to_numpy()) // 3600
    values[r, c] = hours["intensity_kg_per_kwh"].to_numpy()
    start_s = np.array([float(first_of[x]) for x in regions])
    series = registry.select(
        "region", "year", "source", "filled_hours",
        _epoch("first_hour_start_utc").cast(pl.Float64).alias("first_s"),
        (_epoch("last_hour_start_utc") + 3600).cast(pl.Float64).alias("end_s"),
    ).sort("region", "year")
    aliases = {a: reg for reg, names in registry.select("region", pl.col("aliases").fill_null("")).iter_rows()
               for a in names.split(";") if a and a not in row}
    return regions, start_s, values, series, aliases


def series_of_runs(series: pl.DataFrame, regions: pl.Series, start_s: np.ndarray, end_s: np.ndarray) -> pl.DataFrame:
    """For each run (its series region, start and end [s]): the ``region``, ``year`` and ``source`` of the
    series that holds its start, else its end, else the nearest in time (a run across two series
    names the first)."""
    runs = pl.DataFrame({"region": regions, "a": start_s, "b": end_s}).with_row_index("i")
    cand = runs.join(series, on="region", how="left").with_columns(
        pl.when((pl.col("a") >= pl.col("first_s")) & (pl.col("a") < pl.col("end_s"))).then(0)
        .when((pl.col("b") > pl.col("first_s")) & (pl.col("b") <= pl.col("end_s"))).then(1)
        .otherwise(2).alias("rank"),
        pl.min_horizontal((pl.col("first_s") - pl.col("b")).abs(), (pl.col("a") - pl.col("end_s")).abs()).alias("gap"),
    )
    best = cand.sort("i", "rank", "gap", "year").group_by("i", maintain_order=True).first()
    return best.select("region", "year", "source")
