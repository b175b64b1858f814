"""Grid intensity (``intensity_basis``), one scope (INTENSITY_SCOPE, lifecycle by default):

    logged > datacenter (site file)
    > the region's own factor of the run's year          region
    > its grid zone's factor of the run's year           zone        (a cloud region, a US state)
    > the region's factor of the nearest year            region_earlier_year | region_later_year
    > its grid zone's factor of the nearest year         zone_earlier_year | zone_later_year
    > its country's factor (run's year, else nearest)    country_for_zone[_earlier_year|_later_year]
    > the world average of the run's year (nearest)      default:WORLD

The nearest year is the latest earlier one, else the earliest later one. Every basis but
``logged``, ``datacenter``, ``region`` and ``zone`` is a fallback (listed under data quality);
``intensity_year`` and ``intensity_region`` say which row was taken. docs/factors.md.

Bounds: a factor of the run's own year is a point; an earlier (later) year's spans the same
source's factors of the EARLIER_YEAR_SPAN years up to (from) it; the world default spans the
countries' WORLD_QUANTILES of its year. A cloud region's bounds also take in every other
source's factor for its location (the provider's own, Cloud Carbon Footprint's, the zone's and
the country's, either scope) within EARLIER_YEAR_SPAN years of the run. The hourly refinement is
wattledger.factors.hourly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.keys import nearest_year
from wattledger.factors.ladder import Rule, fold
from wattledger.method import DEFAULT_INTENSITY_REGION, EARLIER_YEAR_SPAN, INTENSITY_SCOPE

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"intensity_low_kg_per_kwh": pl.Float64, "intensity_high_kg_per_kwh": pl.Float64, "intensity_kg_per_kwh": pl.Float64,
           "intensity_basis": pl.String, "intensity_source": pl.String, "intensity_year": pl.Int32, "intensity_region": pl.String}
PER_RUN = ("intensity_low_kg_per_kwh", "intensity_high_kg_per_kwh", "intensity_kg_per_kwh")
#: (level, key column, basis prefix)
LEVELS = (("region", "region_key", "region"), ("zone", "zone_key", "zone"), ("country", "country_key", "country_for_zone"))
#: Bases that are the run's own region and year (every other basis is a fallback).
OWN_BASES = ("logged", "datacenter", "region", "zone", "hourly", "hourly_partial")


def _level(level: str, key: str, basis: str, *, own_year: bool) -> Rule:
    """The level's factor: of the run's year (a point), or of the nearest year (a span)."""
    hit = pl.col(f"{level}_ci").is_not_null()
    same = pl.col(f"{level}_ci_rule") == ""
    cloud_lo, cloud_hi = pl.col("cloud_ci_min"), pl.col("cloud_ci_max")
    lo = pl.col(f"{level}_ci") if own_year else pl.col(f"{level}_ci_min")
    hi = pl.col(f"{level}_ci") if own_year else pl.col(f"{level}_ci_max")
    return Rule(hit & (same if own_year else ~same),
                intensity_low_kg_per_kwh=pl.min_horizontal(lo, cloud_lo), intensity_high_kg_per_kwh=pl.max_horizontal(hi, cloud_hi),
                intensity_kg_per_kwh=pl.col(f"{level}_ci"),
                intensity_basis=basis if own_year else pl.lit(basis) + pl.col(f"{level}_ci_rule"),
                intensity_source=pl.col(f"{level}_ci_source"), intensity_year=pl.col(f"{level}_ci_year"),
                intensity_region=pl.col(key))


def rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    region, zone, country = LEVELS
    return [
        Rule(pl.col("grid_intensity_kg_per_kwh").is_not_null(), intensity_low_kg_per_kwh=pl.col("grid_intensity_kg_per_kwh"),
             intensity_high_kg_per_kwh=pl.col("grid_intensity_kg_per_kwh"), intensity_kg_per_kwh=pl.col("grid_intensity_kg_per_kwh"),
             intensity_basis="logged", intensity_source="grid_intensity_kg_per_kwh in the run log"),
        Rule(pl.col("site_grid_intensity_kg_per_kwh").is_not_null(), intensity_low_kg_per_kwh=pl.col("site_grid_intensity_kg_per_kwh"),
             intensity_high_kg_per_kwh=pl.col("site_grid_intensity_kg_per_kwh"),
             intensity_kg_per_kwh=pl.col("site_grid_intensity_kg_per_kwh"), intensity_basis="datacenter",
             intensity_source=lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_grid_intensity_source")),
        _level(*region, own_year=True),
        _level(*zone, own_year=True),
        _level(*region, own_year=False),
        _level(*zone, own_year=False),
        _level(*country, own_year=True),
        _level(*country, own_year=False),
        Rule(None, intensity_low_kg_per_kwh=pl.col("world_ci_min"), intensity_high_kg_per_kwh=pl.col("world_ci_max"),
             intensity_kg_per_kwh=pl.col("world_ci"), intensity_basis=f"default:{DEFAULT_INTENSITY_REGION}",
             intensity_source=pl.col("world_ci_source"), intensity_year=pl.col("world_year"),
             intensity_region=DEFAULT_INTENSITY_REGION),
    ]


def scoped_table(lib: FactorLibrary) -> pl.DataFrame:
    """The annual factors of INTENSITY_SCOPE: the only ones the ladder reads."""
    return lib.annual_intensity.filter(pl.col("basis") == INTENSITY_SCOPE).select(
        "lookup_key", "vintage_year", "priority", "period", "intensity_kg_per_kwh", "basis", "source")


def _with_level(df: pl.DataFrame, table: pl.DataFrame, level: str, key: str) -> pl.DataFrame:
    """``{level}_ci`` (nearest year), ``_ci_year``, ``_ci_rule``, ``_ci_source`` and the span of the
    same source's years toward the run (``_ci_min``, ``_ci_max``)."""
    lit = pl.lit
    keys = df.select(key, "run_year").drop_nulls()
    best = nearest_year(keys, table, key).select(
        key, "run_year", "priority",
        pl.col("intensity_kg_per_kwh").alias(f"{level}_ci"),
        pl.col("vintage_year").alias(f"{level}_ci_year"),
        pl.col("year_rule").alias(f"{level}_ci_rule"),
        (pl.col("source") + lit(", ") + pl.col("basis")).alias(f"{level}_ci_source"),
    )
    year = pl.col(f"{level}_ci_year")
    later = pl.col(f"{level}_ci_rule") == "_later_year"
    span = (
        best.join(table, left_on=[key, "priority"], right_on=["lookup_key", "priority"])
        .filter(pl.when(later).then(pl.col("vintage_year").is_between(year, year + (EARLIER_YEAR_SPAN - 1)))
                .otherwise(pl.col("vintage_year").is_between(year - (EARLIER_YEAR_SPAN - 1), year)))
        .group_by(key, "run_year")
        .agg(pl.col("intensity_kg_per_kwh").min().alias(f"{level}_ci_min"), pl.col("intensity_kg_per_kwh").max().alias(f"{level}_ci_max"))
    )
    return (df.join(best.drop("priority"), on=[key, "run_year"], how="left", maintain_order="left")
            .join(span, on=[key, "run_year"], how="left", maintain_order="left"))


