"""Market-based factor (``market_basis``), from the datacenter's contractual instruments (site
file ``market``; GHG Protocol Scope 2 Guidance, Table 6.3): the REC/PPA-covered share counts
at zero (``market_covered_share``), the rest at the supplier-specific factor, else the residual
mix. No instruments: the location-based grid average, the guidance's last resort, said so.
Reported beside location-based, never mixed.

Vintage (Scope 2 Quality Criteria, criterion 4): instruments with a ``vintage_year`` apply only
to runs of that year; for a run of another year they are not applied (basis
``instruments_not_applied:vintage``, the grid average, the reason in ``market_source``).
Instruments without a stated vintage are applied, the basis ending ``:vintage_unstated``. Both
are listed under the report's data quality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.ladder import Rule, fold
from wattledger.method import NO_YEAR

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"market_covered_share": pl.Float64, "market_factor_kg_per_kwh": pl.Float64, "market_factor_low_kg_per_kwh": pl.Float64,
           "market_factor_high_kg_per_kwh": pl.Float64, "market_basis": pl.String, "market_source": pl.String}
#: Bases whose factor is the location-based grid average (kept in step by the hourly refinement).
GRID_AVERAGE_BASES = ("no_instruments:grid_average", "instruments_not_applied:vintage")
#: The factor follows the run's location-based intensity (per run) when instruments do not give it,
#: and then so do its bounds (a stated instrument factor is a point).
PER_RUN = ("market_factor_kg_per_kwh", "market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh")


def rules() -> list[Rule]:
    lit = pl.lit
    vintage = pl.col("site_market_vintage_year")
    other_year = vintage.is_not_null() & (vintage != pl.col("run_year")) & (pl.col("run_year") != NO_YEAR)
    has = pl.col("site_market_source").is_not_null() & ~other_year
    unstated = pl.when(vintage.is_null()).then(lit(":vintage_unstated")).otherwise(lit(""))
    share = pl.col("site_renewable_coverage_share")
    supplier = pl.col("site_supplier_factor_kg_per_kwh")
    residual = pl.col("site_residual_mix_kg_per_kwh")
    location = pl.col("intensity_kg_per_kwh")
    grid_average = {"market_factor_kg_per_kwh": location, "market_factor_low_kg_per_kwh": pl.col("intensity_low_kg_per_kwh"),
                    "market_factor_high_kg_per_kwh": pl.col("intensity_high_kg_per_kwh"), "market_basis": "no_instruments:grid_average"}
    source = lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_market_source")

    def instruments(when: pl.Expr, factor: pl.Expr, basis: str) -> Rule:
        return Rule(has & when, market_covered_share=share, market_factor_kg_per_kwh=factor, market_factor_low_kg_per_kwh=factor,
                    market_factor_high_kg_per_kwh=factor, market_basis=lit(basis) + unstated, market_source=source)

    return [
        # all of it covered: the factor applies to nothing, kept as recorded
        instruments(share >= 1.0, pl.coalesce(supplier, residual, location), "instruments:full_coverage"),
        instruments(supplier.is_not_null(), supplier, "instruments:supplier"),
        instruments(residual.is_not_null(), residual, "instruments:residual_mix"),
        # instruments without a factor for the uncovered share (a validated site file never gets here)
        Rule(has, market_covered_share=share, market_source=source, **grid_average),
        # instruments of another vintage: not applied, the reason recorded
        Rule(other_year, market_covered_share=0.0, **(grid_average | {"market_basis": "instruments_not_applied:vintage"}),
             market_source=pl.format("datacenter {}: instruments of vintage {} not applied to a run of {} (GHG Protocol Scope 2 "
                                     "Quality Criteria: vintage matching the reporting period); location-based grid average",
                                     pl.col("datacenter"), vintage, pl.col("run_year"))),
        Rule(None, market_covered_share=0.0, **grid_average,
             market_source="no contractual instruments recorded: location-based grid average "
                           "(GHG Protocol Scope 2 Guidance, Table 6.3, last level)"),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(), COLUMNS, only=PER_RUN))
