"""The report's opening: its header (version, factor set, data cut-off, time written), the
executive summary (the key figures, against the previous period of the same length) and the
boundary statement (what is in, what is out)."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

import polars as pl

from wattledger.report import markdown as md
from wattledger.report.scale import energy, energy_bounds, mass, mass_bounds

#: Items a boundary line names before "and N more".
LISTED = 8


def wattledger_version() -> str:
    try:
        return version("wattledger")
    except PackageNotFoundError:
        return "unknown"


def _when(t: datetime | None, fmt: str = "%Y-%m-%d %H:%M UTC") -> str:
    return "—" if t is None else t.strftime(fmt)


def header_lines(header: dict, *, db_label: str, generated_at: datetime, factor_set: str | None) -> str:
    """The line under the title: what wrote the report, from what, as of when."""
    sets = header.get("factor_sets") or "—"
    current = f" (current: {factor_set})" if factor_set and factor_set != sets else ""
    return (f"wattledger {md.text(wattledger_version())} · factor set {md.text(sets)}{current} · "
            f"data cut-off {_when(header.get('last_ingested_at'))} (last file ingested; latest run end "
            f"{_when(header.get('last_run_ended_at'), '%Y-%m-%d')}) · generated {_when(generated_at)} · "
            f"database `{md.text(db_label)}`")


#: Below this many household- or car-years, the equivalence is told as a span of one home's or
#: one car's year (days, hours, minutes) rather than as a fraction of homes.
WHOLE = 1.0
_DAYS_PER_YEAR = 365.25


def _span(years: float) -> str:
    """A fraction of a year as days, hours or minutes (2 significant figures)."""
    days = years * _DAYS_PER_YEAR
    if days >= 1:
        return f"{md.sig(days, 2)} day{'s' * (days != 1)}"
    if days * 24 >= 1:
        return f"{md.sig(days * 24, 2)} hours"
    return f"{md.sig(days * 24 * 60, 2)} minutes"


def equivalence_cell(years: float, unit: str, one: str) -> tuple[str, str]:
    """(value, note) of a totals row: ``years`` of ``unit``, or under one, a span of ``one``'s year."""
    if years >= WHOLE or years == 0:
        return md.sig(years), unit
    return _span(years), f"of {one}'s year"


def equivalence_sentence(household_years: float, car_years: float, eu_household_years: float | None = None) -> str:
    """The energy in US (and EU-27) household-years and the CO2e in car-years, in words that suit their size."""
    homes = (f"what **{md.sig(household_years)} average US homes** use in a year of electricity"
             if household_years >= WHOLE else
             f"what an average US home uses in **{_span(household_years)}** of electricity")
    if eu_household_years is not None:
        homes += (f" ({md.sig(eu_household_years)} average EU homes)" if eu_household_years >= WHOLE
                  else f" ({_span(eu_household_years)} of an average EU home)")
    cars = (f"equal **{md.sig(car_years)} typical passenger cars** driven for a year" if car_years >= WHOLE else
            f"equal **{_span(car_years)}** of a typical passenger car's driving")
    return f"That energy is {homes}, and those emissions {cars}."


def _share_of(basis: pl.DataFrame, factor: str, test) -> float | None:
    rows = basis.filter(pl.col("factor") == factor)
    if rows.height == 0:
        return None
    return float(sum(r["energy_share"] or 0.0 for r in rows.iter_rows(named=True) if test(r["basis"] or "")))


def kpis(totals: dict, basis: pl.DataFrame | None = None) -> dict[str, float | None]:
    """The key figures, as numbers in named units (kWh, kg, shares 0-1)."""
    gpu_h, mwh = totals["gpu_hours"], totals["energy_mwh"]
    out = {
        "energy_kwh": mwh * 1e3,
        "co2e_kg": totals["co2e_t"] * 1e3,
        "co2e_market_kg": totals["co2e_market_t"] * 1e3,
        "kg_co2e_per_gpu_hour": totals["co2e_t"] * 1e3 / gpu_h if gpu_h else None,
        "kg_co2e_per_mwh": totals["co2e_t"] * 1e3 / mwh if mwh else None,
    }
    if basis is not None:
        out["measured_share"] = _share_of(basis, "power", lambda b: b == "measured")
        out["fallback_share"] = _share_of(basis, "intensity", lambda b: b.startswith("default"))
    return out


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return "—"
    if before == 0:
        return "new" if now else "—"
    return f"{(now - before) / before:+.0%}"


