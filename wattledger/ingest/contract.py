"""The canonical run-log contract (shared/DESIGN.md): the input columns a file may carry.

This is the *input* contract of ingest, not the database schema (that is in sql/).
Adapters (Slurm sacct, CodeCarbon, mapping files) produce these same columns, as text,
before validation, so every format is checked by the same SQL.
"""

#: Every column the canonical run log may have, in contract order.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "run_id",
    "name",
    "team",
    "project",
    "started_at",
    "ended_at",
    "gpu_model",
    "gpu_count",
    "gpu_hours",
    "avg_power_w",
    "pue",
    "region",
    "datacenter",
    "hosts",
    "grid_intensity_kg_per_kwh",
    "price_per_kwh",
    "currency",
    # run-level columns of the input adapters (docs/formats.md)
    "job_state",  # scheduler's final state (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...)
    "measured_it_energy_kwh",  # IT energy measured by a tracker for the whole run [kWh], before PUE
    "measured_energy_source",  # which tracker/meter measured it (required with the value)
    "tracker_co2e_kg",  # the tracker's own emissions figure [kgCO2e], kept for comparison
    # energy beyond the GPUs and water (docs/method.md, "CPU and memory", "Water")
    "cpu_model",  # e.g. AMD EPYC 7763 (hardware/cpu_power.csv gives its TDP per core)
    "cpu_cores",  # cores allocated to the run [cores]; a run without GPUs gives this (or a measured CPU energy)
    "cpu_power_w",  # average power of the run's CPUs together [W]
    "ram_gb",  # memory allocated to the run [GB]
    "measured_gpu_energy_kwh",  # a tracker's GPU energy for the whole run [kWh], before PUE
    "measured_cpu_energy_kwh",  # a tracker's CPU energy [kWh], before PUE
    "measured_ram_energy_kwh",  # a tracker's memory energy [kWh], before PUE
    "wue_l_per_kwh",  # the site's water usage effectiveness [L/kWh], overriding the site file
    "tracker_water_l",  # the tracker's own water figure [L], kept for comparison
    # compute cost (docs/method.md): an explicit all-in price of a GPU-hour, overriding the site file
    "compute_price_per_gpu_hour",  # [compute_currency/GPU-hour], electricity included
    "compute_currency",  # ISO 4217, required with compute_price_per_gpu_hour
    "stage",  # free text: pretrain, sft, rl, ablation, eval, ... (docs/costs.md: final training vs experiments)
    "source_format",  # set by ingest, never by the file: canonical | sacct | codecarbon | mapping:<name>
)

#: Columns ingest sets itself; a file's own column of that name is ignored (and listed so).
SET_BY_INGEST: tuple[str, ...] = ("source_format",)

#: The columns a user may write in a canonical file or map in a mapping file.
USER_COLUMNS: tuple[str, ...] = tuple(c for c in CANONICAL_COLUMNS if c not in SET_BY_INGEST)

#: Sanity ceilings applied during validation; a value beyond one is rejected with a
#: reason. They are deliberately loose: they catch unit mistakes (kW logged as W,
#: g/kWh logged as kg/kWh), not unusual hardware.
LIMITS: dict[str, float] = {
    "max_gpu_count": 1_000_000,  # devices in one run
    "max_gpu_hours": 1e9,  # device-hours in one run
    "max_power_w": 2_000.0,  # per device; the largest accelerators draw ~1,200 W
    # per device, run logs: a kW figure logged as W is at most ~1.2 (1,200 W, the largest
    # accelerators), and 1e-300 is no power at all; no GPU averages under 2 W over a run (idle
    # draw of data-centre GPUs is tens of watts). Telemetry samples keep 0 W (a sensor reading).
    "min_power_w": 2.0,
    "min_pue": 1.0,  # PUE is total/IT energy: below 1 is impossible
    "max_pue": 3.0,  # worst facilities measured are ~2.5-3
    "max_intensity_kg_per_kwh": 2.0,  # coal-only grids are ~1.0-1.2 kgCO2e/kWh
    "max_price_per_kwh": 10.0,  # in any currency unit per kWh; catches per-MWh prices
    "max_energy_kwh": 1e9,  # one run's measured IT energy; GPT-3 was ~1.3e6 kWh (facility)
    "max_co2e_kg": 1e9,  # one run's tracker emissions; GPT-3 was ~5.5e5 kg
    "max_compute_price_per_gpu_hour": 100.0,
    "max_cpu_cores": 10_000_000,  # cores in one run: the largest supercomputers have ~10 M
    "max_cpu_power_w": 10_000_000.0,  # a run's CPUs together: 10 MW; catches mW logged as W
    "max_ram_gb": 100_000_000.0,  # a run's memory: 100 PB; catches bytes or MB logged as GB
    "max_wue_l_per_kwh": 10.0,  # evaporative sites reach ~2-4 L/kWh; catches mL or gallons per MWh
    "max_water_l": 1e12,  # one run's tracker water figure; catches mL logged as L at absurd scale  # list prices are ~1-13 USD; catches per-instance-month or cent prices
    # a logged gpu_hours against the allocation gpu_count x (ended_at - started_at), when all are given:
    "gpu_hours_over_allocation": 0.01,  # above it by more than 1 %: impossible (seconds or minutes logged as hours)
    "gpu_hours_rounding_h": 1.0 / 60.0,  # plus one minute per GPU: timestamps written to the minute
    "min_gpu_hours_share": 0.01,  # under 1 % of it: no utilisation explains it (0, or a unit slip)
    "max_duration_h": 8_784.0,  # one run's wall-clock time: a leap year; longer is a mistyped year
    "earliest_year": 2000,  # timestamps before are placeholders (1970-01-01) or typos, not GPU training
    "latest_year": 2099,  # and after, typos (2124) or sentinels (9999-12-31)
}


#: Columns that describe a run's machine beyond its GPUs: a run with one of them needs no GPU.
MACHINE_COLUMNS = frozenset({"cpu_cores", "cpu_power_w", "ram_gb", "measured_cpu_energy_kwh", "measured_ram_energy_kwh"})


def missing_required(columns: set[str]) -> list[str]:
    """Descriptions of the required columns (or column alternatives) absent from a header."""
    missing = []
    if "run_id" not in columns:
        missing.append("run_id")
    if "gpu_hours" not in columns and not {"started_at", "ended_at"} <= columns:
        missing.append("started_at and ended_at (or gpu_hours)")
    if "gpu_count" not in columns and "gpu_hours" not in columns and not MACHINE_COLUMNS & columns:
        missing.append("gpu_count (or gpu_hours, or for a run without GPUs cpu_cores, cpu_power_w or measured_cpu_energy_kwh)")
    return missing
