"""One batch of the compute queue, stage by stage: read → attribute → resolve → refine →
inputs → skip unchanged → kernel (``prepare_batch``, reads only), then one write.

Each stage is a small function below, in the order ``prepare_batch`` calls them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from wattledger.compute.attribution import TELEMETRY_SCHEMA, measured_telemetry
from wattledger.compute.inputs import footprint_inputs
from wattledger.compute.kernel_table import KernelMap, run_kernel
from wattledger.compute.whatif import WhatifResult, batch_whatif
from wattledger.factors import (
    PIECES_SCHEMA, FactorLibrary, apply_hourly_intensity, apply_tou_prices, normalise_model, with_compute_prices,
)
from wattledger.factors.market_price import apply_market_prices
from wattledger.store import QueuedBatch, runs_with_same_inputs, write_footprint_batch


@dataclass(frozen=True)
class PreparedBatch:
    run_ids: pl.DataFrame  # every run of the batch
    table: pl.DataFrame  # footprints computed by the kernel
    unchanged: pl.DataFrame  # run_id: inputs unchanged, only the factor set moves
    unresolved: pl.DataFrame  # run_id, factor_set, reason
    had_footprints: bool  # some run of the batch has a footprint already (to replace)
    whatif: pl.DataFrame | None = None  # what-if rows of the computed footprints, of whatif_windows
    whatif_windows: tuple[int, ...] = ()
    whatif_counts: tuple[WhatifResult, ...] = ()


def prepare_batch(con: duckdb.DuckDBPyConnection, lib: FactorLibrary, batch: QueuedBatch, *, recompute_all: bool,
                  kernel_map: KernelMap, partition_runs: int, has_samples: bool = True,
                  whatif_windows: tuple[int, ...] = ()) -> PreparedBatch:
    """One batch of the queue read, resolved and computed (reads only). ``has_samples``:
    whether the database holds power samples (else no telemetry is attributed).
    ``whatif_windows``: the what-if windows whose rows of the computed footprints go with them."""
    queued = by_run_id(batch.runs)                                     # the batch's runs, by run_id
    runs, pieces = attribute_telemetry(con, queued, lib, has_samples)  # measured energy from power samples
    resolved = lib.resolve(runs)                                       # factors, in factors.resolve.STAGES order
    ok, unresolved = split_unresolved(resolved, lib.version)           # no power: recorded, never guessed
    ok = refine(ok, lib, pieces)                                       # hourly intensity, time-of-use, GPU-hour price
    pre = footprint_inputs(ok, lib.version)                            # what a footprint stores, and its hash
    had_footprints = batch.had_footprints
    ok, pre, unchanged = skip_unchanged(con, ok, pre, compare=had_footprints and not recompute_all)
    table = run_kernel(ok, pre, kernel_map, partition_runs)            # the kernel and the cost columns
    whatif, counts = batch_whatif(queued, table, lib, whatif_windows)  # timing and placement of the new footprints
    return PreparedBatch(run_ids=runs.select("run_id"), table=table, unchanged=unchanged, unresolved=unresolved,
                         had_footprints=had_footprints, whatif=whatif, whatif_windows=whatif_windows,
                         whatif_counts=counts)


def write_batch(writer: duckdb.DuckDBPyConnection, factor_set: str, b: PreparedBatch) -> tuple[int, int, int]:
    """Write one prepared batch in one transaction: (computed, unresolved, unchanged)."""
    whatif = (b.whatif.to_arrow(), b.whatif_windows) if b.whatif_windows else None
    write_footprint_batch(writer, factor_set, b.table, b.run_ids, b.unchanged, b.unresolved,
                          had_footprints=b.had_footprints, whatif=whatif)
    return b.table.height, b.unresolved.height, b.unchanged.height


# --- the stages ---------------------------------------------------------------------------


def by_run_id(runs: pl.DataFrame) -> pl.DataFrame:
    """The runs of one batch of the queue, by run_id.

    The queue comes in (batch, run_id) order, or in the runs' storage order (which follows
    each file's lines), read without an ORDER BY (a sort in DuckDB); the order is checked
    here, and the rows sorted only if they did not come in it (DuckDB promises no order
    without ORDER BY)."""
    return runs if increasing(runs["run_id"]) else runs.sort("run_id")


def increasing(values: pl.Series) -> bool:
    """Whether ``values`` increase strictly (no nulls): one vectorised comparison."""
    if values.null_count():
        return False
    return values.len() < 2 or bool((values.slice(1) > values.slice(0, values.len() - 1)).all())


def run_tdp(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """run_id, tdp_w (null when the GPU model is unknown): the model names normalised once
    per distinct name of the batch (a handful), not once per run."""
    models = runs.select(pl.col("gpu_model").unique()).with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
    tdp_of_model = models.join(lib.gpu_aliases.select("model_key", "tdp_w"), on="model_key", how="left")
    return runs.select("run_id", "gpu_model").join(tdp_of_model.select("gpu_model", "tdp_w"), on="gpu_model", how="left",
                                                   maintain_order="left").select("run_id", "tdp_w")


def attribute_telemetry(con: duckdb.DuckDBPyConnection, runs: pl.DataFrame, lib: FactorLibrary,
                        has_samples: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``runs`` with their measured telemetry columns (TELEMETRY_SCHEMA, null without), and
    the telemetry's energy per hour (PIECES_SCHEMA). Without power samples in the database
    there is nothing to attribute: no TDP lookup, no join, null columns."""
    if not has_samples:
        nulls = [pl.lit(None, dtype).alias(name) for name, dtype in TELEMETRY_SCHEMA.items() if name != "run_id"]
        return runs.with_columns(nulls), pl.DataFrame(schema=PIECES_SCHEMA)
    telemetry, pieces = measured_telemetry(con, runs, run_tdp(runs, lib))
    return runs.join(telemetry, on="run_id", how="left", maintain_order="left"), pieces


def split_unresolved(resolved: pl.DataFrame, factor_set: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The resolved runs, and (run_id, factor_set, reason) of those whose power is unknown."""
    ok = resolved.filter(pl.col("unresolved_reason").is_null())
    bad = resolved.filter(pl.col("unresolved_reason").is_not_null())
    return ok, bad.select("run_id", pl.lit(factor_set).alias("factor_set"), pl.col("unresolved_reason").alias("reason"))


def refine(ok: pl.DataFrame, lib: FactorLibrary, pieces: pl.DataFrame) -> pl.DataFrame:
    """Hourly intensity, time-of-use and market-indexed prices (weighted by measured energy per
    hour where the run's energy is that telemetry), then the GPU-hour price."""
    pieces = pieces.join(ok.filter(pl.col("power_source").str.starts_with("telemetry:")).select("run_id"), on="run_id")
    priced = apply_market_prices(apply_tou_prices(apply_hourly_intensity(ok, lib, pieces), lib, pieces), lib, pieces)
    return with_compute_prices(priced, lib).rechunk()


def skip_unchanged(con: duckdb.DuckDBPyConnection, ok: pl.DataFrame, pre: pl.DataFrame,
                   *, compare: bool) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Leave out runs whose footprint was computed from the same inputs (``inputs_sha``):
    only their factor set moves. ``compare``: whether any run of the batch has a footprint."""
    unchanged = pl.DataFrame(schema={"run_id": pl.String})
    if compare and pre.height:
        unchanged = runs_with_same_inputs(con, pre.select("run_id", "inputs_sha"))
    if unchanged.height:
        keep = ~ok["run_id"].is_in(unchanged["run_id"].implode())
        ok, pre = ok.filter(keep), pre.filter(keep)
    return ok, pre, unchanged.select("run_id")
