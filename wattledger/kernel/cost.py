"""Electricity cost of a run."""

import numpy as np


def energy_cost(energy_kwh, price_per_kwh):
    """Electricity cost of a run at a flat price.

    Parameters
    ----------
    energy_kwh : array_like
        Facility energy. [kWh]
    price_per_kwh : array_like
        Electricity price. [currency/kWh]

    Returns
    -------
    numpy.ndarray
        Cost, in the price's currency. [currency]
    """
    return np.asarray(energy_kwh, dtype=np.float64) * np.asarray(price_per_kwh, dtype=np.float64)
