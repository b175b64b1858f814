"""scripts/compare_footprints.py: snapshots compared bit for bit (one ulp, a NaN, -0.0 and a text count)."""

import importlib.util

import numpy as np
import polars as pl

from conftest import REPO

spec = importlib.util.spec_from_file_location("compare_footprints", REPO / "scripts" / "compare_footprints.py")
compare_footprints = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_footprints)


def _snapshot(folder, values, texts):
    folder.mkdir()
    pl.DataFrame({"run_id": ["a", "b", "c"], "co2e_kg": values, "power_basis": texts}).write_parquet(
        folder / "demo.footprints.parquet")
    return folder


def test_identical_snapshots_compare_equal(tmp_path):
    a = _snapshot(tmp_path / "a", [1.5, float("nan"), -0.0], ["tdp", None, "logged"])
    b = _snapshot(tmp_path / "b", [1.5, float("nan"), -0.0], ["tdp", None, "logged"])
    assert compare_footprints.compare(a, b)


def test_one_ulp_a_sign_of_zero_or_a_text_is_a_difference(tmp_path):
    a = _snapshot(tmp_path / "a", [1.5, 2.0, -0.0], ["tdp", "tdp", "logged"])
    assert not compare_footprints.compare(a, _snapshot(tmp_path / "b", [np.nextafter(1.5, 2.0), 2.0, -0.0], ["tdp", "tdp", "logged"]))
    assert not compare_footprints.compare(a, _snapshot(tmp_path / "c", [1.5, 2.0, 0.0], ["tdp", "tdp", "logged"]))
    assert not compare_footprints.compare(a, _snapshot(tmp_path / "d", [1.5, 2.0, -0.0], ["tdp", "tdp", "measured"]))
