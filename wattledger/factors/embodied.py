"""Embodied emissions per GPU-hour: the GPU model's manufacture, amortised over its life
(hardware/embodied.csv; lifetime x HOURS_PER_YEAR x utilisation). A model without a row has
none (null): embodied CO2e is reported apart and never guessed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.ladder import Rule, fold

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

COLUMNS = {"embodied_kg_per_gpu_hour": pl.Float64, "embodied_source": pl.String}
PER_RUN: tuple[str, ...] = ()
_ROW = {name: f"_table_{name}" for name in COLUMNS}  # the table's columns, joined under these names


def rules() -> list[Rule]:
    row = {name: pl.col(joined) for name, joined in _ROW.items()}
    return [Rule(row["embodied_kg_per_gpu_hour"].is_not_null(), **row)]  # no fallback: none


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    table = lib.embodied.rename(_ROW)
    df = df.join(table, on="gpu_table_model", how="left", maintain_order="left")
    return df.with_columns(fold(rules(), COLUMNS)).drop(_ROW.values())


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df
