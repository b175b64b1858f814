"""Compute footprints: runs from the store -> factors -> numpy kernel -> footprints table."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

import numpy as np

from wattledger.attribution import TELEMETRY_SCHEMA, measured_telemetry
from wattledger.cost_columns import COST_INPUT_COLUMNS, cost_columns
from wattledger.factors import (
    PIECES_SCHEMA, FactorLibrary, apply_hourly_intensity, apply_tou_prices, normalise_model, with_compute_prices,
)
from wattledger.kernel import FootprintInputs, footprints
from wattledger.store import (batch_has_footprints, create_compute_queue, datacenters, drop_compute_queue,
                              footprint_writer, power_samples_summary, queued_batch, runs_with_same_inputs,
                              write_footprint_batch)


#: Runs computed per batch (one transaction each): memory is bounded by the batch.
BATCH_RUNS = 200_000
#: Runs per kernel partition (the unit a Dask worker computes).
PARTITION_RUNS = 100_000
#: Runs the kernel over partitions ``[(ok, pre), ...]``, returning their tables in order.
KernelMap = Callable[[list[tuple[pl.DataFrame, pl.DataFrame]]], list[pl.DataFrame]]


@dataclass(frozen=True)
class ComputeResult:
    computed: int  # footprints the kernel computed
    unresolved: int  # runs left without a footprint, with the reason in unresolved_runs
    factor_set: str
    unchanged: int = 0  # runs re-checked under a new factor set whose inputs had not changed: no kernel work
    batches: int = 0

    @property
    def nothing_to_do(self) -> bool:
        return self.computed == 0 and self.unresolved == 0 and self.unchanged == 0


def _column(frame: pl.DataFrame, name: str):
    return frame[name].cast(pl.Float64).to_numpy()


def _code_version() -> str:
    """Hash of the code that turns inputs into footprints (and of polars, whose row hash we
    use): a change to the method recomputes every footprint, an unchanged one none."""
    h = hashlib.sha256(pl.__version__.encode())
    for module in ("wattledger.kernel", "wattledger.compute", "wattledger.cost_columns", "wattledger.attribution",
                   "wattledger.factors", "wattledger.method", "wattledger.units"):
        spec = importlib.util.find_spec(module)
        paths = sorted(Path(spec.origin).parent.glob("*.py")) if spec.submodule_search_locations else [Path(spec.origin)]
        for path in paths:
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


CODE_VERSION = _code_version()


def _inputs_sha(frame: pl.DataFrame) -> pl.Series:
    """One hash per run of everything its footprint is computed from (resolved factors, their
    sources, hourly refinement, prices) and the code version."""
    inputs = frame.drop("run_id", "factor_set")
    first, second = inputs.hash_rows(seed=1), inputs.hash_rows(seed=2)
    # one concatenation of the text "CODE_VERSION:first:second" (no intermediate strings)
    text = pl.concat_str(pl.lit(CODE_VERSION + ":"), first.cast(pl.String), pl.lit(":"), second.cast(pl.String))
    return pl.select(text.alias("inputs_sha")).to_series()


def compute_footprints(
    con: duckdb.DuckDBPyConnection,
    *,
    recompute_all: bool = False,
    library: FactorLibrary | None = None,
    batch_runs: int = BATCH_RUNS,
    kernel_map: KernelMap | None = None,
    partition_runs: int = PARTITION_RUNS,
) -> ComputeResult:
    """Bring footprints up to date, doing only the work that changed.

    A run needs work when it has no footprint (nor unresolved record) for the current
    factor set. Its factors are then resolved; if its resolved inputs (``inputs_sha``) are
    those its footprint was computed from, only the footprint's factor set is updated (no
    kernel work); otherwise the kernel computes it. Runs go in batches of ``batch_runs``,
    one transaction each. Runs whose factors cannot be resolved are recorded in
    ``unresolved_runs`` with the reason, and get no footprint (never a guessed one).

    ``kernel_map`` runs the kernel over a batch's partitions (of ``partition_runs`` runs)
    and returns their tables in order: by default here, one after the other; the Prefect
    flow passes one that maps them over its task runner (Dask workers). Only this
    process reads and writes the database.
    """
    kernel_map = kernel_map or run_kernel_here
    telemetry = power_samples_summary(con)
    has_samples = telemetry[0] > 0  # the compute writes footprints only: this holds for every batch
    lib = library or FactorLibrary(sites=datacenters(con), data_version=f"samples:{telemetry}")
    batches = create_compute_queue(con, lib.version, recompute_all=recompute_all, batch_runs=batch_runs)
    totals = [0, 0, 0]
    writer = footprint_writer(con)  # a second connection: batch k is written while batch k+1 is prepared
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wattledger-write") as pool:
        pending = None
        for batch in range(batches):
            prepared = _prepare_batch(con, lib, batch, recompute_all, kernel_map, partition_runs, has_samples)
            if pending is not None:
                _add(totals, pending.result())  # one write at a time, in batch order
            pending = pool.submit(_write_batch, writer, lib, prepared)
        if pending is not None:
            _add(totals, pending.result())
    writer.close()
    drop_compute_queue(con)
    return ComputeResult(computed=totals[0], unresolved=totals[1], factor_set=lib.version, unchanged=totals[2],
                         batches=batches)


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
    )
    out = footprints(inputs)
    return pre.with_columns(pl.Series(name, values) for name, values in out.items()).with_columns(cost_columns(ok, out))


def partitions(ok: pl.DataFrame, pre: pl.DataFrame, rows: int) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """``(ok, pre)`` cut into aligned slices of at most ``rows`` runs."""
    return [(ok.slice(i, rows), pre.slice(i, rows)) for i in range(0, max(pre.height, 1), rows)]


def run_kernel_here(parts: list[tuple[pl.DataFrame, pl.DataFrame]]) -> list[pl.DataFrame]:
    """The default kernel map: every partition in this process, one after the other."""
    return [kernel_table(ok, pre) for ok, pre in parts]


def _add(totals: list[int], counts: tuple[int, int, int]) -> None:
    for i, n in enumerate(counts):
        totals[i] += n


@dataclass(frozen=True)
class _PreparedBatch:
    run_ids: pl.DataFrame  # every run of the batch
    table: pl.DataFrame  # footprints computed by the kernel
    unchanged: pl.DataFrame  # run_id: inputs unchanged, only the factor set moves
    unresolved: pl.DataFrame  # run_id, factor_set, reason
    had_footprints: bool  # some run of the batch has a footprint already (to replace)


def _batch_runs(con: duckdb.DuckDBPyConnection, batch: int) -> pl.DataFrame:
    """The runs of one batch of the queue, by run_id.

    The queue is stored in (batch, run_id) order and read without an ORDER BY (a sort of
    the batch in DuckDB); the order is checked here, and the rows sorted only if they did
    not come back in it (DuckDB promises no order without ORDER BY)."""
    runs = queued_batch(con, batch)
    return runs if _increasing(runs["run_id"]) else runs.sort("run_id")


def _increasing(values: pl.Series) -> bool:
    """Whether ``values`` increase strictly (no nulls): one vectorised comparison."""
    if values.null_count():
        return False
    return values.len() < 2 or bool((values.slice(1) > values.slice(0, values.len() - 1)).all())


def _run_tdp(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """run_id, tdp_w (null when the GPU model is unknown): the model names normalised once
    per distinct name of the batch (a handful), not once per run."""
    models = runs.select(pl.col("gpu_model").unique()).with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
    tdp_of_model = models.join(lib.gpu_aliases.select("model_key", "tdp_w"), on="model_key", how="left")
    return runs.select("run_id", "gpu_model").join(tdp_of_model.select("gpu_model", "tdp_w"), on="gpu_model", how="left",
                                                   maintain_order="left").select("run_id", "tdp_w")


def _with_telemetry(con: duckdb.DuckDBPyConnection, runs: pl.DataFrame, lib: FactorLibrary,
                    has_samples: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``runs`` with their measured telemetry columns (TELEMETRY_SCHEMA, null without), and
    the telemetry's energy per hour (PIECES_SCHEMA). Without power samples in the database
    there is nothing to attribute: no TDP lookup, no join, null columns."""
    if not has_samples:
        nulls = [pl.lit(None, dtype).alias(name) for name, dtype in TELEMETRY_SCHEMA.items() if name != "run_id"]
        return runs.with_columns(nulls), pl.DataFrame(schema=PIECES_SCHEMA)
    telemetry, pieces = measured_telemetry(con, runs, _run_tdp(runs, lib))
    return runs.join(telemetry, on="run_id", how="left", maintain_order="left"), pieces


