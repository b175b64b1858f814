"""Charts of the report as PNG, rendered headless (matplotlib's Agg backend).

Charts that tell the truth: months on a real time axis (a gap of years shows as one), the
long tail of teams and regions drawn as one "other" bar, units scaled to the figures (Wh to
GWh, g to t). matplotlib is imported on the first chart drawn, not with the module (it costs
the command line most of a second).

The same data gives the same PNG bytes: the figures drawn are rounded to 12 significant digits
(report/significant.py: DuckDB's parallel sums differ in their last bit between runs), ties in
an order are broken by name, and the PNG carries no software version."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

import polars as pl

from wattledger.report.scale import ENERGY_UNITS, MASS_UNITS, unit_for
from wattledger.report.significant import rounded_columns

_DPI = 110
#: Teams drawn by name in the by-month chart, regions in the region charts; the rest is "other".
TOP_TEAMS = 7
TOP_REGIONS = 10
OTHER = "other"


def pyplot():
    """matplotlib.pyplot on the headless Agg backend (imported once, when first needed)."""
    import matplotlib  # noqa: PLC0415  (heavy: only when a chart is drawn)

    matplotlib.use("Agg")  # headless: no display, no GUI toolkit
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _label(text: str) -> str:
    """Log text as a chart label: control characters (no glyph) become spaces and ``$`` is
    escaped (matplotlib would read ``$...$`` as mathematics)."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).replace("$", r"\$")


def _save(fig, path: Path | BinaryIO) -> Path | BinaryIO:
    """Save ``fig`` as PNG to ``path``: a file name, or an open binary file (a temporary of
    :func:`wattledger.files.write_together`)."""
    plt = pyplot()
    try:
        fig.tight_layout()
        # no "Software: matplotlib version ..." text chunk: the bytes do not change with an upgrade
        fig.savefig(path, dpi=_DPI, format="png", metadata={"Software": None})
    finally:
        plt.close(fig)
    return path


def _top_and_other(data: pl.DataFrame, key: str, rank_by: str, keep: int) -> pl.DataFrame:
    """``data`` with every ``key`` beyond the ``keep`` largest (by ``rank_by``) renamed "other"."""
    ranked = (data.group_by(key).agg(pl.col(rank_by).sum()).pipe(rounded_columns, [rank_by])
              .sort([rank_by, key], descending=[True, False])[key].to_list())  # ties: by name, the same every run
    if len(ranked) <= keep + 1:
        return data
    kept = ranked[:keep]
    return data.with_columns(pl.when(pl.col(key).is_in(kept)).then(pl.col(key)).otherwise(pl.lit(OTHER)).alias(key))


