"""Build the 2024 hourly grid intensity of 16 Electricity Maps zones (ODbL) for wattledger.

Reads the Electricity Maps hourly exports as copied from HewlettPackard/sustain-cluster
(``data/carbon_intensity/<ZONE>/<YEAR>/<ZONE>_<YEAR>_hourly.csv``, see that folder's
Carbon_Intensity_Data_Guide.md) and writes, for one year:

* ``grid_intensity/hourly_electricitymaps_<YEAR>.csv`` — one row per UTC hour
  (``hour_start_utc``), one column per zone: the **lifecycle** intensity (the guide's
  "Carbon Intensity gCO2eq/kWh (LCA)" column, wattledger's INTENSITY_SCOPE) in kgCO2e/kWh;
* ``grid_intensity/hourly_electricitymaps_<YEAR>_filled.csv`` — the hours the source marks
  ``Data Estimated = true``, as runs of consecutive hours per zone (region,
  first_hour_start_utc, hours, estimation_method): the filled hours, flagged;
* the zone's rows of ``grid_intensity/hourly_registry.csv`` (the series registry), replaced.

Hour convention, checked from the data (docs/time_resolved.md): the timestamps are UTC, every
hour of the year present once, consecutive, no daylight-saving step; they mark the START of
the hour (in solar-dominated zones the centroid of the midday intensity dip lies 0.1-0.6 h
before solar noon, as an hour-start stamp gives, not 0.5 h after). The checks below fail the
build if the hours are not exactly the year's UTC hours.

Usage: python scripts/build_hourly_electricitymaps.py [--source DIR] [--year 2024] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "electricitymaps_hourly" / "data" / "carbon_intensity"
LCA = "Carbon Intensity gCO₂eq/kWh (LCA)"
SOURCE = ("Electricity Maps hourly carbon intensity (lifecycle, 'Carbon Intensity gCO2eq/kWh (LCA)'), "
          "via HewlettPackard/sustain-cluster data/carbon_intensity, commit 293fbd152dae")
LICENCE = "ODbL 1.0 (Electricity Maps; attribution required, share-alike for derived databases)"
URL = "https://portal.electricitymaps.com/datasets"
CONVENTION = "UTC hour start (checked: consecutive UTC hours, no DST step; midday dip centred before solar noon)"
REGISTRY_COLUMNS = ["region", "year", "file", "column", "aliases", "basis", "hours", "filled_hours",
                    "first_hour_start_utc", "last_hour_start_utc", "hour_convention", "source", "licence", "url"]


def read_zone(path: Path, year: int) -> pl.DataFrame:
    """One zone's hours: hour_start_utc (text), intensity_kg_per_kwh, is_filled, method, zone id."""
    d = pl.read_csv(path, infer_schema_length=None, schema_overrides={"Data Estimated": pl.String})
    t = d["Datetime (UTC)"].str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC")
    first = datetime(year, 1, 1, tzinfo=UTC)
    n = int((datetime(year + 1, 1, 1, tzinfo=UTC) - first) / timedelta(hours=1))
    expected = pl.datetime_range(first, first + timedelta(hours=n - 1), "1h", time_zone="UTC", eager=True)
    if t.len() != n or not (t == expected).all():
        raise SystemExit(f"{path}: the rows are not the {n} consecutive UTC hours of {year}")
    lca = d[LCA].cast(pl.Float64)
    if lca.null_count() or (lca <= 0).any():
        raise SystemExit(f"{path}: missing or non-positive lifecycle intensity")
    return pl.DataFrame({
        "hour_start_utc": t.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "intensity_kg_per_kwh": lca / 1000.0,
        "is_filled": d["Data Estimated"].str.to_lowercase() == "true",
        "method": d["Data Estimation Method"].cast(pl.String).fill_null(""),
        "zone_id": d["Zone Id"],
    })


def filled_runs(zone: str, d: pl.DataFrame) -> list[tuple]:
    """Consecutive filled hours with one estimation method, as (region, first hour, hours, method)."""
    out, start, method, count = [], None, None, 0
    for hour, filled, m in zip(d["hour_start_utc"], d["is_filled"], d["method"], strict=True):
        if filled and start is not None and m == method:
            count += 1
            continue
        if start is not None:
            out.append((zone, start, count, method))
        start, method, count = (hour, m, 1) if filled else (None, None, 0)
    if start is not None:
        out.append((zone, start, count, method))
    return out


EIA_FILE = "hourly_us_ba_2022.csv"


def eia_rows() -> list[dict]:
    """Registry rows of the EIA-930 2022 series (long format: its ``region`` column names the
    series), from their provenance table grid_intensity/hourly_series.csv."""
    rows = []
    with (ROOT / "grid_intensity" / "hourly_series.csv").open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            rows.append({
                "region": r["region"], "year": r["year"], "file": EIA_FILE, "column": "", "aliases": "",
                "basis": r["basis"], "hours": r["hours"], "filled_hours": r["filled_hours"],
                "first_hour_start_utc": r["first_hour_start_utc"], "last_hour_start_utc": r["last_hour_start_utc"],
                "hour_convention": "UTC hour start (source stamps mark the hour's end: shifted by -1 h, hourly_series.csv)",
                "source": r["source"], "licence": r["licence"], "url": r["url"],
            })
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--out", type=Path, default=ROOT / "grid_intensity", help="folder to write (default grid_intensity/)")
    args = ap.parse_args()
    zones = sorted(p.name for p in args.source.iterdir() if (p / str(args.year)).is_dir())
    wide: dict[str, list] = {}
    filled, registry = [], []
    name = f"hourly_electricitymaps_{args.year}.csv"
    for zone in zones:
        d = read_zone(args.source / zone / str(args.year) / f"{zone}_{args.year}_hourly.csv", args.year)
        wide.setdefault("hour_start_utc", d["hour_start_utc"].to_list())
        # the source has 2 decimals in g/kWh: 5 decimals in kg/kWh keep them exactly
        wide[zone] = [f"{v:.5f}" for v in d["intensity_kg_per_kwh"].to_list()]
        filled += filled_runs(zone, d)
        zone_id = d["zone_id"][0]
        registry.append({
            "region": zone, "year": args.year, "file": name, "column": zone,
            # DE-LU is stored by Electricity Maps as zone DE (Germany): runs in DE use it
            "aliases": zone_id if zone_id != zone else "", "basis": "lifecycle", "hours": d.height,
            "filled_hours": int(d["is_filled"].sum()), "first_hour_start_utc": d["hour_start_utc"][0],
            "last_hour_start_utc": d["hour_start_utc"][-1], "hour_convention": CONVENTION,
            "source": f"{SOURCE} ({d['zone_id'][0]})", "licence": LICENCE, "url": URL,
        })
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(wide).write_csv(out / name)
    pl.DataFrame(filled, schema={"region": pl.String, "first_hour_start_utc": pl.String, "hours": pl.Int64,
                                 "estimation_method": pl.String}, orient="row").write_csv(
        out / f"hourly_electricitymaps_{args.year}_filled.csv")
    reg_path = out / "hourly_registry.csv"
    kept = []
    existing = reg_path if reg_path.exists() else ROOT / "grid_intensity" / "hourly_registry.csv"
    if existing.exists():
        with existing.open(newline="", encoding="utf-8") as f:
            kept = [r for r in csv.DictReader(f) if r["file"] not in (name, EIA_FILE)]
    kept = eia_rows() + kept
    with reg_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, REGISTRY_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(kept + registry)
    print(f"{len(zones)} zones, {len(filled)} filled stretches -> {out / name}")


if __name__ == "__main__":
    main()
