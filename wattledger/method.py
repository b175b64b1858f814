"""The method's own choices: which default, which band, which span, which limit.

Not units (``wattledger.units`` holds the exact conversions and the cited constants) but
the decisions that define how wattledger turns runs into footprints; docs/method.md and
docs/factors.md explain each. A change here changes footprints, so ``wattledger.compute``
hashes this module into its code version.
"""

from __future__ import annotations

# --- defaults, when nothing more specific applies (docs/factors.md) ------------------------

#: ``hardware/pue.csv`` row (provider=default) of a site we know nothing about: the industry average.
DEFAULT_PUE_SCOPE = "unknown"
#: ``hardware/pue.csv`` row of an unnamed hyperscale site: the low end of an unknown site's PUE bounds.
HYPERSCALE_PUE_SCOPE = "generic-hyperscale"
#: Region of the grid-intensity default (no region, or an unknown one): the world average.
DEFAULT_INTENSITY_REGION = "WORLD"
#: Scope of every location-based intensity: ``lifecycle`` (generation plus upstream: Ember, Electricity
#: Maps, EIA-930 with IPCC AR5 factors) or ``direct`` (combustion only: Cloud Carbon Footprint, Google's
#: grid figures from 2021). One scope per total; factors of the other scope are named alternatives only.
INTENSITY_SCOPE = "lifecycle"
#: Region of the electricity-price default: the US industrial average (EIA-861).
DEFAULT_PRICE_REGION = "US"

# --- cloud providers --------------------------------------------------------------------

#: Region prefixes (``aws:us-east-1``) that name a cloud with a fleet PUE default.
CLOUD_PROVIDERS = ("aws", "azure", "gcp")
#: hardware/pue.csv names the companies, regions name the clouds: their published figures bound the fleet PUE.
PUE_PROVIDER_OF_CLOUD = {"aws": "aws", "gcp": "google", "azure": "microsoft"}

# --- electricity prices -----------------------------------------------------------------

#: EIA-861 sector of a US price: a GPU cluster buys power like an industrial customer.
US_PRICE_SECTOR = "industrial"
#: Eurostat non-household bands, preferred first: ID (2-20 GWh/yr; a ~1 MW cluster uses ~9 GWh/yr), else IC (0.5-2 GWh).
EUROSTAT_BANDS = ("ID", "IC")

# --- years and bounds -------------------------------------------------------------------

#: Bounds of an earlier (later) year's factor span the source's factors of this many years up to (from) it
#: (the year-to-year drift); a cloud region's bounds take in the other sources within this many years of the run.
EARLIER_YEAR_SPAN = 3
#: Bounds of the world default: these quantiles of the countries' factors of that year.
WORLD_QUANTILES = (0.1, 0.9)
#: Year of a run without started_at: later than every table's, so it takes the latest year available.
NO_YEAR = 9999

# --- uncertainty model of the power basis (wattledger's own assumptions, docs/method.md) ---

#: Relative half-width of the band around a logged average power: NVML readings are good to a few percent. [-]
LOGGED_POWER_REL_UNCERTAINTY = 0.05
#: Relative half-width of the band around energy measured by a tracker (CodeCarbon: NVML for GPUs,
#: RAPL or a TDP model for CPUs, a RAM model): its CPU and RAM parts are models. [-]
MEASURED_ENERGY_REL_UNCERTAINTY = 0.10
#: When power is estimated from TDP, TDP is the upper bound and the central value; the lower
#: bound is this fraction of TDP, because sustained training rarely draws less. [-]
TDP_LOWER_FRACTION = 0.5

# --- amortisation and prices --------------------------------------------------------------

#: Hours of a year for amortising embodied emissions and owned hardware: a 365-day year. [h]
HOURS_PER_YEAR = 8760.0
#: A list price per GPU-hour above this is a unit mistake (a price per instance-month, or in cents). [currency/GPU-hour]
MAX_PRICE_PER_GPU_HOUR = 100.0

# --- time-resolved refinement (docs/time_resolved.md) -------------------------------------

#: Intensity bases an hourly series may refine: only an annual factor of the run's own region
#: (a datacenter's or a country's figure says nothing about the region's hours).
HOURLY_REFINABLE = ("region", "region_earlier_year", "region_later_year", "zone", "zone_earlier_year", "zone_later_year")

#: What-if window (docs/whatif.md): a run is compared with the same run started at every whole
#: hour within ± this many hours of its start. Half a day either side reaches the other part of
#: the daily cycle (solar midday vs night) without assuming a job could wait for days. [h]
WHATIF_WINDOW_HOURS = 12

# --- power telemetry (docs/time_resolved.md, "Attribution") --------------------------------

#: Least share of a run's device-time the power samples must cover for a measured basis; below
#: it, too much of the run would be filled in at its mean power. [-]
MIN_TELEMETRY_COVERAGE = 0.5
#: Relative accuracy of board power sensors (NVML/DCGM): a wattledger assumption, the band of a
#: measured energy. [-]
SENSOR_REL_UNCERTAINTY = 0.05
#: Longest interval between two power samples of a device that is bridged (integrated); a
#: longer gap is a logger outage and counts as uncovered time. [s]
MAX_TELEMETRY_GAP_S = 60.0

# --- energy beyond GPUs: CPU and memory (docs/method.md, "CPU and memory") ------------------

#: hardware/cpu_power.csv row used when a run's CPU model is unknown (Green Algorithms' "Any": 12 W per core).
DEFAULT_CPU_KEY = "default"
#: Bounds of the default per-core power: these quantiles of the table's per-core TDPs (the low one
#: further times TDP_LOWER_FRACTION, as for a known model). [-]
CPU_PER_CORE_QUANTILES = (0.1, 0.9)
#: Memory power per GB: Green Algorithms (referenceValues.csv, memoryPower 0.3725 W/GB, citing
#: Karyakin and Salem 2017, doi:10.1145/3076113.3076117); CodeCarbon's model is 3 W per 8 GB
#: (0.375 W/GB), within 1 % of it. [W/GB]
RAM_POWER_W_PER_GB = 0.3725
#: Relative half-width of the memory band: the figure was measured on DDR3/DDR4 DIMMs; per-GB power
#: falls with denser DIMMs and rises with load. [-]
RAM_POWER_REL_UNCERTAINTY = 0.5

# --- water (docs/method.md, "Water") --------------------------------------------------------

#: hardware/wue.csv row (provider=default) of a site we know nothing about: the industry average.
DEFAULT_WUE_SCOPE = "unknown"
#: Region prefixes name clouds, hardware/wue.csv names the companies that publish a fleet WUE.
WUE_PROVIDER_OF_CLOUD = {"aws": "aws", "azure": "microsoft", "gcp": "google"}
#: Region of the water-intensity default (no region, or one without a row): the world's generation mix.
DEFAULT_WATER_REGION = "WORLD"
