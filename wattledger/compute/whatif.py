"""What-if: what each run would have emitted started at a better hour, or in another datacenter.

The stages, in order (``compute_whatif``):

1. the runs with a current footprint (store), streamed WHATIF_BATCH_RUNS at a time through
   stages 2 and 3, with the factor library of the database;
2. timing: runs whose intensity is the hourly series of their region over all of the run
   (basis ``hourly``) are shifted by every whole hour within ±window_hours, all at once
   (wattledger.kernel.whatif); each candidate's CO2e is the run's facility energy × the
   series' exact mean over the shifted interval; candidates not fully covered are skipped and
   counted; a run priced hour by hour at a market price is priced at the best start likewise;
3. placement: the same run (its IT energy, GPU model, time) in each datacenter of the site file,
   resolved by the factor ladder as a run of that datacenter (its region, PUE, price; hourly
   series and time-of-use refinement at the run's own time): the datacenter with the least CO2e;
4. one write: the window's rows replaced in one transaction, batch by batch (store).

Compute runs stages 2 and 3 inside its own batches too (``batch_whatif``): the rows of the
footprints it has just computed, from the rows it holds in memory, written in the footprints'
transaction; ``refresh_whatif`` then computes only what that left behind (runs whose inputs did
not change under a new factor set, windows that were behind before compute).

Assumptions (stated in the report): the run's energy is drawn at constant power over its
duration (its mean power: the same power profile wherever and whenever it runs); no queueing
(the hours or the datacenter were free); location-based CO2e. docs/whatif.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl

from wattledger.compute.attribution import TELEMETRY_SCHEMA
from wattledger.factors import FactorLibrary, apply_hourly_intensity, apply_tou_prices
from wattledger.factors.market_price import apply_market_prices, market_price_at
from wattledger.factors.names import normalise_datacenter
from wattledger.kernel.whatif import best_shift, shift_order, shifted_means
from wattledger.method import WHATIF_WINDOW_HOURS
from wattledger.store import datacenters, power_samples_summary
from wattledger.store.whatif import whatif_run_batches, whatif_state, whatif_windows, write_whatif


@dataclass(frozen=True)
class WhatifResult:
    window_hours: int
    runs: int  # runs with a what-if row (every run with a footprint)
    timed: int  # runs compared at other starts
    candidates_skipped: int  # candidate starts of those runs not fully covered by the series
    placed: int  # runs placed in the site file's datacenters
    factor_set: str

    def __add__(self, other: WhatifResult) -> WhatifResult:
        return WhatifResult(self.window_hours, self.runs + other.runs, self.timed + other.timed,
                            self.candidates_skipped + other.candidates_skipped, self.placed + other.placed,
                            self.factor_set)


def counted(rows: pl.DataFrame, window_hours: int, factor_set: str) -> WhatifResult:
    """The counts of a batch of what-if rows of one window."""
    timed = rows.filter(pl.col("timing_status") == "compared")
    return WhatifResult(window_hours, rows.height, timed.height,
                        int((timed["candidates"] - timed["candidates_covered"]).sum() or 0),
                        int((rows["datacenters_compared"] > 0).sum()), factor_set)


# runs per batch of the what-if: the timing table (25 shifts of a 12 h window) and the
# placement's (run, datacenter) pairs of one batch stay a few hundred MB (10 M runs at once:
# 11.3 GB peak RSS, measured 2026-12-05)
WHATIF_BATCH_RUNS = 250_000


def _epoch_s(column: pl.Series) -> np.ndarray:
    return column.dt.epoch("us").to_numpy() / 1e6


def library_of(con) -> FactorLibrary:
    """The factor library compute uses for this database (reference tables, datacenters, telemetry)."""
    return FactorLibrary(sites=datacenters(con), data_version=f"samples:{power_samples_summary(con)}")


def compute_whatif(con, *, window_hours: int = WHATIF_WINDOW_HOURS, library: FactorLibrary | None = None,
                   changed_only: bool = False, now: datetime | None = None,
                   batch_runs: int = WHATIF_BATCH_RUNS) -> WhatifResult:
    """Compute and store the what-if rows of every run with a footprint for ``window_hours``
    (``changed_only``: of the runs without a row computed from their current footprint under
    this factor set; a run's rows depend only on its own footprint and the factor set, so the
    others stand). The runs are streamed and computed ``batch_runs`` at a time, all written in
    one transaction."""
    if window_hours < 0 or window_hours > 24 * 14:
        raise ValueError(f"window_hours must be between 0 and 336 (two weeks), got {window_hours}")
    lib = library or library_of(con)
    at = now or datetime.now(UTC)
    total = [WhatifResult(window_hours, 0, 0, 0, 0, lib.version)]

    def batches():
        for runs in whatif_run_batches(con, window_hours, changed_only=changed_only, factor_set=lib.version,
                                       batch_runs=batch_runs):
            rows = whatif_rows(runs, lib, window_hours, at)
            total[0] += counted(rows, window_hours, lib.version)
            yield rows.to_arrow()

    write_whatif(con, window_hours, batches(), whole=not changed_only)
    return total[0]


def whatif_rows(runs: pl.DataFrame, lib: FactorLibrary, window_hours: int, at: datetime) -> pl.DataFrame:
    """The what-if rows of ``runs`` (one batch): timing and placement, one row per run (with the
    footprint's ``footprint_computed_at`` where ``runs`` has it)."""
    timing = timing_table(runs, lib, window_hours)
    placement = placement_table(runs, lib)
    keys = [c for c in ("run_id", "footprint_computed_at") if c in runs.columns]
    return runs.select(keys).join(timing, on="run_id", how="left").join(placement, on="run_id", how="left").with_columns(
        pl.lit(window_hours, pl.Int32).alias("window_hours"), pl.lit(lib.version).alias("factor_set"),
        pl.col("datacenters_compared").fill_null(0),
        pl.lit(at).alias("computed_at"),
    )


# --- the what-if inside compute's batches ----------------------------------------------------

#: the columns of queries/whatif/runs.sql that come from the run itself (the rest from its footprint)
RUN_COLUMNS = ("run_id", "started_at", "ended_at", "region", "datacenter", "gpu_model", "gpu_count", "gpu_hours",
               "avg_power_w", "cpu_model", "cpu_cores", "cpu_power_w", "ram_gb", "gpu_hours_basis")
#: footprint column -> its name in queries/whatif/runs.sql
FOOTPRINT_COLUMNS = {"energy_it_kwh": "energy_it_kwh", "energy_kwh": "energy_kwh", "co2e_kg": "co2e_kg",
                     "intensity_basis": "intensity_basis", "intensity_region": "intensity_region",
                     "price_per_kwh": "run_price_per_kwh", "price_basis": "run_price_basis",
                     "tariff_id": "run_tariff_id", "currency": "run_currency", "energy_cost": "run_energy_cost"}


def whatif_input(runs: pl.DataFrame, footprints: pl.DataFrame) -> pl.DataFrame:
    """The what-if's runs as queries/whatif/runs.sql gives them (without footprint_computed_at),
    from a compute batch held in memory: the runs' own columns (as read from the queue) and
    the footprints just computed for them."""
    computed = footprints.select([pl.col(c).alias(a) for c, a in FOOTPRINT_COLUMNS.items()] + ["run_id"])
    return runs.select(RUN_COLUMNS).join(computed, on="run_id", how="inner").with_columns(
        pl.col("datacenter").alias("run_datacenter"))


def batch_whatif(runs: pl.DataFrame, footprints: pl.DataFrame, lib: FactorLibrary,
                 windows: tuple[int, ...]) -> tuple[pl.DataFrame, tuple[WhatifResult, ...]]:
    """The what-if rows of ``windows`` of a compute batch's freshly computed footprints (and their
    counts per window): the rows these runs' own what-if would give, from the rows compute holds
    in memory instead of reading 10 M of them back (store.whatif.insert_batch_whatif writes them
    with the footprints)."""
    if not windows or footprints.height == 0:
        return pl.DataFrame(), tuple(WhatifResult(w, 0, 0, 0, 0, lib.version) for w in windows)
    data = whatif_input(runs, footprints)
    at = datetime.now(UTC)  # replaced by the transaction's timestamp when written
    parts = [whatif_rows(data, lib, w, at) for w in windows]
    return pl.concat(parts, how="vertical"), tuple(counted(r, w, lib.version) for r, w in zip(parts, windows))


def windows_kept_in_step(con, lib: FactorLibrary) -> tuple[int, ...]:
    """The what-if windows compute writes inside its batches: the default one and every stored one
    whose rows name exactly the footprints that exist (whatever their factor set). A batch then
    replaces its runs' rows with its footprints, and the window stays one row per footprint;
    another window (rows of runs whose footprint is gone) is brought up to date after compute."""
    windows = sorted(set(whatif_windows(con)) | {WHATIF_WINDOW_HOURS})
    return tuple(w for w in windows if whatif_state(con, w, lib.version).matches_footprints)


def ensure_whatif(con, window_hours: int = WHATIF_WINDOW_HOURS, library: FactorLibrary | None = None) -> WhatifResult | None:
    """Bring the what-if rows of ``window_hours`` up to date: all of them when none is under the
    current factor set, else those of runs without a row computed from their current footprint
    under it (and rows of runs without a footprint deleted). None when nothing needed computing
    (checked from two aggregates first: store.whatif_state)."""
    lib = library or library_of(con)
    state = whatif_state(con, window_hours, lib.version)
    if state.current:
        return None
    whole = state.rows_under_factor_set == 0
    result = compute_whatif(con, window_hours=window_hours, library=lib, changed_only=not whole)
    return result if result.runs or whole else None


def refresh_whatif(con, lib: FactorLibrary, in_step: dict[int, WhatifResult] | None = None) -> WhatifResult | None:
    """After a compute: every stored what-if window (the default one always) brought up to date
    (``ensure_whatif``: nothing is scanned for a window already current). ``in_step``: the counts
    of the rows compute wrote inside its batches, per window. Returns the default window's rows
    written by this compute (in its batches and here), None when none was."""
    in_step = in_step or {}
    result = None
    for window in sorted(set(whatif_windows(con)) | {WHATIF_WINDOW_HOURS} | set(in_step)):
        done = ensure_whatif(con, window, lib)
        if window == WHATIF_WINDOW_HOURS:
            written = [r for r in (in_step.get(window), done) if r is not None and r.runs]
            result = sum(written[1:], written[0]) if written else None
    return result


# --- timing -------------------------------------------------------------------------------


TIMING_SCHEMA = {
    "run_id": pl.String, "timing_status": pl.String, "candidates": pl.Int32, "candidates_covered": pl.Int32,
    "co2e_kg_now": pl.Float64, "best_shift_h": pl.Int32, "best_started_at": pl.Datetime("us", "UTC"),
    "co2e_kg_best": pl.Float64, "energy_cost_now": pl.Float64, "energy_cost_best": pl.Float64, "currency": pl.String,
    "cost_basis": pl.String,
}


def _status(rows: dict[str, int]) -> pl.Expr:
    """Why a run is or is not compared at other starts."""
    return (pl.when(pl.col("started_at").is_null() | pl.col("ended_at").is_null()).then(pl.lit("no start and end"))
            .when(~pl.col("intensity_region").is_in(list(rows))).then(pl.lit("no hourly series for its region"))
            .when(pl.col("intensity_basis") == "hourly_partial").then(pl.lit("not fully covered by the hourly series"))
            .when(pl.col("intensity_basis") != "hourly").then(pl.lit("intensity not the grid's hourly series"))
            .otherwise(pl.lit("compared")))


def timing_table(runs: pl.DataFrame, lib: FactorLibrary, window_hours: int) -> pl.DataFrame:
    """One row per run (TIMING_SCHEMA): its CO2e at its own start and at the best whole-hour
    shift within ±window_hours, on the hourly series of its region; the run's price at the best
    start (hour by hour for a market-indexed price, else its own price per kWh)."""
    grid = lib.hourly_grid
    row = grid.row_of
    shifts = shift_order(window_hours)
    status = runs.select("run_id", _status(row).alias("timing_status"))
    ok = runs.filter(status["timing_status"] == "compared")
    base = status.with_columns(pl.lit(shifts.size, pl.Int32).alias("candidates"))
    if ok.height == 0:
        return base.with_columns(pl.lit(0, pl.Int32).alias("candidates_covered"),
                                 *[pl.lit(None, t).alias(c) for c, t in TIMING_SCHEMA.items() if c not in base.columns
                                   and c != "candidates_covered"])
    sid = ok["intensity_region"].replace_strict(row, return_dtype=pl.Int64).to_numpy()
    a, b = _epoch_s(ok["started_at"]), _epoch_s(ok["ended_at"])
    shifted = shifted_means(grid.start_s, grid.values, sid, a, b, shifts)
    own = shifted.mean[:, 0]  # shift 0 (shift_order's first): its own start, covered for basis hourly
    best = best_shift(shifted.mean)
    energy = ok["energy_kwh"].to_numpy()
    shift_h = np.where(best.index >= 0, shifts[np.maximum(best.index, 0)], 0)
    cost_now, cost_best, cost_basis = _costs(ok, lib, a, b, shift_h, energy)
    out = ok.select(
        "run_id",
        pl.Series("candidates_covered", best.covered.astype(np.int32)),
        pl.Series("co2e_kg_now", energy * own),
        pl.Series("best_shift_h", shift_h.astype(np.int32)),
        (pl.col("started_at") + pl.duration(hours=pl.Series(shift_h))).alias("best_started_at"),
        pl.Series("co2e_kg_best", energy * best.mean),
        pl.Series("energy_cost_now", cost_now),
        pl.Series("energy_cost_best", cost_best).fill_nan(None),  # a market price not covering the shifted run: unknown
        pl.col("run_currency").alias("currency"),
        pl.Series("cost_basis", cost_basis, dtype=pl.String),
    )
    return base.join(out, on="run_id", how="left").with_columns(pl.col("candidates_covered").fill_null(0)).select(
        [pl.col(c).cast(t) for c, t in TIMING_SCHEMA.items()])


def _costs(ok: pl.DataFrame, lib: FactorLibrary, a, b, shift_h, energy) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Electricity cost now and at the best start [currency]: a market-indexed price hour by hour
    (the market's mean over the shifted interval + the adder), any other at the run's own price."""
    own_price = ok["run_price_per_kwh"].to_numpy()
    market = ok["run_price_basis"] == "datacenter_market"
    now, best = energy * own_price, energy * own_price
    basis = ["the run's own price per kWh (flat, or its time-of-use mean at its own time)"] * ok.height
    if market.any():
        idx = np.flatnonzero(market.to_numpy())
        tariffs = ok["run_tariff_id"].gather(idx)
        # the run's price less the market's mean at its own time is its adder: the same adder at the best start
        market_now = market_price_at(lib, tariffs, a[idx], b[idx])
        market_best = market_price_at(lib, tariffs, a[idx] + shift_h[idx] * 3600.0, b[idx] + shift_h[idx] * 3600.0)
        best[idx] = energy[idx] * (own_price[idx] - market_now + market_best)
        for i in idx:
            basis[i] = "hourly day-ahead market price + adder at the best start"
    return now, best, basis


# --- placement ----------------------------------------------------------------------------


PLACEMENT_SCHEMA = {
    "run_id": pl.String, "datacenters_compared": pl.Int32, "best_datacenter": pl.String,
    "co2e_kg_best_datacenter": pl.Float64, "energy_kwh_best_datacenter": pl.Float64,
    "energy_cost_best_datacenter": pl.Float64, "currency_best_datacenter": pl.String,
    "intensity_basis_best_datacenter": pl.String,
}


def placement_table(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """One row per run of a site-file datacenter with start and end, placed in each of the site
    file's datacenters (PLACEMENT_SCHEMA): the datacenter
    where the same run, at its own time, emits least. Each (run, datacenter) is resolved as a run
    of that datacenter (region, PUE, intensity, price from the ladder; hourly series, time-of-use
    and market prices over the run's own interval); its facility energy is the run's IT energy
    × that datacenter's PUE."""
    sites = lib.sites.select("datacenter")
    # runs of one of the site file's datacenters, with their own time: "your other sites"
    own = normalise_datacenter(pl.col("run_datacenter")).is_in(sites.select(normalise_datacenter(pl.col("datacenter")))
                                                                 .to_series().implode())
    runs = runs.filter(own & pl.col("started_at").is_not_null() & pl.col("ended_at").is_not_null())
    if sites.height == 0 or runs.height == 0:
        return pl.DataFrame(schema=PLACEMENT_SCHEMA)
    virtual = runs.select(
        "run_id", "started_at", "ended_at", "gpu_model", "gpu_count", "gpu_hours", "cpu_model", "cpu_cores", "cpu_power_w",
        "ram_gb", "gpu_hours_basis", "energy_it_kwh",
        # power is irrelevant here (the run's IT energy is kept): a placeholder keeps every run resolvable
        pl.lit(1.0).alias("avg_power_w"),
    ).join(sites, how="cross").with_columns(
        (pl.col("run_id") + pl.lit("\u0000") + pl.col("datacenter")).alias("placement_id"),
        pl.lit(None, pl.String).alias("region"), pl.lit(None, pl.Float64).alias("pue"),
        pl.lit(None, pl.Float64).alias("grid_intensity_kg_per_kwh"), pl.lit(None, pl.Float64).alias("price_per_kwh"),
        pl.lit(None, pl.String).alias("currency"), pl.lit(None, pl.Float64).alias("measured_it_energy_kwh"),
        pl.lit(None, pl.String).alias("measured_energy_source"),
        pl.lit(None, pl.Float64).alias("compute_price_per_gpu_hour"), pl.lit(None, pl.String).alias("compute_currency"),
        pl.lit(None, pl.Float64).alias("measured_gpu_energy_kwh"), pl.lit(None, pl.Float64).alias("measured_cpu_energy_kwh"),
        pl.lit(None, pl.Float64).alias("measured_ram_energy_kwh"), pl.lit(None, pl.Float64).alias("wue_l_per_kwh"),
        pl.lit(None, pl.String).alias("hosts"),
        *[pl.lit(None, t).alias(c) for c, t in TELEMETRY_SCHEMA.items() if c != "run_id"],
    )
    # resolution works per run_id: each (run, datacenter) pair is one virtual run, sorted
    keyed = virtual.rename({"run_id": "origin_run_id"}).rename({"placement_id": "run_id"}).sort("run_id")
    resolved = lib.resolve(keyed).filter(pl.col("unresolved_reason").is_null())
    refined = apply_market_prices(apply_tou_prices(apply_hourly_intensity(resolved, lib), lib), lib)
    placed = refined.select(
        pl.col("origin_run_id").alias("run_id"), "datacenter",
        (pl.col("energy_it_kwh") * pl.col("pue_value")).alias("energy_kwh"),
        (pl.col("energy_it_kwh") * pl.col("pue_value") * pl.col("intensity_kg_per_kwh")).alias("co2e_kg"),
        (pl.col("energy_it_kwh") * pl.col("pue_value") * pl.col("price_value")).alias("energy_cost"),
        pl.col("price_currency").alias("currency"), "intensity_basis",
    ).filter(pl.col("co2e_kg").is_not_nan() & pl.col("co2e_kg").is_not_null())
    counts = placed.group_by("run_id").agg(pl.len().cast(pl.Int32).alias("datacenters_compared"))
    best = placed.sort("run_id", "co2e_kg", "datacenter").group_by("run_id", maintain_order=True).first()
    return counts.join(best, on="run_id").select(
        "run_id", "datacenters_compared", pl.col("datacenter").alias("best_datacenter"),
        pl.col("co2e_kg").alias("co2e_kg_best_datacenter"), pl.col("energy_kwh").alias("energy_kwh_best_datacenter"),
        pl.col("energy_cost").alias("energy_cost_best_datacenter"), pl.col("currency").alias("currency_best_datacenter"),
        pl.col("intensity_basis").alias("intensity_basis_best_datacenter"),
    )
