"""The first stage: a run's keys into the tables (its datacenter, region, country, year, month).

A run's datacenter is matched with the site file's ignoring case and surrounding spaces (like
regions). A run's region is its own ``region``, else its datacenter's (site file); region ids are
matched case-insensitively, and other spellings name their key (wattledger.factors.regions:
``eia:CISO``, ``FRA``, ``France``, ``UK``). Its grid zone (``zone_key``) and price region
(``price_region_key``) are those of grid_intensity/region_grid.csv (``aws:us-east-1`` ->
``US-MIDA-PJM``, ``US-VA``). Its country is the cloud region's or grid zone's country, else the
first two letters of a zone id (``DE-NORTH`` -> ``DE``). ``is_known_region``: whether the
tables know the region at all (an unknown one is warned about). Its year is the UTC year of ``started_at`` (none: NO_YEAR,
later than every table's, so the latest year applies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.names import normalise_datacenter, normalise_region
from wattledger.factors.sites import SITE_SCHEMA
from wattledger.method import NO_YEAR

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

#: Helper column of the datacenter join (dropped after it).
DATACENTER_KEY = "_datacenter_key"

#: Resolved columns that follow a run's own numbers: its start month (only a monthly PUE reads it).
PER_RUN = ("run_month",)


def run_month() -> pl.Expr:
    return pl.col("started_at").dt.month().alias("run_month")


def resolve(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """``runs`` with their datacenter's columns (``site_*``), region_key, run_year, run_month, country_key."""
    # datacenter names match ignoring case and surrounding spaces; ``site_datacenter`` is the site
    # file's name of a matched run (the later joins use it), null for a datacenter it does not have
    site = lib.sites.rename({c: f"site_{c}" for c in SITE_SCHEMA}).with_columns(
        normalise_datacenter(pl.col("site_datacenter")).alias(DATACENTER_KEY))
    aliases = lib.region_aliases
    grid = lib.region_grid.select("region_key", pl.col("grid_zone_key").alias("zone_key"), "price_region_key")
    return (
        runs.with_columns(normalise_datacenter(pl.col("datacenter")).alias(DATACENTER_KEY))
        .join(site, on=DATACENTER_KEY, how="left", maintain_order="left")
        .drop(DATACENTER_KEY)
        .with_columns(normalise_region(pl.coalesce("region", "site_region")).alias("region_key"))
        .with_columns(
            pl.col("region_key").replace(aliases),
            pl.col("started_at").dt.year().fill_null(NO_YEAR).cast(pl.Int64).alias("run_year"),
            run_month(),
        )
        .join(lib.region_country, on="region_key", how="left", maintain_order="left")
        .join(grid, on="region_key", how="left", maintain_order="left")
        .with_columns(
            pl.col("region_key").is_in(sorted(lib.known_regions)).alias("is_known_region"),
            pl.coalesce(
                "country",
                pl.when(pl.col("region_key").str.contains(r"^[A-Z]{2}(-|$)")).then(pl.col("region_key").str.slice(0, 2)),
            ).alias("country_key")
        )
    )


def unknown_regions(regions: pl.Series, lib: FactorLibrary) -> pl.Series:
    """Whether each region string names nothing the tables know (after normalising and aliases):
    such a run gets the world default. Null stays null."""
    frame = pl.DataFrame({"region": regions.cast(pl.String)})
    key = frame.select(normalise_region(pl.col("region")).replace(lib.region_aliases)).to_series()
    return ~key.is_in(sorted(lib.known_regions))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(run_month())


def nearest_year(keys: pl.DataFrame, table: pl.DataFrame, key: str) -> pl.DataFrame:
    """For each (key, run_year): the table row of the run's year, else of the latest earlier
    year, else of the earliest later year (ties: lowest priority, then latest period); with
    ``year_rule`` "" (the run's year), "_earlier_year" or "_later_year"."""
    offset = pl.col("vintage_year") - pl.col("run_year")
    return (
        keys.unique()
        .join(table, left_on=key, right_on="lookup_key", how="inner")
        .with_columns((offset > 0).alias("_later"), offset.abs().alias("_gap"))
        .sort([key, "run_year", "_later", "_gap", "priority", "period"], descending=[False, False, False, False, False, True])
        .group_by([key, "run_year"], maintain_order=True)
        .first()
        .with_columns(pl.when(pl.col("_gap") == 0).then(pl.lit("")).when(pl.col("_later")).then(pl.lit("_later_year"))
                      .otherwise(pl.lit("_earlier_year")).alias("year_rule"))
        .drop("_later", "_gap")
    )


def best_before(keys: pl.DataFrame, table: pl.DataFrame, key: str) -> pl.DataFrame:
    """For each (key, run_year): the table row with the latest vintage_year <= run_year
    (ties: lowest priority, then latest period)."""
    return (
        keys.unique()
        .join(table, left_on=key, right_on="lookup_key", how="inner")
        .filter(pl.col("vintage_year") <= pl.col("run_year"))
        .sort([key, "run_year", "vintage_year", "priority", "period"], descending=[False, False, True, False, True])
        .group_by([key, "run_year"], maintain_order=True)
        .first()
    )
