"""The energy-counter curve (wattledger.kernel.telemetry.counter_curve): a window's energy is the
counter's rise, interpolated at its edges; a decrease is a reset (a new segment, the interval
across it not bridged); windows split in two add up; the same as the trapezoid of the constant
power the counter implies."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from wattledger.kernel.telemetry import counter_curve, hourly_energy, power_curve, window_energy


def test_rise_over_a_window_is_interpolated_at_its_edges():
    t = np.array([0.0, 10.0, 20.0])
    e = np.array([1000.0, 3000.0, 3500.0])  # 200 W, then 50 W
    w = window_energy(counter_curve(np.zeros(3, int), t, e), [0], [5.0], [15.0])
    assert_allclose(w.energy_kwh * 3.6e6, [5 * 200 + 5 * 50])
    assert_allclose(w.covered_s, [10.0])


def test_a_reset_starts_a_new_segment_and_its_interval_is_a_gap():
    t = np.array([0.0, 10.0, 20.0, 30.0])
    e = np.array([5000.0, 7000.0, 100.0, 1100.0])  # driver reloaded between 10 s and 20 s
    w = window_energy(counter_curve(np.zeros(4, int), t, e), [0], [0.0], [30.0])
    assert_allclose(w.energy_kwh * 3.6e6, [2000.0 + 1000.0])
    assert_allclose([w.covered_s[0], w.gap_s[0], w.outside_s[0]], [20.0, 10.0, 0.0])


def test_long_gaps_are_not_bridged():
    t = np.array([0.0, 10.0, 100.0])
    e = np.array([0.0, 1000.0, 2000.0])
    w = window_energy(counter_curve(np.zeros(3, int), t, e, max_gap_s=60), [0], [0.0], [100.0])
    assert_allclose(w.energy_kwh * 3.6e6, [1000.0])
    assert_allclose(w.gap_s, [90.0])


@settings(max_examples=50, derandomize=True)
@given(st.lists(st.tuples(st.floats(0.1, 30.0), st.floats(0.0, 1500.0)), min_size=2, max_size=40),
       st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_split_windows_add_up_and_match_the_constant_power_trapezoid(steps, u, v):
    dt = np.array([s[0] for s in steps])
    power_w = np.array([s[1] for s in steps])
    t = np.concatenate(([0.0], np.cumsum(dt)))
    e = np.concatenate(([0.0], np.cumsum(power_w * dt)))  # a counter in J
    dev = np.zeros(t.size, int)
    curve = counter_curve(dev, t, e)
    a, b = sorted((u * t[-1], v * t[-1]))
    mid = (a + b) / 2
    whole = window_energy(curve, [0, 0, 0], [a, a, mid], [b, mid, b]).energy_kwh
    assert whole[0] >= 0
    assert_allclose(whole[0], whole[1] + whole[2], rtol=1e-9, atol=1e-15)
    assert_allclose(whole[0] * 3.6e6, np.interp(b, t, e) - np.interp(a, t, e), rtol=1e-9, atol=1e-6)
    hourly = hourly_energy(curve, [0], [a], [b], step_s=7.0)
    assert_allclose(hourly.energy_kwh.sum(), whole[0], rtol=1e-9, atol=1e-15)
    # the counter over the whole span equals the trapezoid of power samples taken at interval
    # starts and ends of a step-wise power (each interval's two samples equal)
    tt = np.repeat(t, 2)[1:-1]
    pp = np.repeat(power_w, 2)
    step = window_energy(power_curve(np.zeros(tt.size, int), tt, pp, max_gap_s=np.inf), [0], [0.0], [t[-1]])
    assert_allclose(window_energy(curve, [0], [0.0], [t[-1]]).energy_kwh, step.energy_kwh, rtol=1e-9, atol=1e-15)
