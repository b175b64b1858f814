"""The user's site file (``datacenters.yaml``): each datacenter's region, PUE, tariff and
contractual instruments, validated with pydantic.

Example::

    datacenters:
      ca-colo-1:
        region: US-CAL-CISO
        pue: 1.35
        pue_source: "colo provider's 2024 PUE report"
        tariff: sce-tou-8-option-d-under-2kv     # time-of-use (tariffs/tou/): needs timezone
        timezone: America/Los_Angeles
        market:                                  # GHG Protocol Scope 2, market-based
          renewable_coverage_share: 0.4          # REC/PPA-covered share of consumption
          supplier_factor_kg_per_kwh: 0.21       # supplier-specific emission factor
          residual_mix_kg_per_kwh: 0.43          # for the uncovered share, if no supplier factor
          vintage_year: 2024                     # the instruments cover 2024 generation: 2024 runs only
          source: "PG&E 2024 power content label"
      par-dc:
        region: FR
        monthly_pue: [1.45, 1.44, 1.42, 1.40, 1.38, 1.36, 1.35, 1.35, 1.37, 1.40, 1.42, 1.44]
        price_per_kwh: 0.121
        currency: EUR
        price_source: "2024 supply contract"
        owned_hardware:                          # the servers are yours: compute cost is amortised
          H100-SXM:                              # a GPU model (any spelling of hardware/gpu_power.csv)
            purchase_price_per_server: 280000    # or purchase_price_per_gpu
            gpus_per_server: 8
            currency: EUR
            life_years: 4                        # straight-line depreciation
            utilisation: 0.8                     # expected busy share of the hours
            operations_cost_per_server_year: 15000   # optional; support, space, staff; NOT electricity
            source: "2024 purchase order PO-1234"
      tx-spot:
        region: US-TEX-ERCO
        price: {market: US-TEX-ERCO, adder_per_kwh: 0.03}   # indexed to a day-ahead market
                                                 # (tariffs/wholesale_markets.csv), priced hour by hour, USD
      aws-use1:
        region: aws:us-east-1                    # rented: the list price of tariffs/compute_prices.csv
        compute_rates:                           # optional negotiated rates, before list prices
          - gpu_model: H100-SXM
            price_per_gpu_hour: 4.10
            currency: USD
            effective_date: 2026-01-01
            source: "2026 enterprise agreement, schedule B"

A datacenter is rented (``compute_provider``, a cloud region such as ``aws:us-east-1``, or
``compute_rates``) or owned (``owned_hardware``), never both (docs/method.md, compute cost).
"""

from __future__ import annotations

from datetime import date
import re
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
import yaml
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wattledger.factors.errors import FactorError
from wattledger.factors.names import datacenter_key, normalise_model
from wattledger.yamlfile import parse_yaml, yaml_problem

if TYPE_CHECKING:
    from wattledger.factors.tables import ReferenceTables


