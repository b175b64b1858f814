"""Resolve each run to its factors: power per device, PUE, grid intensity, price.

Reference data is data (hardware/, grid_intensity/, tariffs/); this module reads it
and applies the resolution rules, column by column (joins, not a loop per run). Every
resolved value carries its basis and source, so no number is untraceable:

- power:     logged ``avg_power_w`` > the GPU's TDP (hardware/gpu_power.csv);
             a run with neither gets no footprint and is listed with the reason.
- PUE:       logged ``pue`` > documented default (hardware/pue.csv, default/``unknown``).
- intensity: logged ``grid_intensity_kg_per_kwh`` > documented world default
             (grid_intensity/annual_intensity.csv, ``WORLD``, latest year).
- price:     logged ``price_per_kwh`` + ``currency`` > documented default
             (tariffs/flat_prices.csv, US industrial average, latest year).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl

from wattledger.resources import resource_dir
from wattledger.units import LOGGED_POWER_REL_UNCERTAINTY, TDP_LOWER_FRACTION

#: Files whose content defines the factor set (its version is their joint hash).
FACTOR_FILES = (
    ("hardware", "gpu_power.csv"),
    ("hardware", "pue.csv"),
    ("grid_intensity", "annual_intensity.csv"),
    ("tariffs", "flat_prices.csv"),
)

#: Documented defaults, by key into the tables above.
DEFAULT_PUE_SCOPE = "unknown"  # the row provider=default, scope=unknown
DEFAULT_INTENSITY_REGION = "WORLD"
DEFAULT_PRICE_REGION = "US"
DEFAULT_PRICE_SECTOR = "industrial"


def normalise_model(expr: pl.Expr) -> pl.Expr:
    """GPU model names compared case- and punctuation-insensitively: 'NVIDIA A100_80GB' ~ 'nvidia-a100-80gb'."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


class FactorError(Exception):
    """The reference data is missing or inconsistent."""


@dataclass(frozen=True)
class Default:
    value: float
    source: str
    year: int | None
    key: str


