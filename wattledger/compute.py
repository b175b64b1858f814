"""Compute footprints: runs from the store -> factors -> numpy kernel -> footprints table."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

import numpy as np

from wattledger.attribution import measured_telemetry
from wattledger.factors import FactorLibrary, normalise_model
from wattledger.kernel import FootprintInputs, footprints
from wattledger.time_resolved import apply_hourly_intensity, apply_tou_prices
from wattledger.resources import sql_text
from wattledger.store import replace_footprints


@dataclass(frozen=True)
class ComputeResult:
    computed: int
    unresolved: int
    factor_set: str


def _column(frame: pl.DataFrame, name: str):
    return frame[name].cast(pl.Float64).to_numpy()


def compute_footprints(
    con: duckdb.DuckDBPyConnection, *, recompute_all: bool = False, library: FactorLibrary | None = None
) -> ComputeResult:
    """Fill footprints for every run that needs one, in one transaction.

    Runs whose factors cannot be resolved are recorded in ``unresolved_runs`` with
    the reason, and get no footprint (never a guessed one).
    """
    telemetry = con.sql("select count(*), max(source_file_id) from power_samples").fetchall()[0]
    lib = library or FactorLibrary(sites=con.sql(sql_text("compute/datacenters.sql")).pl(), data_version=f"samples:{telemetry}")
    runs = con.sql(sql_text("compute/runs_to_compute.sql"), params={"factor_set": lib.version, "recompute_all": recompute_all}).pl()
    if runs.height == 0:
        return ComputeResult(0, 0, lib.version)
    tdp = runs.select("run_id", normalise_model(pl.col("gpu_model")).alias("model_key")).join(
        lib.gpu_aliases.select("model_key", "tdp_w"), on="model_key", how="left").select("run_id", "tdp_w")
    telemetry, pieces = measured_telemetry(con, runs, tdp)
    runs = runs.join(telemetry, on="run_id", how="left", maintain_order="left")
    resolved = lib.resolve(runs)
    ok = resolved.filter(pl.col("unresolved_reason").is_null())
    # telemetry pieces weight the series only for runs whose energy is that telemetry
    pieces = pieces.join(ok.filter(pl.col("power_source").str.starts_with("telemetry:")).select("run_id"), on="run_id")
    ok = apply_tou_prices(apply_hourly_intensity(ok, lib, pieces), lib, pieces).rechunk()
    bad = resolved.filter(pl.col("unresolved_reason").is_not_null())

    inputs = FootprintInputs(
        gpu_hours=_column(ok, "gpu_hours"),
        power_w=_column(ok, "power_w"),
        power_low_w=_column(ok, "power_low_w"),
        power_high_w=_column(ok, "power_high_w"),
        pue=_column(ok, "pue_value"),
        pue_low=_column(ok, "pue_low"),
        pue_high=_column(ok, "pue_high"),
        intensity_kg_per_kwh=_column(ok, "intensity_kg_per_kwh"),
        intensity_low_kg_per_kwh=_column(ok, "intensity_low_kg_per_kwh"),
        intensity_high_kg_per_kwh=_column(ok, "intensity_high_kg_per_kwh"),
        price_per_kwh=_column(ok, "price_value"),
        market_covered_share=_column(ok, "market_covered_share"),
        market_factor_kg_per_kwh=_column(ok, "market_factor_kg_per_kwh"),
    )
    out = footprints(inputs)
    table = ok.select(
        "run_id",
        pl.lit(lib.version).alias("factor_set"),
        "gpu_hours",
        "power_w",
        "power_low_w",
        "power_high_w",
        "power_basis",
        "power_source",
        pl.col("pue_value").alias("pue"),
        "pue_low",
        "pue_high",
        "pue_basis",
        "pue_source",
        "intensity_kg_per_kwh",
        "intensity_low_kg_per_kwh",
        "intensity_high_kg_per_kwh",
        "intensity_basis",
        "intensity_source",
        "intensity_year",
        "intensity_region",
        "intensity_hourly_coverage",
        "market_covered_share",
        "market_factor_kg_per_kwh",
        "market_basis",
        "market_source",
        pl.col("price_value").alias("price_per_kwh"),
        pl.col("price_currency").alias("currency"),
        "price_basis",
        "tariff_id",
        "price_source",
        (pl.col("gpu_hours") * pl.col("embodied_kg_per_gpu_hour")).alias("embodied_co2e_kg"),
        "embodied_source",
    ).with_columns(pl.Series(name, values) for name, values in out.items())

    con.execute("begin transaction")
    try:
        replace_footprints(con, table.to_arrow(), in_transaction=True)
        con.execute(
            "delete from unresolved_runs where run_id in (select unnest(?))", [runs["run_id"].to_list()]
        )
        if bad.height:
            con.executemany(
                "insert into unresolved_runs (run_id, factor_set, reason) values (?, ?, ?)",
                [[r, lib.version, why] for r, why in bad.select("run_id", "unresolved_reason").iter_rows()],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return ComputeResult(computed=table.height, unresolved=bad.height, factor_set=lib.version)
