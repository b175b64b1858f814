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


def market_co2e_kg(energy_kwh, covered_share, uncovered_factor_kg_per_kwh):
    """Market-based CO2e: energy covered by contractual instruments (RECs, PPAs) at zero,
    the rest at the supplier-specific factor, else the residual mix, else the grid average.

    Parameters
    ----------
    energy_kwh : array_like
        Facility energy. [kWh]
    covered_share : array_like
        Share of the energy covered by renewable energy certificates or PPAs, in [0, 1]. [-]
    uncovered_factor_kg_per_kwh : array_like
        Emission factor of the uncovered share, chosen by the Scope 2 hierarchy. [kgCO2e/kWh]

    Returns
    -------
    numpy.ndarray
        Market-based emissions. [kgCO2e]

    References
    ----------
    .. [1] WRI/WBCSD, "GHG Protocol Scope 2 Guidance", 2015, ch. 6 (Table 6.3, the market-based
       emission factor hierarchy) and ch. 7 (Scope 2 Quality Criteria).
    """
    share = np.asarray(covered_share, dtype=np.float64)
    return np.asarray(energy_kwh, dtype=np.float64) * (1.0 - share) * np.asarray(uncovered_factor_kg_per_kwh, dtype=np.float64)
