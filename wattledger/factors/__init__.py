"""Factor resolution: each run to its power, PUE, grid intensity, market factor, electricity
price, compute price and embodied emissions, every value with its basis and source.

Where things live (docs/factors.md): ``tables`` (the reference tables, each file read once),
``ladder`` (the one rule mechanism), one module per factor (``power``, ``cpu_power`` (CPU and
memory parts), ``embodied``, ``pue``, ``water``, ``intensity``, ``market``, ``electricity_price``,
``compute_price``), ``keys`` (a run's keys),
``resolve`` (the stage order, ``STAGES``, and ``explain``), ``profile`` (rules once per run
profile), ``hourly`` (hourly intensity, time-of-use prices), ``sites`` (the site file).
"""

from wattledger.factors.compute_price import with_compute_prices
from wattledger.factors.compute_price_table import PRICE_TABLE_COLUMNS, read_compute_prices
from wattledger.factors.errors import FactorError
from wattledger.factors.hourly import PIECES_SCHEMA, apply_hourly_intensity, apply_tou_prices
from wattledger.factors.ladder import Rule, fold
from wattledger.factors.names import normalise_model, normalise_region
from wattledger.factors.power import TELEMETRY_COLUMNS
from wattledger.factors.profile import by_profile, resolution_profile
from wattledger.factors.pue import SITE_PUE_OF_MONTH
from wattledger.factors.resolve import PER_RUN_COLUMNS, STAGES, FactorLibrary, explain
from wattledger.factors.sites import (
    COMPUTE_RATES_DTYPE, OWNED_HARDWARE_DTYPE, SITE_SCHEMA, Datacenter, SiteFile, SiteFileError, check_sites, load_sites,
    sites_frame,
)
from wattledger.factors.tables import FACTOR_FILES, Default, HourlyGrid, ReferenceTables, TouTariff

__all__ = [
    "COMPUTE_RATES_DTYPE", "FACTOR_FILES", "OWNED_HARDWARE_DTYPE", "PER_RUN_COLUMNS", "PIECES_SCHEMA", "PRICE_TABLE_COLUMNS",
    "SITE_PUE_OF_MONTH", "SITE_SCHEMA", "STAGES", "TELEMETRY_COLUMNS", "Datacenter", "Default", "FactorError", "FactorLibrary",
    "HourlyGrid", "ReferenceTables", "Rule", "SiteFile", "SiteFileError", "TouTariff", "apply_hourly_intensity",
    "apply_tou_prices", "by_profile", "check_sites", "explain", "fold", "load_sites", "normalise_model", "normalise_region",
    "read_compute_prices", "resolution_profile", "sites_frame", "with_compute_prices",
]
