"""The reference tables, loaded in one place: each file read once, however many tables use it.

Reference data is data (hardware/, grid_intensity/, tariffs/; each folder's README gives
sources, licences and the rebuild steps). ``ReferenceTables`` reads each file of
FACTOR_FILES once (its bytes hash into the factor set, and the same bytes are parsed), and
derives from them, once each, the tables the factor rules join: GPU aliases, PUE defaults,
annual intensity, hourly series, flat and time-of-use tariffs, the compute price table,
embodied emissions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import polars as pl

from wattledger.factors.compute_price_table import read_compute_prices
from wattledger.factors.errors import FactorError
from wattledger.factors.hourly_series import REGISTRY, assemble, registry_files
from wattledger.factors.market_price import MarketGrid, market_files, market_grid
from wattledger.factors.names import normalise_model, normalise_region
from wattledger.factors.regions import name_aliases, region_grid, zone_rows
from wattledger.method import (
    DEFAULT_INTENSITY_REGION, DEFAULT_PRICE_REGION, DEFAULT_PUE_SCOPE, EUROSTAT_BANDS, HOURS_PER_YEAR, PUE_PROVIDER_OF_CLOUD,
    US_PRICE_SECTOR, WORLD_QUANTILES,
)
from wattledger.resources import resource_dir

#: Files whose content defines the factor set (its version is their joint hash, with the sites), in hashing order.
FACTOR_FILES = (
    ("hardware", "gpu_power.csv"),
    ("hardware", "pue.csv"),
    ("hardware", "embodied.csv"),
    ("grid_intensity", "annual_intensity.csv"),
    ("grid_intensity", "cloud_regions.csv"),
    ("grid_intensity", "hourly_us_ba_2022.csv"),
    ("grid_intensity", "hourly_series.csv"),
    ("grid_intensity", "zone_intensity_electricitymaps.csv"),  # ODbL, its own file (grid_intensity/README.md)
    ("grid_intensity", "region_grid.csv"),  # cloud regions, US states and zones -> grid zone, country, price region
    ("tariffs", "flat_prices.csv"),
    ("tariffs", "compute_prices.csv"),  # GPU-hour list prices (wattledger.factors.compute_price)
    ("hardware", "cpu_power.csv"),  # CPU TDP per core (wattledger.factors.cpu_power)
    ("hardware", "wue.csv"),  # datacenter water usage effectiveness (wattledger.factors.water)
    ("grid_intensity", "water_intensity.csv"),  # water consumed per kWh generated (wattledger.factors.water)
    ("grid_intensity", "hourly_registry.csv"),  # the hourly series registry; the files it names are hashed too
    ("tariffs", "wholesale_markets.csv"),  # the wholesale market registry; the price files it names are hashed too
)


@dataclass(frozen=True)
class Default:
    """A documented default factor: its value, source, vintage year and basis key (``default:...``)."""

    value: float
    source: str
    year: int | None
    key: str


@dataclass(frozen=True)
class HourlyGrid:
    """Hourly intensity series: region names, each series' first hour [s since epoch, UTC],
    values (series × hours, NaN-padded) [kgCO2e/kWh], and one row of metadata per series."""

    regions: list[str]
    start_s: np.ndarray
    values: np.ndarray
    series: pl.DataFrame  # one row per (region, year): source, filled_hours, first_s, end_s
    aliases: dict[str, str] = field(default_factory=dict)  # other names of a region (DE -> DE-LU)

    @property
    def row_of(self) -> dict[str, int]:
        """Row of the values for each region name and alias."""
        row = {r: i for i, r in enumerate(self.regions)}
        return row | {a: row[r] for a, r in self.aliases.items()}


@dataclass(frozen=True)
class TouTariff:
    """A time-of-use tariff: energy price [currency/kWh] by month x local hour, weekdays and weekends."""

    tariff_id: str
    currency: str
    source: str
    weekday: np.ndarray  # 12 x 24
    weekend: np.ndarray  # 12 x 24
    first_year: int | None = None  # the year of its start_date: in force from then
    last_year: int | None = None  # the year of its end_date (None: still in force)

    @property
    def mean_price(self) -> float:
        """The schedule's time average (5 weekdays, 2 weekend days a week; months equal)."""
        return float((5 * self.weekday.mean() + 2 * self.weekend.mean()) / 7)


