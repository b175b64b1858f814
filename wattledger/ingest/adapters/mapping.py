"""Any CSV / Parquet / NDJSON -> canonical run log, through a mapping file (YAML).

    name: vision-tracker                 # runs get source_format mapping:vision-tracker
    columns:                             # canonical column: source column (case-insensitive)
      run_id: experiment
      started_at: start_ms
      ended_at: end_ms
      gpu_count: n_gpus
      avg_power_w: mean_gpu_power_kw
    units:                               # canonical column: conversion (fixed set, CONVERSIONS)
      started_at: epoch_ms
      ended_at: epoch_ms
      avg_power_w: kw_to_w
    constants:                           # canonical column: one value for every row
      team: vision
    run_id_prefix: "k8s-par:"            # optional, keeps run ids apart from other sources
    delimiter: ","                       # CSV only (default ","); "\\t" for TSV
    timezone: UTC                        # zone of timestamps written without an offset
    timestamp_format: "%d/%m/%Y %H:%M"   # optional, for non-ISO timestamp text

The mapping file is validated when loaded (unknown canonical columns, conversions that
do not fit their column, a column both mapped and constant, required columns left out:
each an error naming the mapping file and the key). Each data file is checked for the
mapped source columns (an error names the data file and the column). Values a
conversion cannot read are rejects with the data file's line and source column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl
from pydantic import Field, StrictFloat, StrictInt, StrictStr, field_validator, model_validator

from wattledger.ingest.adapters import Adapted, reject_where, text
from wattledger.ingest.adapters.config import Strict, check_timezone, load_yaml_model
from wattledger.ingest.adapters.times import localize, naive, utc_text
from wattledger.ingest.contract import USER_COLUMNS, missing_required
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import RawTable
from wattledger.units import G_PER_KG, J_PER_KWH, KG_PER_TONNE, KWH_PER_MWH, MJ_PER_KWH, SECONDS_PER_HOUR, W_PER_KW

_MILLI = 1_000.0  # SI prefix: 1 W = 1000 mW
_SECONDS_PER_MINUTE = 60.0  # definition of the minute
TIMESTAMP_COLUMNS = ("started_at", "ended_at")


@dataclass(frozen=True)
class Conversion:
    """value_out = value_in * multiply / divide, for the listed canonical columns."""

    multiply: float
    divide: float
    columns: tuple[str, ...]
    meaning: str


#: Energy columns a mapping may convert into kWh: the run's measured IT energy and its parts.
ENERGY_COLUMNS = ("measured_it_energy_kwh", "measured_gpu_energy_kwh", "measured_cpu_energy_kwh", "measured_ram_energy_kwh")

#: The conversions a mapping may name. Epoch conversions turn numbers into UTC instants.
CONVERSIONS: dict[str, Conversion] = {
    "kw_to_w": Conversion(W_PER_KW, 1.0, ("avg_power_w", "cpu_power_w"), "kilowatts -> watts"),
    "milliwatts_to_w": Conversion(1.0, _MILLI, ("avg_power_w",), "milliwatts (NVML) -> watts"),
    "wh_to_kwh": Conversion(1.0, W_PER_KW, ENERGY_COLUMNS, "watt-hours -> kilowatt-hours"),
    "mwh_to_kwh": Conversion(KWH_PER_MWH, 1.0, ENERGY_COLUMNS, "megawatt-hours -> kilowatt-hours"),
    "j_to_kwh": Conversion(1.0, J_PER_KWH, ENERGY_COLUMNS, "joules -> kilowatt-hours"),
    "mj_to_kwh": Conversion(1.0, MJ_PER_KWH, ENERGY_COLUMNS, "megajoules -> kilowatt-hours"),
    "seconds_to_hours": Conversion(1.0, SECONDS_PER_HOUR, ("gpu_hours",), "GPU-seconds -> GPU-hours"),
    "minutes_to_hours": Conversion(_SECONDS_PER_MINUTE, SECONDS_PER_HOUR, ("gpu_hours",), "GPU-minutes -> GPU-hours"),
    "g_to_kg": Conversion(1.0, G_PER_KG, ("tracker_co2e_kg",), "grams -> kilograms CO2e"),
    "t_to_kg": Conversion(KG_PER_TONNE, 1.0, ("tracker_co2e_kg",), "tonnes -> kilograms CO2e"),
    "mb_to_gb": Conversion(1.0, 1_000.0, ("ram_gb",), "megabytes -> gigabytes (10^6 -> 10^9 bytes)"),
    "gib_to_gb": Conversion(2.0**30, 1e9, ("ram_gb",), "gibibytes -> gigabytes (2^30 -> 10^9 bytes)"),
    "g_per_kwh_to_kg_per_kwh": Conversion(1.0, G_PER_KG, ("grid_intensity_kg_per_kwh",), "gCO2e/kWh -> kgCO2e/kWh"),
    "per_mwh_to_per_kwh": Conversion(1.0, KWH_PER_MWH, ("price_per_kwh",), "price per MWh -> price per kWh"),
    "epoch_s": Conversion(1e6, 1.0, TIMESTAMP_COLUMNS, "seconds since 1970-01-01 UTC -> timestamp"),
    "epoch_ms": Conversion(1e3, 1.0, TIMESTAMP_COLUMNS, "milliseconds since 1970-01-01 UTC -> timestamp"),
    "epoch_us": Conversion(1.0, 1.0, TIMESTAMP_COLUMNS, "microseconds since 1970-01-01 UTC -> timestamp"),
}
_CONSTANT_NOT_ALLOWED = ("run_id", "started_at", "ended_at")


class MappingFile(Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", description="lower-case; runs get source_format mapping:<name>")
    description: str | None = None
    columns: dict[str, str]
    units: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, StrictStr | StrictInt | StrictFloat] = Field(default_factory=dict)
    run_id_prefix: str | None = Field(None, min_length=1, description="prepended to every run_id, e.g. 'k8s-par:'")
    delimiter: str = Field(",", min_length=1, max_length=1)
    timezone: str = "UTC"
    timestamp_format: str | None = Field(None, min_length=2)

    @field_validator("columns", "units", "constants")
    @classmethod
    def _known_columns(cls, v: dict, info) -> dict:
        unknown = [k for k in v if k not in USER_COLUMNS]
        if unknown:
            raise ValueError(
                f"unknown canonical column(s) {', '.join(repr(k) for k in unknown)}; "
                f"known: {', '.join(USER_COLUMNS)}"
            )
        return v

    @field_validator("columns")
    @classmethod
    def _source_names(cls, v: dict[str, str]) -> dict[str, str]:
        empty = [k for k, s in v.items() if not s.strip()]
        if empty:
            raise ValueError(f"empty source column name for {', '.join(empty)}")
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return check_timezone(v)

    @model_validator(mode="after")
    def _consistent(self):
        problems = []
        for column, conv in self.units.items():
            if conv not in CONVERSIONS:
                problems.append(f"units.{column}: unknown conversion {conv!r}; known: {', '.join(CONVERSIONS)}")
            elif column not in CONVERSIONS[conv].columns:
                problems.append(f"units.{column}: {conv} converts {', '.join(CONVERSIONS[conv].columns)}, not {column}")
            if column not in self.columns:
                problems.append(f"units.{column}: the column is not mapped in columns")
        for column in self.constants:
            if column in self.columns:
                problems.append(f"constants.{column}: the column is also mapped in columns; give one or the other")
            if column in _CONSTANT_NOT_ALLOWED:
                problems.append(f"constants.{column}: {column} differs for every run; map it in columns")
        missing = missing_required(set(self.columns) | set(self.constants))
        if missing:
            problems.append(f"columns: required canonical column(s) not mapped: {', '.join(missing)}")
        if self.timestamp_format and any(self.units.get(c, "").startswith("epoch") for c in TIMESTAMP_COLUMNS):
            problems.append("timestamp_format: not used with epoch conversions; remove one")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def load_mapping(path: Path) -> MappingFile:
    """Read and validate a mapping file; :class:`ConfigFileError` names the file and key."""
    return load_yaml_model(path, MappingFile)


def adapt_mapping(path: Path, raw: RawTable, mapping: MappingFile, mapping_path: Path) -> Adapted:
    """Rename, convert and fill the columns of one data file as ``mapping`` says."""
    frame = raw.frame
    found = [c for c in frame.columns if c != "_line"]
    for canonical, source in mapping.columns.items():
        if source.strip().lower() not in frame.columns:
            raise FileRefused(
                path,
                f"column {source!r} (mapped to {canonical} by columns.{canonical} of {mapping_path}) "
                f"is not in the file; found {found}",
            )
    exprs: list[pl.Expr] = []
    problems: list[pl.DataFrame] = []
    for canonical, source in mapping.columns.items():
        col = source.strip().lower()
        value = text(frame, col)
        conv_name = mapping.units.get(canonical)
        if conv_name is not None:
            conv = CONVERSIONS[conv_name]
            number = value.cast(pl.Float64, strict=False)
            problems.append(
                reject_where(frame, value.is_not_null() & number.is_null(), source, value, "not a number", f"{conv_name} conversion")
            )
            scaled = number * conv.multiply / conv.divide
            if canonical in TIMESTAMP_COLUMNS:
                micros = pl.when(scaled.is_finite() & (scaled.abs() < 1e17)).then(scaled.round(0)).cast(pl.Int64)
                problems.append(
                    reject_where(frame, number.is_not_null() & micros.is_null(), source, value, f"not a valid {conv_name} timestamp")
                )
                value = utc_text(pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC"))
            else:
                value = scaled.cast(pl.String)
        elif canonical in TIMESTAMP_COLUMNS and (mapping.timestamp_format or mapping.timezone != "UTC"):
            has_offset = value.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$")
            fmt = mapping.timestamp_format or "%Y-%m-%dT%H:%M:%S%.f"
            local = naive(value.str.replace(r"^(\d{4}-\d\d-\d\d) ", "${1}T") if not mapping.timestamp_format else value, fmt)
            placed = localize(local, mapping.timezone)
            problems.append(
                reject_where(
                    frame, value.is_not_null() & ~has_offset & placed.is_null(), source, value,
                    f"not a timestamp in {fmt} (or skipped by a daylight-saving change in {mapping.timezone})",
                )
            )  # fmt: skip
            value = pl.when(has_offset).then(value).otherwise(utc_text(placed))
        if canonical == "run_id" and mapping.run_id_prefix:
            value = pl.lit(mapping.run_id_prefix) + value
        exprs.append(value.alias(canonical))
    for canonical, constant in mapping.constants.items():
        exprs.append(pl.lit(str(constant), dtype=pl.String).alias(canonical))
    exprs.append(pl.lit(f"mapping:{mapping.name}").alias("source_format"))
    rejects = pl.concat(problems) if problems else reject_where(frame, pl.lit(False), None, None, "")
    out = frame.filter(~pl.col("_line").is_in(rejects["line"].implode())).select(*exprs, pl.col("_line"))
    origins = {c: s for c, s in mapping.columns.items()}
    origins |= {c: f"constants.{c} of {mapping_path.name}" for c in mapping.constants}
    return Adapted(
        frame=out,
        source_format=f"mapping:{mapping.name}",
        description=f"mapping {mapping.name!r} from {mapping_path}",
        problems=rejects,
        origins=origins,
        used_columns={s.strip().lower() for s in mapping.columns.values()},
    )
