"""The report's methodology section: formulas, power basis and bounds, factors and constants used."""

from __future__ import annotations

import polars as pl

from wattledger.report import markdown as md
from wattledger.method import (
    DEFAULT_PUE_SCOPE,
    EARLIER_YEAR_SPAN,
    HOURS_PER_YEAR,
    HYPERSCALE_PUE_SCOPE,
    INTENSITY_SCOPE,
    LOGGED_POWER_REL_UNCERTAINTY,
    MAX_TELEMETRY_GAP_S,
    MEASURED_ENERGY_REL_UNCERTAINTY,
    MIN_TELEMETRY_COVERAGE,
    SENSOR_REL_UNCERTAINTY,
    TDP_LOWER_FRACTION,
    WORLD_QUANTILES,
)


def methodology(factors_used: pl.DataFrame, constants: pl.DataFrame) -> str:
    """The methodology section: formulas, power basis and bounds, the factors and constants used."""
    factors = md.table(
        ["Factor", "Basis", "Source", "Year", "Runs"],
        [
            [md.text(r["factor"]), md.text(r["basis"]), md.text(r["source"]), str(r["year"] or "—"), f"{r['runs']:,}"]
            for r in factors_used.iter_rows(named=True)
        ],
        "lllrr",
    )
    constants = md.table(
        ["Constant", "Value", "Unit", "Source", "Year"],
        [
            [
                f"`{r['name']}`",
                md.num(r["value"], 0),
                md.text(r["unit"]),
                md.text(r["source"]) + (" **(user override)**" if r["is_override"] else ""),
                str(r["vintage_year"] or "—"),
            ]
            for r in constants.iter_rows(named=True)
        ],
        "lrlll",
    )
    return f"""### Formulas

- IT energy [kWh] = GPU-hours [h] × power per device [W] / 1000. GPU-hours are logged, or
  `gpu_count × (ended_at − started_at)`.
- Facility energy [kWh] = IT energy × PUE. MWh = kWh / 1000.
- Location-based CO2e [kg] = facility energy [kWh] × grid intensity [kgCO2e/kWh]
  (GHG Protocol Scope 2 Guidance, location-based method). t = kg / 1000. Every grid intensity
  of the total has one scope: **{INTENSITY_SCOPE}** (generation plus upstream fuel and plant
  emissions: Ember, Electricity Maps, EIA-930 with IPCC AR5 factors); direct-combustion factors
  (Cloud Carbon Footprint, Google's grid figures from 2021) are not mixed in.
- Market-based CO2e [kg] = facility energy × (1 − share covered by RECs/PPAs) × the
  supplier-specific factor, else the residual mix, else — with no instruments on record —
  the location-based grid average (GHG Protocol Scope 2 Guidance, Table 6.3). It is reported
  beside the location-based figure, never added to it.
- Embodied CO2e [kg] = GPU-hours × (GPU + server share, kgCO2e) / (life [years] × {HOURS_PER_YEAR:,.0f} h ×
  utilisation), from `hardware/embodied.csv` (only GPUs with a published figure); a separate
  line, never added to the operational CO2e.
- Electricity cost = facility energy [kWh] × price [currency/kWh].
- US household-years = facility energy [kWh] / `us_household_kwh_per_year`;
  passenger-car-years = CO2e [kg] / `passenger_vehicle_kg_co2e_per_year`. These are
  equivalences of quantity: 119 household-years means the electricity 119 homes use in one
  year (not one home for 119 years — and not "one household for three years").

### Power basis and bounds

Power per device, in order of preference: measured telemetry, the run's logged
`avg_power_w`, the GPU's TDP from `hardware/gpu_power.csv`. Telemetry counts when its samples
cover at least {MIN_TELEMETRY_COVERAGE:.0%} of the run's GPU-time (gaps over {MAX_TELEMETRY_GAP_S:g} s are not
bridged); its bounds are ±{SENSOR_REL_UNCERTAINTY:.0%} (sensor accuracy) plus the uncovered time at up to TDP.
A tracker's measured energy has bounds of ±{MEASURED_ENERGY_REL_UNCERTAINTY:.0%}, a logged power
±{LOGGED_POWER_REL_UNCERTAINTY:.0%}; a TDP estimate is an upper bound (the central value is TDP, the
low bound {TDP_LOWER_FRACTION:.0%} of TDP). A cloud fleet PUE spans the provider's published figures,
an unknown site's PUE spans the `{HYPERSCALE_PUE_SCOPE}` to the `{DEFAULT_PUE_SCOPE}` default of
`hardware/pue.csv`; a grid factor of another year spans that source's {EARLIER_YEAR_SPAN}
published years toward the run's, a cloud region's every source for its location within
{EARLIER_YEAR_SPAN} years of the run, the world default the {WORLD_QUANTILES[0]:.0%}–{WORLD_QUANTILES[1]:.0%} quantiles of
countries (docs/method.md). Bounds add up across runs (worst case, not a statistical
interval). A run with neither logged power nor a known GPU model gets no footprint and is
listed under data quality — never a guess.

### Factors used in this report

{factors}

### Constants

{constants}

Timestamps are UTC; a timestamp logged without an offset is read as UTC. A period report
covers runs that started in the period.
"""
