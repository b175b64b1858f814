"""What-if timing: the same run started at whole-hour shifts, integrated exactly over an hourly series.

For each run (its series row ``sid``, start a and end b [s since the epoch, UTC]) and each
shift k of ``shifts_h`` [h], the candidate is [a + 3600 k, b + 3600 k): the same duration, the
same power profile moved in time. Its integral of the hourly series is exact (the series is a
step function; docs/time_resolved.md §1):

    ∫ v dt = v_ia (ia + 1 − pa) + (C[ib] − C[ia + 1]) + v_ib (pb − ib)    (ia < ib)
           = v_ia (pb − pa)                                                (ia = ib)

with pa, pb the candidate's start and end in hours from the series' first hour, ia = ⌊pa⌋ the
hour holding the start, ib = ⌈pb⌉ − 1 the hour holding the end and C the cumulative sum of the
row's hourly values (C[0] = 0). A whole-hour shift k moves ia and ib by k and leaves the
partial-hour fractions as they are, so each run's candidates read 2W + 1 consecutive entries of
the tables: one gather of a window per run from a sliding-window view, then elementwise
operations on the runs × candidates array. No loop over runs or candidates (runs are taken in
blocks of BLOCK_RUNS to bound memory, each block one set of array operations).

A candidate is **covered** when it lies inside the series (0 ≤ pa, pb ≤ hours) and none of
its hours is missing (NaN, counted by a cumulative count of missing hours); an uncovered
candidate gets NaN and is skipped by ``best_shift``. A zero-duration run takes the value of
the hour holding its start (the limit of the mean, as in wattledger.kernel.hourly).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from wattledger.units import SECONDS_PER_HOUR

#: Runs per block: a block of runs × candidates is a few arrays of BLOCK_RUNS × len(shifts) float64.
BLOCK_RUNS = 65_536


class Shifted(NamedTuple):
    """Per run (rows) and shift (columns): the series' mean over the candidate, NaN when not covered."""

    mean: np.ndarray  #: time-weighted mean over the shifted interval [value]
    covered: np.ndarray  #: the candidate lies inside the series with no missing hour [bool]


class Best(NamedTuple):
    """The covered candidate with the least mean, per run."""

    index: np.ndarray  #: column of the best candidate (-1: none covered) [-]
    mean: np.ndarray  #: its mean [value], NaN when none is covered
    covered: np.ndarray  #: how many candidates were covered [-]


def shift_order(window_h: int) -> np.ndarray:
    """The whole-hour shifts within ±window_h, nearest first: 0, −1, 1, −2, 2, … [h].

    ``best_shift`` keeps the first of equal candidates, so a tie goes to the run's own start,
    then to the nearest shift (the earlier one of two equally near)."""
    if window_h < 0:
        raise ValueError(f"window_h must be >= 0, got {window_h}")
    k = np.arange(1, window_h + 1)
    return np.concatenate([[0], np.stack([-k, k], axis=1).ravel()]).astype(np.int64)


