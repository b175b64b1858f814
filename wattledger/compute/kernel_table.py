"""The kernel over resolved runs: footprint inputs in, footprint table out (pure, no database).

A batch is cut into partitions; ``kernel_table`` turns one partition into footprint rows. It
is pure, so a partition can run in another process (a Dask worker, through ``KernelMap``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from wattledger.compute.cost_columns import cost_columns
from wattledger.kernel import FootprintInputs, footprints

#: Runs per kernel partition (the unit a Dask worker computes).
PARTITION_RUNS = 100_000
#: Runs the kernel over partitions ``[(ok, pre), ...]``, returning their tables in order.
KernelMap = Callable[[list[tuple[pl.DataFrame, pl.DataFrame]]], list[pl.DataFrame]]


def _column(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).to_numpy()


def _part(frame: pl.DataFrame, name: str) -> np.ndarray | None:
    """A CPU or memory part: null (unknown, or inside another part) adds nothing to IT energy.
    None when no run has one: the kernel then reads nothing for it (and writes no GPU-part copy)."""
    column = frame[name]
    return None if column.null_count() == column.len() else column.cast(pl.Float64).fill_null(0.0).to_numpy()


def _water(frame: pl.DataFrame, name: str) -> np.ndarray | None:
    """A water input, NaN where null (no water figure); None when no run has one (the kernel
    then reads nothing for it and computes no water figure: NaN)."""
    column = frame[name]
    return None if column.null_count() == column.len() else _column(frame, name)


def _series(name: str, values: np.ndarray) -> pl.Series:
    """A kernel output as a column: its array itself (no copy), or, for an output the kernel
    gives as a read-only broadcast (water without inputs), the broadcast made contiguous once
    (polars reads a broadcast element by element)."""
    return pl.Series(name, values if values.flags.c_contiguous else np.ascontiguousarray(values))


def kernel_table(ok: pl.DataFrame, pre: pl.DataFrame) -> pl.DataFrame:
    """The footprints of resolved runs: ``pre`` (inputs and provenance, one row per run of
    ``ok``, the resolved frame) with the kernel's outputs and the cost columns. Pure: no
    database, safe to run in another process (a Dask worker)."""
    inputs = FootprintInputs(
        gpu_hours=_column(ok, "gpu_hours"),
        power_w=_column(ok, "power_w"),
        power_low_w=_column(ok, "power_low_w"),
        power_high_w=_column(ok, "power_high_w"),
        pue=_column(ok, "pue_value"),
        pue_low=_column(ok, "pue_low"),
        pue_high=_column(ok, "pue_high"),
        intensity_kg_per_kwh=_column(ok, "intensity_kg_per_kwh"),
        intensity_low_kg_per_kwh=_column(ok, "intensity_low_kg_per_kwh"),
        intensity_high_kg_per_kwh=_column(ok, "intensity_high_kg_per_kwh"),
        price_per_kwh=_column(ok, "price_value"),
        market_covered_share=_column(ok, "market_covered_share"),
        market_factor_kg_per_kwh=_column(ok, "market_factor_kg_per_kwh"),
        **{f"market_factor_{b}_kg_per_kwh": _column(ok, f"market_factor_{b}_kg_per_kwh")
           for b in ("low", "high") if f"market_factor_{b}_kg_per_kwh" in ok.columns},
        cpu_kwh=_part(ok, "energy_cpu_kwh"),
        cpu_low_kwh=_part(ok, "energy_cpu_low_kwh"),
        cpu_high_kwh=_part(ok, "energy_cpu_high_kwh"),
        ram_kwh=_part(ok, "energy_ram_kwh"),
        ram_low_kwh=_part(ok, "energy_ram_low_kwh"),
        ram_high_kwh=_part(ok, "energy_ram_high_kwh"),
        wue_l_per_kwh=_water(ok, "wue_value"),
        wue_low_l_per_kwh=_water(ok, "wue_low"),
        wue_high_l_per_kwh=_water(ok, "wue_high"),
        water_intensity_l_per_kwh=_water(ok, "water_intensity_l_per_kwh"),
        water_intensity_low_l_per_kwh=_water(ok, "water_intensity_low_l_per_kwh"),
        water_intensity_high_l_per_kwh=_water(ok, "water_intensity_high_l_per_kwh"),
    )
    out = footprints(inputs)
    return pre.with_columns(_series(name, values) for name, values in out.items()).with_columns(cost_columns(ok, out))


def partitions(ok: pl.DataFrame, pre: pl.DataFrame, rows: int) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """``(ok, pre)`` cut into aligned slices of at most ``rows`` runs."""
    return [(ok.slice(i, rows), pre.slice(i, rows)) for i in range(0, max(pre.height, 1), rows)]


def run_kernel_here(parts: list[tuple[pl.DataFrame, pl.DataFrame]]) -> list[pl.DataFrame]:
    """The default kernel map: every partition in this process, one after the other."""
    return [kernel_table(ok, pre) for ok, pre in parts]


def run_kernel(ok: pl.DataFrame, pre: pl.DataFrame, kernel_map: KernelMap, partition_runs: int) -> pl.DataFrame:
    """The footprint table of a batch: its partitions through ``kernel_map``, in order."""
    return pl.concat(kernel_map(partitions(ok, pre, partition_runs))) if pre.height else kernel_table(ok, pre)
