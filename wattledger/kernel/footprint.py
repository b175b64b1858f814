"""A run's footprint (energy, CO2e, electricity cost, water) with low/high bounds."""

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


#: Runs per slice: the arrays a slice's formulas write and read again stay in the CPU cache
#: while all formulas run over it, so memory sees each input read once and each output written
#: once. 32k runs: 256 KiB per array, the fastest of 8k-64k measured on the 2-core machine
#: (benchmarks/bench_kernel.py; larger slices cost less Python per run). [runs]
SLICE_RUNS = 1 << 15
SUFFIXES = ("", "_low", "_high")
OUTPUTS = tuple(
    name + suffix
    for suffix in SUFFIXES
    for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost", "energy_gpu_kwh",
                 "water_onsite_l", "water_offsite_l", "water_l")
)
#: The inputs of each bound, in SUFFIXES order.
_POWER = ("power_w", "power_low_w", "power_high_w")
_PUE = ("pue", "pue_low", "pue_high")
_INTENSITY = ("intensity_kg_per_kwh", "intensity_low_kg_per_kwh", "intensity_high_kg_per_kwh")
_MARKET = ("market_factor_kg_per_kwh", "market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh")
_CPU = ("cpu_kwh", "cpu_low_kwh", "cpu_high_kwh")
_RAM = ("ram_kwh", "ram_low_kwh", "ram_high_kwh")
_WUE = ("wue_l_per_kwh", "wue_low_l_per_kwh", "wue_high_l_per_kwh")
_WATER_INTENSITY = ("water_intensity_l_per_kwh", "water_intensity_low_l_per_kwh", "water_intensity_high_l_per_kwh")


@dataclass(frozen=True)
class _Bound:
    """What one bound (central, low or high) computes: its inputs (None: absent) and its
    outputs' names, with the outputs an absent input fixes (no per-run work for them)."""

    suffix: str
    power: np.ndarray
    pue: np.ndarray
    intensity: np.ndarray
    market: np.ndarray
    parts: tuple[np.ndarray, ...]  # the CPU and memory parts given
    wue: np.ndarray | None
    water_intensity: np.ndarray | None

    @property
    def gpu_is_it(self) -> bool:
        """No CPU or memory part: IT energy is the GPU part (one array for both)."""
        return not self.parts

    def computed(self) -> tuple[str, ...]:
        """The outputs of this bound computed per run (the others follow from absent inputs)."""
        return _written(self.suffix, bool(self.parts), self.wue is not None, self.water_intensity is not None)


def _written(suffix: str, parts: bool, wue: bool, water_intensity: bool) -> tuple[str, ...]:
    """The outputs of one bound computed per run, given which optional inputs it has."""
    names = ["energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost"]
    names += ["energy_gpu_kwh"] if parts else []
    names += ["water_onsite_l"] if wue else []
    names += ["water_offsite_l"] if water_intensity else []
    names += ["water_l"] if wue and water_intensity else []
    return tuple(name + suffix for name in names)


def _float64(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64)


def _bounds(x: FootprintInputs) -> list[_Bound]:
    def opt(name: str) -> np.ndarray | None:
        value = getattr(x, name)
        return None if value is None else _float64(value)

    bounds = []
    for i, suffix in enumerate(SUFFIXES):
        market = opt(_MARKET[i])
        bounds.append(_Bound(
            suffix=suffix, power=_float64(getattr(x, _POWER[i])), pue=_float64(getattr(x, _PUE[i])),
            intensity=_float64(getattr(x, _INTENSITY[i])),
            market=_float64(x.market_factor_kg_per_kwh) if market is None else market,
            parts=tuple(p for p in (opt(_CPU[i]), opt(_RAM[i])) if p is not None),
            wue=opt(_WUE[i]), water_intensity=opt(_WATER_INTENSITY[i]),
        ))
    return bounds


def written_outputs(x: FootprintInputs) -> tuple[str, ...]:
    """The outputs ``footprints(x)`` computes per run, i.e. the arrays its ``out`` must hold.

    The others are fixed by absent inputs: with no CPU and no memory part, ``energy_gpu_kwh``
    is ``energy_it_kwh`` (the same array); with no WUE (water intensity), the on-site
    (off-site) water and the total are NaN (one shared read-only array)."""
    given = lambda names, i: getattr(x, names[i]) is not None  # noqa: E731
    return tuple(name for i, suffix in enumerate(SUFFIXES)
                 for name in _written(suffix, given(_CPU, i) or given(_RAM, i), given(_WUE, i), given(_WATER_INTENSITY, i)))


