"""The report's tables of runs: by dimension, top runs, basis, waste, trackers — each column of
energy or CO2e in the unit its figures need (scale.py), named in its header."""

from __future__ import annotations

import polars as pl

from wattledger.report import markdown as md
from wattledger.report.scale import ENERGY_UNITS, MASS_UNITS, unit_for


def _scaled(values: list[float | None], units, base: float) -> tuple[str, list[str]]:
    """(unit, cells): ``values`` in ``base`` units of ``units`` (1 kWh, 1 kg), in the unit of the largest."""
    unit, size = unit_for([None if v is None else v * base for v in values], units)
    return unit, [md.sig(None if v is None else v * base / size) for v in values]


#: (unit, size in years) for the equivalence columns: years, else days, else hours.
SPANS: tuple[tuple[str, float], ...] = (("hours", 1 / 8766), ("days", 1 / 365.25), ("years", 1.0))


def _years(values: list[float | None], noun: str) -> tuple[str, list[str]]:
    """(header, cells): household- or car-years, in days or hours when the largest is under one."""
    unit, size = unit_for(values, SPANS)
    return f"{noun}-{unit}", [md.sig(None if v is None else v / size) for v in values]


DIMENSION_NAMES = {"gpu_model": "GPU model", "source_format": "Source format"}