class SiteFileError(Exception):
    """The site file is unreadable or invalid; the message names the file, the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MarketInstruments(_Strict):
    """Contractual instruments for market-based Scope 2 accounting (GHG Protocol Scope 2 Guidance, ch. 7)."""

    renewable_coverage_share: float = Field(0.0, ge=0.0, le=1.0, description="share of consumption covered by RECs/PPAs [-]")
    supplier_factor_kg_per_kwh: float | None = Field(None, ge=0.0, le=2.0, description="[kgCO2e/kWh]")
    residual_mix_kg_per_kwh: float | None = Field(None, ge=0.0, le=2.0, description="[kgCO2e/kWh]")
    vintage_year: int | None = Field(None, ge=2000, le=2100, description="year of the generation the RECs/PPAs cover: "
                                     "applied only to runs of that year (GHG Protocol Scope 2 Quality Criteria)")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _uncovered_share_needs_a_factor(self):
        if self.renewable_coverage_share < 1 and self.supplier_factor_kg_per_kwh is None and self.residual_mix_kg_per_kwh is None:
            raise ValueError(
                "the share not covered by RECs/PPAs needs supplier_factor_kg_per_kwh or residual_mix_kg_per_kwh"
            )
        return self


class OwnedHardware(_Strict):
    """Servers the company owns, for one GPU model: amortised straight-line into a price per GPU-hour."""

    purchase_price_per_server: float | None = Field(None, gt=0.0, description="[currency]")
    purchase_price_per_gpu: float | None = Field(None, gt=0.0, description="[currency], with its share of the server")
    gpus_per_server: int | None = Field(None, ge=1, le=64)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    life_years: float = Field(gt=0.0, le=15.0, description="depreciation life [year]")
    utilisation: float = Field(gt=0.0, le=1.0, description="expected busy share of the hours [-]")
    operations_cost_per_server_year: float | None = Field(None, ge=0.0, description="excluding electricity [currency/year]")
    operations_cost_per_gpu_year: float | None = Field(None, ge=0.0, description="excluding electricity [currency/year]")
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_form_each(self):
        if (self.purchase_price_per_server is None) == (self.purchase_price_per_gpu is None):
            raise ValueError("give purchase_price_per_server (with gpus_per_server) or purchase_price_per_gpu, one of them")
        if self.operations_cost_per_server_year is not None and self.operations_cost_per_gpu_year is not None:
            raise ValueError("give operations_cost_per_server_year or operations_cost_per_gpu_year, not both")
        per_server = self.purchase_price_per_server is not None or self.operations_cost_per_server_year is not None
        if per_server and self.gpus_per_server is None:
            raise ValueError("a per-server price or cost needs gpus_per_server")
        return self

    @property
    def price_per_gpu(self) -> float:
        """Purchase price of one GPU with its share of the server. [currency]"""
        if self.purchase_price_per_gpu is not None:
            return self.purchase_price_per_gpu
        return self.purchase_price_per_server / self.gpus_per_server

    @property
    def operations_per_gpu_year(self) -> float:
        """Yearly operations cost of one GPU's share, 0 when none is given. [currency/year]"""
        if self.operations_cost_per_gpu_year is not None:
            return self.operations_cost_per_gpu_year
        if self.operations_cost_per_server_year is not None:
            return self.operations_cost_per_server_year / self.gpus_per_server
        return 0.0


class ComputeRate(_Strict):
    """A negotiated price per GPU-hour of a rented datacenter, from ``effective_date`` on."""

    gpu_model: str = Field(min_length=1)
    price_per_gpu_hour: float = Field(gt=0.0, le=100.0, description="[currency/GPU-hour], electricity included")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    effective_date: date
    source: str = Field(min_length=1)


class MarketPrice(_Strict):
    """Electricity indexed to a wholesale day-ahead market: its hourly price + a fixed adder
    (wattledger.factors.market_price). The adder is in the market's currency (USD)."""

    market: str = Field(min_length=1, description="a market of tariffs/wholesale_markets.csv, e.g. US-TEX-ERCO")
    adder_per_kwh: float = Field(0.0, ge=-1.0, le=10.0, description="[currency/kWh] on top of the market price")
    source: str | None = Field(None, description="the contract the adder comes from")


