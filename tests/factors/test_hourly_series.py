"""The hourly series registry and the 2024 Electricity Maps series: files, hours, filled hours,
scope, and how runs are refined by them (hour convention, DST, several years of one region)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from conftest import HEADER
from wattledger.compute import compute_footprints
from wattledger.factors import FactorLibrary
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

from test_reference_data import GRID

REGISTRY = pl.read_csv(GRID / "hourly_registry.csv", infer_schema_length=None,
                       schema_overrides={"column": pl.String, "aliases": pl.String})
EM = pl.read_csv(GRID / "hourly_electricitymaps_2024.csv")
FILLED = pl.read_csv(GRID / "hourly_electricitymaps_2024_filled.csv")


@pytest.fixture(scope="module")
def lib():
    return FactorLibrary()


def test_registry_names_each_series_once_with_its_scope_and_licence():
    assert REGISTRY.select("region", "year").is_unique().all()
    assert set(REGISTRY["basis"]) == {"lifecycle"}  # the method's scope (INTENSITY_SCOPE), as the annual factors
    em = REGISTRY.filter(pl.col("file") == "hourly_electricitymaps_2024.csv")
    assert em.height == 16 and set(em["licence"].str.slice(0, 8)) == {"ODbL 1.0"}
    assert {"DE-LU", "GB", "JP-TK", "US-TEX-ERCO", "ZA"} <= set(em["region"])
    for name in REGISTRY["file"].unique():
        assert (GRID / name).is_file(), name
    assert set(em["column"]) <= set(EM.columns)


def test_hours_are_every_utc_hour_of_2024_once_starting_on_the_hour():
    t = EM["hour_start_utc"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC")
    assert t.len() == 8784  # a leap year, in UTC: no daylight-saving hour missing or repeated
    assert t[0] == datetime(2024, 1, 1, tzinfo=UTC) and t[-1] == datetime(2024, 12, 31, 23, tzinfo=UTC)
    assert t.diff().drop_nulls().dt.total_seconds().unique().to_list() == [3600]
    assert (REGISTRY.filter(pl.col("year") == 2024)["hours"] == 8784).all()
    values = EM.drop("hour_start_utc")
    assert values.null_count().sum_horizontal().item() == 0
    assert values.select(pl.all().min()).min_horizontal().item() > 0  # kgCO2e/kWh; no zero stands in for a gap


def test_filled_hours_are_flagged_stretch_by_stretch():
    per_zone = dict(FILLED.group_by("region").agg(pl.col("hours").sum()).iter_rows())
    for region, filled in REGISTRY.filter(pl.col("year") == 2024).select("region", "filled_hours").iter_rows():
        assert per_zone.get(region, 0) == filled, region
    # the stretches lie inside the year and do not overlap
    t = FILLED.with_columns(pl.col("first_hour_start_utc").str.to_datetime("%Y-%m-%dT%H:%M:%SZ").dt.epoch("s").alias("s"))
    for _, part in t.sort("s").group_by("region"):
        s, n = part["s"].to_numpy(), part["hours"].to_numpy()
        assert np.all(s[1:] >= s[:-1] + 3600 * n[:-1])


def test_a_region_with_two_years_is_one_timeline_with_the_gap_uncovered(lib):
    grid = lib.hourly_grid
    row = grid.row_of["US-CAL-CISO"]
    start = datetime(2021, 12, 31, 23, tzinfo=UTC).timestamp()
    assert grid.start_s[row] == start
    def value(when: datetime) -> float:
        return grid.values[row, int((when.timestamp() - start) // 3600)]
    assert np.isnan(value(datetime(2023, 6, 1, tzinfo=UTC)))  # no 2023 series: uncovered, never 0
    assert value(datetime(2024, 6, 1, 12, tzinfo=UTC)) == pytest.approx(
        EM.filter(pl.col("hour_start_utc") == "2024-06-01T12:00:00Z")["US-CAL-CISO"].item())
    assert grid.row_of["DE"] == grid.row_of["DE-LU"]  # a run in DE uses the DE-LU series


def _footprints(tmp_path, rows: list[str]) -> dict:
    path = tmp_path / "runs.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    con = connect(":memory:")
    ingest_paths(con, [path])
    compute_footprints(con)
    out = {r[0]: r[1:] for r in con.sql("select run_id, intensity_basis, intensity_kg_per_kwh, intensity_year, "
                                        "intensity_hourly_coverage, intensity_source from run_footprints").fetchall()}
    con.close()
    return out


def _em_mean(column: str, first: str, hours: int) -> float:
    i = EM["hour_start_utc"].to_list().index(first)
    return float(EM[column][i: i + hours].mean())


def test_runs_across_the_dst_changes_take_the_utc_hours(tmp_path):
    """Germany's clocks go forward on 2024-03-31 at 01:00 UTC and back on 2024-10-27 at 01:00 UTC;
    a run written in local time with its offset is the same UTC interval, and the series'
    hours are UTC: the mean is over the 4 UTC hours, whatever the local clock did."""
    fp = _footprints(tmp_path, [
        "spring,t,p,2024-03-31T01:00:00+01:00,2024-03-31T06:00:00+02:00,H100-SXM,1,500,1.2,DE",  # 00:00Z-04:00Z
        "autumn,t,p,2024-10-27T02:00:00+02:00,2024-10-27T04:00:00+01:00,H100-SXM,1,500,1.2,DE",  # 00:00Z-03:00Z
        "gb-noon,t,p,2024-06-01T11:30:00Z,2024-06-01T13:30:00Z,H100-SXM,1,500,1.2,GB",
    ])
    assert fp["spring"][:2] == ("hourly", pytest.approx(_em_mean("DE-LU", "2024-03-31T00:00:00Z", 4), rel=1e-12))
    assert fp["autumn"][1] == pytest.approx(_em_mean("DE-LU", "2024-10-27T00:00:00Z", 3), rel=1e-12)
    # half hours: hour-start stamps, so 11:30-13:30 is half of the 11:00 hour, all of 12:00, half of 13:00
    gb = EM["GB"][EM["hour_start_utc"].to_list().index("2024-06-01T11:00:00Z"):][:3].to_list()
    assert fp["gb-noon"][1] == pytest.approx((0.5 * gb[0] + gb[1] + 0.5 * gb[2]) / 2, rel=1e-12)
    assert "hourly series DE-LU 2024" in fp["spring"][4] and fp["spring"][2] == 2024


def test_a_run_across_the_series_end_is_partly_hourly(tmp_path):
    fp = _footprints(tmp_path, ["newyear,t,p,2024-12-31T20:00:00Z,2025-01-01T04:00:00Z,H100-SXM,1,500,1.2,JP-TK"])
    basis, value, year, coverage, source = fp["newyear"]
    assert basis == "hourly_partial" and coverage == pytest.approx(0.5)
    assert "the rest at the annual factor" in source


@pytest.mark.slow
@pytest.mark.parametrize("script, folder, names", [
    ("build_hourly_electricitymaps.py", "grid_intensity",
     ["hourly_electricitymaps_2024.csv", "hourly_electricitymaps_2024_filled.csv", "hourly_registry.csv"]),
    ("build_wholesale_prices.py", "tariffs",
     ["wholesale_prices_2024.csv", "wholesale_prices_2024_half_hour.csv", "wholesale_markets.csv"]),
])
def test_the_build_scripts_rebuild_the_shipped_files_byte_for_byte(tmp_path, script, folder, names):
    import subprocess
    import sys

    from test_reference_data import REPO, shared_data_dir
    shared = shared_data_dir()
    if shared is None:
        pytest.skip("../shared/data is not here")
    source = {"grid_intensity": shared / "electricitymaps_hourly" / "data" / "carbon_intensity",
              "tariffs": shared / "wholesale_prices_hourly" / "data" / "electricity_prices" / "standardized"}[folder]
    subprocess.run([sys.executable, str(REPO / "scripts" / script), "--source", str(source), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    for name in names:
        assert (tmp_path / name).read_bytes() == (REPO / folder / name).read_bytes(), name