def executive_summary(totals: dict, basis: pl.DataFrame, money: str, previous: dict | None,
                      previous_label: str | None) -> str:
    """The key figures as a table; with a previous period, its figures and the change."""
    k = kpis(totals, basis)
    p = kpis(previous) if previous and previous["runs"] else None
    rows = [
        ("Energy (facility, after PUE)", energy(k["energy_kwh"]), "energy_kwh", energy,
         f"bounds {energy_bounds(totals['energy_mwh_low'] * 1e3, totals['energy_mwh_high'] * 1e3)}"),
        ("CO2e, location-based", mass(k["co2e_kg"]), "co2e_kg", mass,
         f"bounds {mass_bounds(totals['co2e_t_low'] * 1e3, totals['co2e_t_high'] * 1e3)}"),
        ("CO2e, market-based", mass(k["co2e_market_kg"]), "co2e_market_kg", mass, "contracts and certificates counted"),
        ("Electricity cost", money, None, None, ""),
        ("CO2e per GPU-hour", f"{md.sig(k['kg_co2e_per_gpu_hour'])} kg", "kg_co2e_per_gpu_hour",
         lambda v: f"{md.sig(v)} kg", f"over {md.sig(totals['gpu_hours'])} GPU-hours"),
        ("Fleet grid intensity, as accounted", f"{md.sig(k['kg_co2e_per_mwh'])} kg CO2e/MWh", "kg_co2e_per_mwh",
         lambda v: f"{md.sig(v)} kg CO2e/MWh", "location-based CO2e over facility energy"),
        ("Energy measured (telemetry, trackers)", md.pct(k.get("measured_share")), None, None,
         "the rest: logged average power or TDP"),
        ("Energy on a fallback grid factor", md.pct(k.get("fallback_share")), None, None,
         "the world average: region unknown or missing"),
    ]
    headers = ["Key figure", "This period"] + ([previous_label or "Previous", "Change"] if p else []) + ["Note"]
    body = []
    for name, value, key, fmt, note in rows:
        prev = [fmt(p[key]) if key and p[key] is not None else "—", _change(k[key], p[key]) if key else "—"] if p else []
        body.append([name, value, *prev, note])
    table = md.table(headers, body, "lr" + ("rr" if p else "") + "l")
    if previous is not None and not previous["runs"]:
        table += f"\n\nNo runs started in {previous_label}, the period before: no change to show."
    return table


def _listed(rows: list[dict], noun: str) -> str:
    named = [r for r in rows if r["item"] is not None]
    unnamed = sum(r["runs"] for r in rows if r["item"] is None)
    names = ", ".join(md.text(r["item"]) for r in named[:LISTED])
    more = f" and {len(named) - LISTED} more" if len(named) > LISTED else ""
    none = f" ({unnamed:,} run{'s' * (unnamed != 1)} without a {noun})" if unnamed else ""
    return f"{len(named)} {noun}{'s' * (len(named) != 1)}: {names or '—'}{more}{none}"


def boundary_statement(boundary: pl.DataFrame, scope_label: str, runs: int, header: dict, stale: dict | None,
                       all_runs: bool) -> str:
    """What the figures include and exclude, in a reader's words."""
    by = {d: boundary.filter(pl.col("dimension") == d).to_dicts() for d in ("datacenter", "team", "source_format")}
    undated = header.get("undated_runs") or 0
    dated = (f"including {undated:,} run{'s' * (undated != 1)} without a start time" if all_runs and undated
             else "runs without a start time are outside any month" if undated or not all_runs else "")
    s = stale or {}
    missing = (s.get("never_computed") or 0) + (s.get("stale") or 0)
    inside = [
        (f"**Runs:** {runs:,} training run{'s' * (runs != 1)} with a footprint, every one in the database"
         if all_runs else f"**Runs:** {runs:,} training run{'s' * (runs != 1)} started in {scope_label}")
        + (f" ({dated})" if dated else "") + ".",
        f"**Teams:** {_listed(by['team'], 'team')}.",
        f"**Sites:** {_listed(by['datacenter'], 'datacenter')}; runs without a datacenter use their region's factors.",
        f"**Inputs:** {_listed(by['source_format'], 'input format')}.",
        "**Counted:** the electricity of each run's GPUs (measured, logged, or estimated from TDP), its CPUs and "
        "memory where known, times the datacenter's PUE for cooling and power losses; the location-based and "
        "market-based CO2e of that electricity (GHG Protocol Scope 2) and its cost.",
        "**Not counted:** the GPUs' embodied emissions (shown on a separate line), idle or unallocated cluster "
        "capacity, networking and storage beyond what PUE covers, data preparation and inference outside the "
        "runs logged, and anything before a run started or after it ended"
        + (f"; {missing:,} run{'s' * (missing != 1)} without a current footprint" if missing else "") + ".",
    ]
    return "\n".join(f"- {line}" for line in inside)
