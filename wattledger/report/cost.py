"""The report's cost section: compute (rented or owned) beside electricity, per currency.

Numbers come from sql/queries/report/cost_totals.sql, cost_breakdown.sql and compute_basis.sql; this
module only formats them. Amounts of different currencies are never added.
"""

from __future__ import annotations

import polars as pl

from wattledger.report import markdown as md


def _money(value: float | None, currency: str) -> str:
    return "—" if value is None else f"{md.num(value, 0)} {md.text(currency)}"


def _coverage(basis: pl.DataFrame) -> str:
    runs = int(basis["runs"].sum()) if basis.height else 0
    if runs == 0:
        return "No run has a footprint in this period, so none has a cost."
    unpriced = basis.filter(pl.col("basis") == "unpriced")
    n_unpriced = int(unpriced["runs"].sum())
    share = float(unpriced["gpu_hours_share"].sum()) if n_unpriced else 0.0
    later = basis.filter(pl.col("date_rule") == "later_than_run")
    text = (f"{runs - n_unpriced:,} of {runs:,} runs have a compute price; **{n_unpriced:,} "
            f"run{'s' * (n_unpriced != 1)} {'are' if n_unpriced != 1 else 'is'} unpriced** "
            f"({md.pct(share)} of the GPU-hours) and left out of every figure below — no price is guessed; "
            "the reasons are listed at the end of this section.")
    if later.height:
        text += (f" {int(later['runs'].sum()):,} runs are priced with a list price dated after the run (the "
                 "earliest known; prices change, so the run may have cost more or less).")
    return text


def _currency_sentences(totals: pl.DataFrame) -> str:
    lines = []
    for r in totals.iter_rows(named=True):
        c = r["currency"]
        rented, owned = r["rented_energy_cost_share"] is not None, r["owned_energy_cost_share"] is not None
        where = ("inside the rental prices and added for owned hardware" if rented and owned
                 else "inside the rental prices" if rented else "added to the owned hardware's cost")
        if r["energy_cost_share"] is None:
            share = f"no electricity share: no run's electricity is priced in {md.text(c)}"
        else:
            share = (f"electricity is **{md.pct(r['energy_cost_share'])} of the total cost** ({where}; "
                     f"{r['runs_in_share']:,} of {r['runs']:,} runs, those whose electricity is priced in {md.text(c)})")
        split = (f"; rented {md.pct(r['rented_energy_cost_share'])}, owned hardware {md.pct(r['owned_energy_cost_share'])}"
                 if rented and owned else "")
        lines.append(
            f"- **{md.text(c)}**: {r['runs']:,} runs cost **{_money(r['total_cost'], c)}** in total"
            + (f" ({r['runs_without_total']:,} runs without a total: electricity in another currency)"
               if r["runs_without_total"] else "")
            + f"; {share}{split}; **{md.sig(r['co2e_kg_per_1000_compute'])} kgCO2e per 1,000 {md.text(c)}** of compute."
        )
    return "\n".join(lines)


