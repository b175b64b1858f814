"""Compute cost of each run: which price a GPU-hour has, and the run's total cost beside electricity.

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
            and region (or a row for every region of the provider), the latest effective on
            the run's start date; none yet: the earliest later row (date rule
            ``later_than_run``); a run without a start takes the latest row
            (``latest_for_undated_run``).
unpriced    none applies: no compute cost, and the reason in ``cost_note`` (never a guess).

Rented and explicit prices include electricity: their ``energy_cost`` is the electricity
embedded in the price, shown for information and never added again. Amounts in two
currencies are never added (no conversion): such a total is null, with the reason.
"""

from __future__ import annotations

import weakref
from types import SimpleNamespace

import polars as pl

from wattledger.factors import HOURS_PER_YEAR, FactorLibrary, FactorError, by_profile, normalise_model
from wattledger.kernel import amortised_price_per_gpu_hour, compute_cost, energy_cost_share, total_cost

#: Columns of tariffs/compute_prices.csv, in order (tariffs/README.md).
PRICE_TABLE_COLUMNS = (
    "price_id", "provider", "instance_type", "region", "gpu_model", "gpus_per_instance", "price_per_instance_hour",
    "price_per_gpu_hour", "currency", "pricing", "effective_date", "source", "url", "licence", "note",
)
_REQUIRED = ("price_id", "provider", "instance_type", "gpu_model", "gpus_per_instance", "price_per_gpu_hour", "currency",
             "pricing", "effective_date", "source", "url")
#: A price per GPU-hour above this is a unit mistake (a price per instance-month, or in cents). [currency/GPU-hour]
MAX_PRICE_PER_GPU_HOUR = 100.0

_STRING_COLUMNS = {"compute_price_per_gpu_hour": pl.Float64, "compute_currency": pl.String}


def read_compute_prices(path, gpu_aliases: pl.DataFrame) -> pl.DataFrame:
    """The list-price table, validated; raises FactorError naming the file, the line and the problem.

    Adds ``model_key`` (the GPU model, normalised) and parses ``effective_date``.
    """
    name = f"tariffs/{path.name}"
    table = pl.read_csv(path, infer_schema=False)
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
        pl.col("effective_date").str.to_date("%Y-%m-%d", strict=False).alias("effective_date"),
        normalise_model(pl.col("gpu_model")).alias("model_key"),
        pl.col("region").str.strip_chars().str.to_lowercase(),
    )
    bad_date = table.filter(pl.col("effective_date").is_null())
    if bad_date.height:
        raise FactorError(f"{name} line {bad_date['line'][0]}: effective_date is not an ISO date (YYYY-MM-DD)")
    unknown = table.join(gpu_aliases.select("model_key"), on="model_key", how="anti")
    if unknown.height:
        raise FactorError(f"{name} line {unknown['line'][0]}: GPU model {unknown['gpu_model'][0]!r} is not in hardware/gpu_power.csv")
    dup = table.filter(pl.struct("provider", "region", "model_key", "effective_date").is_duplicated())
    if dup.height:
        raise FactorError(f"{name} lines {', '.join(map(str, dup['line'].to_list()))}: two prices for one provider, region, "
                          "GPU model and effective_date (a run could not tell which applies)")
    return table


#: The list-price table read for each library (it caches its other tables the same way: once).
_PRICE_TABLES: weakref.WeakKeyDictionary[FactorLibrary, pl.DataFrame] = weakref.WeakKeyDictionary()


