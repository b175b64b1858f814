"""Build the hourly wholesale day-ahead electricity prices of one year for wattledger.

Reads the standardized price files copied from HewlettPackard/sustain-cluster
(``data/electricity_prices/standardized/<MARKET>/<YEAR>/<MARKET>_electricity_prices_<YEAR>.csv``:
``Datetime (UTC)``, ``Datetime (Local)``, ``Price (USD/MWh)``; MIT, underlying market data of
ENTSO-E, AEMO, IESO, ERCOT, CAISO, NYISO, PJM, JEPX, KPX, EMC, ONS, Eskom, ...) and writes:

* ``tariffs/wholesale_prices_<YEAR>.csv`` — one row per UTC hour (``hour_start_utc``), one column
  per market whose hours start on the UTC hour [USD/MWh, as the source: negative prices kept];
* ``tariffs/wholesale_prices_<YEAR>_half_hour.csv`` — the same for markets whose hours start at
  half past the UTC hour (IN-WE: India's local hours, UTC+05:30);
* ``tariffs/wholesale_markets.csv`` — the market registry: market, year, file, column, currency,
  unit, hours, first and last hour, hour convention, source, licence.

Checks (the build fails otherwise): every hour of the year once, consecutive, no missing price;
``Datetime (Local)`` minus its UTC offset equals ``Datetime (UTC)`` on every row.

Usage: python scripts/build_wholesale_prices.py [--source DIR] [--year 2024] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
from datetime import timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "wholesale_prices_hourly" / "data" / "electricity_prices" / "standardized"
SOURCE = ("HewlettPackard/sustain-cluster data/electricity_prices/standardized (commit 293fbd152dae), "
          "day-ahead wholesale prices converted to USD at fixed exchange rates")
LICENCE = "MIT (HewlettPackard/sustain-cluster); underlying market data of the market operator"
URL = "https://github.com/HewlettPackard/sustain-cluster/tree/main/data/electricity_prices"
CONVENTION = "UTC hour start (delivery hour of the day-ahead auction; the source's local time with offset agrees on every row)"
COLUMNS = ["market", "year", "file", "column", "currency", "unit", "hours", "first_hour_start_utc", "last_hour_start_utc",
           "min_price", "mean_price", "max_price", "hour_convention", "source", "licence", "url"]


def read_market(path: Path) -> pl.DataFrame:
    d = pl.read_csv(path, infer_schema_length=None)
    utc = d["Datetime (UTC)"].str.to_datetime("%Y-%m-%d %H:%M:%S%z").dt.convert_time_zone("UTC")
    local = d["Datetime (Local)"].str.to_datetime("%Y-%m-%d %H:%M:%S%z").dt.convert_time_zone("UTC")
    if not (utc == local).all():
        raise SystemExit(f"{path}: local time and UTC disagree")
    if utc.diff().drop_nulls().unique().to_list() != [timedelta(hours=1)] or utc.n_unique() != utc.len():
        raise SystemExit(f"{path}: hours are not consecutive and unique")
    price = d["Price (USD/MWh)"].cast(pl.Float64)
    if price.null_count() or price.is_nan().any():
        raise SystemExit(f"{path}: missing prices")
    # 4 decimals of USD/MWh (1e-7 USD/kWh): the registry's min/mean/max are of the values shipped
    return pl.DataFrame({"t": utc, "price": price.round(4)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--out", type=Path, default=ROOT / "tariffs", help="folder to write (default tariffs/)")
    args = ap.parse_args()
    markets = sorted(p.name for p in args.source.iterdir() if (p / str(args.year)).is_dir())
    files: dict[str, dict[str, list]] = {}
    registry = []
    for market in markets:
        d = read_market(args.source / market / str(args.year) / f"{market}_electricity_prices_{args.year}.csv")
        minute = d["t"][0].minute
        name = f"wholesale_prices_{args.year}.csv" if minute == 0 else f"wholesale_prices_{args.year}_half_hour.csv"
        table = files.setdefault(name, {"hour_start_utc": d["t"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_list()})
        if table["hour_start_utc"] != d["t"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_list():
            raise SystemExit(f"{market}: hours differ from the other markets of {name}")
        table[market] = [repr(v) for v in d["price"].to_list()]
        registry.append({
            "market": market, "year": args.year, "file": name, "column": market, "currency": "USD", "unit": "USD/MWh",
            "hours": d.height, "first_hour_start_utc": table["hour_start_utc"][0],
            "last_hour_start_utc": table["hour_start_utc"][-1], "min_price": d["price"].min(),
            "mean_price": round(float(d["price"].mean()), 4), "max_price": d["price"].max(),
            "hour_convention": CONVENTION, "source": SOURCE, "licence": LICENCE, "url": URL,
        })
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for name, table in files.items():
        pl.DataFrame(table).write_csv(out / name)
    with (out / "wholesale_markets.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(registry)
    print(f"{len(markets)} markets -> {', '.join(sorted(files))}")


if __name__ == "__main__":
    main()
