"""Exports: run_footprints to CSV/Parquet, a run's footprint card, the Hugging Face
model-card ``co2_eq_emissions`` block."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import polars as pl
import yaml

from wattledger import __version__, files
from wattledger.report import markdown as md
from wattledger.report.period import scope_for
from wattledger.store import report_queries
from wattledger.units import G_PER_KG

#: A cell starting with one of these is read as a formula by spreadsheet programs (OWASP
#: "CSV Injection"); such text cells get a leading apostrophe in CSV exports.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RunNotFound(Exception):
    pass


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'``."""
    pattern = "^[" + re.escape("".join(FORMULA_STARTS)) + "]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items()
        if t == pl.String
    )


def export_footprints(con: duckdb.DuckDBPyConnection, out: Path, fmt: str, period: str | None = None) -> int:
    """Write run_footprints (of a period, or all) to ``out`` as ``csv`` or ``parquet``, whole or
    not at all; an ``out`` that is a folder or a file of the database is refused
    (:class:`wattledger.files.OutputError`, nothing written)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown export format {fmt!r}: use csv or parquet")
    out = Path(out)
    files.check_output(out, report_queries.protected_paths(con))
    scope = scope_for(period)
    frame = report_queries.export_footprints(con, scope.start, scope.end)
    if fmt == "csv":
        # lists (none today) and timestamps become text; text is neutralised for spreadsheets
        files.write_together([(out, lambda f: neutralise_formulas(frame).write_csv(f))])
    else:
        files.write_together([(out, frame.write_parquet)])
    return frame.height


def write_text_output(con: duckdb.DuckDBPyConnection, out: Path, text: str) -> Path:
    """Write ``text`` (a run card, a model-card block) to ``out`` whole or not at all, refusing
    a folder or a file of the database (:class:`wattledger.files.OutputError`)."""
    out = Path(out)
    files.check_output(out, report_queries.protected_paths(con))
    files.write_bytes(out, text.encode("utf-8"))
    return out


def _run(con: duckdb.DuckDBPyConnection, run_id: str) -> dict:
    rows = report_queries.run_card(con, run_id)
    if rows.height == 0:
        raise RunNotFound(f"no footprint for run {run_id!r} (is it ingested and computed? see unresolved_runs)")
    return rows.row(0, named=True)


def model_card_block(con: duckdb.DuckDBPyConnection, run_id: str, training_type: str | None = None) -> str:
    """The ``co2_eq_emissions`` metadata of a Hugging Face model card, as YAML.

    Emissions are in grams CO2e (location-based), as the model-card spec asks.

    References
    ----------
    .. [1] Hugging Face, "Displaying carbon emissions for your model",
       https://huggingface.co/docs/hub/model-cards-co2
    """
    r = _run(con, run_id)
    where = ", ".join(x for x in (r["region"], r["datacenter"]) if x) or "unknown"
    block = {
        "co2_eq_emissions": {
            "emissions": round(r["co2e_kg"] * G_PER_KG, 1),
            "source": f"wattledger {__version__}: {r['energy_kwh']:.1f} kWh (power: {r['power_basis']}, PUE "
            f"{r['pue']:.3g}) x {r['intensity_kg_per_kwh']:.4g} kgCO2e/kWh ({r['intensity_source']})",
            "training_type": training_type or "unspecified",
            "geographical_location": where,
            "hardware_used": f"{r['gpu_count']} x {r['gpu_model']}" if r["gpu_count"] else f"{r['gpu_hours']:.0f} GPU-hours of {r['gpu_model']}",
        }
    }
    return yaml.safe_dump(block, sort_keys=False, allow_unicode=True, width=1000)


def run_card(con: duckdb.DuckDBPyConnection, run_id: str) -> str:
    """A markdown footprint card of one run, for a paper's appendix."""
    r = _run(con, run_id)
    rows = [
        ["GPU-hours", md.num(r["gpu_hours"], 1), f"h ({md.text(r['gpu_hours_basis'])})"],
        ["Power per device", md.sig(r["power_w"], 4), f"W ({md.text(r['power_basis'])}: {md.text(r['power_source'])})"],
        ["IT energy", md.sig(r["energy_it_kwh"], 4), "kWh (GPUs + the CPU and memory parts that are known)"],
        ["  of which GPUs", md.sig(r["energy_gpu_kwh"], 4), "kWh"],
        ["  of which CPUs", md.sig(r["energy_cpu_kwh"], 4),
         f"kWh ({md.text(r['energy_cpu_basis'])}: {md.text(r['energy_cpu_source'])})"],
        ["  of which memory", md.sig(r["energy_ram_kwh"], 4),
         f"kWh ({md.text(r['energy_ram_basis'])}: {md.text(r['energy_ram_source'])})"],
        ["PUE", md.sig(r["pue"], 3), f"({md.text(r['pue_basis'])}: {md.text(r['pue_source'])})"],
        ["Facility energy", md.sig(r["energy_mwh"], 4), f"MWh (bounds {md.bounds(r['energy_mwh_low'], r['energy_mwh_high'])})"],
        ["Grid intensity", md.sig(r["intensity_kg_per_kwh"], 4),
         f"kgCO2e/kWh ({md.text(r['intensity_basis'])}: {md.text(r['intensity_source'])}"
         + (f", {r['intensity_year']}" if r["intensity_year"] else "") + ")"],
        ["CO2e, location-based", md.sig(r["co2e_t"], 4), f"t (bounds {md.bounds(r['co2e_t_low'], r['co2e_t_high'])})"],
        ["CO2e, market-based", md.sig(r["co2e_market_t"], 4), f"t ({md.text(r['market_basis'])}: {md.text(r['market_source'])})"],
        ["Electricity cost", md.num(r["energy_cost"], 2), f"{md.text(r['currency'])} ({md.text(r['price_basis'])}"
         + (f": {md.text(r['tariff_id'])}" if r["tariff_id"] else "") + ")"],
        ["Compute cost", md.num(r["compute_cost"], 2),
         f"{md.text(r['compute_currency'])} ({md.text(r['compute_cost_basis'])}: {md.text(r['compute_price_source'])}"
         + (f", price of {r['compute_price_date']}" if r["compute_price_date"] else "") + ")"
         if r["compute_cost"] is not None else md.text(r["cost_note"])],
        ["Total cost", md.num(r["total_cost"], 2),
         (f"{md.text(r['compute_currency'])} (" + ("electricity inside the compute price, not added" if r["is_energy_in_compute_price"]
                                                    else "compute + electricity") + ")")
         if r["total_cost"] is not None else md.text(r["cost_note"])],
        ["Electricity share of total cost", md.pct(r["energy_cost_share"]), ""],
        ["US household-years", md.sig(r["household_years"]), "of electricity"],
        ["Passenger-car-years", md.sig(r["car_years"]), "of CO2e"],
        ["Water", md.sig(r["water_l"], 4), f"L (bounds {md.bounds(r['water_l_low'], r['water_l_high'])}): on site "
         f"{md.sig(r['water_onsite_l'])} L (WUE {md.sig(r['wue_l_per_kwh'])} L/kWh, {md.text(r['wue_basis'])}), off site "
         f"{md.sig(r['water_offsite_l'])} L ({md.sig(r['water_intensity_l_per_kwh'])} L/kWh generated, "
         f"{md.text(r['water_intensity_basis'])})" if r["water_l"] is not None else "not computed (run `wattledger compute --all`)"],
    ]
    hardware = f"{r['gpu_count']} × {md.text(r['gpu_model'])}" if r["gpu_count"] else md.text(r["gpu_model"])
    when = f"{r['started_at']:%Y-%m-%d %H:%M} – {r['ended_at']:%Y-%m-%d %H:%M} UTC" if r["started_at"] else "not logged"
    return f"""# Footprint of run {md.text(r['run_id'])}

| | |
| :--- | :--- |
| Name | {md.text(r['name'])} |
| Team / project | {md.text(r['team'])} / {md.text(r['project'])} |
| Hardware | {hardware} |
| When | {when} |
| Where | {md.text(r['region'])}, datacenter {md.text(r['datacenter'])} |
| Source | {md.text(Path(r['source_path']).name)}, line {r['source_line']} |

{md.table(["Figure", "Value", "Unit and basis"], rows, "lrl")}

Method: facility energy = (GPU-hours × power / 1000 + CPU and memory parts) × PUE; CO2e =
facility energy × grid intensity (location-based); water = IT energy × WUE + facility energy ×
the water consumed per kWh generated; market-based per the GHG Protocol Scope 2 Guidance. Bounds take
every factor at its low or high end. Computed with wattledger {__version__}, factor set
`{r['factor_set']}`.
"""
