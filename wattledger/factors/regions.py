"""Where a region string points: its key, its grid zone, its country, its price area.

A run's ``region`` may be written many ways. After :func:`wattledger.factors.names.normalise_region`
(cloud ids in lower case, the rest in upper case), these are the same key:

- a country's ISO 3166 alpha-2 code (``FR``), its alpha-3 code (``FRA``) or its name (``France``),
  with Eurostat's own codes ``UK`` (GB) and ``EL`` (GR);
- an Electricity Maps zone id (``US-CAL-CISO``) or its name (``Québec``);
- an EIA-930 balancing-authority code (``eia:CISO``).

grid_intensity/region_grid.csv (hand-curated, cited) gives each cloud region, US state and
single-state US zone its grid zone (``aws:us-east-1`` -> ``US-MIDA-PJM``, ``US-TX`` ->
``US-TEX-ERCO``), its country and its price region (``US-CAL-CISO`` -> ``US-CA``).
"""

from __future__ import annotations

import polars as pl

from wattledger.factors.errors import FactorError
from wattledger.factors.names import normalise_region

#: Codes that are not ISO 3166 alpha-2 but are written for a country (Eurostat, EU usage).
CODE_ALIASES = {"UK": "GB", "EL": "GR"}


def name_aliases(countries: pl.DataFrame, zones: pl.DataFrame) -> dict[str, str]:
    """Upper-case names and ISO3 codes -> region key. ``countries``: region, region_name, iso3
    (annual_intensity.csv); ``zones``: zone, zone_name. A name that would name two keys, or that
    is itself a key, is not an alias."""
    keys = set(countries["region"].to_list()) | set(zones["zone"].to_list())
    pairs: dict[str, set[str]] = {}
    for frame, key, name in ((countries, "region", "region_name"), (countries, "region", "iso3"), (zones, "zone", "zone_name")):
        for k, n in frame.select(key, name).unique().drop_nulls().iter_rows():
            if k.startswith("OWID:") or not n.strip():
                continue
            pairs.setdefault(n.strip().upper(), set()).add(k)
    out = {n: next(iter(ks)) for n, ks in pairs.items() if len(ks) == 1 and n not in keys}
    return out | CODE_ALIASES


def region_grid(table: pl.DataFrame, zone_keys: set[str], price_regions: set[str]) -> pl.DataFrame:
    """grid_intensity/region_grid.csv, validated: region_key, grid_country, grid_zone_key, price_region_key.

    Every grid zone must be a zone of the zone table, every price region a region of the flat
    price table (FactorError naming the line otherwise)."""
    out = table.with_row_index("line", offset=2).select(
        "line",
        normalise_region(pl.col("region")).alias("region_key"),
        pl.col("country").alias("grid_country"),
        normalise_region(pl.col("grid_zone")).alias("grid_zone_key"),
        normalise_region(pl.col("price_region")).alias("price_region_key"),
    )
    for r in out.iter_rows(named=True):
        if r["grid_zone_key"] not in zone_keys:
            raise FactorError(f"grid_intensity/region_grid.csv line {r['line']}: grid_zone {r['grid_zone_key']!r} is not a zone "
                              "of grid_intensity/zone_intensity_electricitymaps.csv or annual_intensity.csv")
        if r["price_region_key"] is not None and r["price_region_key"] not in price_regions:
            raise FactorError(f"grid_intensity/region_grid.csv line {r['line']}: price_region {r['price_region_key']!r} "
                              "is not a region of tariffs/flat_prices.csv")
    dup = out.filter(pl.col("region_key").is_duplicated())
    if dup.height:
        raise FactorError(f"grid_intensity/region_grid.csv line {dup['line'][0]}: region {dup['region_key'][0]!r} is repeated")
    return out.drop("line")


def zone_rows(zones: pl.DataFrame, owid_keys: set[str]) -> pl.DataFrame:
    """Electricity Maps zone-years as annual factors (lookup_key, vintage_year, intensity, basis,
    source, priority 2, period): only the zones Ember via OWID does not cover (sub-national zones,
    a few countries), so that each key keeps one source across its years."""
    return zones.filter(~pl.col("zone").is_in(sorted(owid_keys))).select(
        pl.col("zone").alias("lookup_key"),
        "vintage_year",
        "intensity_kg_per_kwh",
        "basis",
        (pl.col("source") + pl.lit(" (") + pl.col("zone_name") + pl.lit("; ODbL: Electricity Maps)")).alias("source"),
        pl.lit(2).alias("priority"),
        pl.lit("").alias("period"),
    )
