"""A run's footprint (energy, CO2e, electricity cost) with low/high bounds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields

import numpy as np

from wattledger.units import W_PER_KW


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
    #: bounds of that factor (None: the factor itself); with no instruments, the grid factor's bounds [kgCO2e/kWh]
    market_factor_low_kg_per_kwh: np.ndarray | None = None
    market_factor_high_kg_per_kwh: np.ndarray | None = None
    # energy beyond the GPUs, per run (wattledger.factors.cpu_power); None: 0 (no other part known)
    cpu_kwh: np.ndarray | None = None  # [kWh]
    cpu_low_kwh: np.ndarray | None = None  # [kWh]
    cpu_high_kwh: np.ndarray | None = None  # [kWh]
    ram_kwh: np.ndarray | None = None  # [kWh]
    ram_low_kwh: np.ndarray | None = None  # [kWh]
    ram_high_kwh: np.ndarray | None = None  # [kWh]
    # water (wattledger.factors.water); None: NaN (no water figure)
    wue_l_per_kwh: np.ndarray | None = None  # site water per IT kWh [L/kWh]
    wue_low_l_per_kwh: np.ndarray | None = None  # [L/kWh]
    wue_high_l_per_kwh: np.ndarray | None = None  # [L/kWh]
    water_intensity_l_per_kwh: np.ndarray | None = None  # water consumed per kWh generated [L/kWh]
    water_intensity_low_l_per_kwh: np.ndarray | None = None  # [L/kWh]
    water_intensity_high_l_per_kwh: np.ndarray | None = None  # [L/kWh]


#: Optional inputs and the value an absent one stands for: no CPU or memory part (0 kWh), no water figure (NaN).
_ABSENT = {"cpu_kwh": 0.0, "cpu_low_kwh": 0.0, "cpu_high_kwh": 0.0, "ram_kwh": 0.0, "ram_low_kwh": 0.0, "ram_high_kwh": 0.0,
           "wue_l_per_kwh": np.nan, "wue_low_l_per_kwh": np.nan, "wue_high_l_per_kwh": np.nan,
           "water_intensity_l_per_kwh": np.nan, "water_intensity_low_l_per_kwh": np.nan,
           "water_intensity_high_l_per_kwh": np.nan}


#: Runs per slice: every array of a slice stays in the CPU cache while all formulas run
#: over it (one pass over memory instead of one per operation). [runs]
SLICE_RUNS = 1 << 14
OUTPUTS = tuple(
    name + suffix
    for suffix in ("", "_low", "_high")
    for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost", "energy_gpu_kwh",
                 "water_onsite_l", "water_offsite_l", "water_l")
)


def _fill_slice(x: FootprintInputs, out: dict[str, np.ndarray], sl: slice) -> None:
    """The formulas of it_energy_kwh, facility_energy_kwh, co2e_kg, market_co2e_kg and
    energy_cost, operation for operation (so bit for bit), written into ``out[...][sl]``.
    IT energy is the GPU part plus the CPU and memory parts: with both 0 it is the GPU part,
    bit for bit (x + 0.0 == x for x >= 0)."""
    gpu_hours = x.gpu_hours[sl]
    uncovered = np.subtract(1.0, x.market_covered_share[sl])
    price = x.price_per_kwh[sl]
    scratch = np.empty_like(gpu_hours)
    for suffix, power, pue, intensity, market, cpu, ram, wue, water_intensity in (
        ("", x.power_w, x.pue, x.intensity_kg_per_kwh, x.market_factor_kg_per_kwh, x.cpu_kwh, x.ram_kwh,
         x.wue_l_per_kwh, x.water_intensity_l_per_kwh),
        ("_low", x.power_low_w, x.pue_low, x.intensity_low_kg_per_kwh, x.market_factor_low_kg_per_kwh, x.cpu_low_kwh,
         x.ram_low_kwh, x.wue_low_l_per_kwh, x.water_intensity_low_l_per_kwh),
        ("_high", x.power_high_w, x.pue_high, x.intensity_high_kg_per_kwh, x.market_factor_high_kg_per_kwh,
         x.cpu_high_kwh, x.ram_high_kwh, x.wue_high_l_per_kwh, x.water_intensity_high_l_per_kwh),
    ):
        market_factor = market[sl]
        gpu = out["energy_gpu_kwh" + suffix][sl]
        it = out["energy_it_kwh" + suffix][sl]
        facility = out["energy_kwh" + suffix][sl]
        np.multiply(gpu_hours, power[sl], out=gpu)
        np.divide(gpu, W_PER_KW, out=gpu)
        np.add(gpu, cpu[sl], out=it)
        np.add(it, ram[sl], out=it)
        np.multiply(it, pue[sl], out=facility)
        onsite, offsite = out["water_onsite_l" + suffix][sl], out["water_offsite_l" + suffix][sl]
        np.multiply(it, wue[sl], out=onsite)  # the site's cooling water follows IT energy (WUE's definition)
        np.multiply(facility, water_intensity[sl], out=offsite)  # the grid supplies the facility's energy
        np.add(onsite, offsite, out=out["water_l" + suffix][sl])
        np.multiply(facility, intensity[sl], out=out["co2e_kg" + suffix][sl])
        np.multiply(facility, uncovered, out=scratch)
        np.multiply(scratch, market_factor, out=out["co2e_market_kg" + suffix][sl])
        np.multiply(facility, price, out=out["energy_cost" + suffix][sl])


def footprints(x: FootprintInputs, *, threads: int = 1, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Energy, location- and market-based CO2e and electricity cost of each run, with bounds.

    Energy [kWh] = (gpu_hours x power / 1000 + CPU part + memory part) x PUE; CO2e [kg] = energy x intensity;
    water [L] = IT energy x WUE (on site) + energy x water intensity (off site);
    market-based CO2e [kg] = energy x (1 - covered share) x market factor;
    cost [currency] = energy x price. The low (high) bound takes every factor at its
    low (high) bound: the factors are positive, so the result is monotone in each.

    The formulas run over slices of SLICE_RUNS runs (cache-sized), on ``threads``
    threads (numpy releases the GIL); every element is computed exactly as it would be
    over the whole arrays at once, so the result does not depend on slicing or threads.

    ``out``: arrays to write into (one per name of OUTPUTS, each of the runs' length),
    e.g. reused between batches; new arrays by default.

    Returns
    -------
    dict of numpy.ndarray
        ``energy_it_kwh``, ``energy_kwh``, ``co2e_kg``, ``co2e_market_kg``, ``energy_cost``,
        ``energy_gpu_kwh``, ``water_onsite_l``, ``water_offsite_l``, ``water_l``, each with ``_low``
        and ``_high`` variants. [kWh, kgCO2e, currency, L]
    """
    n = np.asarray(x.gpu_hours).size
    given = {f.name: getattr(x, f.name) for f in fields(x)}
    for bound in ("market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh"):
        if given[bound] is None:
            given[bound] = x.market_factor_kg_per_kwh
    x = FootprintInputs(**{
        name: np.full(n, _ABSENT[name]) if value is None else np.ascontiguousarray(value, dtype=np.float64)
        for name, value in given.items()
    })
    if out is None:
        out = {name: np.empty(n) for name in OUTPUTS}
    elif set(out) != set(OUTPUTS) or any(a.shape != (n,) or a.dtype != np.float64 for a in out.values()):
        raise ValueError(f"out must hold float64 arrays of length {n} named {', '.join(OUTPUTS)}")
    starts = range(0, n, SLICE_RUNS)

    def fill(i: int) -> None:
        _fill_slice(x, out, slice(i, min(i + SLICE_RUNS, n)))

    if threads > 1 and n > SLICE_RUNS:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(fill, starts))
    else:
        for i in starts:
            fill(i)
    return out
