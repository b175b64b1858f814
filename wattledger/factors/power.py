"""Power per device (``power_basis``): measured energy > logged ``avg_power_w`` > TDP of the GPU model.

no_gpu    a run without GPUs (``gpu_hours_basis`` no_gpu: it gave cores, memory or a measured CPU
          energy instead): 0 W over 0 GPU-hours, its energy is in the CPU and memory parts
          (wattledger.factors.cpu_power);
measured  power telemetry attributed to the run (wattledger.compute.attribution), else a tracker's
          GPU energy ``measured_gpu_energy_kwh`` (never the whole machine's), else the run's
          ``measured_it_energy_kwh`` less its measured CPU and memory parts, as the average power
          it implies over the GPU-hours;
logged    the run's ``avg_power_w``;
tdp       the GPU model's TDP (hardware/gpu_power.csv; names matched ignoring case and
          punctuation against every alias); where a typical power is published (TPUs) it is
          the central value and TDP the high bound. None applies: no footprint, and the run gets an
          ``unresolved_reason``. Bounds: docs/method.md.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.cpu_power import with_run_columns
from wattledger.factors.ladder import Rule, fold
from wattledger.factors.names import normalise_model
from wattledger.method import LOGGED_POWER_REL_UNCERTAINTY, MEASURED_ENERGY_REL_UNCERTAINTY, TDP_LOWER_FRACTION
from wattledger.units import W_PER_KW

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

#: Columns of measured telemetry energy per run (wattledger.compute.attribution), null when none.
TELEMETRY_COLUMNS = {
    "telemetry_it_energy_kwh": pl.Float64,
    "telemetry_low_kwh": pl.Float64,
    "telemetry_high_kwh": pl.Float64,
    "telemetry_source": pl.String,
    "telemetry_note": pl.String,
}
COLUMNS = {"power_w": pl.Float64, "power_low_w": pl.Float64, "power_high_w": pl.Float64, "power_basis": pl.String,
           "power_source": pl.String}
#: Resolved columns that follow a run's own numbers (computed for every run, not per profile).
PER_RUN = ("power_w", "power_low_w", "power_high_w")


def _terms() -> SimpleNamespace:
    """The conditions of the power rules (each excludes the rules before it, nulls counting as false)."""
    hours = pl.col("gpu_hours")
    no_gpu = (pl.col("gpu_hours_basis") == "no_gpu").fill_null(False)
    tele = ~no_gpu & pl.col("telemetry_it_energy_kwh").is_not_null() & (hours > 0)
    # the GPUs' measured energy: the tracker's GPU part, else the run's IT energy less its
    # measured CPU and memory parts (x - 0.0 - 0.0 == x: a run without parts keeps its energy)
    parts = pl.col("measured_cpu_energy_kwh").fill_null(0.0) + pl.col("measured_ram_energy_kwh").fill_null(0.0)
    energy = pl.coalesce(pl.col("measured_gpu_energy_kwh"), pl.col("measured_it_energy_kwh") - parts)
    tracker = ~no_gpu & ~tele & energy.is_not_null() & (hours > 0)
    measured = tele | tracker
    logged = ~no_gpu & ~measured & pl.col("avg_power_w").is_not_null()
    return SimpleNamespace(hours=hours, tele=tele, energy=energy, measured=measured, logged=logged, tdp=pl.col("tdp_w"),
                           no_gpu=no_gpu)


def rules() -> list[Rule]:
    """power_w, its bounds, basis and source, in order of preference (no fallback: unresolved)."""
    lit = pl.lit
    t = _terms()
    note = pl.coalesce(lit("; ") + pl.col("telemetry_note"), lit(""))
    # power implied by a measured energy: gpu_hours x power / 1000 = energy
    tracker_w = t.energy * W_PER_KW / t.hours
    avg = pl.col("avg_power_w")
    typical = pl.col("typical_power_w")
    return [
        Rule(t.no_gpu, power_w=0.0, power_low_w=0.0, power_high_w=0.0, power_basis="no_gpu",
             power_source=lit("no GPU in the run: its energy is its CPU and memory parts")),
        Rule(t.tele,
             power_w=pl.col("telemetry_it_energy_kwh") * W_PER_KW / t.hours,
             power_low_w=pl.col("telemetry_low_kwh") * W_PER_KW / t.hours,
             power_high_w=pl.col("telemetry_high_kwh") * W_PER_KW / t.hours,
             power_basis="measured", power_source=pl.col("telemetry_source")),
        Rule(t.measured,
             power_w=tracker_w, power_low_w=tracker_w * (1 - MEASURED_ENERGY_REL_UNCERTAINTY),
             power_high_w=tracker_w * (1 + MEASURED_ENERGY_REL_UNCERTAINTY),
             power_basis="measured", power_source=pl.col("measured_energy_source")
             + pl.when(pl.col("measured_gpu_energy_kwh").is_not_null()).then(lit(" (GPU part)")).otherwise(lit(""))),
        Rule(t.logged,
             power_w=avg, power_low_w=avg * (1 - LOGGED_POWER_REL_UNCERTAINTY),
             power_high_w=avg * (1 + LOGGED_POWER_REL_UNCERTAINTY),
             power_basis="logged", power_source=lit("avg_power_w in the run log") + note),
        # a published typical power is the central value, TDP the high bound (hardware/README.md)
        Rule(t.tdp.is_not_null(),
             power_w=pl.coalesce(typical, t.tdp), power_low_w=pl.min_horizontal(t.tdp * TDP_LOWER_FRACTION, pl.coalesce(typical, t.tdp)),
             power_high_w=t.tdp, power_basis="tdp",
             power_source=pl.when(typical.is_not_null()).then(pl.format("typical power {} W (central), TDP {} W (high bound) of ",
                                                                        typical.round(1).cast(pl.String).str.strip_suffix(".0"),
                                                                        t.tdp.round(1).cast(pl.String).str.strip_suffix(".0"))).otherwise(lit("TDP of "))
             + pl.col("gpu_table_model") + lit(" (hardware/gpu_power.csv: ") + pl.col("gpu_source") + lit(")") + note),
    ]


def reason_rules() -> list[Rule]:
    """Why a run has no footprint (null: it has one)."""
    lit = pl.lit
    t = _terms()
    return [
        Rule(t.no_gpu),  # resolved: no GPU power to know
        Rule(t.energy.is_not_null() & (t.hours <= 0),
             unresolved_reason="measured energy over zero GPU-hours: the run's duration or gpu_hours is wrong"),
        Rule(t.measured | t.logged | t.tdp.is_not_null()),  # resolved
        Rule(pl.col("gpu_model").is_null(), unresolved_reason="no avg_power_w and no gpu_model: power cannot be estimated"),
        Rule(None, unresolved_reason=lit("no avg_power_w and GPU model '") + pl.col("gpu_model")
             + lit("' is not in hardware/gpu_power.csv: power cannot be estimated")),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The GPU model's row of hardware/gpu_power.csv (gpu_table_model, tdp_w, gpu_source), then the rules."""
    df = df.with_columns(normalise_model(pl.col("gpu_model")).alias("model_key")).join(
        lib.gpu_aliases.rename({"gpu_model": "gpu_table_model", "source": "gpu_source"}),
        on="model_key", how="left", maintain_order="left",
    )
    for name, dtype in TELEMETRY_COLUMNS.items():  # runs without telemetry attribution
        if name not in df.columns:
            df = df.with_columns(pl.lit(None, dtype).alias(name))
    df = with_run_columns(df)  # runs resolved without the CPU and memory columns (explain)
    return df.with_columns(*fold(rules(), COLUMNS), *fold(reason_rules(), {"unresolved_reason": pl.String}))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(rules(), COLUMNS, only=PER_RUN))
