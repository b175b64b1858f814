"""Kernel: exact integrals of hourly series over runs, against a brute-force per-hour reference."""

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from conftest import REPO, hourly_integral
from wattledger.kernel.hourly import (
    _locate,
    fill_uncovered,
    hourly_mean,
    split_at_steps,
    step_mean,
)

H = 3600.0
T0 = 1_640_991_600.0  # 2021-12-31T23:00Z, the first hour of the shipped 2022 series


def brute(edges, values, a, b):
    """Per-run Python loop over steps: (∫ v dt over covered part [value·s], covered [s])."""
    integral = covered = 0.0
    for k in range(len(values)):
        lo, hi = max(a, edges[k]), min(b, edges[k + 1])
        if hi > lo and math.isfinite(values[k]):
            integral += values[k] * (hi - lo)
            covered += hi - lo
    return integral, covered


def brute_mean(edges, values, a, b):
    if b == a:
        k = np.searchsorted(edges, a, side="right") - 1
        ok = 0 <= k < len(values) and math.isfinite(values[k])
        return (values[k], 1.0) if ok else (math.nan, 0.0)
    integral, covered = brute(edges, values, a, b)
    return (integral / covered if covered > 0 else math.nan), covered / (b - a)


@st.composite
def series_and_runs(draw, max_hours=48, nan=True):
    n = draw(st.integers(1, max_hours))
    value = st.floats(0.01, 2.0) | (st.just(math.nan) if nan else st.floats(0.01, 2.0))
    values = np.array(draw(st.lists(value, min_size=n, max_size=n)))
    t0 = T0 + H * draw(st.integers(-5, 5)) + draw(st.sampled_from([0.0, 0.0, 0.25, 1234.5]))
    moment = st.floats(t0 - 3 * H, t0 + (n + 3) * H, allow_nan=False)
    runs = draw(st.lists(st.tuples(moment, moment, st.booleans()), min_size=1, max_size=15))
    start = np.array([min(a, b) for a, b, _ in runs])
    end = np.array([a if zero else max(a, b) for a, b, zero in runs])  # some zero-duration
    end = np.where([zero for *_, zero in runs], start, end)
    return t0, values, start, end


def assert_close_nan(actual, expected, rtol=1e-9, atol=0.0):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert (np.isnan(actual) == np.isnan(expected)).all(), (actual, expected)
    ok = ~np.isnan(expected)
    assert_allclose(actual[ok], expected[ok], rtol=rtol, atol=atol)


@settings(max_examples=60, deadline=None)
@given(series_and_runs())
def test_mean_and_coverage_match_brute_force(case):
    t0, values, start, end = case
    edges = t0 + H * np.arange(values.size + 1)
    got = hourly_mean(t0, values, start, end)
    ref = np.array([brute_mean(edges, values, a, b) for a, b in zip(start, end)])
    assert_close_nan(got.mean, ref[:, 0])
    assert_close_nan(got.covered_fraction, ref[:, 1], atol=1e-12)
    integ = hourly_integral(t0, values, start, end)
    ref_i = np.array([brute(edges, values, a, b) for a, b in zip(start, end)])
    assert_allclose(integ.integral_h, ref_i[:, 0] / H, rtol=1e-9, atol=1e-12)
    assert_allclose(integ.covered_h, ref_i[:, 1] / H, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(series_and_runs(), st.floats(0.0, 1.0))
def test_additive_when_a_run_is_split(case, where):
    t0, values, start, end = case
    mid = start + where * (end - start)
    whole = hourly_integral(t0, values, start, end)
    left = hourly_integral(t0, values, start, mid)
    right = hourly_integral(t0, values, mid, end)
    assert_allclose(left.integral_h + right.integral_h, whole.integral_h, rtol=1e-9, atol=1e-12)
    assert_allclose(left.covered_h + right.covered_h, whole.covered_h, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(series_and_runs(nan=False), st.floats(0.001, 5.0))
def test_constant_series_gives_the_constant(case, c):
    t0, values, start, end = case
    m = hourly_mean(t0, np.full_like(values, c), start, end)
    covered = m.covered_fraction > 0
    assert_allclose(m.mean[covered], c, rtol=1e-12)
    assert np.isnan(m.mean[~covered]).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 23), st.floats(0.0, H, exclude_max=True), st.floats(0.0, H, exclude_max=True))
