"""Shortcuts of the compute step give what the plain rules give, bit for bit.

Factor resolution and compute prices run their rules once per distinct run profile and
broadcast them (``wattledger.factors.profile.by_profile``); the hourly refinement replaces rows in
place; the hourly kernel works in blocks. Each is checked here against the plain way on
runs that vary in everything the rules read.
"""

import numpy as np
import polars as pl
import pytest

from conftest import EXAMPLES, hourly_integral
from wattledger.factors import SITE_PUE_OF_MONTH, FactorLibrary, apply_hourly_intensity, apply_tou_prices, with_compute_prices
from wattledger.factors.compute_price import _price_rows
from wattledger.kernel.hourly import BLOCK_RUNS, hourly_mean
from wattledger.pipeline import load_site_file
from wattledger.resources import sql_text

T0_S = 1_640_995_200  # 2022-01-01T00:00:00Z

SITES = """
datacenters:
  rented:
    region: aws:us-east-1
    compute_rates:
      - {gpu_model: H100-SXM, price_per_gpu_hour: 3.9, currency: USD, effective_date: 2022-03-01, source: "2022 deal"}
      - {gpu_model: H100-SXM, price_per_gpu_hour: 3.5, currency: USD, effective_date: 2026-10-01, source: "2026 deal"}
  lambda-dc:
    region: US-TEX-ERCO
    compute_provider: lambda
  sd-colo:
    region: US-CAL-CISO
    tariff: sdge-al-tou-secondary-above-500kw
    timezone: America/Los_Angeles
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    from wattledger.store import connect

    con = connect(":memory:")
    path = tmp_path_factory.mktemp("sites") / "datacenters.yaml"
    # the demo's datacenters (owned hardware, monthly PUE, TOU, market instruments) and a few more
    demo = (EXAMPLES / "datacenters.yaml").read_text(encoding="utf-8")
    path.write_text(demo + SITES.split("datacenters:\n", 1)[1], encoding="utf-8")
    load_site_file(con, path)
    sites = con.sql(sql_text("queries/compute/datacenters.sql")).pl()
    con.close()
    return FactorLibrary(sites=sites)


def _pick(rng, values, n, null_share=0.0):
    out = np.array(values, dtype=object)[rng.integers(0, len(values), n)]
    out[rng.random(n) < null_share] = None
    return pl.Series(out.tolist(), dtype=pl.String)


def _numbers(rng, low, high, n, null_share):
    x = rng.uniform(low, high, n).round(3)
    return pl.Series(np.where(rng.random(n) < null_share, np.nan, x)).fill_nan(None)


def runs_frame(n: int, seed: int = 1) -> pl.DataFrame:
    """Runs varying in every column the rules read, in the form compute reads them (run_id order)."""
    rng = np.random.default_rng(seed)
    start = T0_S + rng.integers(0, 5 * 365 * 86_400, n)
    duration = rng.choice([0, 60, 3_600, 36_000, 400_000], n) + rng.integers(0, 3_600, n)
    started = pl.from_epoch(pl.Series(start), time_unit="s").dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC"))
    ended = pl.from_epoch(pl.Series(start + duration), time_unit="s").dt.replace_time_zone("UTC").cast(pl.Datetime("us", "UTC"))
    undated = pl.Series(rng.random(n) < 0.05)
    telemetry = rng.random(n) < 0.05
    frame = pl.DataFrame({
        "run_id": [f"run-{i:06d}" for i in range(n)],
        "started_at": pl.select(pl.when(undated).then(None).otherwise(started)).to_series(),
        "ended_at": pl.select(pl.when(undated).then(None).otherwise(ended)).to_series(),
        "region": _pick(rng, ["FR", "fr", "DE", "US-CAL-CISO", "eia:ciso", "aws:us-east-1", "gcp:europe-west1", "XX", "US-NY",
                              "US-TEX-ERCO"], n, 0.4),
        "datacenter": _pick(rng, ["ca-colo-1", "tx-colo-2", "aws-use1", "par-dc", "fra-dc", "rented", "lambda-dc", "sd-colo",
                                  "nowhere"], n, 0.4),
        "gpu_model": _pick(rng, ["H100-SXM", "nvidia a100_80gb", "L40S", "H200-SXM", "Mystery-X"], n, 0.05),
        "gpu_count": pl.Series(rng.integers(1, 9, n), dtype=pl.Int32),
        "hosts": pl.Series([None] * n, dtype=pl.String),
        "gpu_hours": pl.Series(rng.choice([0.0, 1.0, 8.0, 800.0], n) * rng.uniform(0.5, 2, n)),
        "avg_power_w": _numbers(rng, 100, 700, n, 0.4),
        "pue": _numbers(rng, 1.05, 1.6, n, 0.6),
        "grid_intensity_kg_per_kwh": _numbers(rng, 0.01, 0.9, n, 0.9),
        "price_per_kwh": _numbers(rng, 0.05, 0.3, n, 0.8),
        "currency": _pick(rng, ["EUR", "USD"], n, 0.0),
        "measured_it_energy_kwh": _numbers(rng, 0, 900, n, 0.85),
        "measured_energy_source": _pick(rng, ["codecarbon a", "codecarbon b"], n, 0.0),
        "compute_price_per_gpu_hour": _numbers(rng, 1, 9, n, 0.9),
        "compute_currency": _pick(rng, ["USD", "EUR"], n, 0.0),
        "telemetry_it_energy_kwh": pl.Series(np.where(telemetry, rng.uniform(1, 500, n), np.nan)).fill_nan(None),
        "telemetry_low_kwh": pl.Series(np.where(telemetry, rng.uniform(0.5, 1, n), np.nan)).fill_nan(None),
        "telemetry_high_kwh": pl.Series(np.where(telemetry, rng.uniform(500, 600, n), np.nan)).fill_nan(None),
        "telemetry_source": pl.Series(np.where(telemetry, "telemetry: dcgm", None).tolist(), dtype=pl.String),
        "telemetry_note": _pick(rng, ["1 device unsampled"], n, 0.9),
        # energy beyond the GPUs and water (wattledger.factors.cpu_power, wattledger.factors.water)
        "gpu_hours_basis": _pick(rng, ["timestamps", "logged", "no_gpu"], n, 0.0),
        "cpu_model": _pick(rng, ["AMD EPYC 7763", "Intel(R) Xeon(R) Platinum 8480+", "AMD EPYC 7542 32-Core Processor",
                                 "Apple M1", "Unknown CPU"], n, 0.3),
        "cpu_cores": _numbers(rng, 1, 256, n, 0.5),
        "cpu_power_w": _numbers(rng, 10, 800, n, 0.9),
        "ram_gb": _numbers(rng, 1, 2048, n, 0.5),
        "measured_gpu_energy_kwh": _numbers(rng, 0, 800, n, 0.9),
        "measured_cpu_energy_kwh": _numbers(rng, 0, 80, n, 0.9),
        "measured_ram_energy_kwh": _numbers(rng, 0, 20, n, 0.9),
        "wue_l_per_kwh": _numbers(rng, 0, 3, n, 0.9),
    })
    # a price or a measured energy comes with its currency or source, as ingest requires
    return frame.with_columns(
        pl.when(pl.col("price_per_kwh").is_not_null()).then(pl.col("currency")).alias("currency"),
        pl.when(pl.any_horizontal(pl.col("measured_it_energy_kwh", "measured_gpu_energy_kwh", "measured_cpu_energy_kwh",
                                         "measured_ram_energy_kwh").is_not_null()))
        .then(pl.col("measured_energy_source")).alias("measured_energy_source"),
        pl.when(pl.col("compute_price_per_gpu_hour").is_not_null()).then(pl.col("compute_currency")).alias("compute_currency"),
    )


def assert_same(got: pl.DataFrame, want: pl.DataFrame):
    """Same columns, dtypes, order, nulls and values (floats bit for bit)."""
    assert got.columns == want.columns and got.dtypes == want.dtypes and got.height == want.height
    for name in got.columns:
        a, b = got[name], want[name]
        assert a.is_null().equals(b.is_null()), name
        if a.dtype == pl.Float64:
            keep = ~a.is_null().to_numpy()
            assert np.array_equal(a.to_numpy()[keep].view(np.int64), b.to_numpy()[keep].view(np.int64)), name
        else:
            assert a.equals(b, null_equal=True), name


@pytest.fixture(scope="module")
def runs():
    return runs_frame(6_000)


@pytest.mark.parametrize("order", ["run_id", "shuffled"])
def test_resolution_by_profile_is_every_rule_on_every_run(lib, runs, order):
    frame = runs if order == "run_id" else runs.sample(fraction=1.0, shuffle=True, seed=3)
    resolved = lib.resolve(frame)
    assert_same(resolved, lib.resolve_rows(frame).drop(SITE_PUE_OF_MONTH))
    # the data exercise the rules
    for column, some in (("power_basis", {"measured", "logged", "tdp"}), ("pue_basis", {"datacenter_monthly", "logged"}),
                         ("price_basis", {"datacenter_tou_mean", "datacenter", "logged", "region"})):
        assert some <= set(resolved[column].drop_nulls().to_list()), column
    assert resolved["unresolved_reason"].null_count() < resolved.height


@pytest.mark.parametrize("order", ["run_id", "shuffled"])
def test_compute_prices_by_profile_are_every_rule_on_every_run(lib, runs, order):
    resolved = lib.resolve(runs).filter(pl.col("unresolved_reason").is_null())
    if order == "shuffled":
        resolved = resolved.sample(fraction=1.0, shuffle=True, seed=4)
    plain = _price_rows(resolved, lib)
    plain = plain.drop("run_date", "_provider", "_cloud_region", *[c for c in plain.columns if c.startswith(("neg_", "list_", "owned_"))])
    priced = with_compute_prices(resolved, lib)
    assert_same(priced, plain)
    assert {"amortised", "negotiated", "cloud_list", "explicit", "unpriced"} <= set(priced["compute_cost_basis"].to_list())


def test_refinement_of_unordered_runs_is_ordered_by_run_id(lib, runs):
    ok = lib.resolve(runs).filter(pl.col("unresolved_reason").is_null())
    in_order = apply_tou_prices(apply_hourly_intensity(ok, lib), lib)
    shuffled = ok.sample(fraction=1.0, shuffle=True, seed=5)
    assert_same(apply_tou_prices(apply_hourly_intensity(shuffled, lib), lib), in_order)
    assert in_order["run_id"].is_sorted()
    assert {"hourly", "hourly_partial"} <= set(in_order["intensity_basis"].to_list())
    assert "datacenter_tou" in set(in_order["price_basis"].to_list())


def test_blocks_of_the_hourly_kernel_do_not_change_a_run(lib):
    grid = lib.hourly_grid
    rng = np.random.default_rng(6)
    n = 2 * BLOCK_RUNS + 123
    sid = rng.integers(0, len(grid.regions), n)
    start = grid.start_s[sid] + rng.uniform(-86_400, 370 * 86_400, n)
    end = start + rng.choice([0.0, 1_800.0, 36_000.0, -5.0], n)
    whole = hourly_mean(grid.start_s, grid.values, start, end, series_index=sid)
    for first in (0, BLOCK_RUNS - 7, n - 50):  # runs at and across block boundaries, computed on their own
        part = slice(first, first + 60)
        alone = hourly_mean(grid.start_s, grid.values, start[part], end[part], series_index=sid[part])
        assert np.array_equal(whole.mean[part], alone.mean, equal_nan=True)
        assert np.array_equal(whole.covered_fraction[part], alone.covered_fraction, equal_nan=True)
    integral = hourly_integral(grid.start_s, grid.values, start, end, series_index=sid)
    covered = np.where(whole.covered_fraction > 0, whole.mean * integral.covered_h, 0.0)
    ok = np.isfinite(covered) & (end > start)
    np.testing.assert_allclose(covered[ok], np.nan_to_num(integral.integral_h[ok]), rtol=1e-12, atol=1e-12)
