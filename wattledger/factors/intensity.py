"""Grid intensity (``intensity_basis``): logged > datacenter (site file) > the region's annual
factor for the run's year, else the latest earlier year > the region's country, same rule >
the documented world default (``default:WORLD``, latest year). docs/factors.md.

Bounds: a published annual factor of the run's own year is a point; an earlier year's spans
the same source's factors of the EARLIER_YEAR_SPAN latest years; the world default spans the
countries' WORLD_QUANTILES of its year. The hourly refinement is wattledger.factors.hourly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.keys import best_before
from wattledger.factors.ladder import Rule, fold
from wattledger.method import DEFAULT_INTENSITY_REGION, EARLIER_YEAR_SPAN

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"intensity_low_kg_per_kwh": pl.Float64, "intensity_high_kg_per_kwh": pl.Float64, "intensity_kg_per_kwh": pl.Float64,
           "intensity_basis": pl.String, "intensity_source": pl.String, "intensity_year": pl.Int32, "intensity_region": pl.String}
PER_RUN = ("intensity_low_kg_per_kwh", "intensity_high_kg_per_kwh", "intensity_kg_per_kwh")
LEVELS = (("region", "region_key"), ("country", "country_key"))


def _point(when: pl.Expr, value: pl.Expr, basis: str, source: pl.Expr | str, **where) -> Rule:
    """A factor with no stated uncertainty: its own bounds."""
    return Rule(when, intensity_low_kg_per_kwh=value, intensity_high_kg_per_kwh=value, intensity_kg_per_kwh=value,
                intensity_basis=basis, intensity_source=source, **where)


def _annual(level: str, key: str) -> list[Rule]:
    """The level's annual factor: of the run's year (a point), else of the latest earlier year (a span)."""
    hit = pl.col(f"{level}_ci").is_not_null()
    where = {"intensity_year": pl.col(f"{level}_ci_year"), "intensity_region": pl.col(key)}
    return [
        _point(hit & (pl.col(f"{level}_ci_year") == pl.col("run_year")), pl.col(f"{level}_ci"), level,
               pl.col(f"{level}_ci_source"), **where),
        Rule(hit, intensity_low_kg_per_kwh=pl.col(f"{level}_ci_min"), intensity_high_kg_per_kwh=pl.col(f"{level}_ci_max"),
             intensity_kg_per_kwh=pl.col(f"{level}_ci"), intensity_basis=f"{level}_earlier_year",
             intensity_source=pl.col(f"{level}_ci_source"), **where),
    ]


def rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    d = lib.default_intensity
    world_lo, world_hi = lib.world_range
    return [
        _point(pl.col("grid_intensity_kg_per_kwh").is_not_null(), pl.col("grid_intensity_kg_per_kwh"), "logged",
               "grid_intensity_kg_per_kwh in the run log"),
        _point(pl.col("site_grid_intensity_kg_per_kwh").is_not_null(), pl.col("site_grid_intensity_kg_per_kwh"), "datacenter",
               lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_grid_intensity_source")),
        *[rule for level, key in LEVELS for rule in _annual(level, key)],
        Rule(None, intensity_low_kg_per_kwh=world_lo, intensity_high_kg_per_kwh=world_hi, intensity_kg_per_kwh=d.value,
             intensity_basis=d.key, intensity_source=d.source, intensity_year=d.year, intensity_region=DEFAULT_INTENSITY_REGION),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """For the region and the country: the annual factor of the run's year or the latest earlier
    (``{level}_ci``, ``_ci_year``, ``_ci_source``) and the span of its source's latest years
    (``_ci_min``, ``_ci_max``); then the rules."""
    lit = pl.lit
    table = lib.annual_intensity.select("lookup_key", "vintage_year", "priority", "period", "intensity_kg_per_kwh", "basis", "source")
    for level, key in LEVELS:
        keys = df.select(key, "run_year").drop_nulls()
        best = best_before(keys, table, key).select(
            key, "run_year", "priority",
            pl.col("intensity_kg_per_kwh").alias(f"{level}_ci"),
            pl.col("vintage_year").alias(f"{level}_ci_year"),
            (pl.col("source") + lit(", ") + pl.col("basis")).alias(f"{level}_ci_source"),
        )
        # the same source's factors of the EARLIER_YEAR_SPAN latest years: bounds of an earlier year
        spread = (
            best.join(table, left_on=[key, "priority"], right_on=["lookup_key", "priority"])
            .filter(pl.col("vintage_year").is_between(pl.col(f"{level}_ci_year") - (EARLIER_YEAR_SPAN - 1), pl.col(f"{level}_ci_year")))
            .group_by(key, "run_year")
            .agg(pl.col("intensity_kg_per_kwh").min().alias(f"{level}_ci_min"), pl.col("intensity_kg_per_kwh").max().alias(f"{level}_ci_max"))
        )
        df = (
            df.join(best.drop("priority"), on=[key, "run_year"], how="left", maintain_order="left")
            .join(spread, on=[key, "run_year"], how="left", maintain_order="left")
        )
    return df.with_columns(fold(rules(lib), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(lib), COLUMNS, only=PER_RUN))
