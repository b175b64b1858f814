"""The text printed by `wattledger equivalents`: each equivalence with its constant, source and
year, and a claim set beside it so that a wrong one is obvious (docs/costs.md)."""

from __future__ import annotations


def _n(value: float) -> str:
    return f"{value:,.1f}" if abs(value) < 1_000 else f"{value:,.0f}"


def render_equivalents(amount: str, kind: str, quantity: float, found: list, claim=None,
                       factor: float | None = None) -> str:
    """``found``: Equivalence records (wattledger.compute.equivalents); ``claim``/``factor``: a
    parsed claim and how many times its figure the computed one is."""
    what = "energy" if kind == "energy" else "CO2e"
    unit = "kWh" if kind == "energy" else "kgCO2e"
    lines = [f"{amount.strip()} ({what}) = {quantity:,.10g} {unit}"]
    for e in found:
        lines.append(f"  {_n(e.value)} {e.label}")
        lines.append(f"    = {e.quantity:,.10g} {e.quantity_unit} / {e.constant_value:,.6g} {e.constant_unit} "
                     f"({e.constant_name}{', your override' if e.is_override else ''})")
        year = f", {e.vintage_year}" if e.vintage_year else ""
        lines.append(f"    source: {e.source}{year}" + (f" <{e.url}>" if e.url else ""))
    if kind == "energy":
        lines.append("  car-years need CO2e, not energy: give the emissions too (e.g. 552t)")
    else:
        lines.append("  household-years need energy, not CO2e: give the energy too (e.g. 1287MWh)")
    if claim is not None:
        unit_name = "household-years" if claim.kind == "household_years" else "car-years"
        if factor is None:
            lines.append(f"claim {claim.text!r}: {claim.claimed:,.4g} {unit_name}, which this amount ({what}) "
                         "cannot check")
        else:
            verdict = ("matches (within 10 %)" if 0.9 <= factor <= 1.1 else
                       f"is {factor:,.1f}x too SMALL" if factor > 1 else f"is {1 / factor:,.1f}x too LARGE")
            lines.append(f"claim {claim.text!r} = {claim.claimed:,.4g} {unit_name}; the amount is "
                         f"{found[0].value:,.1f} {unit_name}: the claim {verdict}")
    return "\n".join(lines)
