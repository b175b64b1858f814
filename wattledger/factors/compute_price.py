"""Compute price of each run (``compute_cost_basis``): which price a GPU-hour has.

The rules (docs/method.md "Compute cost", docs/factors.md "Compute price"), in order:

explicit    the run's ``compute_price_per_gpu_hour`` + ``compute_currency``: an all-in price of a
            GPU-hour (electricity included, as in a rental); it overrides every other rule.
amortised   the run's datacenter has ``owned_hardware`` (site file): straight-line amortisation
            of the purchase price over life x 8760 h x utilisation, plus the yearly operations
            cost over 8760 h x utilisation (wattledger.kernel.cost). Electricity is not in it: it
            is added as the run's energy cost. An owned datacenter without an entry for the
            run's GPU model leaves the run unpriced.
negotiated  a rented datacenter's ``compute_rates`` (site file) for the GPU model, the latest
            effective on the run's start date.
cloud_list  tariffs/compute_prices.csv: the row of the run's provider (the datacenter's
            ``compute_provider``, else the region's prefix, ``aws:us-east-1`` -> aws), GPU model
            and region (or a row for every region of the provider), the row in force on the
            run's start date (``effective_from`` <= start <= ``effective_to``; the latest such);
            none in force: the earliest later row (date rule ``later_than_run``), else the
            latest expired one (``expired_before_run``), both listed under data quality; a run
            without a start takes the latest row (``latest_for_undated_run``).
unpriced    none applies: no compute cost, and the reason in ``cost_note`` (never a guess).

Rented and explicit prices include electricity (``is_energy_in_compute_price``). The run's
compute and total cost, after the kernel, are wattledger.compute.cost_columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from wattledger.factors.ladder import Rule, fold
from wattledger.factors.names import normalise_model
from wattledger.factors.profile import by_profile
from wattledger.kernel import amortised_price_per_gpu_hour
from wattledger.method import HOURS_PER_YEAR

if TYPE_CHECKING:
    from wattledger.factors.resolve import FactorLibrary

_STRING_COLUMNS = {"compute_price_per_gpu_hour": pl.Float64, "compute_currency": pl.String}


def _owned_table(lib: FactorLibrary) -> pl.DataFrame:
    """One row per (datacenter, GPU model) of owned hardware, with the amortised price per GPU-hour."""
    rows = (
        lib.sites.select("datacenter", "owned_hardware").explode("owned_hardware").drop_nulls("owned_hardware")
        .unnest("owned_hardware")
        .with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
        .join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_table_model")), on="model_key")
    )
    price = amortised_price_per_gpu_hour(
        rows["purchase_price_per_gpu"].to_numpy(), rows["life_years"].to_numpy(), rows["utilisation"].to_numpy(),
        rows["operations_cost_per_gpu_year"].to_numpy(), HOURS_PER_YEAR,
    )
    lit = pl.lit
    per_server = pl.col("purchase_price_per_server").is_not_null()
    source = (
        lit("datacenter ") + pl.col("datacenter") + lit(" owned_hardware ") + pl.col("gpu_model") + lit(": ")
        + pl.when(per_server).then(pl.format("{} {} per {}-GPU server, ", pl.col("purchase_price_per_server"),
                                             pl.col("currency"), pl.col("gpus_per_server"))).otherwise(lit(""))
        + pl.format("{} {} per GPU over {} years at {} utilisation, operations {} {} per GPU-year (excl. electricity), "
                    "straight-line over {} h/year; ", pl.col("purchase_price_per_gpu"), pl.col("currency"),
                    pl.col("life_years"), pl.col("utilisation"), pl.col("operations_cost_per_gpu_year"), pl.col("currency"),
                    lit(f"{HOURS_PER_YEAR:g}"))
        + pl.col("source")
    )
    return rows.select(
        "datacenter", "gpu_table_model",
        pl.Series("owned_price_per_gpu_hour", price), pl.col("currency").alias("owned_currency"),
        source.alias("owned_source"),
    )


def _pick_dated(keys: pl.DataFrame, candidates: pl.DataFrame, on: list[str], prefix: str,
                where: pl.Expr | None = None) -> pl.DataFrame:
    """For each run (run_id, run_date and the ``on`` keys): the candidate in effect on run_date, else
    the earliest later one; an undated run takes the latest. Candidates carry effective_date,
    price, currency, source, id and ``specific`` (preferred when 1)."""
    joined = keys.join(candidates, on=on, how="inner")
    if where is not None:
        joined = joined.filter(where)
    undated = pl.col("run_date").is_null()
    started = ~undated & (pl.col("effective_date") <= pl.col("run_date"))
    ended = pl.col("effective_to").is_not_null() & (pl.col("effective_to") < pl.col("run_date"))
    in_effect = started & ~ended.fill_null(False)
    later = ~undated & ~started
    days = pl.col("effective_date").cast(pl.Int32)
    return (
        joined.with_columns(
            in_effect.alias("in_effect"),
            later.alias("_later"),
            pl.when(later).then(days).otherwise(-days).alias("_order"),
            pl.when(undated).then(pl.lit("latest_for_undated_run")).when(in_effect).then(pl.lit("in_effect"))
            .when(later).then(pl.lit("later_than_run")).otherwise(pl.lit("expired_before_run")).alias("date_rule"),
        )
        .sort(["run_id", "in_effect", "specific", "_later", "_order"], descending=[False, True, True, True, False])
        .group_by("run_id", maintain_order=True)
        .first()
        .select("run_id", *[pl.col(c).alias(f"{prefix}_{c}") for c in
                            ("price", "currency", "source", "id", "effective_date", "date_rule", "in_effect")])
    )


def with_compute_prices(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """Add the compute price of each resolved run (``FactorLibrary.resolve`` output).

    Adds ``compute_rate_per_gpu_hour`` (null when unpriced), ``compute_rate_currency``,
    ``compute_cost_basis``, ``compute_price_source``, ``compute_price_id``,
    ``compute_price_date``, ``compute_price_date_rule``, ``compute_provider``,
    ``is_energy_in_compute_price`` and ``compute_unpriced_reason``.

    The rules run once per distinct profile of runs (``_price_profile``); only the rate,
    which may be the run's own explicit price, is taken per run.
    """
    for name, dtype in _STRING_COLUMNS.items():  # frames resolved without the run log's cost columns
        if name not in runs.columns:
            runs = runs.with_columns(pl.lit(None, dtype).alias(name))
    if _repeats(runs["run_id"]):  # the dated rules pick per run_id: every row as it is
        priced = _price_rows(runs, lib)
    else:
        priced = by_profile(runs, _price_profile(lib), lambda df: _without_unread_helpers(_price_rows(df, lib)),
                            lambda df: df.with_columns(_rate()), PER_RUN)
    # (run_date, dropped here, is the date of one run of the profile)
    return priced.drop(c for c in priced.columns if _is_helper(c))


def _is_helper(name: str) -> bool:
    """A column of ``_price_rows`` that only serves the rules (candidates, keys), not returned."""
    return name in ("run_date", "_provider", "_cloud_region") or name.startswith(("neg_", "list_", "owned_"))


def _without_unread_helpers(priced: pl.DataFrame) -> pl.DataFrame:
    """``priced`` (a row per profile) less the helper columns the per-run rate does not read:
    by_profile would otherwise copy them to every run only for them to be dropped."""
    read = set(_rate().meta.root_names())
    return priced.drop(c for c in priced.columns if _is_helper(c) and c not in read)


def _repeats(ids: pl.Series) -> bool:
    """Whether some id occurs twice (cheap when the ids increase, as in a compute batch)."""
    increasing = ids.len() < 2 or bool((ids.slice(1) > ids.slice(0, ids.len() - 1)).fill_null(False).all())
    return not increasing and bool(ids.is_duplicated().any())


def _price_profile(lib: FactorLibrary) -> list[pl.Expr]:
    """Everything of a run the price rules read but its explicit price: keys, texts, and where its
    start date falls among the effective dates of the prices (all dates between two effective
    dates pick the same prices; the run's own date is not kept)."""
    date = pl.col("started_at").dt.date()
    return [
        *[pl.col(c) for c in ("datacenter", "gpu_table_model", "region_key", "site_compute_provider", "compute_currency")],
        pl.col("compute_price_per_gpu_hour").is_null(), pl.col("site_owned_hardware").is_null(),
        date.is_null(), pl.lit(_effective_dates(lib)).search_sorted(date, side="right"),
    ]


def _effective_dates(lib: FactorLibrary) -> pl.Series:
    """Every effective date of a negotiated rate or a list price (and the day after each
    effective_to), sorted."""
    rates = lib.sites.select(pl.col("compute_rates").explode().struct.field("effective_date")).to_series()
    listed = lib.compute_prices["effective_date"]
    # the day after a row's last day in force: a run from then on picks differently
    ends = lib.compute_prices["effective_to"].drop_nulls().dt.offset_by("1d")
    return pl.concat([rates.drop_nulls(), listed, ends]).unique().sort()


def _price_rows(runs: pl.DataFrame, lib: FactorLibrary) -> pl.DataFrame:
    """``with_compute_prices``, every rule on every row, with the candidates' columns (run_date,
    _provider, _cloud_region, neg_*, list_*, owned_*) still there."""
    lit = pl.lit
    region_provider = pl.col("region_key").str.extract(r"^([a-z][a-z0-9-]*):", 1)
    df = runs.with_columns(
        pl.col("started_at").dt.date().alias("run_date"),
        pl.coalesce("site_compute_provider", region_provider).alias("_provider"),
        pl.col("region_key").str.extract(r"^[a-z][a-z0-9-]*:(.+)$", 1).alias("_cloud_region"),
    )
    # the site file's name of the run's datacenter (keys.py matches names ignoring case and spaces)
    keys = df.select("run_id", "run_date", pl.col("site_datacenter").alias("datacenter"), "gpu_table_model", "_provider",
                     "_cloud_region")

    # negotiated rates of the run's datacenter
    rates = (
        lib.sites.select("datacenter", "compute_rates").explode("compute_rates").drop_nulls("compute_rates")
        .unnest("compute_rates")
        .with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
        .join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_table_model")), on="model_key")
        .select("datacenter", "gpu_table_model", "effective_date", lit(None, pl.Date).alias("effective_to"),
                pl.col("price_per_gpu_hour").alias("price"), "currency",
                (lit("datacenter ") + pl.col("datacenter") + lit(" compute_rates ") + pl.col("gpu_model") + lit(" from ")
                 + pl.col("effective_date").cast(pl.String) + lit(": ") + pl.col("source")).alias("source"),
                lit(None, pl.String).alias("id"), lit(1).alias("specific"))
    )
    negotiated = _pick_dated(keys.drop_nulls(["datacenter", "gpu_table_model"]), rates, ["datacenter", "gpu_table_model"], "neg")

    # list prices of the run's provider, GPU model and region (or every region)
    table = lib.compute_prices
    listed = table.join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_table_model")), on="model_key").select(
        pl.col("provider").alias("_provider"), "gpu_table_model", pl.col("region").alias("_row_region"), "effective_date",
        "effective_to",
        pl.col("price_per_gpu_hour").alias("price"), "currency",
        (pl.col("source") + lit(" <") + pl.col("url") + lit(">")).alias("source"), pl.col("price_id").alias("id"),
        pl.col("region").is_not_null().cast(pl.Int32).alias("specific"),
    )
    # a row of another region of the provider does not apply
    same_region = pl.col("_row_region").is_null() | (pl.col("_row_region") == pl.col("_cloud_region"))
    cloud = _pick_dated(keys.drop_nulls(["_provider", "gpu_table_model"]), listed, ["_provider", "gpu_table_model"], "list",
                        where=same_region)
    df = df.join(negotiated, on="run_id", how="left", maintain_order="left")
    df = df.join(cloud, on="run_id", how="left", maintain_order="left")
    df = df.join(_owned_table(lib), left_on=["site_datacenter", "gpu_table_model"], right_on=["datacenter", "gpu_table_model"],
                 how="left", maintain_order="left")

    return df.with_columns(fold(rules(), COLUMNS))


