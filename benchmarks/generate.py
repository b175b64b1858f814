"""Generated canonical run logs for the benchmarks (a module the benchmark scripts import).

Runs look like a large organisation's month of training jobs: several teams and projects,
GPU models of the GPU table, grid regions with annual factors and (for a share of runs)
US balancing authorities with the hourly series, durations from minutes to two weeks.
Deterministic (seeded): every script measures the same data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

T0_S = 1_640_995_200  # 2022-01-01T00:00:00Z: the shipped hourly series are 2022
REGIONS = ["FR", "DE", "US-CAL-CISO", "US-TEX-ERCO", "US-MIDA-PJM", "SE", "aws:us-east-1", "gcp:europe-west4", "PL", "IN"]
MODELS = ["H100-SXM", "A100-SXM4-80GB", "A100-SXM4-40GB", "V100-SXM2-32GB", "L4", "H200"]
TEAMS = ["vision", "language", "speech", "recsys", "research", "platform"]


def runs_frame(n: int, *, seed: int = 20241001, first: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed + first)
    start = T0_S + rng.integers(0, 364 * 86_400, n)
    duration = np.minimum(rng.lognormal(np.log(7 * 3600), 1.1, n), 14 * 86_400).astype(np.int64) + 60
    ids = np.arange(first, first + n)
    power = rng.uniform(150, 650, n).round(1)
    return pl.DataFrame({
        "run_id": "run-" + pl.Series(ids).cast(pl.String).str.pad_start(9, "0"),
        "team": np.array(TEAMS)[rng.integers(0, len(TEAMS), n)],
        "project": np.char.add("p", rng.integers(0, 200, n).astype(str)),
        "started_at": pl.from_epoch(pl.Series(start), time_unit="s").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
        "ended_at": pl.from_epoch(pl.Series(start + duration), time_unit="s").dt.to_string("%Y-%m-%dT%H:%M:%SZ"),
        "gpu_model": np.array(MODELS)[rng.integers(0, len(MODELS), n)],
        "gpu_count": rng.choice([1, 2, 4, 8, 16, 64], n),
        # a third of the runs log no power (TDP estimate), like real logs
        "avg_power_w": np.where(rng.random(n) < 0.33, np.nan, power),
        "pue": np.where(rng.random(n) < 0.5, np.nan, rng.uniform(1.08, 1.5, n).round(2)),
        "region": np.array(REGIONS)[rng.integers(0, len(REGIONS), n)],
    }).with_columns(pl.col("avg_power_w", "pue").fill_nan(None))


def write_runs(folder: Path, n: int, *, files: int = 1, fmt: str = "csv") -> list[Path]:
    """``n`` runs in ``files`` files of the canonical run log (csv or parquet) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    per = -(-n // files)
    for i in range(files):
        first = i * per
        count = min(per, n - first)
        path = folder / f"runs_{i:03d}.{fmt}"
        frame = runs_frame(count, first=first)
        frame.write_csv(path) if fmt == "csv" else frame.write_parquet(path)
        paths.append(path)
    return paths
