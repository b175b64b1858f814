"""The report's "Full cost by project" and "Budgets" sections, and the budget-overrun events.

Numbers come from the views project_costs, project_cost_lines and budget_status (sql/views/,
through ``wattledger.store.cost_ledger``); this module only formats them. Amounts of different
currencies are never added: a project paid in two currencies has a row per currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from wattledger.report import markdown as md
from wattledger.report.scale import ENERGY_UNITS, MASS_UNITS, unit_for
from wattledger.store.cost_ledger import budget_status, project_cost_lines, project_costs

#: Categories in the order of the stacked bar, each with the character that draws it.
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("compute", "compute_cost", "█"),
    ("electricity", "electricity_cost", "▓"),
    ("data", "data_cost", "▒"),
    ("people", "people_cost", "░"),
    ("hardware", "hardware_cost", "▞"),
    ("infrastructure", "infrastructure_cost", "▚"),
    ("other", "other_cost", "·"),
)
BAR_WIDTH = 30


@dataclass
class FullCost:
    costs: pl.DataFrame  # project_costs
    lines: pl.DataFrame  # project_cost_lines: the ledger's lines (the only ones rendered)
    budgets: pl.DataFrame  # budget_status in the report's period


def gather_full_cost(con: duckdb.DuckDBPyConnection, period_start: datetime | None,
                     period_end: datetime | None) -> FullCost:
    """The figures of both sections: project costs (all dates) and the budgets of the period."""
    return FullCost(project_costs(con), project_cost_lines(con, item_kind="ledger"), budget_status(con, period_start, period_end))


def stacked_bar(row: dict, width: int = BAR_WIDTH) -> str:
    """The row's categories as a text bar of ``width`` characters (largest-remainder rounding)."""
    total = row["total_cost"] or 0.0
    if total <= 0:
        return ""
    shares = [((row[col] or 0.0) / total * width, ch) for _, col, ch in CATEGORIES]
    cells = [int(s) for s, _ in shares]
    for i in sorted(range(len(shares)), key=lambda i: shares[i][0] - cells[i], reverse=True)[: width - sum(cells)]:
        cells[i] += 1
    return "".join(ch * n for n, (_, ch) in zip(cells, shares, strict=True))


def _money(value: float | None, currency: str) -> str:
    return "—" if value is None else f"{md.num(value, 0)} {md.text(currency)}"


def _split(row: dict) -> str:
    parts = [f"{name} {md.pct(row[col] / row['total_cost'])}" for name, col, _ in CATEGORIES
             if row[col] and row["total_cost"]]
    return ", ".join(parts)


def _stage_shares(row: dict) -> str:
    compute = row["compute_cost"]
    if not compute:
        return "no priced compute"
    final = row["final_training_compute_cost"] or 0.0
    experiments = (row["experiment_compute_cost"] or 0.0) + (row["failed_compute_cost"] or 0.0)
    unstaged = row["unstaged_compute_cost"] or 0.0
    text = f"final training {md.pct(final / compute)}, experiments and failed {md.pct(experiments / compute)}"
    if row["evaluation_compute_cost"]:
        text += f", evaluation {md.pct(row['evaluation_compute_cost'] / compute)}"
    if unstaged:
        text += f", no stage logged {md.pct(unstaged / compute)}"
    return text


