"""Water: on site (WUE, ``wue_basis``) and off site (the electricity's water, ``water_intensity_basis``).

water_onsite_l  = IT energy [kWh] x WUE [L/kWh]: the datacenter's cooling water (The Green Grid's
                  WUE is site water over IT energy);
water_offsite_l = facility energy [kWh] x the water consumed generating a kWh in the run's
                  country [L/kWh] (the power plants' cooling and reservoir evaporation).

WUE, first rule that applies: logged ``wue_l_per_kwh`` (the run log, or CodeCarbon's ``wue`` when
set) > the datacenter's ``wue`` (site file) > the cloud company's fleet WUE for a cloud region
(hardware/wue.csv, bounds spanning its published figures) > the documented default
(``default:unknown``: the industry average 1.8 L/kWh, from 0 for dry cooling to twice it).

Water intensity: the run's country (grid_intensity/water_intensity.csv: generation mix x
Macknick et al. 2012 per technology) > the world's mix (``default:WORLD``). Bounds are the
table's (low: the lowest cooling medians, no reservoir evaporation; high: the highest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.errors import FactorError
from wattledger.factors.ladder import Rule, fold
from wattledger.method import DEFAULT_WATER_REGION, DEFAULT_WUE_SCOPE, WUE_PROVIDER_OF_CLOUD

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

WUE_COLUMNS = {"wue_value": pl.Float64, "wue_low": pl.Float64, "wue_high": pl.Float64, "wue_basis": pl.String,
               "wue_source": pl.String}
INTENSITY_COLUMNS = {"water_intensity_l_per_kwh": pl.Float64, "water_intensity_low_l_per_kwh": pl.Float64,
                     "water_intensity_high_l_per_kwh": pl.Float64, "water_intensity_basis": pl.String,
                     "water_intensity_source": pl.String}
#: Resolved columns that follow a run's own numbers (a logged WUE).
PER_RUN = ("wue_value", "wue_low", "wue_high")


def _read(lib: FactorLibrary, key: str, folder: str, name: str) -> pl.DataFrame:
    if key not in lib.__dict__:  # read once per library
        lib.__dict__[key] = pl.read_csv(lib.file_bytes(folder, name), infer_schema_length=None)
    return lib.__dict__[key]


def provider_wue(lib: FactorLibrary) -> pl.DataFrame:
    """provider (the region's prefix: aws, azure, gcp) -> its company's default WUE row: value, bounds, source."""
    rows = _read(lib, "_wue_csv", "hardware", "wue.csv").filter(pl.col("provider") == "default")
    latest = rows.sort("year").group_by("scope", maintain_order=True).last()
    clouds = pl.DataFrame({"provider": list(WUE_PROVIDER_OF_CLOUD), "scope": list(WUE_PROVIDER_OF_CLOUD.values())})
    return clouds.join(latest, on="scope").select(
        "provider", pl.col("wue_l_per_kwh").cast(pl.Float64).alias("provider_wue"),
        pl.col("wue_low_l_per_kwh").cast(pl.Float64).alias("provider_wue_low"),
        pl.col("wue_high_l_per_kwh").cast(pl.Float64).alias("provider_wue_high"),
        (pl.col("source") + pl.lit(" (") + pl.col("year").cast(pl.String) + pl.lit(")")).alias("provider_wue_source"),
    )


def default_wue(lib: FactorLibrary) -> dict:
    rows = _read(lib, "_wue_csv", "hardware", "wue.csv").filter(
        (pl.col("provider") == "default") & (pl.col("scope") == DEFAULT_WUE_SCOPE))
    if rows.height == 0:
        raise FactorError(f"hardware/wue.csv has no row provider=default, scope={DEFAULT_WUE_SCOPE}")
    return rows.sort("year").row(-1, named=True)


def water_intensity(lib: FactorLibrary) -> pl.DataFrame:
    """country_key -> water consumed per kWh generated (value, bounds, source with year)."""
    return _read(lib, "_water_csv", "grid_intensity", "water_intensity.csv").select(
        pl.col("region").alias("country_key"),
        pl.col("water_l_per_kwh").cast(pl.Float64).alias("country_water_l_per_kwh"),
        pl.col("water_low_l_per_kwh").cast(pl.Float64).alias("country_water_low_l_per_kwh"),
        pl.col("water_high_l_per_kwh").cast(pl.Float64).alias("country_water_high_l_per_kwh"),
        (pl.col("region_name") + pl.lit(" ") + pl.col("vintage_year").cast(pl.String) + pl.lit(": ")
         + pl.col("source")).alias("country_water_source"),
    )


def wue_rules(lib: FactorLibrary) -> list[Rule]:
    lit = pl.lit
    c = pl.col
    d = default_wue(lib)
    logged = c("wue_l_per_kwh")
    return [
        Rule(logged.is_not_null(), wue_value=logged, wue_low=logged, wue_high=logged, wue_basis="logged",
             wue_source=lit("wue_l_per_kwh in the run log")),
        Rule(c("site_wue").is_not_null(), wue_value=c("site_wue"), wue_low=c("site_wue"), wue_high=c("site_wue"),
             wue_basis="datacenter", wue_source=lit("datacenter ") + c("datacenter") + lit(": ") + c("site_wue_source")),
        Rule(c("provider_wue").is_not_null(), wue_value=c("provider_wue"),
             wue_low=pl.min_horizontal("provider_wue_low", "provider_wue"),
             wue_high=pl.max_horizontal("provider_wue_high", "provider_wue"),
             wue_basis=lit("provider:") + c("wue_provider"), wue_source=c("provider_wue_source")),
        Rule(None, wue_value=float(d["wue_l_per_kwh"]), wue_low=float(d["wue_low_l_per_kwh"]),
             wue_high=float(d["wue_high_l_per_kwh"]), wue_basis=f"default:{DEFAULT_WUE_SCOPE}",
             wue_source=f"{d['source']} ({d['year']}); {d['note']}"),
    ]


def intensity_rules(world: dict) -> list[Rule]:
    c = pl.col
    return [
        Rule(c("country_water_l_per_kwh").is_not_null(), water_intensity_l_per_kwh=c("country_water_l_per_kwh"),
             water_intensity_low_l_per_kwh=c("country_water_low_l_per_kwh"),
             water_intensity_high_l_per_kwh=c("country_water_high_l_per_kwh"),
             water_intensity_basis="country", water_intensity_source=c("country_water_source")),
        Rule(None, water_intensity_l_per_kwh=world["country_water_l_per_kwh"],
             water_intensity_low_l_per_kwh=world["country_water_low_l_per_kwh"],
             water_intensity_high_l_per_kwh=world["country_water_high_l_per_kwh"],
             water_intensity_basis=f"default:{DEFAULT_WATER_REGION}", water_intensity_source=world["country_water_source"]),
    ]


def resolve(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """The cloud company's WUE, the country's water intensity; the rules."""
    table = water_intensity(lib)
    world = table.filter(pl.col("country_key") == DEFAULT_WATER_REGION)
    if world.height != 1:
        raise FactorError(f"grid_intensity/water_intensity.csv has no {DEFAULT_WATER_REGION} row")
    for name, dtype in (("wue_l_per_kwh", pl.Float64), ("site_wue", pl.Float64), ("site_wue_source", pl.String)):
        if name not in df.columns:
            df = df.with_columns(pl.lit(None, dtype).alias(name))
    df = (
        df.with_columns(pl.col("region_key").str.extract(r"^([a-z]+):", 1).alias("wue_provider"))
        .join(provider_wue(lib).rename({"provider": "wue_provider"}), on="wue_provider", how="left", maintain_order="left")
        .join(table.filter(pl.col("country_key") != DEFAULT_WATER_REGION), on="country_key", how="left", maintain_order="left")
    )
    return df.with_columns(*fold(wue_rules(lib), WUE_COLUMNS), *fold(intensity_rules(world.row(0, named=True)), INTENSITY_COLUMNS))


def per_run(df: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    return df.with_columns(fold(wue_rules(lib), WUE_COLUMNS, only=PER_RUN))
