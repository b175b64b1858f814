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


def amortised_price_per_gpu_hour(purchase_price_per_gpu, life_years, utilisation, operations_cost_per_gpu_year,
                                 hours_per_year):
    """Straight-line cost of owning a GPU, per GPU-hour of use.

    rate = purchase / (life x hours_per_year x utilisation) + operations / (hours_per_year x utilisation):
    the purchase price is spread evenly over the hours the GPU is expected to be busy in its
    life (no residual value, no financing cost), and the yearly operations cost over the busy
    hours of a year.

    Parameters
    ----------
    purchase_price_per_gpu : array_like
        Purchase price of one GPU with its share of the server. [currency]
    life_years : array_like
        Depreciation life, > 0. [year]
    utilisation : array_like
        Expected share of the hours the GPU is busy, in (0, 1]. [-]
    operations_cost_per_gpu_year : array_like
        Yearly operations cost of one GPU's share (support, space, staff), excluding
        electricity, which is counted as energy cost. [currency/year]
    hours_per_year : float
        Hours in a year (8760). [h/year]

    Returns
    -------
    numpy.ndarray
        Amortised price. [currency/GPU-hour]
    """
    busy_hours_per_year = np.asarray(hours_per_year, dtype=np.float64) * np.asarray(utilisation, dtype=np.float64)
    capital = np.asarray(purchase_price_per_gpu, dtype=np.float64) / (np.asarray(life_years, dtype=np.float64) * busy_hours_per_year)
    return capital + np.asarray(operations_cost_per_gpu_year, dtype=np.float64) / busy_hours_per_year


def compute_cost(gpu_hours, price_per_gpu_hour):
    """Cost of the compute of a run: GPU-hours x price per GPU-hour.

    Parameters
    ----------
    gpu_hours : array_like
        Device-hours. [h]
    price_per_gpu_hour : array_like
        Rental, amortised or explicit price; NaN where none is known. [currency/GPU-hour]

    Returns
    -------
    numpy.ndarray
        Cost, NaN where the price is NaN. [currency]
    """
    return np.asarray(gpu_hours, dtype=np.float64) * np.asarray(price_per_gpu_hour, dtype=np.float64)


def total_cost(compute_amount, energy_amount, energy_in_compute, same_currency):
    """Cost of a run as a budget owner sees it.

    Where the compute price already pays for the electricity (a cloud rental, an all-in
    explicit rate), the total is the compute cost: the electricity is inside it and is not
    added twice. Otherwise (owned hardware) total = compute + electricity, when both are
    in one currency; amounts in two currencies are never added (NaN).

    Parameters
    ----------
    compute_amount : array_like
        Compute cost. [currency of the compute price], NaN when unpriced
    energy_amount : array_like
        Electricity cost. [currency of the electricity price]
    energy_in_compute : array_like of bool
        The compute price includes electricity.
    same_currency : array_like of bool
        The two amounts are in one currency.

    Returns
    -------
    numpy.ndarray
        [currency of the compute price], NaN when it cannot be stated.
    """
    compute = np.asarray(compute_amount, dtype=np.float64)
    energy = np.asarray(energy_amount, dtype=np.float64)
    added = np.where(np.asarray(same_currency, dtype=bool), compute + energy, np.nan)
    return np.where(np.asarray(energy_in_compute, dtype=bool), compute, added)


def energy_cost_share(energy_amount, total_amount, same_currency):
    """Share of a run's total cost that is electricity (embedded in a rental, or added).

    Returns
    -------
    numpy.ndarray
        energy / total in [0, 1] for a rental whose embedded electricity estimate does not
        exceed the rental; NaN when the total is unknown or zero, or the currencies differ. [-]
    """
    energy = np.asarray(energy_amount, dtype=np.float64)
    total = np.asarray(total_amount, dtype=np.float64)
    ok = np.asarray(same_currency, dtype=bool) & np.isfinite(total) & (total > 0)
    out = np.full(np.broadcast(energy, total).shape, np.nan)
    with np.errstate(over="ignore"):  # a subnormal total: the share is inf, not a warning
        np.divide(energy, total, out=out, where=ok)
    return out
