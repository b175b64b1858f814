"""Rules once per distinct run profile, broadcast to the runs: millions of runs share a few
thousand profiles (the same keys, texts and which numbers they have), so the joins and text
building run per profile and only the values that follow a run's own numbers run per run.
tests/factors/test_by_profile.py checks the result is every rule on every run, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl


def resolution_profile(runs: pl.DataFrame) -> list[pl.Expr]:
    """Everything of a run the resolution rules read, except what only passes into the per-run
    columns: its keys and texts, its year (null: no start), and which numbers it has.
    Runs with one profile get the same lookups, bases and sources."""
    texts = ["datacenter", "region", "gpu_model", "currency", "measured_energy_source", "telemetry_source", "telemetry_note",
             "gpu_hours_basis", "cpu_model"]
    numbers = ["avg_power_w", "measured_it_energy_kwh", "telemetry_it_energy_kwh", "pue", "grid_intensity_kg_per_kwh",
               "price_per_kwh", "cpu_cores", "cpu_power_w", "ram_gb", "measured_gpu_energy_kwh", "measured_cpu_energy_kwh",
               "measured_ram_energy_kwh", "wue_l_per_kwh", "ended_at"]
    started, hours = pl.col("started_at"), pl.col("gpu_hours")
    return [
        *[pl.col(c) for c in texts if c in runs.columns],
        *[pl.col(c).is_null() for c in numbers if c in runs.columns],
        started.dt.year(), hours > 0, hours <= 0,
    ]


def by_profile(
    df: pl.DataFrame,
    profile: list[pl.Expr],
    resolve_rows: Callable[[pl.DataFrame], pl.DataFrame],
    per_row: Callable[[pl.DataFrame], pl.DataFrame],
    per_row_columns: tuple[str, ...],
) -> pl.DataFrame:
    """``resolve_rows(df)``, computed once per distinct ``profile`` and broadcast to its rows.

    ``resolve_rows`` adds columns row by row (one row out per row in, in order, input columns
    unchanged). Its added columns must depend only on a row's profile, except
    ``per_row_columns``, which ``per_row`` then computes on every row (from the row's own
    columns and the profile's). Same result as ``resolve_rows(df)``, same column order.
    """
    df = df.rechunk()  # eager polars rechunks a many-chunk frame (from DuckDB) at every step: once here
    names = [f"__profile_{i}" for i in range(len(profile))]
    groups = (
        df.select(e.alias(n) for e, n in zip(profile, names, strict=True))
        .with_row_index("__row")
        .group_by(names, maintain_order=True)  # profiles in order of first row, their rows in order
        .agg(pl.col("__row"))
    )
    first_rows = groups["__row"].list.first()
    resolved = resolve_rows(df[first_rows])
    if resolved.height != groups.height:  # a reference table repeats a key: rule by rule instead
        return resolve_rows(df)
    # the profile of each row, then the profile's columns gathered to the rows
    rows = groups["__row"].explode().to_numpy()
    profile_of_row = np.empty(df.height, dtype=np.int64)
    profile_of_row[rows] = np.repeat(np.arange(groups.height), groups["__row"].list.len().to_numpy())
    shared = [c for c in resolved.columns if c not in df.columns and c not in per_row_columns]
    same = [c for c in shared if _one_value(resolved[c])]
    varying = resolved.select(c for c in shared if c not in same)
    out = df.hstack(varying[profile_of_row]) if varying.width else df
    # a scalar column: not materialised row by row
    out = out.with_columns(pl.lit(resolved[c].slice(0, 1)).first().alias(c) for c in same)
    return per_row(out).select(resolved.columns)


def _one_value(values: pl.Series) -> bool:
    """Whether every element of ``values`` is the same (all null included; floats bit for bit)."""
    nulls = values.null_count()
    if nulls == values.len():
        return True
    if nulls:
        return False
    if values.dtype.is_float():  # 0.0 and -0.0 are one value to n_unique
        bits = values.to_numpy().view(np.uint64 if values.dtype == pl.Float64 else np.uint32)
        return bool((bits == bits[0]).all())
    return values.n_unique() == 1
