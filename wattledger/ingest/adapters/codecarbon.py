"""CodeCarbon ``emissions.csv`` -> canonical run log, with its measured energy.

CodeCarbon (https://github.com/mlco2/codecarbon) appends one row per ``tracker.stop()``
or ``flush()``: cumulative totals since ``start()`` for a tracker ``run_id`` (a UUID).
Columns used (names as CodeCarbon writes them; older versions have fewer, all accepted):

| CodeCarbon | unit | canonical |
|---|---|---|
| ``run_id`` (1.x: ``experiment_id``) | — | ``run_id = codecarbon:<run_id>`` (``:<task_name>`` for task files) |
| ``project_name`` | — | ``name`` and ``project`` |
| ``timestamp`` | local time of the tracked machine, no offset | ``ended_at`` (via the sidecar's ``timezone``, default UTC) |
| ``duration`` | s | ``started_at = timestamp - duration`` |
| ``gpu_count``, ``gpu_model`` (``"8 x NVIDIA H100 80GB HBM3"``) | — | ``gpu_count``, ``gpu_model`` (the ``N x`` prefix removed) |
| ``gpu_energy``, ``cpu_energy``, ``ram_energy`` | kWh | ``measured_gpu_energy_kwh``, ``measured_cpu_energy_kwh``, ``measured_ram_energy_kwh`` (each ``/ pue``) |
| ``energy_consumed`` (= cpu + gpu + ram energy) | kWh | ``measured_it_energy_kwh = energy_consumed / pue`` |
| ``cpu_model``, ``cpu_count``, ``ram_total_size`` | —, logical CPUs, GB | ``cpu_model``, ``cpu_cores``, ``ram_gb`` |
| ``emissions`` | kgCO2e | ``tracker_co2e_kg`` (kept for comparison only) |
| ``water_consumed`` (3.x) | L | ``tracker_water_l`` (kept for comparison only; not when ``wue`` is 0: no figure) |
| ``wue`` (3.x; 0 means not set) | L/kWh | ``wue_l_per_kwh`` when above 0 |
| ``pue`` (>= 2.3) | — | ``pue`` when not 1 (CodeCarbon's default 1 means "not set") |
| ``cloud_provider``, ``cloud_region``, ``country_iso_code`` | — | ``region``: ``<provider>:<cloud_region>`` on cloud, else the country (ISO alpha-2) |

The GPUs' power per device is their own energy (``gpu_energy``) over the GPU-hours, never the
whole machine's. A run without a discrete GPU (``gpu_count`` empty or 0, or an integrated GPU
such as Apple silicon's, ``INTEGRATED_GPU``) is a machine run: no GPU devices, its energy in the
CPU and memory parts (an integrated GPU's ``gpu_energy`` is added to the CPU part: it is the same
chip). A 1.x file (no GPU or per-part columns) is read the same way: its runs are machine runs,
their whole ``energy_consumed`` measured (the sidecar's ``gpu_count``/``gpu_model`` still apply).

CodeCarbon multiplies every energy by its ``pue`` setting before writing it, so the IT
energy is ``energy_consumed / pue``; wattledger applies its own PUE on top (the logged one
when CodeCarbon's was set, else the datacenter's or the documented default).

Several rows of one ``run_id`` are successive cumulative snapshots of the same run: the
row with the longest ``duration`` is the run, the earlier ones are folded into it.

An optional ``codecarbon.yaml`` next to the file (see :class:`CodeCarbonSidecar`) gives
what CodeCarbon does not record: the machine's time zone, team, datacenter, and a GPU
count/model for old files without those columns.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl
from pydantic import Field, field_validator

from wattledger.ingest.adapters import Adapted, reject_where, text
from wattledger.ingest.adapters.config import Strict, check_timezone, load_yaml_model
from wattledger.ingest.adapters.times import localize, naive, utc_text
from wattledger.ingest.contract import LIMITS
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import RawTable
from wattledger.resources import resource_dir

SIDECAR_FILE_NAME = "codecarbon.yaml"
#: Columns that make a CSV header CodeCarbon's (plus run_id, or experiment_id in 1.x).
SIGNATURE: frozenset[str] = frozenset({"timestamp", "project_name", "duration", "emissions", "energy_consumed"})
_USED = {
    "timestamp", "project_name", "run_id", "experiment_id", "task_name", "duration", "emissions", "cpu_energy",
    "gpu_energy", "ram_energy", "energy_consumed", "country_iso_code", "cloud_provider", "cloud_region", "on_cloud",
    "codecarbon_version", "gpu_count", "gpu_model", "pue", "cpu_model", "cpu_count", "ram_total_size", "water_consumed",
    "wue",
}  # fmt: skip
#: GPU names that are not discrete accelerators: Apple silicon, Intel and AMD integrated graphics, mobile GPUs.
INTEGRATED_GPU = r"(?i)^(apple\b|m[1-9]( (pro|max|ultra))?$|.*\b(integrated|uhd graphics|iris|hd graphics|radeon graphics|radeon\(tm\) graphics|adreno|mali)\b)"
_TIMESTAMP = "%Y-%m-%dT%H:%M:%S%.f"
_MAX_DURATION_S = LIMITS["max_duration_h"] * 3600.0  # checked here too: started_at = timestamp - duration


class CodeCarbonSidecar(Strict):
    """``codecarbon.yaml``: facts about the tracked machine that emissions.csv lacks."""

    timezone: str = "UTC"  # the tracked machine's zone: CodeCarbon writes local time without offset
    team: str | None = Field(None, min_length=1)
    datacenter: str | None = Field(None, min_length=1)
    region: str | None = Field(None, min_length=1)  # overrides the region derived from the file
    gpu_count: int | None = Field(None, ge=1)  # for files without a gpu_count column (or empty)
    gpu_model: str | None = Field(None, min_length=1)  # for files without gpu_model (or empty)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)


def load_sidecar(path: Path) -> CodeCarbonSidecar:
    return load_yaml_model(path, CodeCarbonSidecar)


def is_codecarbon(columns: set[str]) -> bool:
    return SIGNATURE <= columns and bool({"run_id", "experiment_id"} & columns)


@cache
def _alpha3_to_region() -> dict[str, str]:
    """ISO 3166 alpha-3 -> the alpha-2 region key of grid_intensity/annual_intensity.csv."""
    table = pl.read_csv(resource_dir("grid_intensity") / "annual_intensity.csv", columns=["region", "iso3"], infer_schema=False)
    pairs = table.drop_nulls().filter(pl.col("iso3").str.len_chars() == 3).unique("iso3")
    return dict(zip(pairs["iso3"].to_list(), pairs["region"].to_list(), strict=True))


def _region(frame: pl.DataFrame, sidecar: CodeCarbonSidecar) -> pl.Expr:
    """``<provider>:<cloud_region>`` on cloud, else the ISO alpha-2 country; the sidecar's region wins."""
    if sidecar.region:
        return pl.lit(sidecar.region, dtype=pl.String)
    provider, cloud_region = text(frame, "cloud_provider").str.to_lowercase(), text(frame, "cloud_region")
    on_cloud_flag = text(frame, "on_cloud").fill_null("Y").str.to_uppercase() == "Y"  # absent before 2.0
    on_cloud = provider.is_not_null() & cloud_region.is_not_null() & on_cloud_flag
    iso3 = text(frame, "country_iso_code").str.to_uppercase()
    country = iso3.replace_strict(_alpha3_to_region(), default=iso3, return_dtype=pl.String)
    return pl.when(on_cloud).then(provider + pl.lit(":") + cloud_region).otherwise(country)


