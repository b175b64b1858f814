"""hardware/cpu_power.csv, hardware/cpu_cores.csv, hardware/wue.csv, grid_intensity/water_intensity.csv:
provenance on every row, sane values, CPU names that resolve, and a byte-for-byte rebuild from the raw
sources (skipped when ../shared/data is not present)."""

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from test_reference_data import shared_data_dir
from wattledger.factors.cpu_power import cpu_key

REPO = Path(__file__).resolve().parents[2]


def _csv(path: str) -> pl.DataFrame:
    return pl.read_csv(REPO / path, infer_schema_length=None)


@pytest.mark.parametrize(("path", "cited"), [
    ("hardware/cpu_power.csv", ["source", "url", "vintage_year", "licence"]),
    ("hardware/cpu_cores.csv", ["source", "url"]),
    ("hardware/wue.csv", ["source", "url", "year", "licence"]),
    ("grid_intensity/water_intensity.csv", ["source", "url", "vintage_year", "licence", "basis"]),
])
def test_every_row_is_cited(path, cited):
    table = _csv(path)
    assert table.height > 0
    for column in cited:
        assert table[column].null_count() == 0, f"{path}: {column} missing on some rows"


def test_cpu_table_values_and_names():
    t = _csv("hardware/cpu_power.csv")
    assert t["cpu_key"].is_unique().all()
    per_core = t["tdp_per_core_w"].drop_nulls()
    assert per_core.min() > 0.5 and per_core.max() < 60  # W per core: a unit slip would be far outside
    assert t.filter(pl.col("cpu_key") == "default")["tdp_per_core_w"].to_list() == [12.0]  # Green Algorithms' "Any"
    for name, key in [("Intel(R) Xeon(R) Platinum 8480+", "xeonplatinum8480+"), ("AMD EPYC 7542 32-Core Processor", "epyc7542"),
                      ("AMD EPYC 7763", "epyc7763"), ("Intel(R) Xeon(R) CPU @ 2.20GHz", "xeon")]:
        assert pl.select(cpu_key(pl.lit(name))).item() == key
    row = t.filter(pl.col("cpu_key") == "xeonplatinum8480+").row(0, named=True)
    assert (row["tdp_w"], row["cores"], row["tdp_per_core_w"]) == (350, 56, 6.25)


def test_wue_and_water_values_are_sane():
    w = _csv("hardware/wue.csv")
    assert (w["wue_low_l_per_kwh"] <= w["wue_l_per_kwh"]).all() and (w["wue_l_per_kwh"] <= w["wue_high_l_per_kwh"]).all()
    assert w["wue_high_l_per_kwh"].max() <= 10
    t = _csv("grid_intensity/water_intensity.csv")
    assert t["region"].is_unique().all() and "WORLD" in t["region"].to_list()
    assert (t["water_low_l_per_kwh"] <= t["water_l_per_kwh"]).all() and (t["water_l_per_kwh"] <= t["water_high_l_per_kwh"]).all()
    world = t.filter(pl.col("region") == "WORLD")["water_l_per_kwh"].item()
    assert 1.0 < world < 10.0  # published global averages of consumption are a few L/kWh


def test_tables_rebuild_byte_for_byte(tmp_path):
    source = shared_data_dir()
    if source is None:
        pytest.skip("raw sources (../shared/data) not present")
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_cpu_water_tables.py"), "--source", str(source),
                    "--out", str(tmp_path)], check=True)
    for path in ("hardware/cpu_power.csv", "grid_intensity/water_intensity.csv"):
        assert (tmp_path / path).read_bytes() == (REPO / path).read_bytes(), path
