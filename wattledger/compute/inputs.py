"""What a footprint is computed from, as stored beside it, and one hash of it per run.

``footprint_inputs`` selects the resolved, refined and priced columns a footprint stores
(values, bounds, bases, sources); ``inputs_sha`` hashes them with the code version, so an
unchanged run under a new factor set needs no kernel work, and a change of method (any
change to the code that turns inputs into footprints) recomputes every run.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import polars as pl

from wattledger.compute.cost_columns import COST_INPUT_COLUMNS

#: The code that turns inputs into footprints: a change to any of its files changes CODE_VERSION.
METHOD_MODULES = ("wattledger.kernel", "wattledger.compute", "wattledger.factors", "wattledger.method",
                  "wattledger.units")


def _code_version() -> str:
    """Hash of the code that turns inputs into footprints (and of polars, whose row hash we
    use): a change to the method recomputes every footprint, an unchanged one none."""
    h = hashlib.sha256(pl.__version__.encode())
    for module in METHOD_MODULES:
        spec = importlib.util.find_spec(module)
        paths = sorted(Path(spec.origin).parent.glob("*.py")) if spec.submodule_search_locations else [Path(spec.origin)]
        for path in paths:
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


CODE_VERSION = _code_version()


def footprint_inputs(ok: pl.DataFrame, factor_set: str) -> pl.DataFrame:
    """One row per resolved run: the footprint's inputs and provenance, and their ``inputs_sha``."""
    pre = ok.select(
        "run_id",
        pl.lit(factor_set).alias("factor_set"),
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
        "energy_cpu_kwh",
        pl.col("energy_cpu_low_kwh").alias("energy_cpu_kwh_low"),
        pl.col("energy_cpu_high_kwh").alias("energy_cpu_kwh_high"),
        "energy_cpu_basis",
        "energy_cpu_source",
        "energy_ram_kwh",
        pl.col("energy_ram_low_kwh").alias("energy_ram_kwh_low"),
        pl.col("energy_ram_high_kwh").alias("energy_ram_kwh_high"),
        "energy_ram_basis",
        "energy_ram_source",
        pl.col("wue_value").alias("wue_l_per_kwh"),
        pl.col("wue_low").alias("wue_low_l_per_kwh"),
        pl.col("wue_high").alias("wue_high_l_per_kwh"),
        "wue_basis",
        "wue_source",
        "water_intensity_l_per_kwh",
        "water_intensity_low_l_per_kwh",
        "water_intensity_high_l_per_kwh",
        "water_intensity_basis",
        "water_intensity_source",
        *COST_INPUT_COLUMNS,
    )
    return pre.with_columns(inputs_sha(pre))


def inputs_sha(frame: pl.DataFrame) -> pl.Series:
    """One hash per run of everything its footprint is computed from (resolved factors, their
    sources, hourly refinement, prices) and the code version."""
    inputs = frame.drop("run_id", "factor_set")
    first, second = inputs.hash_rows(seed=1), inputs.hash_rows(seed=2)
    # one concatenation of the text "CODE_VERSION:first:second" (no intermediate strings)
    text = pl.concat_str(pl.lit(CODE_VERSION + ":"), first.cast(pl.String), pl.lit(":"), second.cast(pl.String))
    return pl.select(text.alias("inputs_sha")).to_series()