def full_cost_section(d: FullCost, chart: str | None = None) -> str:
    """Markdown: one row per project and currency, the categories as a stacked bar (text, and the
    PNG ``chart`` when given: its path relative to the report), and the basis."""
    if d.costs.height == 0:
        return "_No cost: no run has a priced footprint and no cost ledger is loaded (`wattledger costs FILE`)._"
    legend = ", ".join(f"{ch} {name}" for name, _, ch in CATEGORIES)
    e_unit, e_size = unit_for([v * 1e3 for v in d.costs["energy_mwh"].to_list() if v is not None], ENERGY_UNITS)
    m_unit, m_size = unit_for([v * 1e3 for v in d.costs["co2e_t"].to_list() if v is not None], MASS_UNITS)
    rows = []
    for r in d.costs.sort("total_cost", descending=True, nulls_last=True).iter_rows(named=True):
        rows.append([
            md.text(r["project"]), md.text(r["currency"]), _money(r["total_cost"], r["currency"]),
            f"`{stacked_bar(r)}`", _split(r), _stage_shares(r),
            md.pct(r["failed_compute_share"]) if r["failed_compute_share"] is not None else "—",
            md.num(r["gpu_hours"], 0) if r["gpu_hours"] is not None else "—",
            md.sig(r["energy_mwh"] * 1e3 / e_size) if r["energy_mwh"] is not None else "—",
            md.sig(r["co2e_t"] * 1e3 / m_size) if r["co2e_t"] is not None else "—",
            md.sig(r["co2e_kg_per_1000"]) if r["co2e_kg_per_1000"] is not None else "—",
        ])
    table = md.table(["Project", "Currency", "Total", f"Split ({legend})", "Categories", "Compute by stage",
                      "Failed compute", "GPU-h", e_unit, f"{m_unit} CO2e", "kgCO2e per 1,000"], rows)
    ledger = d.lines.filter(pl.col("item_kind") == "ledger")
    basis = (
        "Every run's compute cost (GPU-hours × its price, `compute_cost_basis`) and, where no rental price "
        "already pays for it, its electricity cost (facility energy × the tariff), plus every line of the cost "
        f"ledger ({ledger.height:,} lines loaded with `wattledger costs`), all dates. A project paid in two "
        "currencies has a row per currency: currencies are never added. *Final training* is compute of completed "
        "runs with a stage other than an experiment or evaluation stage; *experiments and failed* is compute of "
        "stages such as `ablation`, `sweep`, `debug` plus runs whose job did not complete (docs/costs.md). GPU-h, "
        "energy and CO2e are the project's whole figures, repeated on each of its currency rows. kgCO2e per 1,000 "
        "is given only for a project paid in one currency. Each item and its basis: the view `project_cost_lines`."
    )
    ledger_rows = [[md.text(r["project"]), md.text(r["category"]), _money(r["amount"], r["currency"]),
                    str(r["item_date"]), md.text(r["basis"])] for r in ledger.iter_rows(named=True)]
    parts = [table, basis]
    if chart:
        parts.insert(0, f"![Full cost by project: categories]({chart})")
    if ledger_rows:
        parts += ["Ledger lines:", md.table(["Project", "Category", "Amount", "Date", "Basis"], ledger_rows)]
    return "\n\n".join(parts)


def _period_label(r: dict) -> str:
    """``2024-10`` for a month, ``2024`` for a year."""
    return f"{r['period_start']:%Y-%m}" if r["period"] == "month" else f"{r['period_start']:%Y}"


def budgets_section(d: FullCost) -> str:
    """Markdown: each budget's periods in the report's scope, overruns flagged."""
    if d.budgets.height == 0:
        return "_No budget set (`wattledger budgets FILE`, docs/costs.md)._"
    over = d.budgets.filter(pl.col("status") == "over")
    rows = []
    for r in d.budgets.iter_rows(named=True):
        flag = {"over": "**OVER BUDGET**", "projected_over": "on course to exceed", "within": "within"}[r["status"]]
        rows.append([
            f"{r['scope']} {md.text(r['name'])}", _period_label(r),
            md.text(r["unit"]), md.sig(r["spent"]), md.sig(r["budget"]), md.pct(r["share"]),
            md.sig(r["projected"]) if r["projected"] is not None else "—", md.pct(r["elapsed_share"]), flag,
        ])
    lead = (f"**{over.height} budget overrun{'s' * (over.height != 1)}.** " if over.height else "No budget is exceeded. ")
    as_of = d.budgets["data_as_of"][0]
    note = (f"Spending to {as_of:%Y-%m-%d %H:%M} UTC (the latest run or ledger date in the database, not today). "
            "Projected: the spending rate so far kept to the end of the period (spent ÷ elapsed share). Runs count "
            "by start; a project's budget also counts its ledger lines by date; cost budgets count items in the "
            "budget's currency only.")
    table = md.table(["Budget", "Period", "Unit", "Spent", "Budget", "Share", "Projected", "Elapsed", "Status"], rows)
    return "\n\n".join([lead + note, table])


def overrun_events(con: duckdb.DuckDBPyConnection, period_start: datetime | None = None,
                   period_end: datetime | None = None) -> list[dict]:
    """One event (``resource``, ``payload``) per budget period over budget in [period_start, period_end)."""
    over = budget_status(con, period_start, period_end).filter(pl.col("status") == "over")
    out = []
    for r in over.iter_rows(named=True):
        payload = {
            "scope": r["scope"], "name": r["name"], r["scope"]: r["name"], "figure": r["figure"], "unit": r["unit"],
            "period": r["period"], "period_start": r["period_start"].date().isoformat(),
            "spent": r["spent"], "budget": r["budget"], "share": r["share"], "projected": r["projected"],
            "data_as_of": r["data_as_of"].isoformat(), "budget_source": r["source"],
        }
        resource = {"prefect.resource.id": f"wattledger.budget.{r['budget_id']}",
                    "prefect.resource.name": f"{r['scope']} {r['name']} {r['figure']} budget"}
        out.append({"resource": resource, "payload": payload})
    return out
