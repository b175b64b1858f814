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


#: Runs per slice: the slice's temporaries stay in the CPU cache while all formulas run over
#: it, so only the inputs and outputs cross memory (once each). 32k runs: 256 KiB per array,
#: the fastest of 8k-64k measured on the 2-core machine (benchmarks/bench_kernel.py). [runs]
SLICE_RUNS = 1 << 15
BOUNDS = ("", "_low", "_high")
OUTPUTS = tuple(
    name + suffix
    for suffix in BOUNDS
    for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost", "energy_gpu_kwh",
                 "water_onsite_l", "water_offsite_l", "water_l")
)
#: The inputs of each bound: (power, PUE, intensity, market factor, CPU part, memory part, WUE, water intensity).
_BOUND_INPUTS = {
    "": ("power_w", "pue", "intensity_kg_per_kwh", "market_factor_kg_per_kwh", "cpu_kwh", "ram_kwh",
         "wue_l_per_kwh", "water_intensity_l_per_kwh"),
    "_low": ("power_low_w", "pue_low", "intensity_low_kg_per_kwh", "market_factor_low_kg_per_kwh", "cpu_low_kwh",
             "ram_low_kwh", "wue_low_l_per_kwh", "water_intensity_low_l_per_kwh"),
    "_high": ("power_high_w", "pue_high", "intensity_high_kg_per_kwh", "market_factor_high_kg_per_kwh", "cpu_high_kwh",
              "ram_high_kwh", "wue_high_l_per_kwh", "water_intensity_high_l_per_kwh"),
}


def written_outputs(x: FootprintInputs) -> tuple[str, ...]:
    """The outputs :func:`footprints` writes into per-run arrays for these inputs (in OUTPUTS
    order); it gives the others without per-run memory of their own:

    - ``energy_gpu_kwh*`` of a bound with no CPU nor memory part is the array of ``energy_it_kwh*``
      (the IT energy is the GPU part: x + 0.0 == x, the sign of a zero apart);
    - ``water_onsite_l*`` without WUE, ``water_offsite_l*`` without water intensity, and
      ``water_l*`` without either, are NaN (no water figure), as one read-only NaN broadcast.
    """
    names = []
    for suffix in BOUNDS:
        _, _, _, _, cpu, ram, wue, water = (getattr(x, name) for name in _BOUND_INPUTS[suffix])
        written = {"energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost"}
        written |= {"energy_gpu_kwh"} if cpu is not None or ram is not None else set()
        written |= {"water_onsite_l"} if wue is not None else set()
        written |= {"water_offsite_l"} if water is not None else set()
        written |= {"water_l"} if wue is not None and water is not None else set()
        names += [name + suffix for name in OUTPUTS[:9] if name in written]
    return tuple(names)


def _fill_slice(plan: list[tuple], shared: tuple[np.ndarray, np.ndarray, np.ndarray], sl: slice) -> None:
    """The formulas of it_energy_kwh, facility_energy_kwh, co2e_kg, market_co2e_kg and
    energy_cost, operation for operation (so bit for bit), over ``sl``. An absent CPU or memory
    part adds the scalar 0.0 (the same operation as adding an array of zeros, with no array
    read); an absent water input leaves its outputs to the caller's NaN."""
    gpu_hours, covered_share, price = (a[sl] for a in shared)
    uncovered = np.subtract(1.0, covered_share)
    for power, pue, intensity, market_factor, cpu, ram, wue, water_intensity, gpu, it, facility, co2e, market, cost, \
            onsite, offsite, water in plan:
        np.multiply(gpu_hours, power[sl], out=gpu[sl])
        np.divide(gpu[sl], W_PER_KW, out=gpu[sl])
        np.add(gpu[sl], 0.0 if cpu is None else cpu[sl], out=it[sl])
        np.add(it[sl], 0.0 if ram is None else ram[sl], out=it[sl])
        np.multiply(it[sl], pue[sl], out=facility[sl])
        if onsite is not None:
            np.multiply(it[sl], wue[sl], out=onsite[sl])  # the site's cooling water follows IT energy (WUE's definition)
        if offsite is not None:
            np.multiply(facility[sl], water_intensity[sl], out=offsite[sl])  # the grid supplies the facility's energy
        if water is not None:
            np.add(onsite[sl], offsite[sl], out=water[sl])
        np.multiply(facility[sl], intensity[sl], out=co2e[sl])
        np.multiply(facility[sl], uncovered, out=market[sl])  # energy x (1 - share), then x factor, as market_co2e_kg
        np.multiply(market[sl], market_factor[sl], out=market[sl])
        np.multiply(facility[sl], price, out=cost[sl])


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
    Absent optional inputs (None) are never expanded to arrays: the kernel moves only the
    inputs given and the outputs of :func:`written_outputs` (memory traffic is its cost).

    ``out``: arrays to write into, exactly one per name of ``written_outputs(x)``, each a
    float64 array of the runs' length (e.g. reused between batches); new arrays by default.

    Returns
    -------
    dict of numpy.ndarray
        ``energy_it_kwh``, ``energy_kwh``, ``co2e_kg``, ``co2e_market_kg``, ``energy_cost``,
        ``energy_gpu_kwh``, ``water_onsite_l``, ``water_offsite_l``, ``water_l``, each with ``_low``
        and ``_high`` variants, in OUTPUTS order: the written arrays, and for the others the
        array they equal or a read-only NaN broadcast (see :func:`written_outputs`). [kWh, kgCO2e, currency, L]
    """
    given = {f.name: getattr(x, f.name) for f in fields(x)}
    for bound in ("market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh"):
        if given[bound] is None:
            given[bound] = x.market_factor_kg_per_kwh
    x = FootprintInputs(**{name: None if value is None else np.asarray(value, dtype=np.float64)
                           for name, value in given.items()})
    n = x.gpu_hours.size
    for name, value in given.items():
        if value is not None and getattr(x, name).shape != (n,):
            raise ValueError(f"{name} has shape {getattr(x, name).shape}, gpu_hours ({n},): one value per run")
    written = written_outputs(x)
    if out is None:
        out = {name: np.empty(n) for name in written}
    elif set(out) != set(written) or any(a.shape != (n,) or a.dtype != np.float64 for a in out.values()):
        raise ValueError(f"out must hold float64 arrays of length {n} named {', '.join(written)}")
    nan = np.broadcast_to(np.float64(np.nan), (n,))
    result = {name: out.get(name, nan) for name in OUTPUTS}
    plan = []
    for suffix in BOUNDS:
        if "energy_gpu_kwh" + suffix not in out:
            result["energy_gpu_kwh" + suffix] = result["energy_it_kwh" + suffix]
        plan.append(tuple(getattr(x, name) for name in _BOUND_INPUTS[suffix]) + tuple(
            result[name + suffix] if name + suffix in out or name == "energy_gpu_kwh" else None
            for name in ("energy_gpu_kwh", "energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost",
                         "water_onsite_l", "water_offsite_l", "water_l")))
    shared = (x.gpu_hours, x.market_covered_share, x.price_per_kwh)
    starts = range(0, n, SLICE_RUNS)

    def fill(i: int) -> None:
        _fill_slice(plan, shared, slice(i, min(i + SLICE_RUNS, n)))

    if threads > 1 and n > SLICE_RUNS:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(fill, starts))
    else:
        for i in starts:
            fill(i)
    return result
