"""Resolve each run to its factors: power per device, PUE, grid intensity, electricity price.

Reference data is data (hardware/, grid_intensity/, tariffs/, the user's datacenters);
this module reads it and applies the resolution rules column by column (joins, never
a loop per run). Every resolved value carries its basis and source: no number is
untraceable, and no fallback is silent. The rules (docs/factors.md):

power      measured energy (power telemetry attributed to the run, wattledger.attribution;
           else a tracker's ``measured_it_energy_kwh``), as the average power it implies
           over the GPU-hours > logged ``avg_power_w`` > TDP of the GPU model
           (hardware/gpu_power.csv); none: no footprint, the run is listed with the reason.
PUE        logged ``pue`` > datacenter (site file: ``pue`` or ``monthly_pue``) > the cloud
           provider's fleet PUE for a cloud region > documented default (``unknown``).
intensity  logged ``grid_intensity_kg_per_kwh`` > datacenter (site file) > the region's
           annual factor for the run's year, else the nearest earlier year > the region's
           country, same rule > documented world default (``WORLD``, latest year).
price      logged ``price_per_kwh`` + ``currency`` > datacenter (site file: a price or a
           ``tariff`` id) > the region's flat price (US: EIA-861 industrial; Europe:
           Eurostat non-household band ID, else IC) for the run's year or the nearest
           earlier > its country, same rule > documented default (US industrial, latest).
market     the datacenter's contractual instruments (site file ``market``): the REC/PPA
           share at zero, the rest at the supplier factor, else the residual mix; no
           instruments: the location-based grid average, disclosed as such (GHG Protocol
           Scope 2 Guidance, Table 6.3). Reported beside location-based, never mixed.

A run's region is its own ``region`` or else its datacenter's; its year is the UTC year
of ``started_at`` (a run without one takes the latest year available).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl

from wattledger.resources import resource_dir
from wattledger.sites import COMPUTE_RATES_DTYPE, OWNED_HARDWARE_DTYPE
from wattledger.units import LOGGED_POWER_REL_UNCERTAINTY, MEASURED_ENERGY_REL_UNCERTAINTY, TDP_LOWER_FRACTION, W_PER_KW

#: Files whose content defines the factor set (its version is their joint hash, with the sites).
FACTOR_FILES = (
    ("hardware", "gpu_power.csv"),
    ("hardware", "pue.csv"),
    ("hardware", "embodied.csv"),
    ("grid_intensity", "annual_intensity.csv"),
    ("grid_intensity", "cloud_regions.csv"),
    ("grid_intensity", "hourly_us_ba_2022.csv"),
    ("grid_intensity", "hourly_series.csv"),
    ("tariffs", "flat_prices.csv"),
    ("tariffs", "compute_prices.csv"),  # GPU-hour list prices (wattledger.compute_cost)
)

DEFAULT_PUE_SCOPE = "unknown"  # hardware/pue.csv row provider=default, scope=unknown
DEFAULT_INTENSITY_REGION = "WORLD"
DEFAULT_PRICE_REGION = "US"
US_PRICE_SECTOR = "industrial"  # a GPU cluster buys power like an industrial customer
EUROSTAT_BANDS = ("ID", "IC")  # 2-20 GWh/yr (a ~1 MW cluster uses ~9 GWh/yr), else 0.5-2 GWh
CLOUD_PROVIDERS = ("aws", "azure", "gcp")
#: hardware/pue.csv names the companies, regions name the clouds.
PUE_PROVIDER_OF_CLOUD = {"aws": "aws", "gcp": "google", "azure": "microsoft"}
HYPERSCALE_PUE_SCOPE = "generic-hyperscale"
#: Bounds of an earlier year's factor span the region's factors of this many latest years.
EARLIER_YEAR_SPAN = 3
#: Bounds of the world default: these quantiles of the countries' factors of that year.
WORLD_QUANTILES = (0.1, 0.9)
NO_YEAR = 9999  # a run without started_at takes the latest year available
HOURS_PER_YEAR = 8760.0  # amortisation of embodied emissions (a 365-day year)

#: Columns of measured telemetry energy per run (wattledger.attribution), null when none.
TELEMETRY_COLUMNS = {
    "telemetry_it_energy_kwh": pl.Float64,
    "telemetry_low_kwh": pl.Float64,
    "telemetry_high_kwh": pl.Float64,
    "telemetry_source": pl.String,
    "telemetry_note": pl.String,
}

#: Columns a datacenter row brings (the ``datacenters`` table, or none).
SITE_SCHEMA = {
    "datacenter": pl.String,
    "region": pl.String,
    "pue": pl.Float64,
    "monthly_pue": pl.List(pl.Float64),
    "pue_source": pl.String,
    "tariff_id": pl.String,
    "timezone": pl.String,
    "price_per_kwh": pl.Float64,
    "currency": pl.String,
    "price_source": pl.String,
    "grid_intensity_kg_per_kwh": pl.Float64,
    "grid_intensity_source": pl.String,
    "renewable_coverage_share": pl.Float64,
    "supplier_factor_kg_per_kwh": pl.Float64,
    "residual_mix_kg_per_kwh": pl.Float64,
    "market_source": pl.String,
    # who runs the GPUs (wattledger.compute_cost): rented from a provider, or owned hardware
    "compute_provider": pl.String,
    "owned_hardware": OWNED_HARDWARE_DTYPE,
    "compute_rates": COMPUTE_RATES_DTYPE,
}


class FactorError(Exception):
    """The reference data is missing or inconsistent."""


def normalise_model(expr: pl.Expr) -> pl.Expr:
    """GPU model names compared case- and punctuation-insensitively: 'NVIDIA A100_80GB' ~ 'nvidia-a100-80gb'."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


def normalise_region(expr: pl.Expr) -> pl.Expr:
    """Cloud regions (``provider:name``) in lower case, grid zones and countries in upper case."""
    s = expr.str.strip_chars()
    return pl.when(s.str.contains(":") & ~s.str.to_uppercase().str.starts_with("OWID:")).then(s.str.to_lowercase()).otherwise(
        s.str.to_uppercase()
    )


@dataclass(frozen=True)
class HourlyGrid:
    """Hourly intensity series: region names, each series' first hour [s since epoch, UTC],
    values (series × hours, NaN-padded) [kgCO2e/kWh], and one row of metadata per series."""

    regions: list[str]
    start_s: np.ndarray
    values: np.ndarray
    series: pl.DataFrame


