"""After the kernel: each run's compute cost, total cost, energy-cost share and cost note.

Turns the kernel's outputs and the resolved compute price (wattledger.factors.compute_price)
into the cost columns of a footprint. Rented and explicit prices include electricity: their
``energy_cost`` is the electricity embedded in the price, shown for information and never
added again. Amounts in two currencies are never added (no conversion): such a total is null,
with the reason (docs/method.md, "Compute cost").
"""

from __future__ import annotations

import polars as pl

from wattledger.kernel import compute_cost, energy_cost_share, total_cost

#: What footprints store of the resolution (expressions over ``with_compute_prices`` output).
COST_INPUT_COLUMNS = (
    pl.col("compute_rate_per_gpu_hour").alias("compute_price_per_gpu_hour"),
    pl.col("compute_rate_currency").alias("compute_currency"),
    pl.col("compute_cost_basis"),
    pl.col("compute_price_source"),
    pl.col("compute_price_id"),
    pl.col("compute_price_date"),
    pl.col("compute_price_date_rule"),
    pl.col("compute_provider"),
    pl.col("is_energy_in_compute_price"),
)


def cost_columns(runs: pl.DataFrame, kernel_out: dict) -> list[pl.Series]:
    """compute_cost, total_cost, energy_cost_share and cost_note of each run (kernel arithmetic).

    ``runs`` is ``with_compute_prices`` output (its ``price_currency`` is the electricity's),
    ``kernel_out`` the footprint kernel's result (``energy_cost``).
    """
    rate = runs["compute_rate_per_gpu_hour"].cast(pl.Float64).fill_null(float("nan")).to_numpy()
    energy_in = runs["is_energy_in_compute_price"].fill_null(False).to_numpy()
    same = (runs["compute_rate_currency"] == runs["price_currency"]).fill_null(False).to_numpy()
    compute = compute_cost(runs["gpu_hours"].cast(pl.Float64).to_numpy(), rate)
    total = total_cost(compute, kernel_out["energy_cost"], energy_in, same)
    share = energy_cost_share(kernel_out["energy_cost"], total, same)
    lit = pl.lit
    frame = runs.select("compute_unpriced_reason", "compute_rate_currency", "price_currency", "compute_cost_basis").with_columns(
        pl.Series("energy_in", energy_in), pl.Series("same", same))
    note = frame.select(
        pl.when(pl.col("compute_unpriced_reason").is_not_null()).then(lit("unpriced: ") + pl.col("compute_unpriced_reason"))
        .when(~pl.col("energy_in") & ~pl.col("same")).then(
            lit("energy_cost in ") + pl.col("price_currency") + lit(" and compute_cost in ") + pl.col("compute_rate_currency")
            + lit(" are not added: total_cost left null (no currency conversion)"))
        .when(pl.col("energy_in") & ~pl.col("same")).then(
            lit("electricity is inside the ") + pl.col("compute_cost_basis") + lit(" price; energy_cost (")
            + pl.col("price_currency") + lit(") is its estimate, not added; energy_cost_share left null (currency differs from ")
            + pl.col("compute_rate_currency") + lit(")"))
        .when(pl.col("energy_in")).then(
            lit("electricity is inside the ") + pl.col("compute_cost_basis")
            + lit(" price: energy_cost is its embedded estimate (informational), not added to total_cost"))
        .alias("cost_note")
    )["cost_note"]

    def nullable(name, values):
        return pl.Series(name, values).fill_nan(None)

    return [nullable("compute_cost", compute), nullable("total_cost", total), nullable("energy_cost_share", share), note]
