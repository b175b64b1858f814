"""Compute footprints: the queue of runs that need work, in batches, each through its stages.

The entry point, ``compute_footprints``, reads as its table of contents:

1. the factor library of this database (reference tables, datacenters, which telemetry exists);
2. the queue: runs without a footprint for this factor set, and runs whose telemetry
   neighbours changed (store), in batches (by start time when power samples exist, else
   streamed as stored); nothing is read when aggregates show no run pending;
3. per batch, ``compute.batch.prepare_batch``: read → attribute telemetry → resolve factors →
   refine hourly → footprint inputs → skip unchanged → kernel;
4. per batch, the what-if rows of its new footprints (compute/whatif.py), then one write
   transaction for both (on a second connection, while the next batch is prepared);
5. the what-if rows the batches left behind (runs unchanged under a new factor set, windows
   behind before compute), when there are any.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import duckdb

from wattledger.compute.batch import prepare_batch, write_batch
from wattledger.compute.kernel_table import PARTITION_RUNS, KernelMap, run_kernel_here
from wattledger.compute.whatif import WhatifResult, refresh_whatif, windows_kept_in_step
from wattledger.factors import FactorLibrary
from wattledger.factors.gpu_names import canonical_gpu_models
from wattledger.store.gpu_model_names import distinct_gpu_models, replace_gpu_model_names
from wattledger.store import (compute_queue, datacenters, drop_compute_queue, footprint_writer, power_samples_summary,
                              unknown_datacenters)

#: Runs computed per batch (one transaction each): memory is bounded by the batch.
BATCH_RUNS = 200_000


@dataclass(frozen=True)
class ComputeResult:
    computed: int  # footprints the kernel computed
    unresolved: int  # runs left without a footprint, with the reason in unresolved_runs
    factor_set: str
    unchanged: int = 0  # runs re-checked under a new factor set whose inputs had not changed: no kernel work
    batches: int = 0
    #: (name, runs) of each datacenter that runs name and the site file does not have: their
    #: factors come from the region, else the defaults (said by the CLI and the flow, never silent)
    unknown_datacenters: tuple[tuple[str, int], ...] = ()
    whatif: WhatifResult | None = None  # the what-if rows of the default window, when they were recomputed

    @property
    def nothing_to_do(self) -> bool:
        return self.computed == 0 and self.unresolved == 0 and self.unchanged == 0


def _library(con: duckdb.DuckDBPyConnection, telemetry: tuple) -> FactorLibrary:
    return FactorLibrary(sites=datacenters(con), data_version=f"samples:{telemetry}")


def current_factor_set(con: duckdb.DuckDBPyConnection) -> str:
    """The factor set compute would use now (reference files, sites, telemetry): footprints
    under another one are stale (the report counts them)."""
    return _library(con, power_samples_summary(con)).version


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
    lib = library or _library(con, telemetry)
    queue = compute_queue(con, lib.version, recompute_all=recompute_all, batch_runs=batch_runs, has_samples=has_samples)
    totals = [0, 0, 0]
    batches = 0
    in_step: dict[int, WhatifResult] = {}  # the what-if windows whose rows the batches write with their footprints
    writer = footprint_writer(con)  # a second connection: batch k is written while batch k+1 is prepared
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="wattledger-write") as pool:
        pending = None
        for queued in queue:
            if batches == 0:
                in_step = {w: WhatifResult(w, 0, 0, 0, 0, lib.version) for w in windows_kept_in_step(con, lib)}
            batches += 1
            prepared = prepare_batch(con, lib, queued, recompute_all=recompute_all, kernel_map=kernel_map,
                                     partition_runs=partition_runs, has_samples=has_samples,
                                     whatif_windows=tuple(in_step))
            for counts in prepared.whatif_counts:
                in_step[counts.window_hours] += counts
            if pending is not None:
                _add(totals, pending.result())  # one write at a time, in batch order
            pending = pool.submit(write_batch, writer, lib.version, prepared)
        if pending is not None:
            _add(totals, pending.result())
    writer.close()
    drop_compute_queue(con)
    # what-if timing and placement of every run (compute/whatif.py): the batches wrote the rows of
    # their footprints; what they left behind is computed here (a window already current is not
    # scanned again: the no-op stays a no-op)
    whatif = refresh_whatif(con, lib, in_step)
    # the canonical model of every logged GPU name, for the report's "By GPU model" (issue 19)
    replace_gpu_model_names(con, canonical_gpu_models(distinct_gpu_models(con), lib))
    return ComputeResult(computed=totals[0], unresolved=totals[1], factor_set=lib.version, unchanged=totals[2],
                         batches=batches, unknown_datacenters=tuple(unknown_datacenters(con)), whatif=whatif)


def _add(totals: list[int], counts: tuple[int, int, int]) -> None:
    for i, n in enumerate(counts):
        totals[i] += n


def unknown_datacenters_line(unknown: tuple[tuple[str, int], ...], shown: int = 10) -> str:
    """One line naming the datacenters runs name that the site file does not have, with run counts."""
    names = ", ".join(f"{name!r} ({runs} run{'s' if runs != 1 else ''})" for name, runs in unknown[:shown])
    more = f", and {len(unknown) - shown} more" if len(unknown) > shown else ""
    return (f"{sum(r for _, r in unknown)} runs name a datacenter that is not in the site file (their factors come "
            f"from the region, else the defaults): {names}{more}")