def test_run_inside_one_hour_is_the_flat_formula(k, x, y):
    values = np.linspace(0.1, 0.5, 24)
    a, b = sorted((x, y))
    start, end = T0 + k * H + a, T0 + k * H + b  # [start, end) inside hour k
    assume(end < T0 + (k + 1) * H)  # rounding of the sum may reach the next hour
    m = hourly_mean(T0, values, start, end)
    assert m.mean[0] == pytest.approx(values[k], rel=1e-12)
    assert m.covered_fraction[0] == 1.0
    assert hourly_integral(T0, values, start, end).integral_h[0] == pytest.approx(values[k] * (end - start) / H, rel=1e-9, abs=1e-15)


def test_coverage_at_the_edges():
    values = np.array([1.0, 2.0, 3.0])
    e0, en = T0, T0 + 3 * H
    m = hourly_mean(T0, values, [e0 - 1800, en - 1800, en, e0 - H, e0, en - 1, e0 - 1], [e0 + 1800, en + 1800, en + H, e0, en, en, e0 + 1])
    assert_allclose(m.covered_fraction, [0.5, 0.5, 0.0, 0.0, 1.0, 1.0, 0.5])
    assert_close_nan(m.mean, [1.0, 3.0, np.nan, np.nan, 2.0, 3.0, 1.0])


def test_zero_duration_runs_take_the_value_at_that_instant():
    values = np.array([1.0, np.nan, 3.0])
    at = T0 + np.array([0.0, 1800.0, H, 2 * H, 3 * H - 1, 3 * H, -1.0])
    m = hourly_mean(T0, values, at, at)
    assert_close_nan(m.mean, [1.0, 1.0, np.nan, 3.0, 3.0, np.nan, np.nan])
    assert_allclose(m.covered_fraction, [1, 1, 0, 1, 1, 0, 0])
    assert_allclose(hourly_integral(T0, values, at, at).integral_h, 0.0)


def test_invalid_runs_are_nan():
    m = hourly_mean(T0, [1.0, 2.0], [T0 + 10, np.nan, T0], [T0, T0, np.nan])
    assert np.isnan(m.mean).all() and np.isnan(m.covered_fraction).all()
    assert np.isnan(hourly_integral(T0, [1.0], T0 + 10, T0).integral_h).all()


def test_missing_hours_are_not_covered_and_do_not_poison_later_runs():
    values = np.array([1.0, np.nan, 3.0, 4.0])
    m = hourly_mean(T0, values, [T0, T0 + 2 * H], [T0 + 3 * H, T0 + 4 * H])
    assert_allclose(m.mean, [2.0, 3.5])
    assert_allclose(m.covered_fraction, [2 / 3, 1.0])


def test_scalar_inputs_and_many_runs_against_one_series():
    m = hourly_mean(T0, [0.2, 0.4], T0 + 1800.0, T0 + 5400.0)
    assert m.mean.shape == (1,) and m.mean[0] == pytest.approx(0.3)
    rng = np.random.default_rng(1)
    start = T0 + rng.uniform(0, 8760 * H, 20_000)
    end = start + rng.uniform(0, 72 * H, start.size)
    values = rng.uniform(0.05, 0.6, 8760)
    m = hourly_mean(T0, values, start, end)
    edges = T0 + H * np.arange(8761)
    for i in rng.choice(start.size, 20, replace=False):
        assert m.mean[i] == pytest.approx(brute_mean(edges, values, start[i], end[i])[0], rel=1e-9)


def test_several_series_by_index_with_nan_padding():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0.1, 0.5, 48), rng.uniform(0.1, 0.5, 30)
    both = np.full((2, 48), np.nan)
    both[0], both[1, :30] = a, b
    starts = np.array([T0, T0 + 5 * H])
    run_start = T0 + rng.uniform(-10 * H, 60 * H, 200)
    run_end = run_start + rng.uniform(0, 30 * H, 200)
    sid = rng.integers(0, 2, 200)
    got = hourly_mean(starts, both, run_start, run_end, series_index=sid)
    one = hourly_mean(T0, a, run_start, run_end)
    two = hourly_mean(T0 + 5 * H, b, run_start, run_end)
    assert_close_nan(got.mean, np.where(sid == 0, one.mean, two.mean), rtol=1e-12)
    assert_allclose(got.covered_fraction, np.where(sid == 0, one.covered_fraction, two.covered_fraction), rtol=1e-12)
    with pytest.raises(ValueError, match="series_index"):
        hourly_mean(starts, both, run_start, run_end)
    with pytest.raises(ValueError, match="series_index"):
        hourly_mean(starts, both, run_start, run_end, series_index=np.full(200, 2))


