"""The GPU-hour list-price table (tariffs/compute_prices.csv): its columns and its validation."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from wattledger.factors.errors import FactorError
from wattledger.factors.names import normalise_model
from wattledger.method import MAX_PRICE_PER_GPU_HOUR

#: Columns of tariffs/compute_prices.csv, in order (tariffs/README.md).
PRICE_TABLE_COLUMNS = (
    "price_id", "provider", "instance_type", "region", "gpu_model", "gpus_per_instance", "price_per_instance_hour",
    "price_per_gpu_hour", "currency", "pricing", "effective_from", "effective_to", "source", "url", "licence", "note",
)
_REQUIRED = ("price_id", "provider", "instance_type", "gpu_model", "gpus_per_instance", "price_per_gpu_hour", "currency",
             "pricing", "effective_from", "source", "url")


def read_compute_prices(path: Path, gpu_aliases: pl.DataFrame, data: bytes | None = None) -> pl.DataFrame:
    """The list-price table, validated; raises FactorError naming the file, the line and the problem.

    Adds ``model_key`` (the GPU model, normalised), parses ``effective_from`` (also as
    ``effective_date``, the name the dated rules read) and ``effective_to`` (the last day in
    force; empty: until a later row). ``data``: the file's content when already read (``path``
    then only names it).
    """
    name = f"tariffs/{path.name}"
    table = pl.read_csv(path if data is None else data, infer_schema=False)
    missing = [c for c in PRICE_TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise FactorError(f"{name}: missing column(s) {', '.join(missing)} (expected {','.join(PRICE_TABLE_COLUMNS)})")
    table = table.with_row_index("line", offset=2)  # line 1 is the header
    problems = []
    for r in table.iter_rows(named=True):
        where = f"{name} line {r['line']}"
        for c in _REQUIRED:
            if not (r[c] or "").strip():
                problems.append(f"{where}: {c} is empty")
        try:
            price = float(r["price_per_gpu_hour"] or "nan")
            if not 0 < price <= MAX_PRICE_PER_GPU_HOUR:
                problems.append(f"{where}: price_per_gpu_hour {r['price_per_gpu_hour']} is not in (0, {MAX_PRICE_PER_GPU_HOUR:g}]")
        except ValueError:
            problems.append(f"{where}: price_per_gpu_hour {r['price_per_gpu_hour']!r} is not a number")
        if r["currency"] and not (len(r["currency"]) == 3 and r["currency"].isupper() and r["currency"].isalpha()):
            problems.append(f"{where}: currency {r['currency']!r} is not an ISO 4217 code")
    if problems:
        raise FactorError("; ".join(problems[:10]))
    table = table.with_columns(
        pl.col("price_per_gpu_hour").cast(pl.Float64),
        pl.col("gpus_per_instance").cast(pl.Int32, strict=False),
        pl.col("effective_from").str.to_date("%Y-%m-%d", strict=False).alias("effective_date"),
        pl.col("effective_to").str.to_date("%Y-%m-%d", strict=False).alias("effective_to"),
        pl.col("effective_to").is_not_null().alias("_has_to"),
        normalise_model(pl.col("gpu_model")).alias("model_key"),
        pl.col("region").str.strip_chars().str.to_lowercase(),
    )
    bad_date = table.filter(pl.col("effective_date").is_null())
    if bad_date.height:
        raise FactorError(f"{name} line {bad_date['line'][0]}: effective_from is not an ISO date (YYYY-MM-DD)")
    bad_to = table.filter(pl.col("_has_to") & (pl.col("effective_to").is_null() | (pl.col("effective_to") < pl.col("effective_date"))))
    if bad_to.height:
        raise FactorError(f"{name} line {bad_to['line'][0]}: effective_to is not an ISO date on or after effective_from")
    table = table.drop("_has_to")
    unknown = table.join(gpu_aliases.select("model_key"), on="model_key", how="anti")
    if unknown.height:
        raise FactorError(f"{name} line {unknown['line'][0]}: GPU model {unknown['gpu_model'][0]!r} is not in hardware/gpu_power.csv")
    dup = table.filter(pl.struct("provider", "region", "model_key", "effective_date").is_duplicated())
    if dup.height:
        raise FactorError(f"{name} lines {', '.join(map(str, dup['line'].to_list()))}: two prices for one provider, region, "
                          "GPU model and effective_from (a run could not tell which applies)")
    return table
