"""Charts of the report as PNG files, rendered headless (matplotlib's Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import matplotlib

matplotlib.use("Agg")  # headless: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

_DPI = 110


def _label(text: str) -> str:
    """Log text as a chart label: control characters (no glyph) become spaces and ``$`` is
    escaped (matplotlib would read ``$...$`` as mathematics)."""
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).replace("$", r"\$")


def _save(fig, path: Path | BinaryIO) -> Path | BinaryIO:
    """Save ``fig`` as PNG to ``path``: a file name, or an open binary file (a temporary of
    :func:`wattledger.files.write_together`)."""
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=_DPI, format="png")
    finally:
        plt.close(fig)
    return path


def monthly_by_team(team_monthly: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Energy [MWh] and location-based CO2e [t] per month, stacked by team."""
    data = team_monthly.filter(pl.col("month").is_not_null()).with_columns(
        pl.col("month").dt.strftime("%Y-%m").alias("label"), pl.col("team").fill_null("(none)")
    )
    months = sorted(data["label"].unique().to_list())
    teams = data.group_by("team").agg(pl.col("co2e_t").sum()).sort("co2e_t", descending=True)["team"].to_list()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, column, unit in ((axes[0], "energy_mwh", "Energy (MWh)"), (axes[1], "co2e_t", "CO2e, location-based (t)")):
        bottom = [0.0] * len(months)
        for team in teams:
            rows = dict(data.filter(pl.col("team") == team).select("label", column).iter_rows())
            values = [rows.get(m, 0.0) for m in months]
            ax.bar(months, values, bottom=bottom, label=_label(team))
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_ylabel(unit)
        ax.set_title(unit + " by month")
        ax.grid(axis="y", alpha=0.3)
        ax.tick_params(axis="x", rotation=45)
        if len(months) < 4:  # keep a lone month from filling the whole axis
            ax.set_xlim(-2.0, len(months) + 1.0)
    axes[1].legend(title="Team", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def co2e_by_region(regions: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Location- and market-based CO2e [t] per grid region, largest first."""
    data = regions.with_columns(pl.col("region").fill_null("(logged factor)")).sort("co2e_t")
    fig, ax = plt.subplots(figsize=(8, 0.45 * data.height + 1.5))
    y = range(data.height)
    ax.barh([i + 0.2 for i in y], data["co2e_t"], height=0.4, label="location-based")
    ax.barh([i - 0.2 for i in y], data["co2e_market_t"], height=0.4, label="market-based")
    ax.set_yticks(list(y), [_label(r) for r in data["region"].to_list()])
    ax.set_xlabel("CO2e (t)")
    ax.set_title("CO2e by grid region")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    return _save(fig, path)


def intensity_by_region(regions: pl.DataFrame, path: Path | BinaryIO) -> Path | BinaryIO:
    """Energy-weighted grid intensity [kgCO2e/kWh] each region's runs were accounted at."""
    data = regions.with_columns(pl.col("region").fill_null("(logged factor)")).sort("intensity_kg_per_kwh")
    fig, ax = plt.subplots(figsize=(8, 0.45 * data.height + 1.5))
    ax.barh([_label(r) for r in data["region"].to_list()], data["intensity_kg_per_kwh"], color="tab:gray")
    for i, v in enumerate(data["intensity_kg_per_kwh"]):
        ax.text(v, i, f" {v:.3f}", va="center", fontsize=8)
    ax.set_xlabel("Grid intensity (kgCO2e/kWh)")
    ax.set_title("Grid intensity of each region, as applied")
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlim(0, max(data["intensity_kg_per_kwh"].max() or 0.0, 0.01) * 1.2)
    return _save(fig, path)