def test_fill_uncovered_and_fallback():
    assert_allclose(fill_uncovered([np.nan, 0.2, 0.3, 0.4], [0.0, 1.0, 0.5, 0.25], [0.5, np.nan, 0.1, 0.4]), [0.5, 0.2, 0.2, 0.4])
    assert np.isnan(fill_uncovered(0.3, 0.5, np.nan))  # no fallback, partly uncovered: NaN, not silent
    assert np.isnan(fill_uncovered(np.nan, np.nan, 0.4))
    m = hourly_mean(T0, [0.2, 0.4], [T0 - H, T0, T0 + 5 * H], [T0 + H, T0 + 2 * H, T0 + 6 * H])
    assert_allclose(fill_uncovered(m.mean, m.covered_fraction, [1.0, 1.0, 0.7]), [0.6, 0.3, 0.7])
    assert_allclose(m.covered_fraction, [0.5, 1.0, 0.0])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(1.0, 7200.0), min_size=1, max_size=12),
    st.lists(st.floats(0.0, 1.0), min_size=12, max_size=12),
    st.lists(st.tuples(st.floats(-1e4, 6e4), st.floats(0, 3e4)), min_size=1, max_size=10),
)
def test_irregular_steps_match_brute_force(widths, vals, runs):
    edges = 1.7e9 + np.concatenate(([0.0], np.cumsum(widths)))
    values = np.array(vals[: len(widths)])
    start = 1.7e9 + np.array([a for a, _ in runs])
    end = start + np.array([d for _, d in runs])
    got = step_mean(edges, values, start, end)
    ref = np.array([brute_mean(edges, values, a, b) for a, b in zip(start, end)])
    assert_close_nan(got.mean, ref[:, 0], atol=1e-12)
    assert_allclose(got.covered_fraction, ref[:, 1], rtol=1e-9, atol=1e-12)


def test_step_mean_checks_edges():
    with pytest.raises(ValueError):
        step_mean([0.0, 1.0], [1.0, 2.0], 0.0, 1.0)
    with pytest.raises(ValueError):
        step_mean([0.0, 2.0, 1.0], [1.0, 2.0], 0.0, 1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(T0 - 1e5, T0 + 1e5), st.floats(0, 3e5)), min_size=1, max_size=10))
def test_split_at_steps_tiles_each_interval(runs):
    start = np.array([a for a, _ in runs])
    end = start + np.array([d for _, d in runs])
    p = split_at_steps(start, end)
    assert (p.end_s > p.start_s).all()
    assert_allclose(np.bincount(p.parent, p.end_s - p.start_s, minlength=start.size), end - start, rtol=1e-12, atol=1e-6)
    # every piece inside one UTC hour
    assert (np.floor(p.start_s / H) == np.floor(np.nextafter(p.end_s, -np.inf) / H)).all()


def test_prices_in_usd_per_mwh():
    price_usd_per_mwh = np.array([40.0, 120.0])
    m = hourly_mean(T0, price_usd_per_mwh / 1000.0, T0 + 1800, T0 + 5400)  # USD/kWh
    assert m.mean[0] * 1000.0 == pytest.approx(80.0)  # 1000 kWh at a constant power cost USD 80


def test_shipped_hourly_series():
    frame = pl.read_csv(REPO / "grid_intensity" / "hourly_us_ba_2022.csv").filter(pl.col("region") == "US-CAL-CISO")
    hours = frame["hour_start_utc"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").dt.epoch("s").to_numpy()
    values = frame["intensity_kg_per_kwh"].to_numpy()
    assert (np.diff(hours) == 3600).all() and hours[0] == T0
    k = 4000
    inside = hourly_mean(hours[0], values, hours[k] + 60, hours[k] + 3000)
    assert inside.mean[0] == values[k]
    day = hourly_mean(hours[0], values, hours[k], hours[k + 24])
    assert day.mean[0] == pytest.approx(values[k : k + 24].mean(), rel=1e-12)
    year = hourly_mean(hours[0], values, hours[0], hours[-1] + 3600)
    assert year.mean[0] == pytest.approx(values.mean(), rel=1e-12) and year.covered_fraction[0] == 1.0


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([3600.0, 900.0, 0.1]),
    st.lists(st.floats(0.0, 48.0), min_size=1, max_size=30),
    st.sampled_from(["right", "left"]),
)
def test_regular_grid_lookup_equals_searchsorted(step, positions, side):
    offsets = np.arange(49) * step
    u = np.array(positions) * step
    u = np.concatenate((u, offsets, np.nextafter(offsets, -1.0).clip(0), np.nextafter(offsets, np.inf).clip(max=offsets[-1])))
    assert (_locate(offsets, u, side, step) == np.searchsorted(offsets, u, side=side) - 1).all()
