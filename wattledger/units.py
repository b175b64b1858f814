"""Exact unit conversions and the cited constants every figure depends on.

This is the one place these numbers are written down. The SQL macros in
``sql/macros`` read the same values from the ``constants`` table, which the
store fills from :data:`CONSTANTS` (see ``wattledger.store.constants``), so SQL and
Python agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

# --- exact conversions -------------------------------------------------------
W_PER_KW = 1_000.0
KWH_PER_MWH = 1_000.0
KG_PER_TONNE = 1_000.0
G_PER_KG = 1_000.0
SECONDS_PER_HOUR = 3_600.0
J_PER_KWH = 3_600_000.0  # 1 kWh = 1000 W x 3600 s, exact
MJ_PER_KWH = 3.6  # megajoules


@dataclass(frozen=True)
class Constant:
    """A named, cited, versioned constant. [value in ``unit``]"""

    name: str
    value: float
    unit: str
    description: str
    source: str
    vintage_year: int
    url: str
    #: An override (``constants --set``) must be finite and within [plausible_min, plausible_max]:
    #: the range catches a unit slip (MWh for kWh, t or g for kg), not another country's figure.
    plausible_min: float = 0.0
    plausible_max: float = float("inf")
    plausible_reason: str = ""


US_HOUSEHOLD_KWH_PER_YEAR = Constant(
    name="us_household_kwh_per_year",
    value=10_791.0,
    unit="kWh/household-year",
    description="Average annual electricity consumption of a US residential customer",
    source="U.S. Energy Information Administration, 'How much electricity does an "
    "American home use?' (FAQ), 2022 data",
    vintage_year=2022,
    url="https://www.eia.gov/tools/faqs/faq.php?id=97&t=3",
    plausible_min=100.0,
    plausible_max=100_000.0,
    plausible_reason="national household averages are about 1,000 to 20,000 kWh a year; "
    "a figure in MWh (10.8) or Wh (1.08e7) falls outside",
)

PASSENGER_VEHICLE_KG_CO2E_PER_YEAR = Constant(
    name="passenger_vehicle_kg_co2e_per_year",
    value=4_600.0,
    unit="kgCO2/vehicle-year",
    # EPA's figure is carbon dioxide only (about 4.6 t CO2 a year); the name keeps its historical
    # "co2e" (a stored constant's name), the unit and description say CO2
    description="Tailpipe CO2 (carbon dioxide only, as EPA states it) of a typical passenger vehicle in one year",
    source="U.S. Environmental Protection Agency, 'Greenhouse Gas Emissions from a "
    "Typical Passenger Vehicle' (EPA-420-F-23-014), 2023: about 4.6 metric tons of CO2 per year",
    vintage_year=2023,
    url="https://www.epa.gov/greenvehicles/greenhouse-gas-emissions-typical-passenger-vehicle",
    plausible_min=100.0,
    plausible_max=50_000.0,
    plausible_reason="a car emits about 1 to 10 t CO2e a year; a figure in tonnes (4.6) or grams "
    "(4.6e6) falls outside",
)

#: One US gallon in litres (exact: 231 cubic inches, NIST Handbook 44). [L/gal]
L_PER_US_GALLON = 3.785411784

US_HOUSEHOLD_WATER_L_PER_DAY = Constant(
    name="us_household_water_l_per_day",
    value=300.0 * L_PER_US_GALLON,
    unit="L/household-day",
    description="Water an average American family uses at home in one day (300 US gallons)",
    source="U.S. Environmental Protection Agency, WaterSense, 'Statistics and Facts' "
    "(the average American family uses more than 300 gallons of water per day at home)",
    vintage_year=2024,
    url="https://www.epa.gov/watersense/statistics-and-facts",
    plausible_min=50.0,
    plausible_max=10_000.0,
    plausible_reason="households use about 200 to 2,000 litres a day; a figure in gallons (300) stays "
    "inside, but one in m3 (1.1) or mL (1.1e6) falls outside",
)

EU_HOUSEHOLD_KWH_PER_YEAR = Constant(
    name="eu_household_kwh_per_year",
    value=3_600.0,
    unit="kWh/household-year",
    description="Average annual electricity consumption per dwelling in the EU-27 (all uses, heating included)",
    source="ODYSSEE-MURE, 'Electricity consumption per dwelling' (EU-27 average 3.6 MWh; from 1.8 MWh in "
    "Romania to 8.5 MWh in Sweden), page updated November 2025, latest year 2023",
    vintage_year=2023,
    url="https://www.odyssee-mure.eu/publications/efficiency-by-sector/households/electricity-consumption-dwelling.html",
    plausible_min=100.0,
    plausible_max=100_000.0,
    plausible_reason="national household averages are about 1,000 to 20,000 kWh a year; "
    "a figure in MWh (3.6) or Wh (3.6e6) falls outside",
)

#: Constants a user may override (``wattledger constants --set NAME=VALUE``).
CONSTANTS: dict[str, Constant] = {
    c.name: c for c in (US_HOUSEHOLD_KWH_PER_YEAR, EU_HOUSEHOLD_KWH_PER_YEAR, PASSENGER_VEHICLE_KG_CO2E_PER_YEAR,
                        US_HOUSEHOLD_WATER_L_PER_DAY)
}


def kwh_to_mwh(energy_kwh):
    """Energy in MWh from kWh. [MWh]"""
    return energy_kwh / KWH_PER_MWH


def mwh_to_kwh(energy_mwh):
    """Energy in kWh from MWh. [kWh]"""
    return energy_mwh * KWH_PER_MWH


def kg_to_tonnes(mass_kg):
    """Mass in tonnes from kg. [t]"""
    return mass_kg / KG_PER_TONNE