class Datacenter(_Strict):
    region: str | None = Field(None, min_length=1)
    pue: float | None = Field(None, ge=1.0, le=3.0)
    monthly_pue: list[float] | None = None
    pue_source: str | None = None
    tariff: str | None = Field(None, min_length=1, description="a tariff_id of tariffs/flat_prices.csv or tariffs/tou/")
    timezone: str | None = Field(None, description="IANA time zone of the site: a time-of-use tariff's schedule is local")
    price_per_kwh: float | None = Field(None, ge=0.0, le=10.0)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    price_source: str | None = None
    price: MarketPrice | None = Field(None, description="electricity indexed to a wholesale market, priced hour by hour")
    grid_intensity_kg_per_kwh: float | None = Field(None, ge=0.0, le=2.0)
    grid_intensity_source: str | None = None
    market: MarketInstruments | None = None
    compute_provider: str | None = Field(
        None, pattern=r"^[a-z0-9][a-z0-9-]*$",
        description="the cloud the GPUs are rented from (a provider of tariffs/compute_prices.csv); default: the region's prefix",
    )
    owned_hardware: dict[str, OwnedHardware] | None = Field(None, description="by GPU model")
    compute_rates: list[ComputeRate] | None = None
    wue: float | None = Field(None, ge=0.0, le=10.0, description="water usage effectiveness: site water / IT energy [L/kWh]")
    wue_source: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown IANA time zone {value!r} (e.g. America/Los_Angeles)") from None
        return value

    @model_validator(mode="after")
    def _consistent(self):
        if self.pue is not None and self.monthly_pue is not None:
            raise ValueError("give pue or monthly_pue, not both")
        if self.monthly_pue is not None:
            if len(self.monthly_pue) != 12:
                raise ValueError(f"monthly_pue needs 12 values (January..December), got {len(self.monthly_pue)}")
            if not all(1.0 <= p <= 3.0 for p in self.monthly_pue):
                raise ValueError("every monthly_pue value must be between 1.0 and 3.0")
        if (self.pue is not None or self.monthly_pue is not None) and not self.pue_source:
            raise ValueError("pue needs pue_source (where the figure comes from)")
        if self.price_per_kwh is not None and (self.currency is None or not self.price_source):
            raise ValueError("price_per_kwh needs currency and price_source")
        if self.price_per_kwh is not None and self.tariff is not None:
            raise ValueError("give tariff or price_per_kwh, not both")
        if self.price is not None and (self.price_per_kwh is not None or self.tariff is not None):
            raise ValueError("give one of price (a market), tariff or price_per_kwh")
        if self.wue is not None and not self.wue_source:
            raise ValueError("wue needs wue_source (where the figure comes from)")
        if self.grid_intensity_kg_per_kwh is not None and not self.grid_intensity_source:
            raise ValueError("grid_intensity_kg_per_kwh needs grid_intensity_source")
        if self.owned_hardware is not None:
            if self.compute_provider is not None or self.compute_rates is not None:
                raise ValueError("a datacenter is owned (owned_hardware) or rented (compute_provider, compute_rates), not both")
            if self.region is not None and ":" in self.region and not self.region.lower().startswith("eia:"):
                raise ValueError(f"owned_hardware in the cloud region {self.region!r}: a cloud region is rented")
        return self


class SiteFile(_Strict):
    datacenters: dict[str, Datacenter]

    @model_validator(mode="after")
    def _names_distinct_ignoring_case(self) -> SiteFile:
        """Runs name datacenters ignoring case and surrounding spaces (like regions), so two
        names equal that way (``PAR-DC`` and ``par-dc``) would be one datacenter twice."""
        first: dict[str, str] = {}
        for name in self.datacenters:
            other = first.setdefault(datacenter_key(name), name)
            if other != name:
                raise ValueError(f"datacenters {other!r} and {name!r} are the same name (datacenter names are "
                                 "matched ignoring case and surrounding spaces): give each datacenter once")
        return self


def _location(err: dict) -> str:
    return ".".join(str(p) for p in err["loc"])


