"""Energy beyond the GPUs: the CPU part (``energy_cpu_basis``) and the memory part (``energy_ram_basis``) of IT energy.

CPU part [kWh], first rule that applies:
measured          ``measured_cpu_energy_kwh`` (a tracker's CPU energy, e.g. CodeCarbon ``cpu_energy``);
measured_machine  a run without GPUs whose tracker gave only the whole machine's energy
                  (``measured_it_energy_kwh``): that energy, less a measured memory part;
measured_remainder  a GPU run with ``measured_it_energy_kwh`` and a measured GPU part but no CPU
                  part: the rest, less a measured memory part (CPU and everything else);
in_measured_it    a GPU run whose ``measured_it_energy_kwh`` is not split: the CPU is inside it
                  (counted in the GPU part, as the run log says nothing more): null;
logged            ``cpu_power_w`` (the run's CPUs together, W) x duration;
tdp_per_core      ``cpu_cores`` x the CPU model's TDP per core (hardware/cpu_power.csv) x duration;
default:per_core  ``cpu_cores`` x Green Algorithms' default per core (12 W) x duration;
unknown           none of these: null (the run's IT energy is then its GPU (and memory) part).

Memory part [kWh]: measured ``measured_ram_energy_kwh``; included_in_cpu (the whole-machine and
remainder cases above); in_measured_it; per_gb ``ram_gb`` x 0.3725 W/GB (method.RAM_POWER_W_PER_GB) x duration;
unknown. The duration is ``ended_at - started_at`` (none: a CPU estimate is unknown).

Bounds: measured +-MEASURED_ENERGY_REL_UNCERTAINTY, logged +-LOGGED_POWER_REL_UNCERTAINTY, a TDP
from TDP_LOWER_FRACTION x TDP to TDP (as for GPUs), memory +-RAM_POWER_REL_UNCERTAINTY.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.errors import FactorError
from wattledger.factors.ladder import Rule, fold
from wattledger.method import (
    CPU_PER_CORE_QUANTILES, DEFAULT_CPU_KEY, LOGGED_POWER_REL_UNCERTAINTY, MEASURED_ENERGY_REL_UNCERTAINTY,
    RAM_POWER_REL_UNCERTAINTY, RAM_POWER_W_PER_GB, TDP_LOWER_FRACTION,
)
from wattledger.units import SECONDS_PER_HOUR, W_PER_KW

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

#: The run columns this stage reads (null when the run log has none); also read by power.py.
RUN_COLUMNS = {
    "cpu_model": pl.String,
    "cpu_cores": pl.Float64,
    "cpu_power_w": pl.Float64,
    "ram_gb": pl.Float64,
    "measured_gpu_energy_kwh": pl.Float64,
    "measured_cpu_energy_kwh": pl.Float64,
    "measured_ram_energy_kwh": pl.Float64,
    "gpu_hours_basis": pl.String,
    "ended_at": pl.Datetime("us", "UTC"),
}
CPU_COLUMNS = {"energy_cpu_kwh": pl.Float64, "energy_cpu_low_kwh": pl.Float64, "energy_cpu_high_kwh": pl.Float64,
               "energy_cpu_basis": pl.String, "energy_cpu_source": pl.String}
RAM_COLUMNS = {"energy_ram_kwh": pl.Float64, "energy_ram_low_kwh": pl.Float64, "energy_ram_high_kwh": pl.Float64,
               "energy_ram_basis": pl.String, "energy_ram_source": pl.String}
#: Resolved columns that follow a run's own numbers (computed for every run, not per profile).
PER_RUN = ("energy_cpu_kwh", "energy_cpu_low_kwh", "energy_cpu_high_kwh", "energy_ram_kwh", "energy_ram_low_kwh",
           "energy_ram_high_kwh")


def cpu_key(expr: pl.Expr) -> pl.Expr:
    """How CPU names are matched: lower case, without (R)/(TM), the clock after '@', 'NN-Core', the
    words intel/amd/cpu/processor and punctuation ('Intel(R) Xeon(R) Platinum 8480+' ~ 'Xeon Platinum
    8480+'); the same rule as scripts/build_cpu_water_tables.py."""
    s = expr.str.to_lowercase().str.replace_all(r"\((r|tm)\)", " ").str.replace(r"@.*$", " ")
    s = s.str.replace_all(r"\b\d+-core\b", " ").str.replace_all(r"\b(intel|amd|cpu|processor)\b", " ")
    return s.str.replace_all(r"[^a-z0-9+]", "")


def cpu_table(lib: FactorLibrary) -> pl.DataFrame:
    """hardware/cpu_power.csv (cpu_key, cpu_table_model, cpu_tdp_per_core_w, cpu_source), read once per library."""
    if "_cpu_table" not in lib.__dict__:
        raw = pl.read_csv(lib.file_bytes("hardware", "cpu_power.csv"), infer_schema_length=None)
        lib.__dict__["_cpu_table"] = raw.select(
            "cpu_key", pl.col("cpu_model").alias("cpu_table_model"),
            pl.col("tdp_per_core_w").cast(pl.Float64).alias("cpu_tdp_per_core_w"),
            (pl.col("source") + pl.lit(", ") + pl.col("url")).alias("cpu_source"),
        )
    return lib.__dict__["_cpu_table"]


def default_per_core(lib: FactorLibrary) -> tuple[float, float, float, str]:
    """(central, low, high, source) of the default power per core [W]: the table's default row,
    bounded by quantiles of the table's per-core figures (method.CPU_PER_CORE_QUANTILES)."""
    table = cpu_table(lib)
    row = table.filter(pl.col("cpu_key") == DEFAULT_CPU_KEY)
    if row.height != 1 or row["cpu_tdp_per_core_w"][0] is None:
        raise FactorError(f"hardware/cpu_power.csv has no cpu_key={DEFAULT_CPU_KEY} row with tdp_per_core_w")
    value = float(row["cpu_tdp_per_core_w"][0])
    per_core = table.filter(pl.col("cpu_key") != DEFAULT_CPU_KEY)["cpu_tdp_per_core_w"].drop_nulls()
    lo, hi = (float(per_core.quantile(q, "linear")) for q in CPU_PER_CORE_QUANTILES)
    return value, min(lo, value) * TDP_LOWER_FRACTION, max(hi, value), str(row["cpu_source"][0])


def _duration_h() -> pl.Expr:
    return (pl.col("ended_at") - pl.col("started_at")).dt.total_microseconds() / 1e6 / SECONDS_PER_HOUR


def _no_gpu() -> pl.Expr:
    return (pl.col("gpu_hours_basis") == "no_gpu").fill_null(False)


def _band(value: pl.Expr, rel: float, names: dict, basis: str | pl.Expr, source: str | pl.Expr, when: pl.Expr) -> Rule:
    k, lo, hi, b, s = names
    return Rule(when, **{k: value, lo: value * (1 - rel), hi: value * (1 + rel), b: basis, s: source})


def cpu_rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    h = _duration_h()
    c = pl.col
    src = c("measured_energy_source").fill_null("tracker")
    whole = c("measured_it_energy_kwh").is_not_null() & c("measured_cpu_energy_kwh").is_null()
    tdp_w = c("cpu_cores") * c("cpu_tdp_per_core_w")
    d, d_lo, d_hi, d_src = default_per_core(lib)
    cores = c("cpu_cores")
    machine = c("measured_it_energy_kwh") - c("measured_ram_energy_kwh").fill_null(0.0)
    return [
        _band(c("measured_cpu_energy_kwh"), MEASURED_ENERGY_REL_UNCERTAINTY, CPU_COLUMNS, "measured",
              src + lit(" (CPU part)"), c("measured_cpu_energy_kwh").is_not_null()),
        _band(machine, MEASURED_ENERGY_REL_UNCERTAINTY, CPU_COLUMNS, "measured_machine",
              src + lit(" (whole machine, no GPU: CPU and all but a measured memory part)"), whole & _no_gpu()),
        # the total less its measured GPU (and memory) parts; never below 0 (parts above the total)
        _band(pl.max_horizontal(machine - c("measured_gpu_energy_kwh"), 0.0), MEASURED_ENERGY_REL_UNCERTAINTY, CPU_COLUMNS,
              "measured_remainder", src + lit(" (total less its GPU and memory parts)"),
              whole & c("measured_gpu_energy_kwh").is_not_null()),
        Rule(whole, energy_cpu_basis="in_measured_it",
             energy_cpu_source=lit("inside measured_it_energy_kwh (not split by the run log)")),
        _band(c("cpu_power_w") * h / W_PER_KW, LOGGED_POWER_REL_UNCERTAINTY, CPU_COLUMNS, "logged",
              lit("cpu_power_w in the run log x duration"), c("cpu_power_w").is_not_null() & h.is_not_null()),
        Rule(cores.is_not_null() & h.is_not_null() & c("cpu_tdp_per_core_w").is_not_null(),
             energy_cpu_kwh=tdp_w * h / W_PER_KW, energy_cpu_low_kwh=tdp_w * TDP_LOWER_FRACTION * h / W_PER_KW,
             energy_cpu_high_kwh=tdp_w * h / W_PER_KW, energy_cpu_basis="tdp_per_core",
             energy_cpu_source=lit("cpu_cores x TDP per core of ") + c("cpu_table_model") + lit(" (hardware/cpu_power.csv: ")
             + c("cpu_source") + lit(") x duration")),
        Rule(cores.is_not_null() & h.is_not_null(),
             energy_cpu_kwh=cores * d * h / W_PER_KW, energy_cpu_low_kwh=cores * d_lo * h / W_PER_KW,
             energy_cpu_high_kwh=cores * d_hi * h / W_PER_KW, energy_cpu_basis="default:per_core",
             energy_cpu_source=pl.coalesce(lit("CPU model '") + c("cpu_model") + lit("' not in hardware/cpu_power.csv "
                                                                                  "or without a core count; "), lit(""))
             + lit(f"cpu_cores x {d:g} W per core ({d_src}) x duration")),
        Rule(None, energy_cpu_basis="unknown",
             energy_cpu_source=pl.when(cores.is_not_null() | c("cpu_power_w").is_not_null())
             .then(lit("no started_at/ended_at: the CPU time is unknown"))
             .otherwise(lit("no cpu_cores, cpu_power_w or measured CPU energy in the run log"))),
    ]


def ram_rules() -> list[Rule]:
    lit = pl.lit
    c = pl.col
    h = _duration_h()
    whole = c("measured_it_energy_kwh").is_not_null() & c("measured_cpu_energy_kwh").is_null()
    per_gb = c("ram_gb") * RAM_POWER_W_PER_GB * h / W_PER_KW
    return [
        _band(c("measured_ram_energy_kwh"), MEASURED_ENERGY_REL_UNCERTAINTY, RAM_COLUMNS, "measured",
              c("measured_energy_source").fill_null("tracker") + lit(" (memory part)"),
              c("measured_ram_energy_kwh").is_not_null()),
        Rule(whole & (_no_gpu() | c("measured_gpu_energy_kwh").is_not_null()), energy_ram_basis="included_in_cpu",
             energy_ram_source=lit("inside the measured energy of the CPU part")),
        Rule(whole, energy_ram_basis="in_measured_it",
             energy_ram_source=lit("inside measured_it_energy_kwh (not split by the run log)")),
        _band(per_gb, RAM_POWER_REL_UNCERTAINTY, RAM_COLUMNS, "per_gb",
              lit(f"ram_gb x {RAM_POWER_W_PER_GB:g} W/GB (Green Algorithms referenceValues.csv, memoryPower) x duration"),
              c("ram_gb").is_not_null() & h.is_not_null()),
        Rule(None, energy_ram_basis="unknown",
             energy_ram_source=pl.when(c("ram_gb").is_not_null()).then(lit("no started_at/ended_at: the memory time is unknown"))
             .otherwise(lit("no ram_gb or measured memory energy in the run log"))),
    ]


def with_run_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Null columns for the RUN_COLUMNS a frame lacks (runs resolved without them, e.g. ``explain``)."""
    return df.with_columns(pl.lit(None, t).alias(n) for n, t in RUN_COLUMNS.items() if n not in df.columns)


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The CPU model's row of hardware/cpu_power.csv (cpu_table_model, cpu_tdp_per_core_w, cpu_source), then the rules."""
    df = with_run_columns(df).with_columns(cpu_key(pl.col("cpu_model")).alias("cpu_key")).join(
        cpu_table(lib), on="cpu_key", how="left", maintain_order="left").drop("cpu_key")
    return df.with_columns(*fold(cpu_rules(lib), CPU_COLUMNS), *fold(ram_rules(), RAM_COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(*fold(cpu_rules(lib), CPU_COLUMNS, only=PER_RUN[:3]), *fold(ram_rules(), RAM_COLUMNS, only=PER_RUN[3:]))
