"""Everyday equivalences of energy and emissions.

The SQL macros ``wl_household_years`` and ``wl_car_years`` compute the same thing
from the ``constants`` table; a test checks both agree.
"""

import numpy as np

from wattledger.units import PASSENGER_VEHICLE_KG_CO2E_PER_YEAR, US_HOUSEHOLD_KWH_PER_YEAR


def household_years(energy_kwh, kwh_per_household_year=US_HOUSEHOLD_KWH_PER_YEAR.value):
    """Years of electricity of an average US household that equal this energy.

    Parameters
    ----------
    energy_kwh : array_like
        Energy. [kWh]
    kwh_per_household_year : float
        Electricity use of one household in one year. [kWh/household-year]

    Returns
    -------
    numpy.ndarray
        Household-years. [household-year]

    References
    ----------
    .. [1] U.S. EIA, "How much electricity does an American home use?", 2022 data:
       10,791 kWh per year. https://www.eia.gov/tools/faqs/faq.php?id=97&t=3
    """
    return np.asarray(energy_kwh, dtype=np.float64) / kwh_per_household_year


def car_years(co2e_kg, kg_co2e_per_vehicle_year=PASSENGER_VEHICLE_KG_CO2E_PER_YEAR.value):
    """Years of driving a typical passenger car that emit this CO2e.

    Parameters
    ----------
    co2e_kg : array_like
        Emissions. [kgCO2e]
    kg_co2e_per_vehicle_year : float
        Tailpipe CO2 of one typical passenger vehicle in one year (EPA 2023: CO2 only). [kgCO2/vehicle-year]

    Returns
    -------
    numpy.ndarray
        Car-years. [vehicle-year]

    References
    ----------
    .. [1] U.S. EPA, "Greenhouse Gas Emissions from a Typical Passenger Vehicle",
       EPA-420-F-23-014, 2023: 4.6 metric tons CO2e per year.
    """
    return np.asarray(co2e_kg, dtype=np.float64) / kg_co2e_per_vehicle_year