@dataclass(frozen=True)
class TouTariff:
    """A time-of-use tariff: energy price [currency/kWh] by month x local hour, weekdays and weekends."""

    tariff_id: str
    currency: str
    source: str
    weekday: np.ndarray  # 12 x 24
    weekend: np.ndarray  # 12 x 24

    @property
    def mean_price(self) -> float:
        """The schedule's time average (5 weekdays, 2 weekend days a week; months equal)."""
        return float((5 * self.weekday.mean() + 2 * self.weekend.mean()) / 7)


@dataclass(frozen=True)
class Default:
    value: float
    source: str
    year: int | None
    key: str


def _best_before(keys: pl.DataFrame, table: pl.DataFrame, key: str) -> pl.DataFrame:
    """For each (key, run_year): the table row with the latest vintage_year <= run_year
    (ties: lowest priority, then latest period)."""
    return (
        keys.unique()
        .join(table, left_on=key, right_on="lookup_key", how="inner")
        .filter(pl.col("vintage_year") <= pl.col("run_year"))
        .sort([key, "run_year", "vintage_year", "priority", "period"], descending=[False, False, True, False, True])
        .group_by([key, "run_year"], maintain_order=True)
        .first()
    )


def _power_terms() -> SimpleNamespace:
    """The conditions of the power rule (shared by its values, its basis and its source)."""
    hours = pl.col("gpu_hours")
    tele = pl.col("telemetry_it_energy_kwh").is_not_null() & (hours > 0)
    energy = pl.col("measured_it_energy_kwh")
    tracker = ~tele & energy.is_not_null() & (hours > 0)
    measured = tele | tracker
    # power implied by a measured energy: gpu_hours x power / 1000 = energy
    implied_w = pl.when(tele).then(pl.col("telemetry_it_energy_kwh")).otherwise(energy) * W_PER_KW / hours
    logged = ~measured & pl.col("avg_power_w").is_not_null()
    return SimpleNamespace(hours=hours, tele=tele, energy=energy, measured=measured, implied_w=implied_w, logged=logged,
                           tdp=pl.col("tdp_w"))


def _intensity_hits() -> dict[str, pl.Expr]:
    """Whether the region's (country's) annual factor table has a factor for the run's year or earlier."""
    return {level: pl.col(f"{level}_ci").is_not_null() for level in ("region", "country")}


def _intensity_year_is_runs(level: str) -> pl.Expr:
    return pl.col(f"{level}_ci_year") == pl.col("run_year")


#: Helper column of the resolution: the datacenter's PUE of the run's month (else the mean of its months).
SITE_PUE_OF_MONTH = "_site_pue_of_month"


def _run_month() -> pl.Expr:
    return pl.col("started_at").dt.month().alias("run_month")


def _site_pue_of_month() -> pl.Expr:
    monthly = pl.col("site_monthly_pue")
    return (pl.when(pl.col("run_month").is_not_null()).then(monthly.list.get(pl.col("run_month") - 1, null_on_oob=True))
            .otherwise(monthly.list.mean()).alias(SITE_PUE_OF_MONTH))


#: The columns of ``FactorLibrary.resolve`` that follow a run's own numbers (the rest follow its
#: profile, ``_resolution_profile``): computed for every run.
PER_RUN_COLUMNS = (
    "run_month", SITE_PUE_OF_MONTH,  # (the month only matters for a monthly PUE: out of the profile)
    "power_w", "power_low_w", "power_high_w", "pue_value", "pue_low", "pue_high",
    "intensity_low_kg_per_kwh", "intensity_high_kg_per_kwh", "intensity_kg_per_kwh", "market_factor_kg_per_kwh", "price_value",
)


def _resolution_profile(runs: pl.DataFrame) -> list[pl.Expr]:
    """Everything of a run the resolution rules read, except what only passes into
    PER_RUN_COLUMNS: its keys and texts, its year (null: no start), and which numbers it has.
    Runs with one profile get the same lookups, bases and sources."""
    texts = ["datacenter", "region", "gpu_model", "currency", "measured_energy_source", "telemetry_source", "telemetry_note"]
    numbers = ["avg_power_w", "measured_it_energy_kwh", "telemetry_it_energy_kwh", "pue", "grid_intensity_kg_per_kwh",
               "price_per_kwh"]
    started, hours = pl.col("started_at"), pl.col("gpu_hours")
    return [
        *[pl.col(c) for c in texts if c in runs.columns],
        *[pl.col(c).is_null() for c in numbers if c in runs.columns],
        started.dt.year(), hours > 0, hours <= 0,
    ]


def by_profile(
    df: pl.DataFrame,
    profile: list[pl.Expr],
    resolve_rows: Callable[[pl.DataFrame], pl.DataFrame],
    per_row: Callable[[pl.DataFrame], pl.DataFrame],
    per_row_columns: tuple[str, ...],
) -> pl.DataFrame:
    """``resolve_rows(df)``, computed once per distinct ``profile`` and broadcast to its rows.

    ``resolve_rows`` adds columns row by row (one row out per row in, in order, input columns
    unchanged). Its added columns must depend only on a row's profile, except
    ``per_row_columns``, which ``per_row`` then computes on every row (from the row's own
    columns and the profile's). Same result as ``resolve_rows(df)``, same column order.
    """
    df = df.rechunk()  # eager polars rechunks a many-chunk frame (from DuckDB) at every step: once here
    names = [f"__profile_{i}" for i in range(len(profile))]
    groups = (
        df.select(e.alias(n) for e, n in zip(profile, names, strict=True))
        .with_row_index("__row")
        .group_by(names, maintain_order=True)  # profiles in order of first row, their rows in order
        .agg(pl.col("__row"))
    )
    first_rows = groups["__row"].list.first()
    resolved = resolve_rows(df[first_rows])
    if resolved.height != groups.height:  # a reference table repeats a key: rule by rule instead
        return resolve_rows(df)
    # the profile of each row, then the profile's columns gathered to the rows
    rows = groups["__row"].explode().to_numpy()
    profile_of_row = np.empty(df.height, dtype=np.int64)
    profile_of_row[rows] = np.repeat(np.arange(groups.height), groups["__row"].list.len().to_numpy())
    shared = [c for c in resolved.columns if c not in df.columns and c not in per_row_columns]
    same = [c for c in shared if _one_value(resolved[c])]
    varying = resolved.select(c for c in shared if c not in same)
    out = df.hstack(varying[profile_of_row]) if varying.width else df
    # a scalar column: not materialised row by row
    out = out.with_columns(pl.lit(resolved[c].slice(0, 1)).first().alias(c) for c in same)
    return per_row(out).select(resolved.columns)


