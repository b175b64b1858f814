"""What-if timing: the same run started at whole-hour shifts, integrated exactly over an hourly series.

For each run (its series row ``sid``, start a and end b [s since the epoch, UTC]) and each
shift k of ``shifts_h`` [h], the candidate is [a + 3600 k, b + 3600 k): the same duration, the
same power profile moved in time. Its integral of the hourly series is exact (the series is a
step function; docs/time_resolved.md §1):

    ∫ v dt = v_ia (ia + 1 − pa) + (C[ib] − C[ia + 1]) + v_ib (pb − ib)    (ia < ib)
           = v_ia (pb − pa)                                                (ia = ib)

with pa, pb the candidate's start and end in hours from the series' first hour, ia = ⌊pa⌋ the
hour holding the start, ib = ⌈pb⌉ − 1 the hour holding the end and C the cumulative sum of the
row's hourly values (C[0] = 0). Every (run, candidate) pair is one element of a 2-D array:
gathers from the flattened table, no loop over runs or candidates (runs are taken in blocks
of BLOCK_RUNS to bound memory, each block one set of array operations).

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


def _tables(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with NaN as 0, cumulative sum, cumulative count of missing hours), each row
    with a leading 0 column for the cumulative tables; all flattened by row."""
    missing = ~np.isfinite(values)
    vals = np.where(missing, 0.0, values)
    zero = np.zeros((values.shape[0], 1))
    cum = np.concatenate([zero, np.cumsum(vals, axis=1)], axis=1)
    gaps = np.concatenate([zero, np.cumsum(missing, axis=1, dtype=np.float64)], axis=1)
    return vals, cum, gaps


def shifted_means(series_start_s, values, series_index, start_s, end_s, shifts_h) -> Shifted:
    """The mean of each run's series row over each shifted candidate [value], and its coverage.

    series_start_s: first hour of each row [s]; values: rows × hours [value], NaN = missing;
    series_index: row of each run; start_s, end_s: the run [s]; shifts_h: whole hours [h].
    A run with end < start or a NaN time gives NaN, uncovered, for every candidate."""
    values = np.atleast_2d(np.asarray(values, dtype=np.float64))
    n_hours = values.shape[1]
    vals, cum, gaps = _tables(values)
    flat_v, flat_c, flat_g = vals.ravel(), cum.ravel(), gaps.ravel()
    sid = np.asarray(series_index, dtype=np.intp)
    a = np.asarray(start_s, dtype=np.float64)
    b = np.asarray(end_s, dtype=np.float64)
    shifts = np.asarray(shifts_h, dtype=np.float64)
    origin = np.asarray(series_start_s, dtype=np.float64)[sid]
    mean = np.full((a.size, shifts.size), np.nan)
    covered = np.zeros((a.size, shifts.size), dtype=bool)
    for first in range(0, a.size, BLOCK_RUNS):  # blocks of runs bound memory; each is one vector step
        part = slice(first, first + BLOCK_RUNS)
        m, c = _block(flat_v, flat_c, flat_g, n_hours, sid[part], (a[part] - origin[part]) / SECONDS_PER_HOUR,
                      (b[part] - a[part]) / SECONDS_PER_HOUR, shifts)
        mean[part], covered[part] = m, c
    return Shifted(mean, covered)


def _block(flat_v, flat_c, flat_g, n_hours, sid, pos_h, duration_h, shifts):
    pa = pos_h[:, None] + shifts[None, :]  # candidate starts, hours from the row's first hour
    d = duration_h[:, None]
    pb = pa + d
    valid = np.isfinite(pa) & np.isfinite(pb) & (d >= 0) & (pa >= 0) & (pb <= n_hours) & (pa < n_hours)
    pa_c = np.where(valid, pa, 0.0)
    pb_c = np.where(valid, pb, 0.0)
    ia = np.floor(pa_c).astype(np.intp)
    # the hour holding the end: b in (e_k, e_k+1]; a zero-duration run uses the start's hour
    ib = np.maximum(np.ceil(pb_c).astype(np.intp) - 1, ia)
    row = (sid * (n_hours + 1))[:, None]
    vrow = (sid * n_hours)[:, None]
    missing = flat_g[row + ib + 1] - flat_g[row + ia]  # missing hours among ia..ib
    ok = valid & (missing == 0)
    va, vb = flat_v[vrow + ia], flat_v[vrow + ib]
    whole = flat_c[row + ib] - flat_c[row + np.minimum(ia + 1, ib)]
    integral = np.where(ia == ib, va * (pb_c - pa_c), va * (ia + 1 - pa_c) + whole + vb * (pb_c - ib))
    span = pb_c - pa_c
    mean = np.where(span > 0, integral / np.where(span > 0, span, 1.0), va)
    return np.where(ok, mean, np.nan), ok


def best_shift(means: np.ndarray) -> Best:
    """Per run (row), the covered candidate (finite mean) with the least mean; the first of
    equal ones (``shift_order``: the run's own start, then the nearest). Rows with no covered
    candidate get index −1 and NaN."""
    finite = np.isfinite(means)
    any_ok = finite.any(axis=1)
    idx = np.argmin(np.where(finite, means, np.inf), axis=1)
    best = np.take_along_axis(means, idx[:, None], axis=1)[:, 0]
    return Best(np.where(any_ok, idx, -1), np.where(any_ok, best, np.nan), finite.sum(axis=1))
