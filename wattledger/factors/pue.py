"""PUE (``pue_basis``): logged > datacenter (site file ``pue``, else ``monthly_pue`` of the run's
start month, else their mean) > the cloud provider's fleet PUE for a cloud region > the
documented default (``default:unknown``, the industry average).

Bounds: a logged or site figure is taken as exact; a cloud fleet figure spans the company's
published figures; an unknown site spans hyperscale (1.12) to the industry average (1.56).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.ladder import Rule, fold
from wattledger.method import CLOUD_PROVIDERS, HYPERSCALE_PUE_SCOPE

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

#: Helper column of the resolution: the datacenter's PUE of the run's month (else the mean of its months).
SITE_PUE_OF_MONTH = "_site_pue_of_month"
COLUMNS = {"pue_value": pl.Float64, "pue_low": pl.Float64, "pue_high": pl.Float64, "pue_basis": pl.String,
           "pue_source": pl.String}
#: Resolved columns that follow a run's own numbers (the month only matters for a monthly PUE).
PER_RUN = (SITE_PUE_OF_MONTH, "pue_value", "pue_low", "pue_high")


def site_pue_of_month() -> pl.Expr:
    monthly = pl.col("site_monthly_pue")
    return (pl.when(pl.col("run_month").is_not_null()).then(monthly.list.get(pl.col("run_month") - 1, null_on_oob=True))
            .otherwise(monthly.list.mean()).alias(SITE_PUE_OF_MONTH))


def _exact(when: pl.Expr, pue: pl.Expr, basis: str, source: pl.Expr | str) -> Rule:
    """A figure taken as exact: its own bounds."""
    return Rule(when, pue_value=pue, pue_low=pue, pue_high=pue, pue_basis=basis, pue_source=source)


def rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    d = lib.default_pue
    hyperscale = lib.pue_default(HYPERSCALE_PUE_SCOPE).value
    monthly = pl.col("site_monthly_pue")
    site_source = lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_pue_source")
    provider = pl.col("provider_pue")
    return [
        _exact(pl.col("pue").is_not_null(), pl.col("pue"), "logged", "pue in the run log"),
        _exact(pl.col("site_pue").is_not_null(), pl.col("site_pue"), "datacenter", site_source),
        _exact(monthly.is_not_null() & pl.col("run_month").is_not_null(), pl.col(SITE_PUE_OF_MONTH), "datacenter_monthly",
               site_source),
        _exact(monthly.is_not_null(), pl.col(SITE_PUE_OF_MONTH), "datacenter_monthly_mean", site_source),
        Rule(provider.is_not_null(), pue_value=provider,
             pue_low=pl.min_horizontal("provider_pue_low", "provider_pue"),
             pue_high=pl.max_horizontal("provider_pue_high", "provider_pue"),
             pue_basis=lit("provider:") + pl.col("provider"), pue_source=pl.col("provider_pue_source")),
        Rule(None, pue_value=d.value, pue_low=min(hyperscale, d.value), pue_high=d.value, pue_basis=d.key, pue_source=d.source),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The cloud provider of the region (``aws:...``), its fleet PUE and range, the site's PUE of the month; the rules."""
    lit = pl.lit
    provider = pl.col("region_key").str.extract(r"^([a-z]+):", 1)
    providers = lib.pue_defaults.filter(pl.col("scope").is_in(CLOUD_PROVIDERS)).select(
        pl.col("scope").alias("provider"), pl.col("pue").alias("provider_pue"),
        (pl.col("source") + lit(" (") + pl.col("year").cast(pl.String) + lit(")")).alias("provider_pue_source"),
    )
    df = (
        df.with_columns(provider.alias("provider"))
        .join(providers, on="provider", how="left", maintain_order="left")
        .join(lib.provider_pue_ranges, on="provider", how="left", maintain_order="left")
        .with_columns(site_pue_of_month())
    )
    return df.with_columns(fold(rules(lib), COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(site_pue_of_month()).with_columns(fold(rules(lib), COLUMNS, only=PER_RUN[1:]))