def _one_value(values: pl.Series) -> bool:
    """Whether every element of ``values`` is the same (all null included; floats bit for bit)."""
    nulls = values.null_count()
    if nulls == values.len():
        return True
    if nulls:
        return False
    if values.dtype.is_float():  # 0.0 and -0.0 are one value to n_unique
        bits = values.to_numpy().view(np.uint64 if values.dtype == pl.Float64 else np.uint32)
        return bool((bits == bits[0]).all())
    return values.n_unique() == 1


class FactorLibrary:
    """The shipped reference tables (loaded lazily, once) and the user's datacenters."""

    def __init__(self, sites: pl.DataFrame | None = None, *, dirs: dict[str, Path] | None = None, data_version: str = ""):
        self._dirs = dirs or {d: resource_dir(d) for d, _ in FACTOR_FILES}
        self.sites = (sites if sites is not None else pl.DataFrame(schema=SITE_SCHEMA)).select(list(SITE_SCHEMA))
        self.data_version = data_version  # e.g. which power samples exist: new telemetry means recompute

    def _path(self, folder: str, name: str) -> Path:
        p = self._dirs[folder] / name
        if not p.is_file():
            raise FactorError(f"reference table {folder}/{name} is missing ({p})")
        return p

    def reference_path(self, folder: str, name: str) -> Path:
        """The path of a reference table of FACTOR_FILES (FactorError when it is missing)."""
        return self._path(folder, name)

    def _read(self, folder: str, name: str) -> pl.DataFrame:
        return pl.read_csv(self._path(folder, name), infer_schema_length=None)

    @cached_property
    def version(self) -> str:
        """A short hash of every factor file and the datacenters: footprints record it, so a
        change in the reference data or the site file marks them for recomputation."""
        h = hashlib.sha256()
        for folder, name in FACTOR_FILES:
            h.update(name.encode())
            h.update(self._path(folder, name).read_bytes())
        h.update(repr(self.sites.sort("datacenter").to_dicts()).encode())
        h.update(self.data_version.encode())
        return h.hexdigest()[:16]

    # --- tables -------------------------------------------------------------------

    @cached_property
    def gpu_aliases(self) -> pl.DataFrame:
        """One row per accepted spelling: model_key (normalised), gpu_model, tdp_w, source."""
        gpus = self._read("hardware", "gpu_power.csv")
        spellings = gpus.select(
            "gpu_model",
            "tdp_w",
            "source",
            pl.concat_list(pl.col("gpu_model"), pl.col("aliases").fill_null("").str.split(";")).alias("spelling"),
        ).explode("spelling")
        out = (
            spellings.with_columns(normalise_model(pl.col("spelling")).alias("model_key"))
            .filter(pl.col("model_key") != "")
            .unique(["model_key", "gpu_model"])
        )
        clash = out.group_by("model_key").agg(pl.col("gpu_model").n_unique().alias("n")).filter(pl.col("n") > 1)
        if clash.height:
            raise FactorError(f"hardware/gpu_power.csv: alias(es) {clash['model_key'].to_list()} name two GPU models")
        return out.select("model_key", "gpu_model", pl.col("tdp_w").cast(pl.Float64), "source")

    @cached_property
    def pue_defaults(self) -> pl.DataFrame:
        """provider=default rows: scope (aws, gcp, azure, unknown, ...), pue, source, year."""
        rows = self._read("hardware", "pue.csv").filter(pl.col("provider") == "default")
        return rows.sort("year").group_by("scope", maintain_order=True).last().select("scope", "pue", "source", "year")

    def _pue_default(self, scope: str) -> Default:
        row = self.pue_defaults.filter(pl.col("scope") == scope)
        if row.height == 0:
            raise FactorError(f"hardware/pue.csv has no row provider=default, scope={scope}")
        r = row.row(0, named=True)
        return Default(float(r["pue"]), f"{r['source']} ({r['year']})", int(r["year"]), f"default:{scope}")

    @cached_property
    def default_pue(self) -> Default:
        return self._pue_default(DEFAULT_PUE_SCOPE)

    @cached_property
    def provider_pue_ranges(self) -> pl.DataFrame:
        """provider (aws|gcp|azure) -> min and max of the company's published PUE figures."""
        rows = self._read("hardware", "pue.csv").filter(pl.col("provider") != "default")
        clouds = pl.DataFrame({"provider": list(PUE_PROVIDER_OF_CLOUD), "company": list(PUE_PROVIDER_OF_CLOUD.values())})
        return clouds.join(
            rows.group_by("provider").agg(pl.col("pue").min().alias("provider_pue_low"), pl.col("pue").max().alias("provider_pue_high")),
            left_on="company", right_on="provider",
        ).select("provider", "provider_pue_low", "provider_pue_high")

    @cached_property
    def world_range(self) -> tuple[float, float]:
        """Quantiles of the countries' intensities in the world default's year: its bounds."""
        d = self.default_intensity
        countries = self.annual_intensity.filter(
            (pl.col("vintage_year") == d.year) & pl.col("lookup_key").str.contains(r"^[A-Z]{2}$")
        )["intensity_kg_per_kwh"]
        lo, hi = (float(countries.quantile(q, "linear")) for q in WORLD_QUANTILES)
        return min(lo, d.value), max(hi, d.value)

    @cached_property
    def hourly_annual_means(self) -> pl.DataFrame:
        """The annual mean of each hourly grid series, as an annual factor of its region."""
        hourly = pl.read_csv(self._path("grid_intensity", "hourly_us_ba_2022.csv"), schema_overrides={"hour_start_utc": pl.String})
        series = self._read("grid_intensity", "hourly_series.csv")
        # numpy over each region's hours in file order: the same float every time (a
        # multi-threaded group_by mean may sum in another order and differ in the last bit)
        means = pl.DataFrame(
            [(region, float(np.mean(part["intensity_kg_per_kwh"].to_numpy())))
             for (region,), part in hourly.partition_by("region", as_dict=True, maintain_order=True).items()],
            schema={"region": pl.String, "intensity_kg_per_kwh": pl.Float64}, orient="row",
        )
        return means.join(series, on="region").select(
            pl.col("region").alias("lookup_key"),
            pl.col("year").alias("vintage_year"),
            "intensity_kg_per_kwh",
            "basis",
            (pl.lit("annual mean of hourly series: ") + pl.col("source")).alias("source"),
            pl.lit(1).alias("priority"),
            pl.lit("").alias("period"),
        )

    @cached_property
    def annual_intensity(self) -> pl.DataFrame:
        """Every annual intensity factor: lookup_key, vintage_year, intensity, basis, source, priority.

        Countries and aggregates (Ember via OWID), cloud regions (the provider's own data
        first, then Cloud Carbon Footprint), US balancing authorities (hourly means). A
        published value of exactly 0 is treated as missing (no grid has zero lifecycle CO2e).
        """
        owid = self._read("grid_intensity", "annual_intensity.csv").select(
            pl.col("region").alias("lookup_key"),
            "vintage_year",
            "intensity_kg_per_kwh",
            "basis",
            (pl.col("source") + pl.lit(" (") + pl.col("region_name") + pl.lit(")")).alias("source"),
            pl.lit(1).alias("priority"),
            pl.lit("").alias("period"),
        )
        cloud = self._read("grid_intensity", "cloud_regions.csv").select(
            pl.col("region").alias("lookup_key"),
            "vintage_year",
            "intensity_kg_per_kwh",
            "basis",
            "source",
            pl.when(pl.col("source").str.contains("Cloud Carbon Footprint")).then(2).otherwise(1).alias("priority"),
            pl.lit("").alias("period"),
        )
        table = pl.concat([owid, cloud, self.hourly_annual_means], how="vertical_relaxed")
        return table.filter(pl.col("intensity_kg_per_kwh") > 0).with_columns(normalise_region(pl.col("lookup_key")).alias("lookup_key"))

    @cached_property
    def region_country(self) -> pl.DataFrame:
        """Known non-country regions and their ISO country: cloud regions and grid zones."""
        cloud = self._read("grid_intensity", "cloud_regions.csv").select(
            pl.col("region").alias("region_key"), pl.col("country")
        )
        series = self._read("grid_intensity", "hourly_series.csv").select(
            pl.col("region").alias("region_key"), pl.lit("US").alias("country")
        )
        return pl.concat([cloud, series]).unique("region_key").drop_nulls()

    @cached_property
    def hourly_series_index(self) -> pl.DataFrame:
        """One row per hourly intensity series: region, year, hours, filled_hours, fill_rule, source."""
        return self._read("grid_intensity", "hourly_series.csv").select(
            "region", "eia_ba_code", "year", "hours", "filled_hours", "first_hour_start_utc", "last_hour_start_utc",
            "fill_rule", "source",
        )

    def hourly_series(self, region: str) -> pl.DataFrame:
        """The hourly series of a region (hour_start_utc as UTC datetime, intensity, is_filled).

        Filled hours are flagged, never zero (grid_intensity/README.md gives the fill rule).
        """
        hourly = pl.read_csv(self._path("grid_intensity", "hourly_us_ba_2022.csv"), schema_overrides={"hour_start_utc": pl.String})
        return (
            hourly.filter(pl.col("region") == region)
            .with_columns(pl.col("hour_start_utc").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"))
            .sort("hour_start_utc")
        )

    @cached_property
    def hourly_grid(self) -> HourlyGrid:
        """Every hourly intensity series as one NaN-padded 2-D array, for the kernel."""
        hourly = pl.read_csv(self._path("grid_intensity", "hourly_us_ba_2022.csv"), schema_overrides={"hour_start_utc": pl.String})
        hourly = hourly.with_columns(
            pl.col("hour_start_utc").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").dt.epoch("s").alias("t_s")
        ).sort("region", "t_s")
        regions = hourly["region"].unique().sort().to_list()
        starts = hourly.group_by("region").agg(pl.col("t_s").min()).sort("region")["t_s"].to_numpy().astype(np.float64)
        width = int(hourly.group_by("region").agg(((pl.col("t_s").max() - pl.col("t_s").min()) // 3600 + 1).alias("n"))["n"].max())
        values = np.full((len(regions), width), np.nan)
        row = {r: i for i, r in enumerate(regions)}
        idx = hourly.with_columns(pl.col("region").replace_strict(row, return_dtype=pl.Int64).alias("row"))
        first = dict(zip(regions, starts, strict=True))
        col = ((idx["t_s"].to_numpy() - np.array([first[r] for r in idx["region"].to_list()])) // 3600).astype(np.int64)
        values[idx["row"].to_numpy(), col] = idx["intensity_kg_per_kwh"].to_numpy()
        series = self.hourly_series_index.select("region", "year", "source", "filled_hours")
        return HourlyGrid(regions=regions, start_s=starts, values=values, series=series)

    @cached_property
    def eia_aliases(self) -> dict[str, str]:
        """``eia:ciso`` -> ``US-CAL-CISO``: EIA-930 balancing-authority codes as region aliases
        (keys in normalised, lower case form: ``eia:CISO`` is written by users)."""
        series = self._read("grid_intensity", "hourly_series.csv")
        return {f"eia:{code.lower()}": region for code, region in series.select("eia_ba_code", "region").iter_rows()}

    @cached_property
    def flat_prices(self) -> pl.DataFrame:
        """Flat price candidates: lookup_key (region), vintage_year, period, priority, tariff row."""
        prices = self._read("tariffs", "flat_prices.csv")
        us = prices.filter(pl.col("tariff_id").str.starts_with("eia861:") & (pl.col("sector") == US_PRICE_SECTOR)).with_columns(
            pl.lit(1).alias("priority")
        )
        eu = prices.filter(pl.col("tariff_id").str.starts_with("eurostat:") & pl.col("band").is_in(EUROSTAT_BANDS)).with_columns(
            pl.when(pl.col("band") == EUROSTAT_BANDS[0]).then(1).otherwise(2).alias("priority")
        )
        return pl.concat([us, eu]).select(
            pl.col("region").alias("lookup_key"),
            pl.col("year").alias("vintage_year"),
            pl.col("period").cast(pl.String),
            "priority",
            "tariff_id",
            "price_per_kwh",
            "currency",
            (pl.col("source") + pl.lit(" (") + pl.col("region") + pl.lit(" ") + pl.col("sector") + pl.lit(" ")
             + pl.coalesce(pl.col("band") + pl.lit(" "), pl.lit("")) + pl.col("period").cast(pl.String) + pl.lit(")")).alias("source"),
        )

    @cached_property
    def tariffs_by_id(self) -> pl.DataFrame:
        return self._read("tariffs", "flat_prices.csv").select(
            "tariff_id", "price_per_kwh", "currency",
            (pl.col("source") + pl.lit(" (") + pl.col("tariff_id") + pl.lit(")")).alias("source"),
        )

    @cached_property
    def default_intensity(self) -> Default:
        rows = self.annual_intensity.filter(pl.col("lookup_key") == DEFAULT_INTENSITY_REGION)
        if rows.height == 0:
            raise FactorError(f"grid_intensity/annual_intensity.csv has no {DEFAULT_INTENSITY_REGION} row")
        r = rows.sort("vintage_year").row(-1, named=True)
        return Default(float(r["intensity_kg_per_kwh"]), f"{r['source']}, {r['vintage_year']}, {r['basis']}",
                       int(r["vintage_year"]), f"default:{DEFAULT_INTENSITY_REGION}")

    @cached_property
    def default_price(self) -> tuple[Default, str, str]:
        """(price, currency, tariff_id) of the documented default tariff."""
        rows = self.flat_prices.filter(pl.col("lookup_key") == DEFAULT_PRICE_REGION)
        if rows.height == 0:
            raise FactorError(f"tariffs/flat_prices.csv has no {DEFAULT_PRICE_REGION} {US_PRICE_SECTOR} row")
        r = rows.sort("vintage_year").row(-1, named=True)
        return Default(float(r["price_per_kwh"]), r["source"], int(r["vintage_year"]), f"default:{r['tariff_id']}"), r["currency"], r["tariff_id"]

    @cached_property
    def tou_tariffs(self) -> dict[str, TouTariff]:
        """Time-of-use tariffs of tariffs/tou/ (OpenEI URDB form), by tariff id."""
        import json  # noqa: PLC0415

        out = {}
        for f in sorted((self._dirs["tariffs"] / "tou").glob("*.json")):
            d = json.loads(f.read_text(encoding="utf-8"))
            # the energy price of a period is its first tier's rate + adjustment (tiers by monthly
            # consumption are not applied: a GPU cluster is past the first tier's limits anyway)
            prices = {p["period"]: p["tiers"][0]["rate"] + (p["tiers"][0].get("adj") or 0.0) for p in d["energyratestructure"]}
            period_price = np.array([prices[i] for i in range(len(prices))])
            out[d["tariff_id"]] = TouTariff(
                tariff_id=d["tariff_id"], currency=d["currency"],
                source=f"{d['utility']}, {d['name']} ({d['source']})",
                weekday=period_price[np.array(d["energyweekdayschedule"])],
                weekend=period_price[np.array(d["energyweekendschedule"])],
            )
        return out

    def check_sites(self, sites: pl.DataFrame, path: str) -> None:
        """Every tariff a datacenter names must exist (flat or time-of-use); a time-of-use
        tariff needs the site's time zone."""
        flat = set(self.tariffs_by_id["tariff_id"].to_list())
        for r in sites.filter(pl.col("tariff_id").is_not_null()).iter_rows(named=True):
            key = f"{path}: datacenters.{r['datacenter']}.tariff"
            if r["tariff_id"] in self.tou_tariffs:
                if not r["timezone"]:
                    raise FactorError(f"{key}: {r['tariff_id']!r} is a time-of-use tariff: its schedule is in local "
                                      f"time, so the datacenter needs 'timezone' (e.g. America/Los_Angeles)")
            elif r["tariff_id"] not in flat:
                raise FactorError(
                    f"{key}: unknown tariff {r['tariff_id']!r} (use a tariff_id of tariffs/flat_prices.csv, e.g. "
                    f"eia861:US-CA:industrial:2024, or of tariffs/tou/: {', '.join(sorted(self.tou_tariffs))})"
                )
        # GPU models of owned hardware and negotiated rates must be in hardware/gpu_power.csv
        canonical = dict(self.gpu_aliases.select("model_key", "gpu_model").iter_rows())
        for r in sites.select("datacenter", "owned_hardware", "compute_rates").iter_rows(named=True):
            named = [(f"owned_hardware.{h['gpu_model']}", h["gpu_model"]) for h in r["owned_hardware"] or []]
            named += [(f"compute_rates.{i}.gpu_model", c["gpu_model"]) for i, c in enumerate(r["compute_rates"] or [])]
            owned: dict[str, str] = {}
            for where, model in named:
                table_model = canonical.get(pl.select(normalise_model(pl.lit(model))).item())
                if table_model is None:
                    raise FactorError(f"{path}: datacenters.{r['datacenter']}.{where}: GPU model {model!r} is not in "
                                      "hardware/gpu_power.csv (use a gpu_model or alias of that table, e.g. H100-SXM)")
                if where.startswith("owned_hardware.") and owned.setdefault(table_model, model) != model:
                    raise FactorError(f"{path}: datacenters.{r['datacenter']}.{where}: {model!r} and {owned[table_model]!r} "
                                      f"are both {table_model}: give each GPU model once")

    # --- resolution ---------------------------------------------------------------

    def resolve(self, runs: pl.DataFrame) -> pl.DataFrame:
        """Add factor columns (value, bounds, basis, source) to ``runs``.

        ``runs`` needs run_id, started_at, region, datacenter, gpu_model, gpu_hours,
        avg_power_w, measured_it_energy_kwh, measured_energy_source, pue,
        grid_intensity_kg_per_kwh, price_per_kwh, currency. A run whose power cannot be
        resolved gets a null ``power_w`` and an ``unresolved_reason``.

        The rules run once per distinct profile of runs (``_resolution_profile``: a few
        thousand among millions of runs), and only the values that follow a run's own
        numbers (``_per_run_values``) are computed per run: the same result as running
        every rule on every run, without the per-run joins and text building.
        """
        return by_profile(runs, _resolution_profile(runs), self._resolve_rows, self._per_run_values, PER_RUN_COLUMNS).drop(
            SITE_PUE_OF_MONTH)

    def _resolve_rows(self, runs: pl.DataFrame) -> pl.DataFrame:
        """``resolve``, every rule on every row (and the helper column SITE_PUE_OF_MONTH)."""
        site = self.sites.rename({c: f"site_{c}" for c in SITE_SCHEMA if c != "datacenter"})
        eia = self.eia_aliases
        df = (
            runs.join(site, on="datacenter", how="left", maintain_order="left")
            .with_columns(normalise_region(pl.coalesce("region", "site_region")).alias("region_key"))
            .with_columns(
                pl.col("region_key").replace(eia) if eia else pl.col("region_key"),
                pl.col("started_at").dt.year().fill_null(NO_YEAR).cast(pl.Int64).alias("run_year"),
                _run_month(),
            )
            .join(self.region_country, on="region_key", how="left", maintain_order="left")
            .with_columns(
                pl.coalesce(
                    "country",
                    pl.when(pl.col("region_key").str.contains(r"^[A-Z]{2}(-|$)")).then(pl.col("region_key").str.slice(0, 2)),
                ).alias("country_key")
            )
        )
        df = self._resolve_embodied(self._resolve_power(df))
        df = self._resolve_pue(df)
        df = self._resolve_intensity(df)
        df = self._resolve_market(df)
        return self._resolve_price(df)

    def _per_run_values(self, df: pl.DataFrame) -> pl.DataFrame:
        """The PER_RUN_COLUMNS of each run, from its own numbers and its profile's lookups."""
        return (
            df.with_columns(_run_month())
            .with_columns(_site_pue_of_month())
            .with_columns(*self._power_values(), *self._pue_values(), *self._intensity_values())
            .with_columns(self._market_factor(), self._price_value())
        )

    def _resolve_market(self, df: pl.DataFrame) -> pl.DataFrame:
        lit = pl.lit
        has = pl.col("site_market_source").is_not_null()
        share = pl.when(has).then(pl.col("site_renewable_coverage_share")).otherwise(0.0)
        supplier = pl.col("site_supplier_factor_kg_per_kwh")
        residual = pl.col("site_residual_mix_kg_per_kwh")
        return df.with_columns(
            share.alias("market_covered_share"),
            self._market_factor(),
            pl.when(has & (share >= 1.0)).then(lit("instruments:full_coverage"))
            .when(has & supplier.is_not_null()).then(lit("instruments:supplier"))
            .when(has & residual.is_not_null()).then(lit("instruments:residual_mix"))
            .otherwise(lit("no_instruments:grid_average")).alias("market_basis"),
            pl.when(has).then(lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_market_source"))
            .otherwise(lit("no contractual instruments recorded: location-based grid average "
                           "(GHG Protocol Scope 2 Guidance, Table 6.3, last level)")).alias("market_source"),
        )

    @staticmethod
    def _market_factor() -> pl.Expr:
        """The market-based factor: the instruments' (supplier, else residual mix), else the location factor."""
        has = pl.col("site_market_source").is_not_null()
        return pl.coalesce(pl.when(has).then(pl.col("site_supplier_factor_kg_per_kwh")),
                           pl.when(has).then(pl.col("site_residual_mix_kg_per_kwh")),
                           "intensity_kg_per_kwh").alias("market_factor_kg_per_kwh")

    @cached_property
    def embodied(self) -> pl.DataFrame:
        """gpu_model -> embodied kgCO2e per GPU-hour (manufacture amortised) and its source."""
        rows = self._read("hardware", "embodied.csv")
        return rows.select(
            pl.col("gpu_model").alias("gpu_table_model"),
            (pl.col("embodied_kg_per_gpu") / (pl.col("lifetime_years") * HOURS_PER_YEAR * pl.col("utilisation")))
            .alias("embodied_kg_per_gpu_hour"),
            (pl.col("source") + pl.lit(f"; amortised over life x {HOURS_PER_YEAR:.0f} h x utilisation")).alias("embodied_source"),
        )

    def _resolve_embodied(self, df: pl.DataFrame) -> pl.DataFrame:
        return df.join(self.embodied, on="gpu_table_model", how="left", maintain_order="left")

    def _resolve_power(self, df: pl.DataFrame) -> pl.DataFrame:
        lit = pl.lit
        df = df.with_columns(normalise_model(pl.col("gpu_model")).alias("model_key")).join(
            self.gpu_aliases.rename({"gpu_model": "gpu_table_model", "source": "gpu_source"}),
            on="model_key", how="left", maintain_order="left",
        )
        for name, dtype in TELEMETRY_COLUMNS.items():  # runs without telemetry attribution
            if name not in df.columns:
                df = df.with_columns(pl.lit(None, dtype).alias(name))
        t = _power_terms()
        return df.with_columns(
            *self._power_values(),
            pl.when(t.measured).then(lit("measured")).when(t.logged).then(lit("logged"))
            .when(t.tdp.is_not_null()).then(lit("tdp")).alias("power_basis"),
            pl.when(t.tele).then(pl.col("telemetry_source"))
            .when(t.measured).then(pl.col("measured_energy_source"))
            .when(t.logged).then(lit("avg_power_w in the run log") + pl.coalesce(lit("; ") + pl.col("telemetry_note"), lit("")))
            .otherwise(lit("TDP of ") + pl.col("gpu_table_model") + lit(" (hardware/gpu_power.csv: ") + pl.col("gpu_source") + lit(")")
                       + pl.coalesce(lit("; ") + pl.col("telemetry_note"), lit("")))
            .alias("power_source"),
            pl.when(t.energy.is_not_null() & (pl.col("gpu_hours") <= 0))
            .then(lit("measured energy over zero GPU-hours: the run's duration or gpu_hours is wrong"))
            .when(t.measured | t.logged | t.tdp.is_not_null()).then(lit(None, pl.String))
            .when(pl.col("gpu_model").is_null()).then(lit("no avg_power_w and no gpu_model: power cannot be estimated"))
            .otherwise(lit("no avg_power_w and GPU model '") + pl.col("gpu_model")
                       + lit("' is not in hardware/gpu_power.csv: power cannot be estimated"))
            .alias("unresolved_reason"),
        )

    @staticmethod
    def _power_values() -> list[pl.Expr]:
        """power_w and its bounds: measured energy over the GPU-hours > logged power > TDP."""
        t = _power_terms()
        hours, tdp = t.hours, t.tdp
        return [
            pl.when(t.measured).then(t.implied_w).when(t.logged).then(pl.col("avg_power_w")).otherwise(tdp).alias("power_w"),
            pl.when(t.tele).then(pl.col("telemetry_low_kwh") * W_PER_KW / hours)
            .when(t.measured).then(t.implied_w * (1 - MEASURED_ENERGY_REL_UNCERTAINTY))
            .when(t.logged).then(pl.col("avg_power_w") * (1 - LOGGED_POWER_REL_UNCERTAINTY))
            .otherwise(tdp * TDP_LOWER_FRACTION).alias("power_low_w"),
            pl.when(t.tele).then(pl.col("telemetry_high_kwh") * W_PER_KW / hours)
            .when(t.measured).then(t.implied_w * (1 + MEASURED_ENERGY_REL_UNCERTAINTY))
            .when(t.logged).then(pl.col("avg_power_w") * (1 + LOGGED_POWER_REL_UNCERTAINTY)).otherwise(tdp).alias("power_high_w"),
        ]

    def _resolve_pue(self, df: pl.DataFrame) -> pl.DataFrame:
        lit = pl.lit
        provider = pl.col("region_key").str.extract(r"^([a-z]+):", 1)
        providers = self.pue_defaults.filter(pl.col("scope").is_in(CLOUD_PROVIDERS)).select(
            pl.col("scope").alias("provider"), pl.col("pue").alias("provider_pue"),
            (pl.col("source") + lit(" (") + pl.col("year").cast(pl.String) + lit(")")).alias("provider_pue_source"),
        )
        d = self.default_pue
        monthly = pl.col("site_monthly_pue")
        df = (
            df.with_columns(provider.alias("provider"))
            .join(providers, on="provider", how="left", maintain_order="left")
            .join(self.provider_pue_ranges, on="provider", how="left", maintain_order="left")
            .with_columns(_site_pue_of_month())
        )
        return df.with_columns(
            *self._pue_values(),
            pl.when(pl.col("pue").is_not_null()).then(lit("logged"))
            .when(pl.col("site_pue").is_not_null()).then(lit("datacenter"))
            .when(monthly.is_not_null() & pl.col("run_month").is_not_null()).then(lit("datacenter_monthly"))
            .when(monthly.is_not_null()).then(lit("datacenter_monthly_mean"))
            .when(pl.col("provider_pue").is_not_null()).then(lit("provider:") + pl.col("provider"))
            .otherwise(lit(d.key)).alias("pue_basis"),
            pl.when(pl.col("pue").is_not_null()).then(lit("pue in the run log"))
            .when(pl.col("site_pue").is_not_null() | monthly.is_not_null())
            .then(lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_pue_source"))
            .when(pl.col("provider_pue").is_not_null()).then(pl.col("provider_pue_source"))
            .otherwise(lit(d.source)).alias("pue_source"),
        )

    def _pue_values(self) -> list[pl.Expr]:
        """pue_value and its bounds: logged > datacenter (fixed or monthly) > cloud fleet > default."""
        lit = pl.lit
        d = self.default_pue
        explicit = pl.coalesce("pue", "site_pue", SITE_PUE_OF_MONTH)
        hyperscale = self._pue_default(HYPERSCALE_PUE_SCOPE).value
        return [
            pl.coalesce(explicit, "provider_pue", lit(d.value)).alias("pue_value"),
            # bounds: a logged or site figure is taken as exact; a cloud fleet figure spans the
            # company's published figures; an unknown site spans hyperscale (1.12) to the
            # industry average (1.56).
            pl.coalesce(explicit, pl.min_horizontal("provider_pue_low", "provider_pue"), lit(min(hyperscale, d.value))).alias("pue_low"),
            pl.coalesce(explicit, pl.max_horizontal("provider_pue_high", "provider_pue"), lit(d.value)).alias("pue_high"),
        ]

    def _resolve_intensity(self, df: pl.DataFrame) -> pl.DataFrame:
        lit = pl.lit
        table = self.annual_intensity.select("lookup_key", "vintage_year", "priority", "period",
                                             "intensity_kg_per_kwh", "basis", "source")
        for level, key in (("region", "region_key"), ("country", "country_key")):
            keys = df.select(key, "run_year").drop_nulls()
            best = _best_before(keys, table, key).select(
                key, "run_year", "priority",
                pl.col("intensity_kg_per_kwh").alias(f"{level}_ci"),
                pl.col("vintage_year").alias(f"{level}_ci_year"),
                (pl.col("source") + lit(", ") + pl.col("basis")).alias(f"{level}_ci_source"),
            )
            # the same source's factors of the EARLIER_YEAR_SPAN latest years: bounds of an earlier year
            spread = (
                best.join(table, left_on=[key, "priority"], right_on=["lookup_key", "priority"])
                .filter(pl.col("vintage_year").is_between(pl.col(f"{level}_ci_year") - (EARLIER_YEAR_SPAN - 1), pl.col(f"{level}_ci_year")))
                .group_by(key, "run_year")
                .agg(pl.col("intensity_kg_per_kwh").min().alias(f"{level}_ci_min"), pl.col("intensity_kg_per_kwh").max().alias(f"{level}_ci_max"))
            )
            df = (
                df.join(best.drop("priority"), on=[key, "run_year"], how="left", maintain_order="left")
                .join(spread, on=[key, "run_year"], how="left", maintain_order="left")
            )
        hits = _intensity_hits()
        d = self.default_intensity
        logged = pl.col("grid_intensity_kg_per_kwh").is_not_null()
        site = pl.col("site_grid_intensity_kg_per_kwh").is_not_null()
        exact = _intensity_year_is_runs
        return df.with_columns(
            *self._intensity_values(),
            pl.when(logged).then(lit("logged"))
            .when(site).then(lit("datacenter"))
            .when(hits["region"]).then(pl.when(exact("region")).then(lit("region")).otherwise(lit("region_earlier_year")))
            .when(hits["country"]).then(pl.when(exact("country")).then(lit("country")).otherwise(lit("country_earlier_year")))
            .otherwise(lit(d.key)).alias("intensity_basis"),
            pl.when(logged).then(lit("grid_intensity_kg_per_kwh in the run log"))
            .when(site).then(lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_grid_intensity_source"))
            .when(hits["region"]).then(pl.col("region_ci_source"))
            .when(hits["country"]).then(pl.col("country_ci_source"))
            .otherwise(lit(d.source)).alias("intensity_source"),
            pl.when(logged | site).then(lit(None, pl.Int64))
            .when(hits["region"]).then(pl.col("region_ci_year"))
            .when(hits["country"]).then(pl.col("country_ci_year"))
            .otherwise(lit(d.year, pl.Int64)).cast(pl.Int32).alias("intensity_year"),
            pl.when(logged | site).then(lit(None, pl.String))
            .when(hits["region"]).then(pl.col("region_key"))
            .when(hits["country"]).then(pl.col("country_key"))
            .otherwise(lit(DEFAULT_INTENSITY_REGION)).alias("intensity_region"),
        )

    def _intensity_values(self) -> list[pl.Expr]:
        """intensity_kg_per_kwh and its bounds: logged > datacenter > region > country > world."""
        lit = pl.lit
        hits = _intensity_hits()
        d = self.default_intensity
        logged = pl.col("grid_intensity_kg_per_kwh").is_not_null()
        site = pl.col("site_grid_intensity_kg_per_kwh").is_not_null()
        exact = _intensity_year_is_runs

        def bound(side: str, world: float):
            # a published annual factor of the run's year is a point; an earlier year's spans the
            # source's last EARLIER_YEAR_SPAN years; the world default spans countries' quantiles
            return (
                pl.when(logged | site).then(pl.coalesce("grid_intensity_kg_per_kwh", "site_grid_intensity_kg_per_kwh"))
                .when(hits["region"]).then(pl.when(exact("region")).then(pl.col("region_ci")).otherwise(pl.col(f"region_ci_{side}")))
                .when(hits["country"]).then(pl.when(exact("country")).then(pl.col("country_ci")).otherwise(pl.col(f"country_ci_{side}")))
                .otherwise(lit(world))
            )

        world_lo, world_hi = self.world_range
        return [
            bound("min", world_lo).alias("intensity_low_kg_per_kwh"),
            bound("max", world_hi).alias("intensity_high_kg_per_kwh"),
            pl.coalesce("grid_intensity_kg_per_kwh", "site_grid_intensity_kg_per_kwh", "region_ci", "country_ci",
                        lit(d.value)).alias("intensity_kg_per_kwh"),
        ]

    def _resolve_price(self, df: pl.DataFrame) -> pl.DataFrame:
        lit = pl.lit
        table = self.flat_prices
        for level, key in (("region", "region_key"), ("country", "country_key")):
            keys = df.select(key, "run_year").drop_nulls()
            best = _best_before(keys, table, key).select(
                key, "run_year",
                pl.col("price_per_kwh").alias(f"{level}_price"),
                pl.col("currency").alias(f"{level}_currency"),
                pl.col("tariff_id").alias(f"{level}_tariff"),
                pl.col("source").alias(f"{level}_price_source"),
            )
            df = df.join(best, on=[key, "run_year"], how="left", maintain_order="left")
        site_tariff = self.tariffs_by_id.rename(
            {"tariff_id": "site_tariff_id", "price_per_kwh": "tariff_price", "currency": "tariff_currency", "source": "tariff_source"}
        )
        tou = pl.DataFrame(
            [{"site_tariff_id": t.tariff_id, "tou_price": t.mean_price, "tou_currency": t.currency, "tou_source": t.source}
             for t in self.tou_tariffs.values()],
            schema={"site_tariff_id": pl.String, "tou_price": pl.Float64, "tou_currency": pl.String, "tou_source": pl.String},
        )
        df = df.join(site_tariff, on="site_tariff_id", how="left", maintain_order="left").join(
            tou, on="site_tariff_id", how="left", maintain_order="left")
        d, d_currency, d_tariff = self.default_price
        chain = self._price_chain
        return df.with_columns(
            self._price_value(),
            chain(1, lit(d_currency)).alias("price_currency"),
            chain(2, lit(d.key)).alias("price_basis"),
            chain(3, lit(d_tariff)).alias("tariff_id"),
            chain(4, lit(d.source)).alias("price_source"),
        )

    def _price_value(self) -> pl.Expr:
        return self._price_chain(0, pl.lit(self.default_price[0].value)).alias("price_value")

    @staticmethod
    def _price_chain(i: int, fallback: pl.Expr) -> pl.Expr:
        """Item ``i`` (value, currency, basis, tariff id, source) of the first price rule that
        applies: logged > datacenter price > datacenter tariff (flat, else time-of-use mean) >
        region > country > ``fallback``."""
        lit = pl.lit
        order = [
            (pl.col("price_per_kwh").is_not_null(), "price_per_kwh", "currency", lit("logged"), lit(None, pl.String),
             lit("price_per_kwh in the run log")),
            (pl.col("site_price_per_kwh").is_not_null(), "site_price_per_kwh", "site_currency", lit("datacenter"), lit(None, pl.String),
             lit("datacenter ") + pl.col("datacenter") + lit(": ") + pl.col("site_price_source")),
            (pl.col("tariff_price").is_not_null(), "tariff_price", "tariff_currency", lit("datacenter_tariff"), pl.col("site_tariff_id"),
             pl.col("tariff_source")),
            # time-of-use: the schedule's average here; compute integrates the schedule over each run
            (pl.col("tou_price").is_not_null(), "tou_price", "tou_currency", lit("datacenter_tou_mean"), pl.col("site_tariff_id"),
             pl.col("tou_source")),
            (pl.col("region_price").is_not_null(), "region_price", "region_currency", lit("region"), pl.col("region_tariff"),
             pl.col("region_price_source")),
            (pl.col("country_price").is_not_null(), "country_price", "country_currency", lit("country"), pl.col("country_tariff"),
             pl.col("country_price_source")),
        ]
        expr = None
        for cond, *values in order:
            v = values[i]
            v = pl.col(v) if isinstance(v, str) else v
            expr = pl.when(cond).then(v) if expr is None else expr.when(cond).then(v)
        return expr.otherwise(fallback)


def explain(library: FactorLibrary, *, region: str | None, year: int | None, datacenter: str | None = None,
            gpu_model: str | None = None) -> dict:
    """What a run with this region/year/datacenter resolves to, and the rows behind it."""
    started = datetime(year, 7, 1, tzinfo=UTC) if year else None
    run = pl.DataFrame(
        {"run_id": ["?"], "started_at": [started], "region": [region], "datacenter": [datacenter], "gpu_model": [gpu_model],
         "avg_power_w": [None], "pue": [None], "grid_intensity_kg_per_kwh": [None], "price_per_kwh": [None], "currency": [None],
         "gpu_hours": [None], "measured_it_energy_kwh": [None], "measured_energy_source": [None]},
        schema={"run_id": pl.String, "started_at": pl.Datetime("us", "UTC"), "region": pl.String, "datacenter": pl.String,
                "gpu_model": pl.String, "avg_power_w": pl.Float64, "pue": pl.Float64,
                "grid_intensity_kg_per_kwh": pl.Float64, "price_per_kwh": pl.Float64, "currency": pl.String,
                "gpu_hours": pl.Float64, "measured_it_energy_kwh": pl.Float64, "measured_energy_source": pl.String},
    )
    r = library.resolve(run).row(0, named=True)
    years, hourly = [], []
    if r["region_key"] is not None:
        years = library.annual_intensity.filter(pl.col("lookup_key") == r["region_key"])["vintage_year"].unique().sort().to_list()
        hourly = library.hourly_series_index.filter(pl.col("region") == r["region_key"]).to_dicts()
    return r | {"region_years": years, "hourly_series": hourly}