#: What with_compute_prices adds (``compute_rate_per_gpu_hour`` is null when unpriced).
COLUMNS = {
    "compute_rate_per_gpu_hour": pl.Float64, "compute_rate_currency": pl.String, "compute_cost_basis": pl.String,
    "compute_price_source": pl.String, "compute_price_id": pl.String, "compute_price_date": pl.Date,
    "compute_price_date_rule": pl.String, "compute_provider": pl.String, "is_energy_in_compute_price": pl.Boolean,
    "compute_unpriced_reason": pl.String,
}
#: The rate may be the run's own explicit price: computed per run, not per profile.
PER_RUN = ("compute_rate_per_gpu_hour",)


def rules() -> list[Rule]:
    """explicit > owned (amortised) > negotiated > cloud list > unpriced, with the reason."""
    lit = pl.lit
    owned_site = pl.col("site_owned_hardware").is_not_null()
    dc = lit("datacenter ") + pl.col("datacenter")
    provider = pl.col("_provider")
    region = pl.coalesce(pl.col("_cloud_region"), pl.col("region_key"), lit("no region"))

    def unpriced(when: pl.Expr | None, reason: pl.Expr | str, provider_: pl.Expr | None = provider) -> Rule:
        return Rule(when, compute_cost_basis="unpriced", compute_provider=provider_, compute_unpriced_reason=reason)

    def dated(when: pl.Expr, prefix: str, basis: str, price_id: pl.Expr | None) -> Rule:
        return Rule(when, compute_rate_per_gpu_hour=pl.col(f"{prefix}_price"), compute_rate_currency=pl.col(f"{prefix}_currency"),
                    compute_cost_basis=basis, compute_price_source=pl.col(f"{prefix}_source"), compute_price_id=price_id,
                    compute_price_date=pl.col(f"{prefix}_effective_date"), compute_price_date_rule=pl.col(f"{prefix}_date_rule"),
                    compute_provider=provider, is_energy_in_compute_price=True)

    return [
        Rule(pl.col("compute_price_per_gpu_hour").is_not_null(),
             compute_rate_per_gpu_hour=pl.col("compute_price_per_gpu_hour"), compute_rate_currency=pl.col("compute_currency"),
             compute_cost_basis="explicit",
             compute_price_source="compute_price_per_gpu_hour in the run log (all-in: electricity included)",
             is_energy_in_compute_price=True),
        Rule(owned_site & pl.col("owned_price_per_gpu_hour").is_not_null(),
             compute_rate_per_gpu_hour=pl.col("owned_price_per_gpu_hour"), compute_rate_currency=pl.col("owned_currency"),
             compute_cost_basis="amortised", compute_price_source=pl.col("owned_source"), is_energy_in_compute_price=False),
        # an owned datacenter without the run's GPU model: not priced as if rented
        unpriced(owned_site & pl.col("gpu_table_model").is_null(),
                 dc + lit(" is owned, but the run's GPU model is not in hardware/gpu_power.csv"), provider_=None),
        unpriced(owned_site, dc + lit(" has owned_hardware, but none for ") + pl.col("gpu_table_model")
                 + lit(" (add it to the site file)"), provider_=None),
        dated(pl.col("neg_price").is_not_null() & (pl.col("neg_in_effect") | pl.col("run_date").is_null()), "neg", "negotiated",
              None),
        dated(pl.col("list_price").is_not_null(), "list", "cloud_list", pl.col("list_id")),
        unpriced(pl.col("gpu_table_model").is_null(), "no GPU model of hardware/gpu_power.csv: no compute price applies"),
        unpriced(provider.is_not_null(),
                 lit("no list price for ") + pl.col("gpu_table_model") + lit(" from ") + provider + lit(" in ") + region
                 + lit(" (tariffs/compute_prices.csv): add compute_rates to the site file or log compute_price_per_gpu_hour")),
        unpriced(None, "neither a cloud region nor a datacenter with owned_hardware or compute_provider: log "
                       "compute_price_per_gpu_hour or describe the datacenter in the site file"),
    ]


def _rate() -> pl.Expr:
    return fold(rules(), COLUMNS, only=PER_RUN)[0]