def _price_table(lib: FactorLibrary) -> pl.DataFrame:
    """``read_compute_prices`` of the library's tariffs, read and validated once per library
    (not once per batch and rule: compute prices every batch of runs)."""
    table = _PRICE_TABLES.get(lib)
    if table is None:
        table = _PRICE_TABLES[lib] = read_compute_prices(lib.reference_path("tariffs", "compute_prices.csv"), lib.gpu_aliases)
    return table


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
    in_effect = ~undated & (pl.col("effective_date") <= pl.col("run_date"))
    days = pl.col("effective_date").cast(pl.Int32)
    return (
        joined.with_columns(
            in_effect.alias("in_effect"),
            pl.when(undated | in_effect).then(-days).otherwise(days).alias("_order"),
            pl.when(undated).then(pl.lit("latest_for_undated_run")).when(in_effect).then(pl.lit("in_effect"))
            .otherwise(pl.lit("later_than_run")).alias("date_rule"),
        )
        .sort(["run_id", "in_effect", "specific", "_order"], descending=[False, True, True, False])
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
                            lambda df: df.with_columns(_rate()), ("compute_rate_per_gpu_hour",))
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
    """Every effective date of a negotiated rate or a list price, sorted."""
    rates = lib.sites.select(pl.col("compute_rates").explode().struct.field("effective_date")).to_series()
    listed = _price_table(lib)["effective_date"]
    return pl.concat([rates.drop_nulls(), listed]).unique().sort()


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
    keys = df.select("run_id", "run_date", "datacenter", "gpu_table_model", "_provider", "_cloud_region")

    # negotiated rates of the run's datacenter
    rates = (
        lib.sites.select("datacenter", "compute_rates").explode("compute_rates").drop_nulls("compute_rates")
        .unnest("compute_rates")
        .with_columns(normalise_model(pl.col("gpu_model")).alias("model_key"))
        .join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_table_model")), on="model_key")
        .select("datacenter", "gpu_table_model", "effective_date", pl.col("price_per_gpu_hour").alias("price"), "currency",
                (lit("datacenter ") + pl.col("datacenter") + lit(" compute_rates ") + pl.col("gpu_model") + lit(" from ")
                 + pl.col("effective_date").cast(pl.String) + lit(": ") + pl.col("source")).alias("source"),
                lit(None, pl.String).alias("id"), lit(1).alias("specific"))
    )
    negotiated = _pick_dated(keys.drop_nulls(["datacenter", "gpu_table_model"]), rates, ["datacenter", "gpu_table_model"], "neg")

    # list prices of the run's provider, GPU model and region (or every region)
    table = _price_table(lib)
    listed = table.join(lib.gpu_aliases.select("model_key", pl.col("gpu_model").alias("gpu_table_model")), on="model_key").select(
        pl.col("provider").alias("_provider"), "gpu_table_model", pl.col("region").alias("_row_region"), "effective_date",
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
    df = df.join(_owned_table(lib), on=["datacenter", "gpu_table_model"], how="left", maintain_order="left")

    t = _rule_terms()
    chain = _first_rule
    region = pl.coalesce(pl.col("_cloud_region"), pl.col("region_key"), lit("no region"))
    reason = (
        pl.when(t.explicit).then(lit(None, pl.String))
        .when(t.owned_site & ~t.owned).then(
            pl.when(pl.col("gpu_table_model").is_null())
            .then(lit("datacenter ") + pl.col("datacenter") + lit(" is owned, but the run's GPU model is not in hardware/gpu_power.csv"))
            .otherwise(lit("datacenter ") + pl.col("datacenter") + lit(" has owned_hardware, but none for ")
                       + pl.col("gpu_table_model") + lit(" (add it to the site file)")))
        .when(t.owned | t.neg | t.listed_hit).then(lit(None, pl.String))
        .when(pl.col("gpu_table_model").is_null()).then(lit("no GPU model of hardware/gpu_power.csv: no compute price applies"))
        .when(pl.col("_provider").is_not_null()).then(
            lit("no list price for ") + pl.col("gpu_table_model") + lit(" from ") + pl.col("_provider") + lit(" in ") + region
            + lit(" (tariffs/compute_prices.csv): add compute_rates to the site file or log compute_price_per_gpu_hour"))
        .otherwise(lit("neither a cloud region nor a datacenter with owned_hardware or compute_provider: log "
                       "compute_price_per_gpu_hour or describe the datacenter in the site file"))
    )
    return df.with_columns(
        _rate(),
        chain(pl.col("compute_currency"), pl.col("owned_currency"), pl.col("neg_currency"),
              pl.col("list_currency")).alias("compute_rate_currency"),
        chain(lit("explicit"), lit("amortised"), lit("negotiated"), lit("cloud_list"), lit("unpriced"))
        .fill_null(lit("unpriced")).alias("compute_cost_basis"),
        chain(lit("compute_price_per_gpu_hour in the run log (all-in: electricity included)"), pl.col("owned_source"),
              pl.col("neg_source"), pl.col("list_source")).alias("compute_price_source"),
        chain(lit(None, pl.String), lit(None, pl.String), lit(None, pl.String), pl.col("list_id")).alias("compute_price_id"),
        chain(lit(None, pl.Date), lit(None, pl.Date), pl.col("neg_effective_date"),
              pl.col("list_effective_date")).alias("compute_price_date"),
        chain(lit(None, pl.String), lit(None, pl.String), pl.col("neg_date_rule"),
              pl.col("list_date_rule")).alias("compute_price_date_rule"),
        pl.when(t.explicit | t.owned_site).then(lit(None, pl.String)).otherwise(pl.col("_provider")).alias("compute_provider"),
        chain(lit(True), lit(False), lit(True), lit(True)).alias("is_energy_in_compute_price"),
        reason.alias("compute_unpriced_reason"),
    )


def _rule_terms() -> SimpleNamespace:
    """Which price rule applies: explicit > owned (amortised) > negotiated > cloud list."""
    owned_site = pl.col("site_owned_hardware").is_not_null()
    return SimpleNamespace(
        explicit=pl.col("compute_price_per_gpu_hour").is_not_null(),
        owned_site=owned_site,
        owned=owned_site & pl.col("owned_price_per_gpu_hour").is_not_null(),
        neg=pl.col("neg_price").is_not_null() & (pl.col("neg_in_effect") | pl.col("run_date").is_null()),
        listed_hit=pl.col("list_price").is_not_null(),
    )


def _first_rule(explicit_v, owned_v, neg_v, list_v, otherwise=None) -> pl.Expr:
    """The value of the first rule that applies (an owned datacenter without the GPU model: null)."""
    t = _rule_terms()
    return (pl.when(t.explicit).then(explicit_v).when(t.owned_site).then(pl.when(t.owned).then(owned_v))
            .when(t.neg).then(neg_v).when(t.listed_hit).then(list_v).otherwise(otherwise))


def _rate() -> pl.Expr:
    return _first_rule(pl.col("compute_price_per_gpu_hour"), pl.col("owned_price_per_gpu_hour"), pl.col("neg_price"),
                       pl.col("list_price")).alias("compute_rate_per_gpu_hour")


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
