"""Emissions of a run from its facility energy and a grid intensity."""

import numpy as np


def co2e_kg(energy_kwh, intensity_kg_per_kwh):
    """Location-based CO2e of a run with a constant grid intensity.

    Parameters
    ----------
    energy_kwh : array_like
        Facility energy. [kWh]
    intensity_kg_per_kwh : array_like
        Grid carbon intensity. [kgCO2e/kWh]

    Returns
    -------
    numpy.ndarray
        Emissions. [kgCO2e]

    References
    ----------
    .. [1] WRI/WBCSD, "GHG Protocol Scope 2 Guidance", 2015, ch. 6 (location-based method).
    """
    return np.asarray(energy_kwh, dtype=np.float64) * np.asarray(intensity_kg_per_kwh, dtype=np.float64)