def load_sites(path: Path) -> SiteFile:
    """Read and validate a site file; raise :class:`SiteFileError` naming file, key and problem."""
    path = Path(path)
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SiteFileError(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError:
        raise SiteFileError(f"{path}: not valid UTF-8 text") from None
    except yaml.YAMLError as err:
        raise SiteFileError(f"{path}: {yaml_problem(err)}") from None
    try:
        return SiteFile.model_validate(data)
    except ValidationError as err:
        problems = "; ".join(f"{_location(e) or '(top level)'}: {_plain(e)}" for e in err.errors())
        raise SiteFileError(f"{path}: {problems}") from None


#: The validator's wording of a problem, said in terms of the YAML file (no class names).
_PLAIN = {
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list (lines starting with '- ')",
    "missing": "required, missing",
    "extra_forbidden": "not a key of the site file (docs/factors.md lists them)",
    "string_type": "expected text",
    "bool_parsing": "expected true or false",
}


def _plain(e: dict) -> str:
    """One validation problem in the site file's terms, with the value found where it helps."""
    kind = e.get("type", "")
    if kind in _PLAIN:
        return _PLAIN[kind]
    given = f", got {e['input']!r}" if "input" in e and not isinstance(e["input"], dict | list) else ""
    bounds = {"greater_than": "more than", "greater_than_equal": "at least", "less_than": "less than",
              "less_than_equal": "at most"}
    if kind in bounds and e.get("ctx"):
        limit = next(iter(e["ctx"].values()))
        return f"must be {bounds[kind]} {f'{limit:g}' if isinstance(limit, int | float) else limit}{given}"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number{given}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number{given}"
    msg = str(e.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    msg = re.sub(r" or instance of \w+", "", msg).replace("Input should be", "expected")
    return msg + (given if msg.startswith("expected") else "")


#: Polars types of the datacenters table's nested columns (sql/migrations/007_compute_cost.sql).
OWNED_HARDWARE_DTYPE = pl.List(pl.Struct({
    "gpu_model": pl.String, "purchase_price_per_server": pl.Float64, "purchase_price_per_gpu": pl.Float64,
    "gpus_per_server": pl.Int32, "currency": pl.String, "life_years": pl.Float64, "utilisation": pl.Float64,
    "operations_cost_per_server_year": pl.Float64, "operations_cost_per_gpu_year": pl.Float64, "source": pl.String,
}))
COMPUTE_RATES_DTYPE = pl.List(pl.Struct({
    "gpu_model": pl.String, "price_per_gpu_hour": pl.Float64, "currency": pl.String, "effective_date": pl.Date,
    "source": pl.String,
}))

#: Columns a datacenter row brings (the ``datacenters`` table, or none), in its order.
SITE_SCHEMA = {
    "datacenter": pl.String,
    "region": pl.String,
    "pue": pl.Float64,
    "monthly_pue": pl.List(pl.Float64),
    "pue_source": pl.String,
    "tariff_id": pl.String,
    "timezone": pl.String,
    "price_per_kwh": pl.Float64,
    "currency": pl.String,
    "price_source": pl.String,
    "grid_intensity_kg_per_kwh": pl.Float64,
    "grid_intensity_source": pl.String,
    "renewable_coverage_share": pl.Float64,
    "supplier_factor_kg_per_kwh": pl.Float64,
    "residual_mix_kg_per_kwh": pl.Float64,
    "market_source": pl.String,
    "market_vintage_year": pl.Int32,
    # who runs the GPUs (wattledger.factors.compute_price): rented from a provider, or owned hardware
    "compute_provider": pl.String,
    "owned_hardware": OWNED_HARDWARE_DTYPE,
    "compute_rates": COMPUTE_RATES_DTYPE,
    # water (wattledger.factors.water): the site's WUE [L/kWh]
    "wue": pl.Float64,
    "wue_source": pl.String,
    # electricity indexed to a wholesale market (wattledger.factors.market_price)
    "price_market": pl.String,
    "price_adder_per_kwh": pl.Float64,
}


def sites_frame(sites: SiteFile) -> pl.DataFrame:
    """One row per datacenter, shaped as the ``datacenters`` table (without file columns)."""
    rows = []
    for name, dc in sites.datacenters.items():
        m = dc.market
        rows.append(
            {
                "datacenter": name,
                "region": dc.region,
                "pue": dc.pue,
                "monthly_pue": dc.monthly_pue,
                "pue_source": dc.pue_source,
                "tariff_id": dc.tariff,
                "timezone": dc.timezone,
                "price_per_kwh": dc.price_per_kwh,
                "currency": dc.currency,
                "price_source": dc.price_source,
                "grid_intensity_kg_per_kwh": dc.grid_intensity_kg_per_kwh,
                "grid_intensity_source": dc.grid_intensity_source,
                "renewable_coverage_share": m.renewable_coverage_share if m else None,
                "supplier_factor_kg_per_kwh": m.supplier_factor_kg_per_kwh if m else None,
                "residual_mix_kg_per_kwh": m.residual_mix_kg_per_kwh if m else None,
                "market_source": m.source if m else None,
                "market_vintage_year": m.vintage_year if m else None,
                "compute_provider": dc.compute_provider,
                "owned_hardware": None if dc.owned_hardware is None else [
                    {"gpu_model": model, "purchase_price_per_server": h.purchase_price_per_server,
                     "purchase_price_per_gpu": h.price_per_gpu, "gpus_per_server": h.gpus_per_server, "currency": h.currency,
                     "life_years": h.life_years, "utilisation": h.utilisation,
                     "operations_cost_per_server_year": h.operations_cost_per_server_year,
                     "operations_cost_per_gpu_year": h.operations_per_gpu_year, "source": h.source}
                    for model, h in dc.owned_hardware.items()
                ],
                "compute_rates": None if dc.compute_rates is None else [r.model_dump() for r in dc.compute_rates],
                "wue": dc.wue,
                "wue_source": dc.wue_source,
                "price_market": dc.price.market if dc.price else None,
                "price_adder_per_kwh": dc.price.adder_per_kwh if dc.price else None,
            }
        )
    return pl.DataFrame(rows, schema=SITE_SCHEMA)


def check_sites(tables: ReferenceTables, sites: pl.DataFrame, path: str) -> None:
    """Every tariff a datacenter names must exist (flat or time-of-use); a time-of-use tariff
    needs the site's time zone; GPU models of owned hardware and negotiated rates must be in
    hardware/gpu_power.csv. Raises FactorError naming the key."""
    flat = set(tables.tariffs_by_id["tariff_id"].to_list())
    for r in sites.filter(pl.col("tariff_id").is_not_null()).iter_rows(named=True):
        key = f"{path}: datacenters.{r['datacenter']}.tariff"
        if r["tariff_id"] in tables.tou_tariffs:
            if not r["timezone"]:
                raise FactorError(f"{key}: {r['tariff_id']!r} is a time-of-use tariff: its schedule is in local "
                                  f"time, so the datacenter needs 'timezone' (e.g. America/Los_Angeles)")
        elif r["tariff_id"] not in flat:
            raise FactorError(
                f"{key}: unknown tariff {r['tariff_id']!r} (use a tariff_id of tariffs/flat_prices.csv, e.g. "
                f"eia861:US-CA:industrial:2024, or of tariffs/tou/: {', '.join(sorted(tables.tou_tariffs))})"
            )
    markets = set(tables.market_grid.markets)
    for r in sites.filter(pl.col("price_market").is_not_null()).iter_rows(named=True):
        if r["price_market"] not in markets:
            raise FactorError(f"{path}: datacenters.{r['datacenter']}.price.market: unknown market {r['price_market']!r} "
                              f"(one of tariffs/wholesale_markets.csv: {', '.join(sorted(markets))})")
    canonical = dict(tables.gpu_aliases.select("model_key", "gpu_model").iter_rows())
    for r in sites.select("datacenter", "owned_hardware", "compute_rates").iter_rows(named=True):
        named = [(f"owned_hardware.{h['gpu_model']}", h["gpu_model"]) for h in r["owned_hardware"] or []]
        named += [(f"compute_rates.{i}.gpu_model", c["gpu_model"]) for i, c in enumerate(r["compute_rates"] or [])]
        owned: dict[str, str] = {}
        for where, model in named:
            table_model = canonical.get(pl.select(normalise_model(pl.lit(model))).item())
            if table_model is None:
                raise FactorError(f"{path}: datacenters.{r['datacenter']}.{where}: GPU model {model!r} is not in "
                                  "hardware/gpu_power.csv (use a gpu_model or alias of that table, e.g. H100-SXM)")
            if where.startswith("owned_hardware.") and owned.setdefault(table_model, model) != model:
                raise FactorError(f"{path}: datacenters.{r['datacenter']}.{where}: {model!r} and {owned[table_model]!r} "
                                  f"are both {table_model}: give each GPU model once")