def monthly_by_team(team_monthly: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Energy and location-based CO2e per month, stacked by team, on a time axis (runs without a
    start time have no month and are not drawn: the caption says how much that leaves out)."""
    plt = pyplot()
    import matplotlib.dates as mdates  # noqa: PLC0415

    data = team_monthly.filter(pl.col("month").is_not_null()).with_columns(pl.col("team").fill_null("(none)"))
    data = _top_and_other(data, "team", "co2e_t", TOP_TEAMS)
    data = data.group_by("month", "team").agg(pl.col("energy_mwh").sum(), pl.col("co2e_t").sum())
    data = rounded_columns(data, ["energy_mwh", "co2e_t"])
    months = sorted(data["month"].unique().to_list())
    teams = (data.group_by("team").agg(pl.col("co2e_t").sum()).pipe(rounded_columns, ["co2e_t"])
             .sort(["co2e_t", "team"], descending=[True, False])["team"].to_list())
    if OTHER in teams:
        teams = [t for t in teams if t != OTHER] + [OTHER]
    per_month = rounded_columns(data.group_by("month").agg(pl.col("energy_mwh").sum(), pl.col("co2e_t").sum()),
                                ["energy_mwh", "co2e_t"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, column, base, units, what in ((axes[0], "energy_mwh", 1e3, ENERGY_UNITS, "Energy"),
                                          (axes[1], "co2e_t", 1e3, MASS_UNITS, "CO2e, location-based")):
        unit, size = unit_for([v * base for v in per_month[column].to_list()], units)
        bottom = [0.0] * len(months)
        for team in teams:
            rows = dict(data.filter(pl.col("team") == team).select("month", column).iter_rows())
            values = [rows.get(m, 0.0) * base / size for m in months]
            ax.bar(months, values, bottom=bottom, width=timedelta(days=24), align="edge", label=_label(team))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel(f"{what} ({unit})")
        ax.set_title(f"{what} by month ({unit})")
        ax.grid(axis="y", alpha=0.3)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        ax.tick_params(axis="x", rotation=45)
        if months:  # a lone month or two keep a readable width: at least three months of axis
            span = max((months[-1] - months[0]).days, 90)
            ax.set_xlim(months[0] - timedelta(days=span * 0.1), months[0] + timedelta(days=span * 1.1 + 24))
    if teams:
        axes[1].legend(title="Team", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:  # no run with a start time: say so on the chart rather than draw empty axes silently
        for ax in axes:
            ax.text(0.5, 0.5, "no run with a start time", ha="center", va="center", transform=ax.transAxes)
    return _save(fig, path)


def _regions(regions: pl.DataFrame) -> pl.DataFrame:
    """Regions, the long tail summed as "other" (its intensity energy-weighted); the figures
    rounded to 12 significant digits, as drawn."""
    data = regions.with_columns(pl.col("region").fill_null("(logged factor)"))
    data = _top_and_other(data, "region", "co2e_t", TOP_REGIONS)
    summed = data.group_by("region").agg(
        pl.col("runs").sum(), pl.col("energy_mwh").sum(), pl.col("co2e_t").sum(), pl.col("co2e_market_t").sum(),
        (pl.col("co2e_t").sum() / pl.col("energy_mwh").sum()).alias("intensity_kg_per_kwh"))
    return rounded_columns(summed, ["energy_mwh", "co2e_t", "co2e_market_t", "intensity_kg_per_kwh"])


def co2e_by_region(regions: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Location- and market-based CO2e per grid region, largest first; the tail as "other"."""
    plt = pyplot()
    data = _regions(regions).sort(pl.col("region") != OTHER, "co2e_t", "region")
    unit, size = unit_for([v * 1e3 for v in [*data["co2e_t"].to_list(), *data["co2e_market_t"].to_list()]], MASS_UNITS)
    fig, ax = plt.subplots(figsize=(8, 0.45 * data.height + 1.5))
    y = range(data.height)
    ax.barh([i + 0.2 for i in y], [v * 1e3 / size for v in data["co2e_t"]], height=0.4, label="location-based")
    ax.barh([i - 0.2 for i in y], [v * 1e3 / size for v in data["co2e_market_t"]], height=0.4, label="market-based")
    ax.set_yticks(list(y), [_label(r) for r in data["region"].to_list()])
    if data["co2e_t"].max() and data["co2e_t"].max() > 50 * max(data["co2e_t"].median() or 0.0, 1e-12):
        ax.set_xscale("symlog", linthresh=max(data["co2e_t"].min() * 1e3 / size, 1e-6))  # a few huge bars: a log axis
        ax.set_xlabel(f"CO2e ({unit}, logarithmic axis)")
    else:
        ax.set_xlabel(f"CO2e ({unit})")
    ax.set_title("CO2e by grid region")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def intensity_by_region(regions: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Energy-weighted grid intensity [kgCO2e/kWh] each region's runs were accounted at."""
    plt = pyplot()
    data = (_regions(regions).drop_nulls("intensity_kg_per_kwh")
            .sort(pl.col("region") != OTHER, "intensity_kg_per_kwh", "region"))
    fig, ax = plt.subplots(figsize=(8, 0.45 * data.height + 1.5))
    ax.barh([_label(r) for r in data["region"].to_list()], data["intensity_kg_per_kwh"], color="tab:gray")
    for i, v in enumerate(data["intensity_kg_per_kwh"]):
        ax.text(v, i, f" {v:.3f}", va="center", fontsize=8)
    ax.set_xlabel("Grid intensity (kgCO2e/kWh)")
    ax.set_title("Grid intensity of each region, as applied")
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0, max(data["intensity_kg_per_kwh"].max() or 0.0, 0.01) * 1.2)
    return _save(fig, path)