def _cloud_spread(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """``cloud_ci_min``/``_max`` of a cloud region's run: every source's factor (either scope) for its
    region, zone and country within EARLIER_YEAR_SPAN years of the run (null for other regions)."""
    cloud = df.select("region_key", "zone_key", "country_key", "run_year").unique().filter(pl.col("region_key").str.contains(":"))
    table = lib.annual_intensity.select("lookup_key", "vintage_year", "intensity_kg_per_kwh")
    parts = [cloud.join(table, left_on=k, right_on="lookup_key") for k in ("region_key", "zone_key", "country_key")]
    spread = (
        pl.concat([p.select("region_key", "run_year", "vintage_year", "intensity_kg_per_kwh") for p in parts])
        .filter((pl.col("vintage_year") - pl.col("run_year")).abs() < EARLIER_YEAR_SPAN)
        .group_by("region_key", "run_year")
        .agg(pl.col("intensity_kg_per_kwh").min().alias("cloud_ci_min"), pl.col("intensity_kg_per_kwh").max().alias("cloud_ci_max"))
    )
    return df.join(spread, on=["region_key", "run_year"], how="left", maintain_order="left")


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """Each level's factor of the nearest year, the cloud spread, the world default of the run's
    year (nearest: the table's years are contiguous); then the rules."""
    table = scoped_table(lib)
    for level, key, _ in LEVELS:
        df = _with_level(df, table, level, key)
    world = lib.world_by_year
    first, last = int(world["world_year"].min()), int(world["world_year"].max())
    df = _cloud_spread(df, lib).with_columns(pl.col("run_year").clip(first, last).cast(pl.Int64).alias("_world_year"))
    df = df.join(world.with_columns(pl.col("world_year").cast(pl.Int64)), left_on="_world_year", right_on="world_year",
                 how="left", maintain_order="left").rename({"_world_year": "world_year"})
    return df.with_columns(fold(rules(lib), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(lib), COLUMNS, only=PER_RUN))


def describe_basis(basis: str, year: int | None, run_year: int | None, key: str | None) -> str:
    """In words: what an intensity basis means for this run, and whether it is a fallback."""
    other = f"{year} (the run is of {run_year})" if run_year not in (None, year) else str(year)
    words = {
        "logged": "the run's own logged factor",
        "datacenter": "the datacenter's factor from the site file",
        "region": f"the region's own annual factor of the run's year ({key})",
        "zone": f"the grid zone where the region is ({key}), of the run's year",
        "region_earlier_year": f"FALLBACK: the region's factor of an earlier year, {other}",
        "region_later_year": f"FALLBACK: the region's factor of a later year, {other}",
        "zone_earlier_year": f"FALLBACK: the grid zone's ({key}) factor of an earlier year, {other}",
        "zone_later_year": f"FALLBACK: the grid zone's ({key}) factor of a later year, {other}",
        "country_for_zone": f"FALLBACK: no factor for the region or its zone: its country's ({key})",
        "country_for_zone_earlier_year": f"FALLBACK: its country's ({key}) factor of an earlier year, {other}",
        "country_for_zone_later_year": f"FALLBACK: its country's ({key}) factor of a later year, {other}",
        f"default:{DEFAULT_INTENSITY_REGION}": f"FALLBACK: region unknown or missing: the world average of {other}",
    }
    return words.get(basis, basis)