def _padded_tables(values: np.ndarray, pad: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row padded with ``pad`` missing hours on both sides: (values with NaN as 0,
    cumulative sum C[j] = sum of the hours before j, cumulative count of missing hours before j),
    the cumulative tables one column longer. A padding hour is missing: a candidate reaching it
    is not covered."""
    rows, n = values.shape
    padded = np.full((rows, n + 2 * pad), np.nan)
    padded[:, pad: pad + n] = values
    missing = ~np.isfinite(padded)
    vals = np.where(missing, 0.0, padded)
    zero = np.zeros((rows, 1))
    cum = np.concatenate([zero, np.cumsum(vals, axis=1)], axis=1)
    gaps = np.concatenate([zero, np.cumsum(missing, axis=1, dtype=np.float64)], axis=1)
    return vals, cum, gaps


def shifted_means(series_start_s, values, series_index, start_s, end_s, shifts_h) -> Shifted:
    """The mean of each run's series row over each shifted candidate [value], and its coverage.

    series_start_s: first hour of each row [s]; values: rows × hours [value], NaN = missing;
    series_index: row of each run; start_s, end_s: the run [s]; shifts_h: whole hours [h], any
    order. A run with end < start or a NaN time gives NaN, uncovered, for every candidate.

    Because the shifts are whole hours, a candidate's start and end fall at the same place inside
    their hours as the run's own: the hour indices are the run's plus k and the partial-hour
    fractions are the run's. So the candidates of a run read consecutive hours of the tables: a
    window of 2W + 1 hours from the run's own start hour, taken for all runs at once from a
    sliding-window view (a gather of contiguous blocks), then a handful of elementwise operations."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    shifts = np.asarray(shifts_h, dtype=np.int64)
    k_min, k_max = int(shifts.min()), int(shifts.max())
    width = k_max - k_min + 1
    pad = width + 1  # a run whose candidates reach the series from either side has its window inside the padding
    vals, cum, gaps = _padded_tables(values, pad)
    win_v = np.lib.stride_tricks.sliding_window_view(vals, width, axis=1)
    win_c = np.lib.stride_tricks.sliding_window_view(cum, width, axis=1)
    win_g = np.lib.stride_tricks.sliding_window_view(gaps, width, axis=1)
    sid = np.asarray(series_index, dtype=np.intp)
    a = np.asarray(start_s, dtype=np.float64)
    b = np.asarray(end_s, dtype=np.float64)
    origin = np.asarray(series_start_s, dtype=np.float64)[sid]
    mean = np.full((a.size, shifts.size), np.nan)
    covered = np.zeros((a.size, shifts.size), dtype=bool)
    columns = shifts - k_min
    n_padded = vals.shape[1]
    for first in range(0, a.size, BLOCK_RUNS):  # blocks of runs bound memory; each is one vector step
        part = slice(first, first + BLOCK_RUNS)
        pa = (a[part] - origin[part]) / SECONDS_PER_HOUR
        d = (b[part] - a[part]) / SECONDS_PER_HOUR
        ok_run = np.isfinite(pa) & np.isfinite(d) & (d >= 0)
        pa = np.where(ok_run, pa, 0.0)
        d = np.where(ok_run, d, 0.0)
        ia = np.floor(pa)
        ib = np.maximum(np.ceil(pa + d) - 1.0, ia)  # the hour holding the end; a zero-duration run: the start's
        fa = pa - ia  # where the start lies in its hour, the same for every shift [h]
        fb = pa + d - ib  # where the end lies in its hour [h]
        # padded column of the first candidate's start and end hours; runs too far outside the
        # series for any candidate to reach it are parked on the padding (every candidate missing)
        sa = np.clip(ia + pad + k_min, 0, n_padded - width).astype(np.intp)
        sb = np.clip(ib + pad + k_min, 0, n_padded - width).astype(np.intp)
        far = (ia + pad + k_min != sa) | (ib + pad + k_min != sb) | ~ok_run
        s = sid[part]
        va, vb = win_v[s, sa], win_v[s, sb]
        missing = win_g[s, sb + 1] - win_g[s, sa]
        same = (ia == ib)[:, None]
        integral = np.where(same, va * d[:, None],
                            va * (1.0 - fa)[:, None] + (win_c[s, sb] - win_c[s, sa + 1]) + vb * fb[:, None])
        m = np.where((d > 0)[:, None], integral / np.where(d > 0, d, 1.0)[:, None], va)
        ok = (missing == 0) & ~far[:, None]
        mean[part] = np.where(ok, m, np.nan)[:, columns]
        covered[part] = ok[:, columns]
    return Shifted(mean, covered)


def best_shift(means: np.ndarray) -> Best:
    """Per run (row), the covered candidate (finite mean) with the least mean; the first of
    equal ones (``shift_order``: the run's own start, then the nearest). Rows with no covered
    candidate get index −1 and NaN."""
    finite = np.isfinite(means)
    any_ok = finite.any(axis=1)
    idx = np.argmin(np.where(finite, means, np.inf), axis=1)
    best = np.take_along_axis(means, idx[:, None], axis=1)[:, 0]
    return Best(np.where(any_ok, idx, -1), np.where(any_ok, best, np.nan), finite.sum(axis=1))
