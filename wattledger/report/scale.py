"""Units scaled to the figures: Wh, kWh, MWh or GWh; g, kg or t — chosen per figure or per
table column, so that a tracker run reads "43 Wh", not "0.0000000431 MWh".

Only renderers call these (calculation functions return numbers in their named unit)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from wattledger.report import markdown as md

#: (unit, size in kWh), smallest first.
ENERGY_UNITS: tuple[tuple[str, float], ...] = (("Wh", 1e-3), ("kWh", 1.0), ("MWh", 1e3), ("GWh", 1e6))
#: (unit, size in kg), smallest first.
MASS_UNITS: tuple[tuple[str, float], ...] = (("g", 1e-3), ("kg", 1.0), ("t", 1e3))


def unit_for(values: float | Iterable[float | None], units: tuple[tuple[str, float], ...]) -> tuple[str, float]:
    """The largest unit in which the largest of ``values`` is at least 1 (the smallest unit for
    zero or nothing): (unit, size)."""
    vals = [values] if isinstance(values, int | float) else list(values)
    top = max((abs(v) for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))), default=0.0)
    chosen = units[0]
    for unit in units:
        if top >= unit[1]:
            chosen = unit
    return chosen


def energy(kwh: float | None, figures: int = 3) -> str:
    """``kwh`` in the unit that suits it: "433 MWh", "43.1 Wh"."""
    if kwh is None:
        return "—"
    unit, size = unit_for(kwh, ENERGY_UNITS)
    return f"{md.sig(kwh / size, figures)} {unit}"


def mass(kg: float | None, figures: int = 3) -> str:
    """``kg`` of CO2e in the unit that suits it: "24.7 t", "310 g"."""
    if kg is None:
        return "—"
    unit, size = unit_for(kg, MASS_UNITS)
    return f"{md.sig(kg / size, figures)} {unit}"


def energy_bounds(low_kwh: float, high_kwh: float) -> str:
    unit, size = unit_for(high_kwh, ENERGY_UNITS)
    return f"{md.bounds(low_kwh / size, high_kwh / size)} {unit}"


def mass_bounds(low_kg: float, high_kg: float) -> str:
    unit, size = unit_for(high_kg, MASS_UNITS)
    return f"{md.bounds(low_kg / size, high_kg / size)} {unit}"
