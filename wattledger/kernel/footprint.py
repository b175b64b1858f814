"""A run's footprint (energy, CO2e, electricity cost) with low/high bounds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wattledger.kernel.cost import energy_cost
from wattledger.kernel.emissions import co2e_kg, market_co2e_kg
from wattledger.kernel.energy import facility_energy_kwh, it_energy_kwh


@dataclass(frozen=True)
class FootprintInputs:
    """Per-run inputs, one array element per run; every array has the same length.

    Each factor comes as a central value and a low/high bound; the bounds are set by
    the factor resolution from the factor's basis (a logged power has a narrow band,
    a TDP estimate a wide one). Every bound is >= 0 and low <= central <= high.
    """

    gpu_hours: np.ndarray  # [h]
    power_w: np.ndarray  # [W per device]
    power_low_w: np.ndarray  # [W]
    power_high_w: np.ndarray  # [W]
    pue: np.ndarray  # [-]
    pue_low: np.ndarray  # [-]
    pue_high: np.ndarray  # [-]
    intensity_kg_per_kwh: np.ndarray  # [kgCO2e/kWh]
    intensity_low_kg_per_kwh: np.ndarray  # [kgCO2e/kWh]
    intensity_high_kg_per_kwh: np.ndarray  # [kgCO2e/kWh]
    price_per_kwh: np.ndarray  # [currency/kWh]
    market_covered_share: np.ndarray  # share covered by RECs/PPAs [-]
    market_factor_kg_per_kwh: np.ndarray  # factor of the uncovered share [kgCO2e/kWh]


def footprints(x: FootprintInputs) -> dict[str, np.ndarray]:
    """Energy, location- and market-based CO2e and electricity cost of each run, with bounds.

    Energy [kWh] = gpu_hours x power / 1000 x PUE; CO2e [kg] = energy x intensity;
    market-based CO2e [kg] = energy x (1 - covered share) x market factor;
    cost [currency] = energy x price. The low (high) bound takes every factor at its
    low (high) bound: the factors are positive, so the result is monotone in each.

    Returns
    -------
    dict of numpy.ndarray
        ``energy_it_kwh``, ``energy_kwh``, ``co2e_kg``, ``co2e_market_kg``, ``energy_cost``,
        each with ``_low`` and ``_high`` variants. [kWh, kgCO2e, currency]
    """
    out: dict[str, np.ndarray] = {}
    for suffix, power, pue, intensity in (
        ("", x.power_w, x.pue, x.intensity_kg_per_kwh),
        ("_low", x.power_low_w, x.pue_low, x.intensity_low_kg_per_kwh),
        ("_high", x.power_high_w, x.pue_high, x.intensity_high_kg_per_kwh),
    ):
        it = it_energy_kwh(x.gpu_hours, power)
        facility = facility_energy_kwh(it, pue)
        out["energy_it_kwh" + suffix] = it
        out["energy_kwh" + suffix] = facility
        out["co2e_kg" + suffix] = co2e_kg(facility, intensity)
        out["co2e_market_kg" + suffix] = market_co2e_kg(facility, x.market_covered_share, x.market_factor_kg_per_kwh)
        out["energy_cost" + suffix] = energy_cost(facility, x.price_per_kwh)
    return out