class ReferenceTables:
    """The shipped reference tables (each file read lazily, once) and the tables derived from them."""

    def __init__(self, dirs: dict[str, Path] | None = None):
        self._dirs = dirs or {d: resource_dir(d) for d, _ in FACTOR_FILES}
        self._bytes: dict[tuple[str, str], bytes] = {}

    def reference_path(self, folder: str, name: str) -> Path:
        """The path of a reference table of FACTOR_FILES (FactorError when it is missing)."""
        p = self._dirs[folder] / name
        if not p.is_file():
            raise FactorError(f"reference table {folder}/{name} is missing ({p})")
        return p

    # --- the files: read once ----------------------------------------------------------

    def file_bytes(self, folder: str, name: str) -> bytes:
        """The content of a reference file, read on first use and kept."""
        key = (folder, name)
        if key not in self._bytes:
            self._bytes[key] = self.reference_path(folder, name).read_bytes()
        return self._bytes[key]

    def _csv(self, folder: str, name: str, **options) -> pl.DataFrame:
        return pl.read_csv(self.file_bytes(folder, name), **options)

    def files_hash(self) -> hashlib._Hash:
        """sha256 of every factor file, in FACTOR_FILES order (name, then content): the factor set's start."""
        h = hashlib.sha256()
        for folder, name in FACTOR_FILES:
            h.update(name.encode())
            h.update(self.file_bytes(folder, name))
        named = [("grid_intensity", n) for n in registry_files(self.hourly_registry_csv)]  # the files the registries name
        named += [("tariffs", n) for n in market_files(self)]
        for folder, name in named:
            if (folder, name) not in FACTOR_FILES:
                h.update(name.encode())
                h.update(self.file_bytes(folder, name))
        return h

    @cached_property
    def gpu_power_csv(self) -> pl.DataFrame:
        return self._csv("hardware", "gpu_power.csv", infer_schema_length=None)

    @cached_property
    def pue_csv(self) -> pl.DataFrame:
        return self._csv("hardware", "pue.csv", infer_schema_length=None)

    @cached_property
    def embodied_csv(self) -> pl.DataFrame:
        return self._csv("hardware", "embodied.csv", infer_schema_length=None)

    @cached_property
    def annual_intensity_csv(self) -> pl.DataFrame:
        return self._csv("grid_intensity", "annual_intensity.csv", infer_schema_length=None)

    @cached_property
    def cloud_regions_csv(self) -> pl.DataFrame:
        return self._csv("grid_intensity", "cloud_regions.csv", infer_schema_length=None)

    @cached_property
    def zone_intensity_csv(self) -> pl.DataFrame:
        return self._csv("grid_intensity", "zone_intensity_electricitymaps.csv", infer_schema_length=None)

    @cached_property
    def region_grid_csv(self) -> pl.DataFrame:
        return self._csv("grid_intensity", "region_grid.csv", infer_schema=False)

    @cached_property
    def hourly_csv(self) -> pl.DataFrame:
        """grid_intensity/hourly_us_ba_2022.csv as written (hour_start_utc as text)."""
        return self._csv("grid_intensity", "hourly_us_ba_2022.csv", schema_overrides={"hour_start_utc": pl.String})

    @cached_property
    def hourly_registry_csv(self) -> pl.DataFrame:
        """grid_intensity/hourly_registry.csv: one row per hourly series (wattledger.factors.hourly_series)."""
        return self._csv("grid_intensity", REGISTRY, infer_schema_length=None,
                         schema_overrides={"column": pl.String, "aliases": pl.String})

    @cached_property
    def hourly_series_csv(self) -> pl.DataFrame:
        return self._csv("grid_intensity", "hourly_series.csv", infer_schema_length=None)

    @cached_property
    def flat_prices_csv(self) -> pl.DataFrame:
        return self._csv("tariffs", "flat_prices.csv", infer_schema_length=None)

    @cached_property
    def compute_prices(self) -> pl.DataFrame:
        """tariffs/compute_prices.csv, validated (``read_compute_prices``), with model_key and dates parsed."""
        return read_compute_prices(self.reference_path("tariffs", "compute_prices.csv"), self.gpu_aliases,
                                   data=self.file_bytes("tariffs", "compute_prices.csv"))

    @cached_property
    def tou_tariffs(self) -> dict[str, TouTariff]:
        """Time-of-use tariffs of tariffs/tou/ (OpenEI URDB form), by tariff id."""
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
                first_year=int(d["start_date"][:4]) if d.get("start_date") else None,
                last_year=int(d["end_date"][:4]) if d.get("end_date") else None,
            )
        return out

    # --- hardware --------------------------------------------------------------------------

    @cached_property
    def gpu_aliases(self) -> pl.DataFrame:
        """One row per accepted spelling: model_key (normalised), gpu_model, tdp_w, typical_power_w, source."""
        spellings = self.gpu_power_csv.select(
            "gpu_model",
            "tdp_w",
            pl.col("typical_power_w").cast(pl.Float64),
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
        return out.select("model_key", "gpu_model", pl.col("tdp_w").cast(pl.Float64), "typical_power_w", "source")

    @cached_property
    def pue_defaults(self) -> pl.DataFrame:
        """provider=default rows: scope (aws, gcp, azure, unknown, ...), pue, source, year."""
        rows = self.pue_csv.filter(pl.col("provider") == "default")
        return rows.sort("year").group_by("scope", maintain_order=True).last().select("scope", "pue", "source", "year")

    def pue_default(self, scope: str) -> Default:
        """The latest provider=default row of hardware/pue.csv for ``scope``."""
        row = self.pue_defaults.filter(pl.col("scope") == scope)
        if row.height == 0:
            raise FactorError(f"hardware/pue.csv has no row provider=default, scope={scope}")
        r = row.row(0, named=True)
        return Default(float(r["pue"]), f"{r['source']} ({r['year']})", int(r["year"]), f"default:{scope}")

    @cached_property
    def default_pue(self) -> Default:
        return self.pue_default(DEFAULT_PUE_SCOPE)

    @cached_property
    def provider_pue_ranges(self) -> pl.DataFrame:
        """provider (aws|gcp|azure) -> min and max of the company's published PUE figures."""
        rows = self.pue_csv.filter(pl.col("provider") != "default")
        clouds = pl.DataFrame({"provider": list(PUE_PROVIDER_OF_CLOUD), "company": list(PUE_PROVIDER_OF_CLOUD.values())})
        return clouds.join(
            rows.group_by("provider").agg(pl.col("pue").min().alias("provider_pue_low"), pl.col("pue").max().alias("provider_pue_high")),
            left_on="company", right_on="provider",
        ).select("provider", "provider_pue_low", "provider_pue_high")

    @cached_property
    def embodied(self) -> pl.DataFrame:
        """gpu_model -> embodied kgCO2e per GPU-hour (manufacture amortised) and its source."""
        return self.embodied_csv.select(
            pl.col("gpu_model").alias("gpu_table_model"),
            (pl.col("embodied_kg_per_gpu") / (pl.col("lifetime_years") * HOURS_PER_YEAR * pl.col("utilisation")))
            .alias("embodied_kg_per_gpu_hour"),
            (pl.col("source") + pl.lit(f"; amortised over life x {HOURS_PER_YEAR:.0f} h x utilisation")).alias("embodied_source"),
        )

    # --- grid intensity --------------------------------------------------------------------

    @cached_property
    def hourly_annual_means(self) -> pl.DataFrame:
        """The annual mean of each hourly grid series, as an annual factor of its region."""
        # numpy over each region's hours in file order: the same float every time (a
        # multi-threaded group_by mean may sum in another order and differ in the last bit)
        means = pl.DataFrame(
            [(region, float(np.mean(part["intensity_kg_per_kwh"].to_numpy())))
             for (region,), part in self.hourly_csv.partition_by("region", as_dict=True, maintain_order=True).items()],
            schema={"region": pl.String, "intensity_kg_per_kwh": pl.Float64}, orient="row",
        )
        return means.join(self.hourly_series_csv, on="region").select(
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
        first, then Cloud Carbon Footprint), US balancing authorities (hourly means), Electricity
        Maps zones that OWID does not cover (priority 2). ``basis`` is the scope: lifecycle or
        direct (resolution reads only INTENSITY_SCOPE rows; the others are alternatives). A
        published value of exactly 0 is treated as missing (no grid has zero lifecycle CO2e).
        """
        owid = self.annual_intensity_csv.select(
            pl.col("region").alias("lookup_key"),
            "vintage_year",
            "intensity_kg_per_kwh",
            "basis",
            (pl.col("source") + pl.lit(" (") + pl.col("region_name") + pl.lit(")")).alias("source"),
            pl.lit(1).alias("priority"),
            pl.lit("").alias("period"),
        )
        cloud = self.cloud_regions_csv.select(
            pl.col("region").alias("lookup_key"),
            "vintage_year",
            "intensity_kg_per_kwh",
            "basis",
            "source",
            pl.when(pl.col("source").str.contains("Cloud Carbon Footprint")).then(2).otherwise(1).alias("priority"),
            pl.lit("").alias("period"),
        )
        zones = zone_rows(self.zone_intensity_csv, set(self.annual_intensity_csv["region"].to_list()))
        table = pl.concat([owid, cloud, self.hourly_annual_means, zones], how="vertical_relaxed")
        return table.filter(pl.col("intensity_kg_per_kwh") > 0).with_columns(normalise_region(pl.col("lookup_key")).alias("lookup_key"))

    @cached_property
    def world_by_year(self) -> pl.DataFrame:
        """The world default of every year of the table: world_year, value, bounds (countries'
        WORLD_QUANTILES of that year, widened to include the value), source. Contiguous years."""
        world = self.annual_intensity.filter(pl.col("lookup_key") == DEFAULT_INTENSITY_REGION).sort("vintage_year")
        if world.height == 0:
            raise FactorError(f"grid_intensity/annual_intensity.csv has no {DEFAULT_INTENSITY_REGION} row")
        years = world["vintage_year"].to_list()
        if years != list(range(years[0], years[-1] + 1)):
            raise FactorError(f"grid_intensity/annual_intensity.csv: {DEFAULT_INTENSITY_REGION} years are not contiguous")
        countries = self.annual_intensity.filter(pl.col("lookup_key").str.contains(r"^[A-Z]{2}$") & (pl.col("priority") == 1))
        q_lo, q_hi = WORLD_QUANTILES
        spread = countries.group_by("vintage_year").agg(pl.col("intensity_kg_per_kwh").quantile(q_lo, "linear").alias("lo"),
                                                        pl.col("intensity_kg_per_kwh").quantile(q_hi, "linear").alias("hi"))
        return world.join(spread, on="vintage_year", how="left").select(
            pl.col("vintage_year").alias("world_year"), pl.col("intensity_kg_per_kwh").alias("world_ci"),
            pl.min_horizontal("lo", "intensity_kg_per_kwh").alias("world_ci_min"),
            pl.max_horizontal("hi", "intensity_kg_per_kwh").alias("world_ci_max"),
            (pl.col("source") + pl.lit(", ") + pl.col("vintage_year").cast(pl.String) + pl.lit(", ") + pl.col("basis")
             ).alias("world_ci_source"),
        )

    @cached_property
    def default_intensity(self) -> Default:
        """The world default of the latest year (a run without a year)."""
        r = self.world_by_year.row(-1, named=True)
        return Default(float(r["world_ci"]), r["world_ci_source"], int(r["world_year"]), f"default:{DEFAULT_INTENSITY_REGION}")

    @cached_property
    def region_country(self) -> pl.DataFrame:
        """Known non-country regions and their ISO country: cloud regions, grid zones, US states."""
        cloud = self.cloud_regions_csv.select(pl.col("region").alias("region_key"), pl.col("country"))
        series = self.hourly_series_csv.select(pl.col("region").alias("region_key"), pl.lit("US").alias("country"))
        grid = self.region_grid.select("region_key", pl.col("grid_country").alias("country"))
        table = pl.concat([grid, cloud.with_columns(normalise_region(pl.col("region_key"))), series])
        return table.unique("region_key", keep="first", maintain_order=True).drop_nulls()

    @cached_property
    def region_grid(self) -> pl.DataFrame:
        """region_key -> grid_country, grid_zone_key, price_region_key (grid_intensity/region_grid.csv)."""
        zones = set(self.zone_intensity_csv["zone"].to_list()) | set(self.annual_intensity_csv["region"].to_list())
        return region_grid(self.region_grid_csv, zones, set(self.flat_prices_csv["region"].to_list()))

    @cached_property
    def region_aliases(self) -> dict[str, str]:
        """Every other spelling of a region key: EIA-930 codes (lower case, ``eia:ciso``), ISO3
        codes and country or zone names (upper case, ``FRA``, ``FRANCE``), ``UK``, ``EL``."""
        return self.eia_aliases | name_aliases(self.annual_intensity_csv, self.zone_intensity_csv)

    @cached_property
    def known_regions(self) -> frozenset[str]:
        """Region keys the tables know (annual factors, zones, cloud regions, states)."""
        return frozenset(self.annual_intensity["lookup_key"].to_list()) | frozenset(self.region_country["region_key"].to_list())

    @cached_property
    def eia_aliases(self) -> dict[str, str]:
        """``eia:ciso`` -> ``US-CAL-CISO``: EIA-930 balancing-authority codes as region aliases
        (keys in normalised, lower case form: ``eia:CISO`` is written by users)."""
        return {f"eia:{code.lower()}": region for code, region in self.hourly_series_csv.select("eia_ba_code", "region").iter_rows()}

    @cached_property
    def hourly_series_index(self) -> pl.DataFrame:
        """One row per hourly intensity series: region, year, hours, filled_hours, fill_rule, source."""
        return self.hourly_series_csv.select(
            "region", "eia_ba_code", "year", "hours", "filled_hours", "first_hour_start_utc", "last_hour_start_utc",
            "fill_rule", "source",
        )

    def hourly_series(self, region: str) -> pl.DataFrame:
        """The hourly series of a region (hour_start_utc as UTC datetime, intensity, is_filled).

        Filled hours are flagged, never zero (grid_intensity/README.md gives the fill rule).
        """
        return (
            self.hourly_csv.filter(pl.col("region") == region)
            .with_columns(pl.col("hour_start_utc").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"))
            .sort("hour_start_utc")
        )

    @cached_property
    def hourly_grid(self) -> HourlyGrid:
        """Every hourly intensity series of the registry as one NaN-padded 2-D array (one row
        per region, its years on one timeline), for the kernel."""
        regions, start_s, values, series, aliases = assemble(
            self.hourly_registry_csv, lambda name: self.file_bytes("grid_intensity", name))
        return HourlyGrid(regions=regions, start_s=start_s, values=values, series=series, aliases=aliases)

    # --- electricity prices ----------------------------------------------------------------

    @cached_property
    def market_grid(self) -> MarketGrid:
        """Hourly wholesale day-ahead prices of every market [currency/kWh] (wattledger.factors.market_price)."""
        return market_grid(self)

    @cached_property
    def flat_prices(self) -> pl.DataFrame:
        """Flat price candidates: lookup_key (region), vintage_year, period, priority, tariff row."""
        prices = self.flat_prices_csv
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
        """Every flat tariff by its id (a datacenter's ``tariff``): price, currency, source."""
        return self.flat_prices_csv.select(
            "tariff_id", "price_per_kwh", "currency", pl.col("year").cast(pl.Int64),
            (pl.col("source") + pl.lit(" (") + pl.col("tariff_id") + pl.lit(")")).alias("source"),
        )

    @cached_property
    def default_price(self) -> tuple[Default, str, str]:
        """(price, currency, tariff_id) of the documented default tariff."""
        rows = self.flat_prices.filter(pl.col("lookup_key") == DEFAULT_PRICE_REGION)
        if rows.height == 0:
            raise FactorError(f"tariffs/flat_prices.csv has no {DEFAULT_PRICE_REGION} {US_PRICE_SECTOR} row")
        r = rows.sort("vintage_year").row(-1, named=True)
        return Default(float(r["price_per_kwh"]), r["source"], int(r["vintage_year"]), f"default:{r['tariff_id']}"), r["currency"], r["tariff_id"]
