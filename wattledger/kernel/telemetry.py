"""Energy from GPU power telemetry: power samples, integrated by the trapezoid rule.

Samples come as flat arrays: a device code per sample (any integer; the caller maps
host/GPU UUID to codes), a time in seconds since the Unix epoch (UTC) and the
power [W]. The samples need not be
sorted. Everything is vectorised: one sort by (device, time), then ``np.diff`` and
``np.cumsum``; windows (a run on one device, or one hour of it) are located among the
samples with a segmented binary search (a loop of ~log2(samples per device) numpy
steps, never a loop over samples or windows).

Model (docs/time_resolved.md). Between two consecutive samples i, i+1 of a device the
power is taken as linear in time (the trapezoid rule); between two readings of an energy
counter (``counter_curve``), as constant (the counter's rise over the interval). The energy curve E(t) of a device is the integral of that power;
the energy of a window [a, b) is E(b) − E(a), with interpolation inside the sample
interval at each window edge, so splitting a window in two adds up exactly.

Rules:

* Max gap. An interval longer than ``max_gap_s`` (default 60 s for power samples) is
  not bridged: no energy is counted in it, and its duration is returned as ``gap_s``
  so the caller can fill it by a documented rule (e.g. the run's measured mean power,
  bounds widened from 0 to TDP).
* Time before a device's first sample or after its last sample is ``outside_s``.
* Samples with a non-finite time or power are ignored (the ingest layer
  rejects them with a reason first); two samples at the same time bound an interval of
  no duration, which counts nothing.
* Units: W × s = J; 1 kWh = 3.6e6 J (``wattledger.units.J_PER_KWH``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from wattledger.kernel.hourly import split_at_steps
from wattledger.method import MAX_TELEMETRY_GAP_S
from wattledger.units import J_PER_KWH, SECONDS_PER_HOUR

#: default longest interval between power samples that is bridged (wattledger.method). [s]
DEFAULT_MAX_GAP_S = MAX_TELEMETRY_GAP_S


class EnergyCurve(NamedTuple):
    """Cumulative energy of each device as a function of time, from sorted samples.

    Interval j runs from sample j to sample j+1 (same device). Inside a bridged
    interval, power at τ seconds after sample j is ``rate_w[j] + slope_w_per_s[j] × τ``.
    """

    device: np.ndarray  #: device code of each sample, sorted. [-]
    t_s: np.ndarray  #: sample time, sorted within a device. [s]
    rate_w: np.ndarray  #: power at the start of interval j (0 if not bridged). [W]
    slope_w_per_s: np.ndarray  #: power change per second in interval j. [W/s]
    interval_j: np.ndarray  #: energy of interval j (0 if not bridged). [J]
    cum_j: np.ndarray  #: Σ interval_j before sample j (all devices). [J]
    bridged: np.ndarray  #: interval j is bridged. [bool]
    cum_covered_s: np.ndarray  #: Σ bridged interval durations before sample j. [s]


class WindowEnergy(NamedTuple):
    """Energy of each window and where its time went: covered + gap + outside = duration."""

    energy_kwh: np.ndarray  #: energy in bridged intervals inside the window. [kWh]
    covered_s: np.ndarray  #: window time inside bridged intervals. [s]
    gap_s: np.ndarray  #: window time in unbridged intervals (long gaps, resets). [s]
    outside_s: np.ndarray  #: window time before the first or after the last sample. [s]


class HourlyEnergy(NamedTuple):
    """Energy of each window cut at hour boundaries: one row per (window, hour) piece."""

    window: np.ndarray  #: index of the window. [-]
    start_s: np.ndarray  #: piece start, seconds since epoch. [s]
    end_s: np.ndarray  #: piece end. [s]
    energy_kwh: np.ndarray  #: energy of the piece. [kWh]
    covered_s: np.ndarray  #: [s]
    gap_s: np.ndarray  #: [s]
    outside_s: np.ndarray  #: [s]


def _sorted(device, t_s, value):
    """Drop non-finite samples and sort by (device, time); keeps arrays as they are if sorted."""
    dev = np.asarray(device, dtype=np.int64)
    t = np.asarray(t_s, dtype=np.float64)
    val = np.asarray(value, dtype=np.float64)
    dev, t, val = np.broadcast_arrays(dev, t, val)
    ok = np.isfinite(t) & np.isfinite(val)
    if not ok.all():
        dev, t, val = dev[ok], t[ok], val[ok]
    in_order = dev.size < 2 or bool(
        np.all((dev[1:] > dev[:-1]) | ((dev[1:] == dev[:-1]) & (t[1:] >= t[:-1])))
    )
    if not in_order:
        # == np.lexsort((t, dev)), faster: a stable sort by time, then a stable sort by device
        order = np.argsort(t, kind="stable")
        order = order[np.argsort(dev[order], kind="stable")]
        dev, t, val = dev[order], t[order], val[order]
    return np.ascontiguousarray(dev), np.ascontiguousarray(t), np.ascontiguousarray(val)


def _curve(dev, t, rate_w, slope, interval_j, bridged, dt):
    interval_j = np.where(bridged, interval_j, 0.0)
    cum = np.zeros(dev.size)
    cov = np.zeros(dev.size)
    if dev.size > 1:
        np.cumsum(interval_j, out=cum[1:])
        np.cumsum(np.where(bridged, dt, 0.0), out=cov[1:])
    pad = np.zeros(1)
    return EnergyCurve(
        device=dev,
        t_s=t,
        rate_w=np.concatenate((np.where(bridged, rate_w, 0.0), pad)),
        slope_w_per_s=np.concatenate((np.where(bridged, slope, 0.0), pad)),
        interval_j=np.concatenate((interval_j, pad)),
        cum_j=cum,
        bridged=np.concatenate((bridged, np.zeros(1, dtype=bool))),
        cum_covered_s=cov,
    )


def power_curve(device, t_s, power_w, *, max_gap_s=DEFAULT_MAX_GAP_S):
    """Energy curve of power samples by the trapezoid rule, with the max-gap rule.

    Parameters
    ----------
    device : array_like of int
        Device code of each sample. [-]
    t_s : array_like
        Sample time, seconds since the Unix epoch (UTC). [s]
    power_w : array_like
        Power drawn by the device at that time. [W]
    max_gap_s : float
        Longest interval between consecutive samples that is bridged. [s]

    Returns
    -------
    EnergyCurve
        For ``window_energy`` and ``hourly_energy``.

    References
    ----------
    .. [1] Atkinson, K. E., "An Introduction to Numerical Analysis", 2nd ed., Wiley,
       1989, §5.1 (the trapezoidal rule).
    """
    dev, t, p = _sorted(device, t_s, power_w)
    dt = np.diff(t)
    bridged = (dev[1:] == dev[:-1]) & (dt > 0) & (dt <= max_gap_s)
    slope = np.divide(np.diff(p), dt, out=np.zeros_like(dt), where=bridged)
    interval_j = 0.5 * (p[:-1] + p[1:]) * dt  # W·s = J
    return _curve(dev, t, p[:-1], slope, interval_j, bridged, dt)


def counter_curve(device, t_s, energy_j, *, max_gap_s=DEFAULT_MAX_GAP_S):
    """Energy curve of an energy counter's readings (e.g. DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION).

    Between two consecutive readings of a device the energy is the counter's rise, spread
    evenly over the interval (constant power = rise / duration), so a window's energy is the
    counter interpolated linearly at its edges. An interval is not bridged when it is longer
    than ``max_gap_s`` or when the counter goes down: a reset (driver reload, reboot, wrap)
    starts a new segment, and the interval across it counts no energy (its duration is
    ``gap_s``, filled by the caller's rule like any gap).

    Parameters
    ----------
    device : array_like of int
        Device code of each reading. [-]
    t_s : array_like
        Reading time, seconds since the Unix epoch (UTC). [s]
    energy_j : array_like
        Counter value (energy since some origin, e.g. the driver's load). [J]
    max_gap_s : float
        Longest interval between consecutive readings that is bridged. [s]

    Returns
    -------
    EnergyCurve
        For ``window_energy`` and ``hourly_energy``.

    References
    ----------
    .. [1] NVIDIA, "DCGM Field Identifiers": DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, total
       energy consumption of the GPU in mJ since the driver was last reloaded.
       https://docs.nvidia.com/datacenter/dcgm/latest/dcgm-api/dcgm-api-field-ids.html
    """
    dev, t, e = _sorted(device, t_s, energy_j)
    dt = np.diff(t)
    rise = np.diff(e)
    bridged = (dev[1:] == dev[:-1]) & (dt > 0) & (dt <= max_gap_s) & (rise >= 0)  # a decrease is a reset
    rate = np.divide(rise, dt, out=np.zeros_like(dt), where=bridged)  # J/s = W
    return _curve(dev, t, rate, np.zeros_like(dt), rise, bridged, dt)


def _segmented_searchsorted(t_sorted, lo, hi, q):
    """For each query, the first index p in [lo, hi) with t_sorted[p] > q (else hi).

    ``np.searchsorted(t_sorted[lo:hi], q, side="right") + lo`` for every query at
    once: a bisection of ceil(log2(longest segment)) + 1 vectorised steps.
    """
    lo = lo.copy()
    hi = hi.copy()
    longest = int((hi - lo).max(initial=0))
    last = max(t_sorted.size - 1, 0)
    for _ in range(int(np.ceil(np.log2(longest + 1))) + 1):
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        right = active & (t_sorted[np.minimum(mid, last)] <= q)  # NaN q: goes left
        lo = np.where(right, mid + 1, lo)
        hi = np.where(active & ~right, mid, hi)
    return lo


def window_energy(curve, window_device, window_start_s, window_end_s):
    """Energy of each window [start, end) on one device, interpolated at the window edges.

    Parameters
    ----------
    curve : EnergyCurve
        From ``power_curve``.
    window_device : array_like of int
        Device code of each window (a run on one device). [-]
    window_start_s, window_end_s : array_like
        Window start and end, seconds since the Unix epoch (UTC). [s]

    Returns
    -------
    WindowEnergy
        ``energy_kwh`` [kWh]; ``covered_s``, ``gap_s``, ``outside_s`` [s], which add
        up to the window's duration. A window with end <= start gets zeros; NaN times
        give NaN.
    """
    wd = np.asarray(window_device, dtype=np.int64)
    a = np.asarray(window_start_s, dtype=np.float64)
    b = np.asarray(window_end_s, dtype=np.float64)
    wd, a, b = (np.atleast_1d(x) for x in np.broadcast_arrays(wd, a, b))
    b = np.where(b < a, a, b)  # an empty window (NaN stays NaN)
    n = curve.t_s.size
    if n == 0:
        z = np.zeros(a.size) + 0.0 * (b - a)
        return WindowEnergy(energy_kwh=z, covered_s=z, gap_s=z, outside_s=b - a)
    lo = np.searchsorted(curve.device, wd, side="left")
    hi = np.searchsorted(curve.device, wd, side="right")
    has = hi > lo
    pa = _segmented_searchsorted(curve.t_s, lo, hi, a)
    pb = _segmented_searchsorted(curve.t_s, lo, hi, b)
    # sample at or before each edge; an edge before the device's first sample counts as
    # that sample (E is flat before it): interval j = that sample's, τ = 0
    ja = np.clip(np.maximum(pa - 1, lo), 0, n - 1)
    jb = np.clip(np.maximum(pb - 1, lo), 0, n - 1)
    in_a = has & curve.bridged[ja]
    in_b = has & curve.bridged[jb]
    tau_a = np.where(in_a & (pa > lo), a - curve.t_s[ja], 0.0)
    tau_b = np.where(in_b & (pb > lo), b - curve.t_s[jb], 0.0)
    r_a, s_a = curve.rate_w[ja], curve.slope_w_per_s[ja]
    r_b, s_b = curve.rate_w[jb], curve.slope_w_per_s[jb]
    # energy from sample j to the edge: ∫0^τ (r + s x) dx
    head_b = r_b * tau_b + 0.5 * s_b * tau_b * tau_b
    same = ja == jb
    dt_a = np.where(in_a, curve.t_s[np.minimum(ja + 1, n - 1)] - curve.t_s[ja], 0.0)
    # energy from the edge a to the end of its interval: ∫τ^dt (r + s x) dx
    tail_a = np.where(in_a, r_a * (dt_a - tau_a) + 0.5 * s_a * (dt_a - tau_a) * (dt_a + tau_a), 0.0)
    whole = curve.cum_j[jb] - curve.cum_j[np.minimum(ja + 1, n - 1)]
    energy_j = np.where(
        same,
        (r_a * (tau_b - tau_a) + 0.5 * s_a * (tau_b - tau_a) * (tau_b + tau_a)) * in_a,
        tail_a + whole + head_b,
    )
    cov_same = (tau_b - tau_a) * in_a
    cov_diff = (dt_a - tau_a) + (curve.cum_covered_s[jb] - curve.cum_covered_s[np.minimum(ja + 1, n - 1)]) + tau_b
    covered = np.where(same, cov_same, cov_diff)
    energy_j = np.where(has, energy_j, 0.0)
    covered = np.where(has, covered, 0.0)
    # the device's sampled span [first, last]: the rest of the window is outside it
    first = curve.t_s[np.minimum(lo, n - 1)]
    last = curve.t_s[np.clip(hi - 1, 0, n - 1)]
    in_span = np.where(has, np.maximum(np.minimum(b, last) - np.maximum(a, first), 0.0), 0.0)
    duration = b - a
    # rounding can leave the covered time a few ulp above the span: it is within it
    covered = np.minimum(covered, in_span)
    nan = np.isnan(duration)
    return WindowEnergy(
        energy_kwh=np.where(nan, np.nan, energy_j / J_PER_KWH),
        covered_s=np.where(nan, np.nan, covered),
        gap_s=np.where(nan, np.nan, in_span - covered),
        outside_s=duration - in_span,
    )


def hourly_energy(curve, window_device, window_start_s, window_end_s, *, origin_s=0.0, step_s=SECONDS_PER_HOUR):
    """Energy of each window in each hour it overlaps (for hourly intensity and prices).

    Windows are cut at origin_s + k × step_s (UTC hour boundaries by default, the grid
    of ``grid_intensity/hourly_us_ba_2022.csv``), then each piece is a window of its own.

    Parameters
    ----------
    curve : EnergyCurve
        From ``power_curve``.
    window_device : array_like of int
        Device code of each window. [-]
    window_start_s, window_end_s : array_like
        Window start and end, seconds since the Unix epoch (UTC). [s]
    origin_s, step_s : float
        Any step edge and the step length. [s]

    Returns
    -------
    HourlyEnergy
        One row per (window, hour) piece: ``window`` index, piece bounds [s],
        ``energy_kwh`` [kWh], ``covered_s``, ``gap_s``, ``outside_s`` [s]. Zero-duration
        windows have no piece.
    """
    wd, start, end = (
        np.atleast_1d(x)
        for x in np.broadcast_arrays(
            np.asarray(window_device, dtype=np.int64),
            np.asarray(window_start_s, dtype=np.float64),
            np.asarray(window_end_s, dtype=np.float64),
        )
    )
    pieces = split_at_steps(start, end, origin_s=origin_s, step_s=step_s)
    e = window_energy(curve, wd[pieces.parent], pieces.start_s, pieces.end_s)
    return HourlyEnergy(
        window=pieces.parent,
        start_s=pieces.start_s,
        end_s=pieces.end_s,
        energy_kwh=e.energy_kwh,
        covered_s=e.covered_s,
        gap_s=e.gap_s,
        outside_s=e.outside_s,
    )