def _totals_table(totals: pl.DataFrame) -> str:
    body = [
        [md.text(r["currency"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0),
         md.num(r["rented_compute_cost"], 0), md.num(r["owned_compute_cost"], 0), md.num(r["energy_cost_added"], 0),
         md.num(r["total_cost"], 0), md.pct(r["energy_cost_share"]), md.sig(r["co2e_kg_per_1000_compute"]),
         md.num(r["energy_cost_embedded"], 0)]
        for r in totals.iter_rows(named=True)
    ]
    headers = ["Currency", "Runs", "GPU-h", "Compute, rented (electricity inside)", "Compute, owned (amortised)",
               "Electricity added (owned)", "Total cost", "Electricity share of total", "kgCO2e per 1,000 of compute",
               "Electricity inside rentals (informational)"]
    return md.table(headers, body, "lrrrrrrrrr")


def _breakdown_table(breakdown: pl.DataFrame, dimension: str) -> str:
    rows = breakdown.filter(pl.col("dimension") == dimension)
    if rows.height == 0:
        return "_No priced runs._"
    body = [
        [md.text(r["key"]), md.text(r["currency"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0), md.num(r["compute_cost"], 0),
         md.num(r["energy_cost_added"], 0), md.num(r["total_cost"], 0), md.pct(r["energy_cost_share"]),
         md.sig(r["co2e_kg_per_1000_compute"])]
        for r in rows.iter_rows(named=True)
    ]
    headers = [dimension.capitalize(), "Currency", "Runs", "GPU-h", "Compute cost", "Electricity added (owned)", "Total cost",
               "Electricity share of total", "kgCO2e per 1,000 of compute"]
    return md.table(headers, body, "llrrrrrrr")


def _basis_tables(basis: pl.DataFrame) -> str:
    per_basis = basis.group_by("basis").agg(pl.col("runs").sum(), pl.col("gpu_hours").sum(), pl.col("gpu_hours_share").sum()).sort(
        "gpu_hours", descending=True)
    summary = md.table(
        ["Basis", "Runs", "GPU-h", "Share of GPU-hours"],
        [[md.text(r["basis"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0), md.pct(r["gpu_hours_share"])]
         for r in per_basis.iter_rows(named=True)],
        "lrrr",
    )
    priced = basis.filter(pl.col("basis") != "unpriced")
    sources = md.table(
        ["Basis", "Source", "Price date", "Date rule", "Runs", "GPU-h"],
        [[md.text(r["basis"]), md.text(r["source"]), str(r["price_date"] or "—"), md.text(r["date_rule"] or "—"),
          f"{r['runs']:,}", md.num(r["gpu_hours"], 0)] for r in priced.iter_rows(named=True)],
        "llllrr",
    ) if priced.height else "_No priced runs._"
    unpriced = basis.filter(pl.col("basis") == "unpriced")
    reasons = md.table(
        ["Reason", "Runs", "GPU-h"],
        [[md.text(r["source"]), f"{r['runs']:,}", md.num(r["gpu_hours"], 0)] for r in unpriced.iter_rows(named=True)],
        "lrr",
    ) if unpriced.height else "Every run has a compute price."
    return (f"Basis of the compute price:\n\n{summary}\n\nPrices, rates and amortisation used:\n\n{sources}\n\n"
            f"Unpriced runs:\n\n{reasons}")


RULES = """How these are computed (docs/method.md, "Compute cost"): compute cost = GPU-hours × price per
GPU-hour, the price being, in order, the run's own `compute_price_per_gpu_hour` (explicit), the
amortised cost of the datacenter's owned hardware (straight-line: the purchase price over life ×
8760 h × utilisation, plus the yearly operations cost over 8760 h × utilisation), a negotiated
rate of the site file, or the provider's dated on-demand list price (`tariffs/compute_prices.csv`).
A rental or explicit price already pays for the electricity: the run's electricity cost is then
the part embedded in it, shown for information and **not added**; for owned hardware, total =
compute + electricity (operations costs exclude electricity). Amounts in different currencies are
never converted or added: each currency has its own totals; a run whose electricity is priced in
another currency than its compute has no electricity share (and, when owned, no total). Unpriced
runs are left out: each total covers only its runs, so read it with its run count."""


def cost_section(totals: pl.DataFrame, breakdown: pl.DataFrame, basis: pl.DataFrame) -> str:
    """The markdown of the cost section."""
    parts = [_coverage(basis)]
    if totals.height:
        parts += [_currency_sentences(totals), _totals_table(totals),
                  "### Cost by team", _breakdown_table(breakdown, "team"),
                  "### Cost by project", _breakdown_table(breakdown, "project")]
    parts += ["### Basis of the compute cost", _basis_tables(basis) if basis.height else "_No runs._", RULES]
    return "\n\n".join(parts)
