"""The canonical GPU model of logged names: the row of hardware/gpu_power.csv whose name or one
of whose aliases matches (case and punctuation ignored, as power resolution matches them)."""

from __future__ import annotations

import polars as pl

from wattledger.factors.names import normalise_model
from wattledger.factors.tables import ReferenceTables


def canonical_gpu_models(models: list[str], lib: ReferenceTables) -> pl.DataFrame:
    """(gpu_model, gpu_model_canonical, source), one row per name of ``models`` the GPU table knows."""
    logged = pl.DataFrame({"gpu_model": models}, schema={"gpu_model": pl.String})
    return (
        logged.with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
        .join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_model_canonical"), "source"),
              on="model_key", how="inner")
        .select("gpu_model", "gpu_model_canonical", "source")
        .unique("gpu_model", keep="first")
        .sort("gpu_model")
    )
