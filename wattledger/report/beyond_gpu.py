"""Report sections beyond the GPUs: IT energy split into GPU, CPU and memory parts, and water."""

from __future__ import annotations

import polars as pl

from wattledger.report import markdown as md
from wattledger.report.scale import ENERGY_UNITS, energy, unit_for

PART_NAMES = {"gpu": "GPUs", "cpu": "CPUs", "ram": "Memory"}
#: Bases under which a part carries no energy of its own (it is unknown, or inside another part).
NO_ENERGY_BASES = ("unknown", "in_measured_it", "included_in_cpu")


def _share(share: float | None) -> str:
    """A share as a percentage to 2 significant figures (0.048 %, 27 %), so a small share is not shown as 0.0 %."""
    return "—" if share is None else f"{md.sig(100 * share, 2)} %"


def _part_totals(split: pl.DataFrame) -> dict[str, dict]:
    return {
        r["part"]: r
        for r in split.group_by("part").agg(
            pl.col("energy_kwh").sum(), pl.col("energy_kwh_low").sum(), pl.col("energy_kwh_high").sum(),
            pl.col("it_share").sum(), pl.col("runs").filter(~pl.col("basis").is_in(NO_ENERGY_BASES)).sum().alias("known_runs"),
        ).iter_rows(named=True)
    }


def energy_split_section(split: pl.DataFrame, runs: int) -> str:
    """IT energy by part with bounds and share, "energy outside GPUs", and the basis of each part."""
    if split.height == 0 or runs == 0:
        return "_No runs._"
    parts = _part_totals(split)
    unit, size = unit_for([p["energy_kwh_high"] for p in parts.values()], ENERGY_UNITS)  # kWh per unit
    rows = []
    for key, name in PART_NAMES.items():
        p = parts.get(key)
        if p is None:
            continue
        rows.append([name, md.sig(p["energy_kwh"] / size, 4), md.bounds(p["energy_kwh_low"] / size, p["energy_kwh_high"] / size),
                     _share(p["it_share"]), f"{p['known_runs']:,} of {runs:,}"])
    outside = sum(parts[k]["energy_kwh"] for k in ("cpu", "ram") if k in parts)
    outside_share = sum(parts[k]["it_share"] or 0.0 for k in ("cpu", "ram") if k in parts)
    unknown_cpu = split.filter((pl.col("part") == "cpu") & (pl.col("basis") == "unknown"))["runs"].sum()
    known = split.filter((pl.col("part") == "cpu") & ~pl.col("basis").is_in(NO_ENERGY_BASES))
    text = (
        f"**Energy outside GPUs: {energy(outside)}, {_share(outside_share)} of IT energy** (CPUs and memory "
        "of the runs that say what they used; before PUE). Data preparation, tokenisation and evaluation on CPUs are "
        "part of a model's cost, and so are the host CPUs and memory of GPU nodes."
    )
    if unknown_cpu:
        text += (f" {unknown_cpu:,} run{'s' * (unknown_cpu != 1)} give no cores, CPU power or measured CPU energy: "
                 "their CPU part is unknown (not counted), so this share is a lower bound.")
        if known.height and known["it_kwh"].sum() > 0:
            share = (known["it_kwh"].sum() - known["gpu_kwh"].sum()) / known["it_kwh"].sum()
            text += (f" Among the {known['runs'].sum():,} runs whose CPU part is known, **{_share(share)} of IT energy "
                     "is outside the GPUs**.")
    b_unit, b_size = unit_for(split["energy_kwh"].to_list(), ENERGY_UNITS)
    basis_rows = [
        [PART_NAMES[r["part"]], md.text(r["basis"]), f"{r['runs']:,}", md.sig(r["energy_kwh"] / b_size), _share(r["it_share"])]
        for r in split.iter_rows(named=True)
    ]
    return "\n\n".join([
        text,
        md.table(["Part", f"IT energy ({unit})", f"Bounds ({unit})", "Share of IT energy", "Runs with a figure"], rows, "lrrrr"),
        "Basis of each part (`energy_cpu_basis`, `energy_ram_basis`; the GPU part's is `power_basis`):",
        md.table(["Part", "Basis", "Runs", b_unit, "Share of IT energy"], basis_rows, "llrrr"),
    ])


def _household_water_text(constants: pl.DataFrame) -> str:
    row = constants.filter(pl.col("name") == "us_household_water_l_per_day")
    if row.height == 0:
        return "household-days of home water use"
    r = row.row(0, named=True)
    return f"days of an average US family's home water use ({md.sig(r['value'], 4)} L a day; {md.text(r['source'])})"


def water_section(water: pl.DataFrame, constants: pl.DataFrame, runs: int) -> str:
    """Water on and off site with bounds, a household equivalent, the bases, and the trackers' own figures."""
    if runs == 0:
        return "_No runs._"
    if water.height == 0:
        return "_No runs with a water figure (footprints computed before water was added: run `wattledger compute --all`)._"
    s = water.select(pl.exclude("wue_basis", "water_intensity_basis").sum()).row(0, named=True)
    text = (
        f"The runs consumed **{md.sig(s['water_l'])} L of water** (bounds {md.bounds(s['water_l_low'], s['water_l_high'])} L): "
        f"{md.sig(s['water_onsite_l'])} L on site, evaporated cooling the datacenters (IT energy × WUE), and "
        f"{md.sig(s['water_offsite_l'])} L off site, consumed by the power plants that generated the electricity "
        f"(facility energy × the water consumed per kWh of the country's generation mix). That is "
        f"**{md.sig(s['household_water_days'])} {_household_water_text(constants)}**."
    )
    rows = [
        [md.text(r["wue_basis"]), md.text(r["water_intensity_basis"]), f"{r['runs']:,}", md.sig(r["water_onsite_l"]),
         md.bounds(r["water_onsite_l_low"], r["water_onsite_l_high"]), md.sig(r["water_offsite_l"]),
         md.bounds(r["water_offsite_l_low"], r["water_offsite_l_high"])]
        for r in water.iter_rows(named=True)
    ]
    out = [text, md.table(["WUE basis", "Water-intensity basis", "Runs", "On site (L)", "Bounds", "Off site (L)", "Bounds"],
                          rows, "llrrrrr")]
    if s["tracker_runs"]:
        out.append(
            f"{s['tracker_runs']:,} run{'s' * (s['tracker_runs'] != 1)} carry the tracker's own water figure (CodeCarbon "
            f"`water_consumed`, on-site only, from the WUE it was given): {md.sig(s['tracker_water_l'])} L, against "
            f"wattledger's {md.sig(s['water_l_of_tracker_runs'])} L (on and off site) for the same runs."
        )
    return "\n\n".join(out)
