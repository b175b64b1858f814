"""The resolution entry: each run to its factors, stage by stage, every value with its basis and source.

The stages, in order (each a module of this package, docs/factors.md):

    keys               datacenter (site file), region, country, year, month
    power              no GPU > measured energy > logged avg_power_w > TDP; else unresolved
    cpu_power          the CPU and memory parts of IT energy: measured > logged > TDP per core > default
    embodied           the GPU model's manufacture, amortised per GPU-hour
    pue                logged > datacenter > cloud fleet > default
    water              WUE: logged > datacenter > cloud fleet > default; water per kWh: country > world
    intensity          logged > datacenter > region > country (year, else earlier) > world
    market             contractual instruments > the location-based grid average
    electricity_price  logged > datacenter > region > country > default

Each stage joins its tables, then folds its ladder of rules (wattledger.factors.ladder).
After resolution, compute refines with the hourly series and time-of-use schedules
(wattledger.factors.hourly) and adds the GPU-hour price (wattledger.factors.compute_price).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import polars as pl

from wattledger.factors import cpu_power, electricity_price, embodied, intensity, keys, market, power, pue, water
from wattledger.factors.profile import by_profile, resolution_profile
from wattledger.factors.pue import SITE_PUE_OF_MONTH
from wattledger.factors.sites import SITE_SCHEMA, check_sites
from wattledger.factors.tables import ReferenceTables

#: The stage order of resolution. A stage has ``resolve(df, lib)`` (its lookups and every rule),
#: ``per_run(df, lib)`` (its PER_RUN columns only) and ``PER_RUN``.
STAGES = (keys, power, cpu_power, embodied, pue, water, intensity, market, electricity_price)

#: The columns of ``FactorLibrary.resolve`` that follow a run's own numbers (the rest follow its
#: profile, ``resolution_profile``): computed for every run.
PER_RUN_COLUMNS = tuple(column for stage in STAGES for column in stage.PER_RUN)


class FactorLibrary(ReferenceTables):
    """The reference tables (loaded lazily, once) and the user's datacenters: what resolution reads."""

    def __init__(self, sites: pl.DataFrame | None = None, *, dirs: dict[str, Path] | None = None, data_version: str = ""):
        super().__init__(dirs)
        self.sites = (sites if sites is not None else pl.DataFrame(schema=SITE_SCHEMA)).select(list(SITE_SCHEMA))
        self.data_version = data_version  # e.g. which power samples exist: new telemetry means recompute

    @cached_property
    def version(self) -> str:
        """A short hash of every factor file and the datacenters: footprints record it, so a
        change in the reference data or the site file marks them for recomputation."""
        h = self.files_hash()
        h.update(repr(self.sites.sort("datacenter").to_dicts()).encode())
        h.update(self.data_version.encode())
        return h.hexdigest()[:16]

    def check_sites(self, sites: pl.DataFrame, path: str) -> None:
        """Every tariff and GPU model a site file names exists (wattledger.factors.sites.check_sites)."""
        check_sites(self, sites, path)

    def resolve(self, runs: pl.DataFrame) -> pl.DataFrame:
        """Add factor columns (value, bounds, basis, source) to ``runs``.

        ``runs`` needs run_id, started_at, region, datacenter, gpu_model, gpu_hours,
        avg_power_w, measured_it_energy_kwh, measured_energy_source, pue,
        grid_intensity_kg_per_kwh, price_per_kwh, currency. A run whose power cannot be
        resolved gets a null ``power_w`` and an ``unresolved_reason``.

        The STAGES run once per distinct profile of runs (``resolution_profile``: a few
        thousand among millions of runs), and only PER_RUN_COLUMNS are computed per run: the
        same result as every rule on every run (``resolve_rows``), without the per-run joins
        and text building.
        """
        return by_profile(runs, resolution_profile(runs), self.resolve_rows, self._per_run_values, PER_RUN_COLUMNS).drop(
            SITE_PUE_OF_MONTH)

    def resolve_rows(self, runs: pl.DataFrame) -> pl.DataFrame:
        """``resolve``, every rule on every row (with the helper column SITE_PUE_OF_MONTH)."""
        for stage in STAGES:
            runs = stage.resolve(runs, self)
        return runs

    def _per_run_values(self, df: pl.DataFrame) -> pl.DataFrame:
        """The PER_RUN_COLUMNS of each run, from its own numbers and its profile's lookups."""
        for stage in STAGES:
            df = stage.per_run(df, self)
        return df


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
    years, hourly, alternatives = [], [], []
    if r["region_key"] is not None:
        years = library.annual_intensity.filter(pl.col("lookup_key") == r["region_key"])["vintage_year"].unique().sort().to_list()
        hourly = library.hourly_series_index.filter(pl.col("region") == r["region_key"]).to_dicts()
        # every source's factor for the region itself (any year: Google's, CCF's), and for its zone
        # and its country of the year used; either scope
        keys = [k for k in (r["zone_key"], r["country_key"]) if k is not None]
        alternatives = (
            library.annual_intensity.filter((pl.col("lookup_key") == r["region_key"])
                                            | (pl.col("lookup_key").is_in(keys) & (pl.col("vintage_year") == r["intensity_year"])))
            .select("lookup_key", "vintage_year", "intensity_kg_per_kwh", pl.col("basis").alias("scope"), "source")
            .sort("lookup_key", "vintage_year", "source").to_dicts()
        )
    fallback = r["intensity_basis"] not in intensity.OWN_BASES
    return r | {"region_years": years, "hourly_series": hourly, "intensity_alternatives": alternatives,
                "is_intensity_fallback": fallback}
