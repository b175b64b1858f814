"""The "Full cost by project" chart: each project's cost categories as a stacked bar of shares
(PNG, headless). Shares, not amounts: rows in different currencies are never set on one scale."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import polars as pl

from wattledger.report import charts
from wattledger.report.full_cost import CATEGORIES, FullCost

#: Rows drawn at most: those with ledger lines first, then the largest totals.
MAX_ROWS = 14


def categories_by_project(d: FullCost, path: Path | BinaryIO) -> Path | BinaryIO:
    """Share of each category in each project's total (per currency), stacked to 100 %."""
    rows = (d.costs.filter(pl.col("total_cost") > 0)
            .sort(["ledger_lines", "total_cost"], descending=True, nulls_last=True).head(MAX_ROWS)
            .reverse())
    fig, ax = charts.pyplot().subplots(figsize=(10, 0.42 * max(rows.height, 1) + 1.8))
    if rows.height == 0:
        ax.text(0.5, 0.5, "No cost: no priced run and no cost ledger", ha="center", va="center")
        ax.set_axis_off()
        return charts._save(fig, path)
    labels = [charts._label(f"{p if p is not None else '(none)'} ({c})") for p, c in rows.select("project", "currency").rows()]
    left = [0.0] * rows.height
    for name, column, _ in CATEGORIES:
        shares = [(v or 0.0) / t * 100.0 for v, t in rows.select(column, "total_cost").rows()]
        if any(shares):
            ax.barh(labels, shares, left=left, label=name)
            left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("Share of the project's total cost in that currency (%)")
    ax.set_title("Full cost by project: categories")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="x", alpha=0.3)
    return charts._save(fig, path)