def _prepare_batch(con: duckdb.DuckDBPyConnection, lib: FactorLibrary, batch: int, recompute_all: bool,
                   kernel_map: KernelMap, partition_runs: int, has_samples: bool = True) -> _PreparedBatch:
    """One batch of the queue read, resolved and computed (reads only). ``has_samples``:
    whether the database holds power samples (else no telemetry is attributed)."""
    runs, pieces = _with_telemetry(con, _batch_runs(con, batch), lib, has_samples)
    resolved = lib.resolve(runs)
    ok = resolved.filter(pl.col("unresolved_reason").is_null())
    # telemetry pieces weight the series only for runs whose energy is that telemetry
    pieces = pieces.join(ok.filter(pl.col("power_source").str.starts_with("telemetry:")).select("run_id"), on="run_id")
    ok = with_compute_prices(apply_tou_prices(apply_hourly_intensity(ok, lib, pieces), lib, pieces), lib).rechunk()
    bad = resolved.filter(pl.col("unresolved_reason").is_not_null())

    pre = ok.select(
        "run_id",
        pl.lit(lib.version).alias("factor_set"),
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
        *COST_INPUT_COLUMNS,
    )
    pre = pre.with_columns(_inputs_sha(pre))
    unchanged = pl.DataFrame(schema={"run_id": pl.String})
    compare = batch_has_footprints(con, batch)
    if compare and not recompute_all and pre.height:
        unchanged = runs_with_same_inputs(con, pre.select("run_id", "inputs_sha"))
    if unchanged.height:
        keep = ~ok["run_id"].is_in(unchanged["run_id"].implode())
        ok, pre = ok.filter(keep), pre.filter(keep)
    table = pl.concat(kernel_map(partitions(ok, pre, partition_runs))) if pre.height else kernel_table(ok, pre)
    return _PreparedBatch(
        run_ids=runs.select("run_id"), table=table, unchanged=unchanged.select("run_id"),
        unresolved=bad.select("run_id", pl.lit(lib.version).alias("factor_set"), pl.col("unresolved_reason").alias("reason")),
        had_footprints=compare,
    )


def _write_batch(con: duckdb.DuckDBPyConnection, lib: FactorLibrary, b: _PreparedBatch) -> tuple[int, int, int]:
    """Write one prepared batch in one transaction: (computed, unresolved, unchanged)."""
    write_footprint_batch(con, lib.version, b.table.to_arrow(), b.run_ids, b.unchanged, b.unresolved,
                          had_footprints=b.had_footprints)
    return b.table.height, b.unresolved.height, b.unchanged.height