class FactorLibrary:
    """The shipped reference tables, loaded once."""

    def __init__(self, root: dict[str, Path] | None = None):
        self._dirs = root or {d: resource_dir(d) for d, _ in FACTOR_FILES}

    def _path(self, folder: str, name: str) -> Path:
        p = self._dirs[folder] / name
        if not p.is_file():
            raise FactorError(f"reference table {folder}/{name} is missing ({p})")
        return p

    def _read(self, folder: str, name: str, **kw) -> pl.DataFrame:
        return pl.read_csv(self._path(folder, name), **kw)

    @cached_property
    def version(self) -> str:
        """A short hash of every factor file: footprints record it, so a change in the
        reference data marks them for recomputation."""
        h = hashlib.sha256()
        for folder, name in FACTOR_FILES:
            h.update(name.encode())
            h.update(self._path(folder, name).read_bytes())
        return h.hexdigest()[:16]

    @cached_property
    def gpu_aliases(self) -> pl.DataFrame:
        """One row per accepted spelling: model_key (normalised), gpu_model, tdp_w, source."""
        gpus = self._read("hardware", "gpu_power.csv", infer_schema_length=None)
        spellings = gpus.select(
            "gpu_model",
            "tdp_w",
            "source",
            pl.concat_list(pl.col("gpu_model"), pl.col("aliases").fill_null("").str.split(";")).alias("spelling"),
        ).explode("spelling")
        out = (
            spellings.with_columns(normalise_model(pl.col("spelling")).alias("model_key"))
            .filter(pl.col("model_key") != "")
            .unique(["model_key", "gpu_model"])
        )
        clash = out.group_by("model_key").agg(pl.col("gpu_model").n_unique().alias("n")).filter(pl.col("n") > 1)
        if clash.height:
            raise FactorError(f"hardware/gpu_power.csv: alias(es) {clash['model_key'].to_list()} name two GPU models")
        return out.select("model_key", "gpu_model", pl.col("tdp_w").cast(pl.Float64), "source")

    @cached_property
    def default_pue(self) -> Default:
        pue = self._read("hardware", "pue.csv").filter(
            (pl.col("provider") == "default") & (pl.col("scope") == DEFAULT_PUE_SCOPE)
        )
        if pue.height == 0:
            raise FactorError(f"hardware/pue.csv has no row provider=default, scope={DEFAULT_PUE_SCOPE}")
        row = pue.sort("year").row(-1, named=True)
        return Default(float(row["pue"]), row["source"], int(row["year"]), f"default:{DEFAULT_PUE_SCOPE}")

    @cached_property
    def default_intensity(self) -> Default:
        annual = self._read("grid_intensity", "annual_intensity.csv", infer_schema_length=None).filter(
            pl.col("region") == DEFAULT_INTENSITY_REGION
        )
        if annual.height == 0:
            raise FactorError(f"grid_intensity/annual_intensity.csv has no {DEFAULT_INTENSITY_REGION} row")
        row = annual.sort("vintage_year").row(-1, named=True)
        return Default(
            float(row["intensity_kg_per_kwh"]),
            f"{row['source']} ({row['region_name']}, {row['vintage_year']}, {row['basis']})",
            int(row["vintage_year"]),
            f"default:{DEFAULT_INTENSITY_REGION}",
        )

    @cached_property
    def default_price(self) -> tuple[Default, str, str]:
        """(price, currency, tariff_id) of the documented default tariff."""
        prices = self._read("tariffs", "flat_prices.csv", infer_schema_length=None).filter(
            (pl.col("region") == DEFAULT_PRICE_REGION) & (pl.col("sector") == DEFAULT_PRICE_SECTOR)
        )
        if prices.height == 0:
            raise FactorError(
                f"tariffs/flat_prices.csv has no {DEFAULT_PRICE_REGION} {DEFAULT_PRICE_SECTOR} row for the default price"
            )
        row = prices.sort("year").row(-1, named=True)
        d = Default(
            float(row["price_per_kwh"]),
            f"{row['source']} ({row['region']} {row['sector']}, {row['period']})",
            int(row["year"]),
            f"default:{row['tariff_id']}",
        )
        return d, row["currency"], row["tariff_id"]

    def resolve(self, runs: pl.DataFrame) -> pl.DataFrame:
        """Add the factor columns (value, bounds, basis, source) to ``runs``.

        ``runs`` needs run_id, gpu_model, avg_power_w, pue, grid_intensity_kg_per_kwh,
        price_per_kwh, currency. A run whose power cannot be resolved gets a null
        ``power_w`` and an ``unresolved_reason``.
        """
        pue_d = self.default_pue
        ci_d = self.default_intensity
        price_d, price_currency, tariff_id = self.default_price
        lit = pl.lit
        with_gpu = runs.with_columns(normalise_model(pl.col("gpu_model")).alias("model_key")).join(
            self.gpu_aliases.rename({"gpu_model": "gpu_table_model", "source": "gpu_source"}),
            on="model_key",
            how="left",
            maintain_order="left",
        )
        logged_p = pl.col("avg_power_w").is_not_null()
        logged_pue = pl.col("pue").is_not_null()
        logged_ci = pl.col("grid_intensity_kg_per_kwh").is_not_null()
        logged_price = pl.col("price_per_kwh").is_not_null()
        tdp = pl.col("tdp_w")
        return with_gpu.with_columns(
            pl.when(logged_p).then(pl.col("avg_power_w")).otherwise(tdp).alias("power_w"),
            pl.when(logged_p)
            .then(pl.col("avg_power_w") * (1 - LOGGED_POWER_REL_UNCERTAINTY))
            .otherwise(tdp * TDP_LOWER_FRACTION)
            .alias("power_low_w"),
            pl.when(logged_p)
            .then(pl.col("avg_power_w") * (1 + LOGGED_POWER_REL_UNCERTAINTY))
            .otherwise(tdp)
            .alias("power_high_w"),
            pl.when(logged_p).then(lit("logged")).when(tdp.is_not_null()).then(lit("tdp")).alias("power_basis"),
            pl.when(logged_p)
            .then(lit("avg_power_w in the run log"))
            .otherwise(
                lit("TDP of ") + pl.col("gpu_table_model") + lit(" (hardware/gpu_power.csv: ") + pl.col("gpu_source") + lit(")")
            )
            .alias("power_source"),
            pl.when(logged_p | tdp.is_not_null())
            .then(lit(None, pl.String))
            .when(pl.col("gpu_model").is_null())
            .then(lit("no avg_power_w and no gpu_model: power cannot be estimated"))
            .otherwise(
                lit("no avg_power_w and GPU model '")
                + pl.col("gpu_model")
                + lit("' is not in hardware/gpu_power.csv: power cannot be estimated")
            )
            .alias("unresolved_reason"),
            pl.coalesce("pue", lit(pue_d.value)).alias("pue_value"),
            pl.when(logged_pue).then(lit("logged")).otherwise(lit(pue_d.key)).alias("pue_basis"),
            pl.when(logged_pue)
            .then(lit("pue in the run log"))
            .otherwise(lit(f"{pue_d.source} ({pue_d.year})"))
            .alias("pue_source"),
            pl.coalesce("grid_intensity_kg_per_kwh", lit(ci_d.value)).alias("intensity_kg_per_kwh"),
            pl.when(logged_ci).then(lit("logged")).otherwise(lit(ci_d.key)).alias("intensity_basis"),
            pl.when(logged_ci)
            .then(lit("grid_intensity_kg_per_kwh in the run log"))
            .otherwise(lit(ci_d.source))
            .alias("intensity_source"),
            pl.when(logged_ci).then(lit(None, pl.Int32)).otherwise(lit(ci_d.year, pl.Int32)).alias("intensity_year"),
            pl.coalesce("price_per_kwh", lit(price_d.value)).alias("price_value"),
            pl.when(logged_price).then(pl.col("currency")).otherwise(lit(price_currency)).alias("price_currency"),
            pl.when(logged_price).then(lit("logged")).otherwise(lit(price_d.key)).alias("price_basis"),
            pl.when(logged_price).then(lit(None, pl.String)).otherwise(lit(tariff_id)).alias("tariff_id"),
            pl.when(logged_price)
            .then(lit("price_per_kwh in the run log"))
            .otherwise(lit(price_d.source))
            .alias("price_source"),
        )
