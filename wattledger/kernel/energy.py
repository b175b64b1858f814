"""Energy of a run: IT (device) energy and facility energy after PUE."""

import numpy as np

from wattledger.units import W_PER_KW


def it_energy_kwh(gpu_hours, power_w):
    """IT energy drawn by the accelerators.

    Parameters
    ----------
    gpu_hours : array_like
        Device-hours of the run (devices x wall-clock hours). [h]
    power_w : array_like
        Average power per device over the run. [W]

    Returns
    -------
    numpy.ndarray
        IT energy. [kWh]
    """
    return np.asarray(gpu_hours, dtype=np.float64) * np.asarray(power_w, dtype=np.float64) / W_PER_KW


def facility_energy_kwh(energy_it_kwh, pue):
    """Facility energy: IT energy scaled by the datacenter's power usage effectiveness.

    Parameters
    ----------
    energy_it_kwh : array_like
        IT energy. [kWh]
    pue : array_like
        Power usage effectiveness, total facility energy / IT energy, >= 1. [-]

    Returns
    -------
    numpy.ndarray
        Facility energy. [kWh]

    References
    ----------
    .. [1] The Green Grid, "PUE: A comprehensive examination of the metric",
       White Paper 49, 2012.
    """
    return np.asarray(energy_it_kwh, dtype=np.float64) * np.asarray(pue, dtype=np.float64)
