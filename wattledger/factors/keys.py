"""The first stage: a run's keys into the tables (its datacenter, region, country, year, month).

A run's datacenter is matched with the site file's ignoring case and surrounding spaces (like
regions). A run's region is its own ``region``, else its datacenter's (site file); region ids are
matched case-insensitively, and EIA-930 codes (``eia:CISO``) name their balancing authority.
Its country is the cloud region's or grid zone's country, else the first two letters of a
zone id (``DE-NORTH`` -> ``DE``). Its year is the UTC year of ``started_at`` (none: NO_YEAR,
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
    eia = lib.eia_aliases
    return (
        runs.with_columns(normalise_datacenter(pl.col("datacenter")).alias(DATACENTER_KEY))
        .join(site, on=DATACENTER_KEY, how="left", maintain_order="left")
        .drop(DATACENTER_KEY)
        .with_columns(normalise_region(pl.coalesce("region", "site_region")).alias("region_key"))
        .with_columns(
            pl.col("region_key").replace(eia) if eia else pl.col("region_key"),
            pl.col("started_at").dt.year().fill_null(NO_YEAR).cast(pl.Int64).alias("run_year"),
            run_month(),
        )
        .join(lib.region_country, on="region_key", how="left", maintain_order="left")
        .with_columns(
            pl.coalesce(
                "country",
                pl.when(pl.col("region_key").str.contains(r"^[A-Z]{2}(-|$)")).then(pl.col("region_key").str.slice(0, 2)),
            ).alias("country_key")
        )
    )


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(run_month())


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