def breakdown_table(breakdown: pl.DataFrame, dimension: str, canonical: dict[str, str] | None = None) -> str:
    """One row per key of ``dimension``; with ``canonical`` (logged name -> model), keys are
    grouped by their canonical name and the names logged are listed beside it."""
    rows = breakdown.filter(pl.col("dimension") == dimension)
    if rows.height == 0:
        return "_No runs._"
    logged_as = canonical is not None
    if logged_as:
        rows = rows.with_columns(pl.col("key").alias("logged"),
                                 pl.col("key").replace_strict(canonical, default=pl.col("key"), return_dtype=pl.String)
                                 .alias("key"))
    per_key = (
        rows.group_by("key", maintain_order=True)
        .agg(
            *([pl.col("logged").drop_nulls().unique().sort().alias("logged")] if logged_as else []),
            pl.col("runs").sum(), pl.col("gpu_hours").sum(), pl.col("energy_mwh").sum(), pl.col("co2e_t").sum(),
            pl.col("co2e_t_low").sum(), pl.col("co2e_t_high").sum(), pl.col("co2e_market_t").sum(),
            pl.struct("currency", "energy_cost").alias("costs"), pl.col("household_years").sum(), pl.col("car_years").sum(),
        )
        .sort("co2e_t", descending=True)
    )
    e_unit, energy = _scaled(per_key["energy_mwh"].to_list(), ENERGY_UNITS, 1e3)
    m_unit, size = unit_for([v * 1e3 for v in per_key["co2e_t_high"].to_list()], MASS_UNITS)
    per_t = 1e3 / size
    homes_head, homes = _years(per_key["household_years"].to_list(), "Household")
    cars_head, cars = _years(per_key["car_years"].to_list(), "Car")
    body = [
        [
            md.text(r["key"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0), energy[i], md.sig(r["co2e_t"] * per_t),
            md.bounds(r["co2e_t_low"] * per_t, r["co2e_t_high"] * per_t), md.sig(r["co2e_market_t"] * per_t),
            "; ".join(f"{md.num(c['energy_cost'], 0)} {md.text(c['currency'])}" for c in r["costs"]),
            homes[i], cars[i],
        ]
        + ([", ".join(md.text(n) for n in r["logged"]) or "—"] if logged_as else [])
        for i, r in enumerate(per_key.iter_rows(named=True))
    ]
    headers = [DIMENSION_NAMES.get(dimension, dimension.replace("_", " ").capitalize()), "Runs", "GPU-h", e_unit,
               f"{m_unit} CO2e (location)", "bounds", f"{m_unit} CO2e (market)", "Electricity cost", homes_head,
               cars_head] + (["Logged as"] if logged_as else [])
    return md.table(headers, body, "lrrrrrrrrr" + ("l" if logged_as else ""))


def top_runs_table(top_runs: pl.DataFrame) -> str:
    if top_runs.height == 0:
        return "_No runs._"
    e_unit, energy = _scaled(top_runs["energy_mwh"].to_list(), ENERGY_UNITS, 1e3)
    m_unit, co2e = _scaled(top_runs["co2e_t"].to_list(), MASS_UNITS, 1e3)
    body = [
        [md.text(r["run_id"]), md.text(r["name"]), md.text(r["team"]), md.text(r["gpu_model"]), md.num(r["gpu_hours"], 0),
         energy[i], co2e[i], f"{md.num(r['energy_cost'], 0)} {md.text(r['currency'])}", md.text(r["power_basis"]),
         md.text(r["intensity_basis"])]
        for i, r in enumerate(top_runs.iter_rows(named=True))
    ]
    headers = ["Run", "Name", "Team", "GPU", "GPU-h", e_unit, f"{m_unit} CO2e", "Electricity cost", "Power basis",
               "Intensity basis"]
    return md.table(headers, body, "llllrrrrll")


def basis_table(basis: pl.DataFrame, factor: str, with_source: bool = False) -> str:
    rows = basis.filter(pl.col("factor") == factor)
    if rows.height == 0:
        return "_No runs._"
    e_unit, energy = _scaled(rows["energy_kwh"].to_list(), ENERGY_UNITS, 1.0)
    headers = ["Basis"] + (["Source", "Year"] if with_source else []) + ["Runs", f"Energy ({e_unit})", "Share of energy"]
    body = [
        [md.text(r["basis"])]
        + ([md.text(r["source"]), str(r["year"] or "—")] if with_source else [])
        + [f"{r['runs']:,}", energy[i], md.pct(r["energy_share"])]
        for i, r in enumerate(rows.iter_rows(named=True))
    ]
    return md.table(headers, body, "l" + ("ll" if with_source else "") + "rrr")


def waste_table(waste: pl.DataFrame) -> str:
    if waste.height == 0:
        return "No run of the period ended FAILED, CANCELLED, TIMEOUT or OUT_OF_MEMORY (or none has a job state)."
    e_unit, energy = _scaled(waste["energy_mwh"].to_list(), ENERGY_UNITS, 1e3)
    m_unit, size = unit_for([v * 1e3 for v in waste["co2e_t"].to_list()], MASS_UNITS)
    body = [
        [md.text(r["job_state"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0), energy[i], md.pct(r["energy_share"]),
         md.sig(r["co2e_t"] * 1e3 / size), md.sig(r["co2e_market_t"] * 1e3 / size)]
        for i, r in enumerate(waste.iter_rows(named=True))
    ]
    return ("Jobs that did not complete, from the scheduler's final state (Slurm sacct):\n\n"
            + md.table(["Final state", "Runs", "GPU-h", e_unit, "Share of energy", f"{m_unit} CO2e (location)",
                        f"{m_unit} CO2e (market)"], body, "lrrrrrr"))


def trackers_table(trackers: pl.DataFrame) -> str:
    if trackers.height == 0:
        return ""
    m_unit, size = unit_for([v * 1e3 for v in [*trackers["tracker_co2e_t"].to_list(), *trackers["co2e_t"].to_list()]
                             if v is not None], MASS_UNITS)
    body = [
        [md.text(r["source_format"]), f"{r['runs']:,}", md.sig(None if r["tracker_co2e_t"] is None else r["tracker_co2e_t"] * 1e3 / size),
         md.sig(r["co2e_t"] * 1e3 / size), md.sig(r["co2e_market_t"] * 1e3 / size)]
        for r in trackers.iter_rows(named=True)
    ]
    return ("Runs measured by a tracker carry its own emissions figure; wattledger recomputes CO2e from the "
            "measured energy with its own factors:\n\n"
            + md.table(["Source", "Runs", f"{m_unit} CO2e (tracker's own)", f"{m_unit} CO2e (wattledger, location)",
                        f"{m_unit} CO2e (wattledger, market)"], body, "lrrrr"))


def top_runs_rows(top_runs: pl.DataFrame) -> list[dict[str, str]]:
    """The top runs as rows for a table artifact (the Prefect UI): the columns a reader needs,
    CO2e first after the run, numbers rounded, each column's unit in its name, scaled to the
    figures (kWh or MWh, kg or t)."""
    if top_runs.height == 0:
        return []
    e_unit, energy = _scaled(top_runs["energy_mwh"].to_list(), ENERGY_UNITS, 1e3)
    m_unit, co2e = _scaled(top_runs["co2e_t"].to_list(), MASS_UNITS, 1e3)
    return [
        {"run": r["run_id"], f"CO2e ({m_unit})": co2e[i], f"energy ({e_unit})": energy[i], "team": r["team"] or "",
         "GPU": (f"{r['gpu_count']} × " if r["gpu_count"] else "") + (r["gpu_model"] or "—"), "GPU-hours": md.num(r["gpu_hours"], 0),
         "electricity cost": f"{md.num(r['energy_cost'], 0)} {r['currency'] or ''}".strip(),
         "power basis": r["power_basis"] or ""}
        for i, r in enumerate(top_runs.iter_rows(named=True))
    ]