def _fill_slice(gpu_hours, share, price, bounds, out, sl: slice, signed_zero: list) -> None:
    """The formulas of it_energy_kwh, facility_energy_kwh, co2e_kg, market_co2e_kg and
    energy_cost, operation for operation (so bit for bit), over the runs ``sl``, written into
    ``out`` (a list per bound of the arrays computed(), in that order)."""
    hours = gpu_hours[sl]
    uncovered = np.subtract(1.0, share[sl])
    price = price[sl]
    scratch = np.empty_like(hours)
    for b, arrays in zip(bounds, out):
        it, facility, co2e, market, cost, *rest = (a[sl] for a in arrays)
        gpu = it if b.gpu_is_it else rest.pop(0)
        np.multiply(hours, b.power[sl], out=gpu)
        np.divide(gpu, W_PER_KW, out=gpu)
        if b.parts:
            np.add(gpu, b.parts[0][sl], out=it)
            if len(b.parts) == 2:
                np.add(it, b.parts[1][sl], out=it)
        if len(b.parts) < 2 and np.fmin.reduce(it) <= 0.0:
            # An absent part counts 0.0 (IT energy = GPU + CPU + memory, 0.0 for the absent): x + 0.0 is x
            # bit for bit except -0.0 -> +0.0, so a slice that may hold -0.0 gets its + 0.0 (rare: 0 or < 0 inputs).
            if b.gpu_is_it:
                signed_zero.append(b.suffix)  # energy_gpu_kwh keeps its sign: recomputed apart
            np.add(it, 0.0, out=it)
        np.multiply(it, b.pue[sl], out=facility)
        if b.wue is not None:
            onsite = rest.pop(0)
            np.multiply(it, b.wue[sl], out=onsite)  # the site's cooling water follows IT energy (WUE's definition)
        if b.water_intensity is not None:
            offsite = rest.pop(0)
            np.multiply(facility, b.water_intensity[sl], out=offsite)  # the grid supplies the facility's energy
        if rest:
            np.add(onsite, offsite, out=rest.pop(0))
        np.multiply(facility, b.intensity[sl], out=co2e)
        np.multiply(facility, uncovered, out=scratch)
        np.multiply(scratch, b.market[sl], out=market)
        np.multiply(facility, price, out=cost)


def footprints(x: FootprintInputs, *, threads: int = 1, out: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Energy, location- and market-based CO2e, electricity cost and water of each run, with bounds.

    Energy [kWh] = (gpu_hours x power / 1000 + CPU part + memory part) x PUE; CO2e [kg] = energy x intensity;
    water [L] = IT energy x WUE (on site) + energy x water intensity (off site);
    market-based CO2e [kg] = energy x (1 - covered share) x market factor;
    cost [currency] = energy x price. The low (high) bound takes every factor at its
    low (high) bound: the factors are positive, so the result is monotone in each.

    The formulas run over slices of SLICE_RUNS runs (cache-sized), on ``threads``
    threads (numpy releases the GIL); every element is computed exactly as it would be
    over the whole arrays at once, so the result does not depend on slicing or threads.
    An absent optional input costs nothing per run (see :func:`written_outputs`): with no
    CPU and memory part, ``energy_gpu_kwh`` is the ``energy_it_kwh`` array itself; with no
    water inputs, the water outputs are one shared read-only array of NaN.

    ``out``: arrays to write into, one per name of ``written_outputs(x)``, each of the runs'
    length (e.g. reused between batches); by default the rows of one new block (so one output
    kept alone keeps the block alive).

    Returns
    -------
    dict of numpy.ndarray
        ``energy_it_kwh``, ``energy_kwh``, ``co2e_kg``, ``co2e_market_kg``, ``energy_cost``,
        ``energy_gpu_kwh``, ``water_onsite_l``, ``water_offsite_l``, ``water_l``, each with ``_low``
        and ``_high`` variants (the names of OUTPUTS, in that order). [kWh, kgCO2e, currency, L]
    """
    gpu_hours = _float64(x.gpu_hours)
    n = gpu_hours.size
    for f in fields(x):
        value = getattr(x, f.name)
        if value is not None and np.shape(value) != (n,):
            raise ValueError(f"{f.name} has shape {np.shape(value)}, gpu_hours ({n},): one value per run")
    bounds = _bounds(x)
    names = [name for b in bounds for name in b.computed()]
    if out is None:
        # The rows of one block: a first touch of a large block costs a few huge pages where the OS
        # gives them (numpy asks for them), of separate arrays one page fault per 4 KiB (measured,
        # 24 outputs of 100k runs allocated and written: 12.8 ms as arrays, 0.7 ms as one block).
        out = dict(zip(names, np.empty((len(names), n))))
    elif set(out) != set(names) or any(a.shape != (n,) or a.dtype != np.float64 for a in out.values()):
        raise ValueError(f"out must hold float64 arrays of length {n} named {', '.join(names)} (written_outputs)")
    arrays = [[out[name] for name in b.computed()] for b in bounds]
    share, price = _float64(x.market_covered_share), _float64(x.price_per_kwh)
    signed_zero: list[str] = []

    def fill(i: int) -> None:
        _fill_slice(gpu_hours, share, price, bounds, arrays, slice(i, min(i + SLICE_RUNS, n)), signed_zero)

    starts = range(0, n, SLICE_RUNS)
    if threads > 1 and n > SLICE_RUNS:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(fill, starts))
    else:
        for i in starts:
            fill(i)
    result = dict(out)
    nan = np.broadcast_to(np.float64(np.nan), (n,))
    for b in bounds:
        s = b.suffix
        if b.gpu_is_it:
            # the GPU part with its own sign of zero where IT energy took + 0.0 (see _fill_slice)
            result["energy_gpu_kwh" + s] = (np.multiply(gpu_hours, b.power) / W_PER_KW if s in signed_zero
                                            else result["energy_it_kwh" + s])
        for name in ("water_onsite_l", "water_offsite_l", "water_l"):
            result.setdefault(name + s, nan)
    return {name: result[name] for name in OUTPUTS}
