"""`wattledger equivalents AMOUNT`: a published energy or CO2e figure in the report's everyday terms.

The same kernel functions (``wattledger.kernel.equivalences``) and the same constants (the
database's ``constants`` table, overrides included, else the cited defaults of
``wattledger.units``) as the report, so a figure quoted from here matches the report's.
An optional claim (``--check "one US household for 3 years"``) is set beside the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wattledger.kernel.equivalences import car_years, household_years
from wattledger.units import CONSTANTS, G_PER_KG, KG_PER_TONNE, KWH_PER_MWH, W_PER_KW

#: Energy units accepted, in kWh. Case matters: ``mWh`` (milliwatt-hours) is refused, not read as MWh.
ENERGY_KWH: dict[str, float] = {
    "Wh": 1.0 / W_PER_KW, "kWh": 1.0, "KWh": 1.0, "KWH": 1.0, "MWh": KWH_PER_MWH, "MWH": KWH_PER_MWH,
    "GWh": KWH_PER_MWH * 1e3, "GWH": KWH_PER_MWH * 1e3, "TWh": KWH_PER_MWH * 1e6, "TWH": KWH_PER_MWH * 1e6,
}
#: Mass units of CO2e accepted, in kg (``t`` is the metric tonne).
MASS_KG: dict[str, float] = {
    "g": 1.0 / G_PER_KG, "kg": 1.0, "t": KG_PER_TONNE, "tonne": KG_PER_TONNE, "tonnes": KG_PER_TONNE,
    "kt": KG_PER_TONNE * 1e3, "Mt": KG_PER_TONNE * 1e6,
}
_AMOUNT = re.compile(r"^\s*(\d[\d,_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)(?:\s*CO2e?|\s*CO₂e?)?\s*$")
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "twelve": 12, "twenty": 20, "hundred": 100}
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(_WORDS) + r")"
_CLAIM = re.compile(
    rf"^\s*(?:about\s+|roughly\s+|around\s+)?{_NUM}\s+(?:average\s+|typical\s+)?(?:us\s+|american\s+|u\.s\.\s+)?"
    rf"(household|home|house|car|vehicle|passenger car)s?\s*(?:-|for)?\s*(?:{_NUM}\s+)?(year)s?\s*$",
    re.IGNORECASE)


class AmountError(ValueError):
    """An amount or a claim that cannot be read; the message says what is accepted."""


@dataclass(frozen=True)
class Equivalence:
    name: str  # household_years | car_years
    label: str
    value: float  # [unit]
    unit: str
    quantity: float  # the input in the constant's unit (kWh or kgCO2e)
    quantity_unit: str
    constant_name: str
    constant_value: float
    constant_unit: str
    source: str
    vintage_year: int | None
    url: str | None
    is_override: bool


@dataclass(frozen=True)
class Claim:
    text: str
    kind: str  # household_years | car_years
    claimed: float  # [household-year | vehicle-year]


def parse_amount(text: str) -> tuple[str, float, str]:
    """``1287MWh``, ``3.5 GWh``, ``552t``, ``120 kg CO2e`` -> (kind, value in kWh or kgCO2e, unit as given)."""
    m = _AMOUNT.match(text)
    if not m:
        raise AmountError(f"{text!r}: give a number and a unit, e.g. 1287MWh, 3.5GWh, 552t, 120kg "
                          f"(energy: {', '.join(sorted(set(ENERGY_KWH)))}; CO2e: {', '.join(MASS_KG)})")
    number, unit = float(m.group(1).replace(",", "").replace("_", "")), m.group(2)
    if unit in ENERGY_KWH:
        return "energy", number * ENERGY_KWH[unit], unit
    if unit in MASS_KG:
        return "co2e", number * MASS_KG[unit], unit
    hint = " (mWh is a milliwatt-hour; megawatt-hours are MWh)" if unit == "mWh" else ""
    raise AmountError(f"{text!r}: unknown unit {unit!r}{hint}; energy: Wh, kWh, MWh, GWh, TWh; "
                      f"CO2e: {', '.join(MASS_KG)}")


def parse_claim(text: str) -> Claim:
    """``one US household for 3 years`` -> 3 household-years; ``a car for 5 years`` -> 5 car-years."""
    m = _CLAIM.match(text)
    if not m:
        raise AmountError(f"--check {text!r}: write it as N households (or cars) for M years, "
                          "e.g. \"one US household for 3 years\", \"120 households for a year\"")

    def value(word: str | None) -> float:
        return 1.0 if word is None else float(_WORDS.get(word.lower(), word))

    count, what, years = value(m.group(1)), m.group(2).lower(), value(m.group(3))
    kind = "car_years" if what in ("car", "vehicle", "passenger car") else "household_years"
    return Claim(text=text, kind=kind, claimed=count * years)


def equivalents(kind: str, quantity: float, constants: dict[str, dict] | None = None) -> list[Equivalence]:
    """The everyday equivalences of ``quantity`` (kWh for energy, kgCO2e for co2e), with the
    constants used; ``constants``: name -> row of the constants table (else the cited defaults)."""
    rows = constants or {}

    def constant(name: str) -> dict:
        c = CONSTANTS[name]
        default = {"value": c.value, "unit": c.unit, "source": c.source, "vintage_year": c.vintage_year,
                   "url": c.url, "is_override": False}
        return rows.get(name, default)

    if kind == "energy":
        c = constant("us_household_kwh_per_year")
        value = float(household_years(quantity, c["value"]))
        return [Equivalence("household_years", "US household-years of electricity", value, "household-years",
                            quantity, "kWh", "us_household_kwh_per_year", c["value"], c["unit"], c["source"],
                            c["vintage_year"], c["url"], bool(c["is_override"]))]
    c = constant("passenger_vehicle_kg_co2e_per_year")
    value = float(car_years(quantity, c["value"]))
    return [Equivalence("car_years", "passenger-car-years of CO2e (tailpipe)", value, "car-years", quantity,
                        "kgCO2e", "passenger_vehicle_kg_co2e_per_year", c["value"], c["unit"], c["source"],
                        c["vintage_year"], c["url"], bool(c["is_override"]))]


def claim_factor(claim: Claim, found: list[Equivalence]) -> float | None:
    """How many times the claim's figure the computed one is (None when the claim is of another kind)."""
    for e in found:
        if e.name == claim.kind:
            return e.value / claim.claimed if claim.claimed else None
    return None