def _number(frame: pl.DataFrame, column: str) -> pl.Expr:
    return text(frame, column).cast(pl.Float64, strict=False)


def _not_a_number(frame: pl.DataFrame, column: str) -> pl.Expr:
    return text(frame, column).is_not_null() & _number(frame, column).is_null()


def adapt_codecarbon(path: Path, raw: RawTable, sidecar: CodeCarbonSidecar, sidecar_path: Path | None) -> Adapted:
    """Map CodeCarbon rows to canonical runs (see the module docstring)."""
    frame = raw.frame
    cols = set(frame.columns)
    id_col = "run_id" if "run_id" in cols else "experiment_id"
    energy = (
        _number(frame, "energy_consumed")
        if "energy_consumed" in cols
        else _number(frame, "cpu_energy") + _number(frame, "gpu_energy") + _number(frame, "ram_energy")
    )
    stamp = text(frame, "timestamp").str.replace(" ", "T").str.replace(r"(Z|[+-]00:?00)$", "")
    model_text = text(frame, "gpu_model")
    model_parts = model_text.str.extract_groups(r"^\s*(\d+)\s*x\s*(.+?)\s*$")
    mixed = model_text.str.count_matches(r"\d+ x ") > 1  # "1 x NVIDIA A1002 x NVIDIA T4": several models
    frame = frame.with_columns(
        text(frame, id_col).alias("_id"),
        text(frame, "task_name").alias("_task"),
        _number(frame, "duration").alias("_duration_s"),
        naive(stamp, _TIMESTAMP).alias("_stamp"),
        energy.alias("_energy_kwh"),
        _number(frame, "pue").alias("_cc_pue"),
        pl.coalesce(
            _number(frame, "gpu_count"),
            model_parts.struct.field("1").cast(pl.Float64),
            pl.lit(sidecar.gpu_count, dtype=pl.Float64),
        ).alias("_gpus"),
        pl.when(mixed).then(None).otherwise(pl.coalesce(model_parts.struct.field("2"), model_text))
        .fill_null(pl.lit(sidecar.gpu_model, dtype=pl.String)).alias("_gpu_model"),
        _number(frame, "gpu_energy").alias("_gpu_kwh"),
        _number(frame, "cpu_energy").alias("_cpu_kwh"),
        _number(frame, "ram_energy").alias("_ram_kwh"),
    )  # fmt: skip
    # no discrete GPU: none counted, or an integrated one (Apple silicon, ...): a machine run
    integrated = pl.col("_gpu_model").str.contains(INTEGRATED_GPU).fill_null(False)
    frame = frame.with_columns((integrated | (pl.col("_gpus").fill_null(0) == 0)).alias("_machine"))

    # records that cannot be mapped at all: each problem is a reject (line, source column)
    energy_col = "energy_consumed" if "energy_consumed" in cols else "gpu_energy"
    def missing_or(column: str, reason: str) -> pl.Expr:
        return pl.when(text(frame, column).is_null()).then(pl.lit(f"missing {column}")).otherwise(pl.lit(reason))

    checks = [
        (pl.col("_id").is_null(), id_col, f"missing {id_col}"),
        (pl.col("_duration_s").is_null(), "duration", missing_or("duration", "not a number")),
        (~pl.col("_duration_s").is_finite(), "duration", "not a finite number"),
        (pl.col("_duration_s") < 0, "duration", "must be at least 0"),
        (pl.col("_duration_s").is_finite() & (pl.col("_duration_s") > _MAX_DURATION_S), "duration", f"run longer than the sanity ceiling of {LIMITS['max_duration_h']:g} h"),
        (pl.col("_stamp").is_null(), "timestamp", missing_or("timestamp", "not a CodeCarbon timestamp (YYYY-MM-DDThh:mm:ss)")),
        (pl.col("_energy_kwh").is_null(), energy_col, missing_or(energy_col, "not a number")),
        (_not_a_number(frame, "pue"), "pue", "not a number"),
        (_not_a_number(frame, "emissions"), "emissions", "not a number"),
        *[(_not_a_number(frame, c), c, "not a number")
          for c in ("gpu_energy", "cpu_energy", "ram_energy", "cpu_count", "ram_total_size", "water_consumed", "wue")
          if energy_col != c],
    ]
    problems = pl.concat([reject_where(frame, cond, col, text(frame, col), why) for cond, col, why in checks])
    frame = frame.filter(~pl.col("_line").is_in(problems["line"].implode()))

    # cumulative snapshots of one run: keep the longest, fold the others (a group by)
    key = ["_id", "_task"]
    last = pl.col("_line") == pl.col("_line").sort_by("_duration_s", "_line").last().over(key)
    folded = frame.height
    frame = frame.filter(last)
    folded -= frame.height

    run_id = pl.lit("codecarbon:") + pl.col("_id")
    run_id = pl.when(pl.col("_task").is_not_null()).then(run_id + pl.lit(":") + pl.col("_task")).otherwise(run_id)
    frame = frame.with_columns(localize(pl.col("_stamp"), sidecar.timezone).alias("_ended"))
    # a timestamp skipped by a daylight-saving change cannot be placed: reject it
    gap = reject_where(
        frame, pl.col("_ended").is_null(), "timestamp", text(frame, "timestamp"),
        f"not a valid local time in {sidecar.timezone} (skipped by a daylight-saving change)",
    )  # fmt: skip
    frame = frame.filter(pl.col("_ended").is_not_null())
    ended = pl.col("_ended")
    started = ended - pl.duration(microseconds=(pl.col("_duration_s") * 1e6).round(0).cast(pl.Int64))
    cc_pue = pl.col("_cc_pue").fill_null(1.0)
    energy_name = "energy_consumed" if energy_col == "energy_consumed" else "cpu_energy+gpu_energy+ram_energy"
    version = text(frame, "codecarbon_version").fill_null("(version not recorded)")
    source = pl.lit("codecarbon ") + version + pl.lit(f" {energy_name}")
    source = pl.when(cc_pue != 1.0).then(source + pl.lit(" / pue ") + cc_pue.cast(pl.String)).otherwise(source)
    project = text(frame, "project_name")
    machine, per_pue = pl.col("_machine"), (lambda e: pl.when(cc_pue > 0).then(e / cc_pue).cast(pl.String))
    # the CPU part of a machine run holds an integrated GPU's energy (the same chip)
    cpu_part = pl.when(machine).then(pl.col("_cpu_kwh") + pl.col("_gpu_kwh").fill_null(0.0)).otherwise(pl.col("_cpu_kwh"))
    integrated_note = pl.when(machine & (pl.col("_gpu_kwh") > 0)).then(
        pl.lit("; gpu_energy of ") + pl.col("_gpu_model").fill_null("a device not counted as a GPU")
        + pl.lit(" (not a discrete GPU) is in the CPU part")).otherwise(pl.lit(""))
    wue = _number(frame, "wue")
    out = frame.select(
        run_id.alias("run_id"),
        project.alias("name"),
        pl.lit(sidecar.team, dtype=pl.String).alias("team"),
        project.alias("project"),
        utc_text(started).alias("started_at"),
        utc_text(ended).alias("ended_at"),
        pl.when(~machine).then(pl.col("_gpu_model")).alias("gpu_model"),
        pl.when(machine).then(pl.lit("0")).otherwise(pl.col("_gpus").cast(pl.String)).alias("gpu_count"),
        pl.when(cc_pue != 1.0).then(cc_pue.cast(pl.String)).alias("pue"),
        _region(frame, sidecar).alias("region"),
        pl.lit(sidecar.datacenter, dtype=pl.String).alias("datacenter"),
        # a pue of 0 is rejected on its own; dividing by it would add a misleading "inf" energy
        pl.when(cc_pue > 0).then(pl.col("_energy_kwh") / cc_pue).cast(pl.String).alias("measured_it_energy_kwh"),
        (source + integrated_note).alias("measured_energy_source"),
        pl.when(~machine).then(per_pue(pl.col("_gpu_kwh"))).alias("measured_gpu_energy_kwh"),
        per_pue(cpu_part).alias("measured_cpu_energy_kwh"),
        per_pue(pl.col("_ram_kwh")).alias("measured_ram_energy_kwh"),
        text(frame, "cpu_model").alias("cpu_model"),
        text(frame, "cpu_count").alias("cpu_cores"),
        text(frame, "ram_total_size").alias("ram_gb"),
        pl.when(wue > 0).then(wue.cast(pl.String)).alias("wue_l_per_kwh"),
        # CodeCarbon writes water_consumed = energy x wue, 0 when no WUE was given: no figure then
        pl.when(wue.is_null() | (wue > 0)).then(text(frame, "water_consumed")).alias("tracker_water_l"),
        text(frame, "emissions").alias("tracker_co2e_kg"),
        pl.lit("codecarbon").alias("source_format"),
        pl.col("_line"),
    )
    side = f"sidecar {sidecar_path}" if sidecar_path else f"no {SIDECAR_FILE_NAME}: timestamps read as UTC"
    with_version = "with" if "codecarbon_version" in cols else "without"
    return Adapted(
        frame=out,
        source_format="codecarbon",
        description=f"CodeCarbon emissions.csv ({with_version} codecarbon_version), {side}",
        problems=pl.concat([problems, gap]),
        origins={
            "run_id": id_col, "name": "project_name", "project": "project_name", "started_at": "timestamp",
            "ended_at": "timestamp", "gpu_count": "gpu_count" if "gpu_count" in cols else "gpu_model",
            "gpu_model": "gpu_model", "pue": "pue", "measured_it_energy_kwh": energy_name,
            "tracker_co2e_kg": "emissions", "region": "country_iso_code",
            "measured_gpu_energy_kwh": "gpu_energy", "measured_cpu_energy_kwh": "cpu_energy",
            "measured_ram_energy_kwh": "ram_energy", "cpu_model": "cpu_model", "cpu_cores": "cpu_count",
            "ram_gb": "ram_total_size", "wue_l_per_kwh": "wue", "tracker_water_l": "water_consumed",
            "team": f"{SIDECAR_FILE_NAME} team", "datacenter": f"{SIDECAR_FILE_NAME} datacenter",
        },  # fmt: skip
        used_columns=_USED & cols,
        folded_records=folded,
    )
