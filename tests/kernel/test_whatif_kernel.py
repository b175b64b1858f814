"""What-if kernel (wattledger.kernel.whatif) against a brute-force integral, hour by hour."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wattledger.kernel.whatif import best_shift, shift_order, shifted_means

H = 3600.0


def brute_mean(origin_s: float, values: np.ndarray, a: float, b: float) -> float:
    """The series' mean over [a, b) by walking its hours one by one (NaN unless fully covered)."""
    n = values.size
    if not (a >= origin_s and b <= origin_s + n * H and a < origin_s + n * H and b >= a):
        return math.nan
    if b == a:
        v = values[int((a - origin_s) // H)]
        return float(v) if np.isfinite(v) else math.nan
    total = 0.0
    for k in range(n):
        lo, hi = origin_s + k * H, origin_s + (k + 1) * H
        overlap = min(hi, b) - max(lo, a)
        if overlap > 0:
            if not np.isfinite(values[k]):
                return math.nan
            total += values[k] * overlap
    return total / (b - a)


@st.composite
def series_and_runs(draw):
    n_series = draw(st.integers(1, 3))
    n_hours = draw(st.integers(4, 60))
    values = np.array(draw(st.lists(st.lists(st.one_of(st.floats(0.0, 1.0), st.just(math.nan)),
                                             min_size=n_hours, max_size=n_hours), min_size=n_series, max_size=n_series)))
    origins = np.array([draw(st.integers(0, 50)) * H + 1.7e9 for _ in range(n_series)])
    n_runs = draw(st.integers(1, 12))
    sid = np.array([draw(st.integers(0, n_series - 1)) for _ in range(n_runs)])
    start = np.array([origins[s] + draw(st.floats(-10 * H, (n_hours + 5) * H)) for s in sid])
    dur = np.array([draw(st.one_of(st.just(0.0), st.floats(1.0, 30 * H))) for _ in range(n_runs)])
    window = draw(st.integers(0, 6))
    return origins, values, sid, start, start + dur, window


@settings(max_examples=80, deadline=None)
@given(series_and_runs())
def test_every_candidate_equals_the_brute_force_integral(case):
    origins, values, sid, start, end, window = case
    shifts = shift_order(window)
    got = shifted_means(origins, values, sid, start, end, shifts)
    for i in range(start.size):
        for j, k in enumerate(shifts):
            want = brute_mean(origins[sid[i]], values[sid[i]], start[i] + k * H, end[i] + k * H)
            if math.isnan(want):
                assert not got.covered[i, j] and math.isnan(got.mean[i, j])
            else:
                assert got.covered[i, j]
                assert got.mean[i, j] == pytest.approx(want, rel=1e-9, abs=1e-12)
    best = best_shift(got.mean)
    for i in range(start.size):
        finite = got.mean[i][np.isfinite(got.mean[i])]
        assert best.covered[i] == finite.size
        if finite.size:
            assert best.mean[i] == finite.min()
            assert best.mean[i] <= (got.mean[i, 0] if np.isfinite(got.mean[i, 0]) else math.inf)  # never worse than now
            # the first of equal candidates: no earlier column holds the same minimum
            assert not np.any(got.mean[i, : best.index[i]] == best.mean[i])
        else:
            assert best.index[i] == -1 and math.isnan(best.mean[i])


def test_shift_order_is_nearest_first_and_ties_go_to_the_own_start():
    assert shift_order(2).tolist() == [0, -1, 1, -2, 2]
    flat = np.ones((1, 48))
    got = shifted_means([0.0], flat, [0], [20 * H], [23 * H], shift_order(3))
    assert best_shift(got.mean).index.tolist() == [0]  # all equal: keep the run's own start
    with pytest.raises(ValueError):
        shift_order(-1)


def test_candidates_past_the_series_edges_are_skipped_and_counted():
    values = np.arange(1.0, 25.0)[None, :]  # 24 hours, rising
    # a 2-hour run starting in hour 1: shifts -2..-12 start before the series (11 skipped)
    got = shifted_means([0.0], values, [0], [1 * H], [3 * H], shift_order(12))
    shifts = shift_order(12)
    assert set(shifts[got.covered[0]].tolist()) == set(range(-1, 13))
    assert best_shift(got.mean).covered.tolist() == [14]
    # the same run at the series' end: starting in hour 21, shifts +2..+12 end after hour 24 (11 skipped)
    late = shifted_means([0.0], values, [0], [21 * H], [23 * H], shift_order(12))
    assert set(shifts[late.covered[0]].tolist()) == set(range(-12, 2))
    assert shifts[best_shift(got.mean).index[0]] == -1  # the cheapest covered start is hour 0
    assert got.mean[0, 0] == pytest.approx((2.0 + 3.0) / 2)


def test_a_missing_hour_makes_every_candidate_over_it_uncovered():
    values = np.ones((1, 10))
    values[0, 5] = np.nan
    got = shifted_means([0.0], values, [0], [2.5 * H], [3.5 * H], np.array([0, 1, 2, 3]))
    assert got.covered[0].tolist() == [True, True, False, False]  # [4.5, 5.5) and [5.5, 6.5) touch hour 5


def test_partial_hours_are_exact_and_a_zero_duration_run_takes_its_hour():
    values = np.array([[1.0, 3.0, 5.0]])
    got = shifted_means([0.0], values, [0], [0.5 * H, 1.25 * H], [1.5 * H, 1.25 * H], np.array([0, 1]))
    assert got.mean[0].tolist()[0] == pytest.approx(2.0)  # half of 1, half of 3
    assert got.mean[0].tolist()[1] == pytest.approx(4.0)
    assert got.mean[1].tolist() == [3.0, 5.0]


def test_bad_runs_give_nan_for_every_candidate():
    got = shifted_means([0.0], np.ones((1, 10)), [0, 0], [5 * H, math.nan], [4 * H, 6 * H], shift_order(1))
    assert not got.covered.any() and np.isnan(got.mean).all()
