"""Runs per second of the hourly-series integral, and samples per second of telemetry integration.

    .venv/bin/python benchmarks/bench_hourly.py [--runs 100000 1000000] [--samples 10000000]

A script, not a test. It prints:

1. ``hourly_mean`` (cumulative integral, O(1) index on the hourly grid) and
   ``step_mean`` (the same integral, edges located with searchsorted) of N runs
   against one 8,760-hour series (US-CAL-CISO 2022 from grid_intensity/), run
   starts uniform over the year, durations log-normal (median 7 h, as in
   examples/cluster_logs), capped at 14 days;
2. a naive per-run Python loop over the hours each run overlaps: timed on a small
   sample (``--naive-runs``, default 20,000) and EXTRAPOLATED to N runs (it is linear in
   the number of runs and hours);
3. the same integral as a DuckDB range join (hours × runs on overlap, sum of
   value × overlap, group by run), data handed over as Arrow tables;
4. telemetry: ``power_curve`` (sort + trapezoid + cumulative sums) of ``--samples``
   samples over 1,000 devices at 1 s, then ``window_energy`` of one window per device
   and ``hourly_energy`` of the same windows.

Every variant is checked against the kernel (max relative difference printed).
Timings: best of ``--repeat`` (default 3) wall-clock runs, one process.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wattledger.kernel.hourly import hourly_mean, step_mean  # noqa: E402
from wattledger.kernel.telemetry import hourly_energy, power_curve, window_energy  # noqa: E402

H = 3600.0


def best(fn, repeat):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def load_series():
    import polars as pl

    path = ROOT / "grid_intensity" / "hourly_us_ba_2022.csv"
    frame = pl.read_csv(path).filter(pl.col("region") == "US-CAL-CISO").sort("hour_start_utc")
    hours = frame["hour_start_utc"].str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC").dt.epoch("s").to_numpy()
    return float(hours[0]), frame["intensity_kg_per_kwh"].to_numpy()


def make_runs(n, t0, rng):
    start = np.floor(t0 + rng.uniform(0, 8760 * H, n))
    duration = np.minimum(rng.lognormal(np.log(7 * H), 1.1, n), 14 * 24 * H).round()
    return start, start + duration


def naive(t0, values, start, end):
    """A per-run loop over the hours each run overlaps (what the kernel replaces)."""
    out = np.empty(start.size)
    n = values.size
    for i in range(start.size):
        a, b = start[i], end[i]
        first = max(int((a - t0) // H), 0)
        last = min(int(np.ceil((b - t0) / H)), n)
        integral = covered = 0.0
        for k in range(first, last):
            lo = max(a, t0 + k * H)
            hi = min(b, t0 + (k + 1) * H)
            if hi > lo:
                integral += values[k] * (hi - lo)
                covered += hi - lo
        out[i] = integral / covered if covered > 0 else np.nan
    return out


def duckdb_range_join(t0, values, start, end):
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(config={"threads": os.cpu_count() or 1, "autoinstall_known_extensions": False})
    hours = pa.table({"h_start": t0 + H * np.arange(values.size), "h_end": t0 + H * np.arange(1, values.size + 1), "v": values})
    runs = pa.table({"id": np.arange(start.size), "s": start, "e": end})
    con.register("hours", hours)
    con.register("runs", runs)
    t = time.perf_counter()
    result = con.sql(
        """
        select r.id,
               sum(h.v * (least(r.e, h.h_end) - greatest(r.s, h.h_start)))
                 / sum(least(r.e, h.h_end) - greatest(r.s, h.h_start)) as mean
        from runs r join hours h on h.h_start < r.e and h.h_end > r.s
        group by r.id
        order by r.id
        """
    ).fetchnumpy()
    elapsed = time.perf_counter() - t
    con.close()
    return elapsed, result["id"], result["mean"]


def max_rel(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] - b[ok]) / np.abs(b[ok]))) if ok.any() else float("nan")


def bench_hourly(runs_list, naive_runs, repeat, rng):
    t0, values = load_series()
    print(f"hourly integral: one series of {values.size} hours (US-CAL-CISO 2022), {os.cpu_count()} CPU(s)")
    start, end = make_runs(naive_runs, t0, rng)
    t_naive, ref = best(lambda: naive(t0, values, start, end), repeat)
    naive_rate = naive_runs / t_naive
    mean_h = float(np.mean((end - start) / H))
    print(f"  naive Python loop: {naive_runs:,} runs (mean {mean_h:.1f} h) in {t_naive:.2f} s = {naive_rate:,.0f} runs/s (measured)")
    kernel_small = hourly_mean(t0, values, start, end).mean
    print(f"    agrees with the kernel: max relative difference {max_rel(kernel_small, ref):.1e}")
    results = {}
    for n in runs_list:
        start, end = make_runs(n, t0, rng)
        t_kernel, m = best(lambda: hourly_mean(t0, values, start, end), repeat)
        edges = t0 + H * np.arange(values.size + 1)
        t_ss, m_ss = best(lambda: step_mean(edges, values, start, end), repeat)
        t_duck, ids, duck_mean = duckdb_range_join(t0, values, start, end)
        duck = np.full(n, np.nan)
        duck[ids] = duck_mean
        print(f"  {n:>9,} runs:")
        print(f"    kernel hourly_mean (grid index): {t_kernel * 1e3:7.1f} ms = {n / t_kernel:>13,.0f} runs/s")
        print(f"    kernel step_mean (searchsorted): {t_ss * 1e3:7.1f} ms = {n / t_ss:>13,.0f} runs/s"
              f"  (max rel. diff {max_rel(m_ss.mean, m.mean):.1e})")
        print(f"    DuckDB range join:               {t_duck * 1e3:8.1f} ms = {n / t_duck:>13,.0f} runs/s"
              f"  (max rel. diff vs kernel {max_rel(duck, m.mean):.1e})")
        print(f"    naive loop (extrapolated):       {n / naive_rate:8.1f} s  = {naive_rate:>13,.0f} runs/s"
              f"  -> kernel is {naive_rate and (n / t_kernel) / naive_rate:,.0f}x faster")
        results[n] = {"kernel hourly_mean": n / t_kernel, "kernel step_mean": n / t_ss, "DuckDB range join": n / t_duck,
                      "naive Python loop (extrapolated)": naive_rate}
    return results


def bench_telemetry(n_samples, repeat, rng):
    n_dev = 1000
    per = n_samples // n_dev
    t0 = 1_728_000_000.0
    print(f"telemetry: {n_dev * per:,} power samples, {n_dev} devices x {per:,} samples at 1 s (with jitter)")
    device = np.repeat(np.arange(n_dev, dtype=np.int64), per)
    t = t0 + np.tile(np.arange(per, dtype=np.float64), n_dev) + rng.uniform(0, 0.01, n_dev * per)
    power = rng.uniform(60, 700, n_dev * per)
    t_curve, curve = best(lambda: power_curve(device, t, power), repeat)
    print(f"  power_curve, input sorted:     {t_curve:6.2f} s = {n_dev * per / t_curve:>13,.0f} samples/s")
    order = rng.permutation(device.size)
    d_shuf, t_shuf, p_shuf = device[order], t[order], power[order]
    t_sort, _ = best(lambda: power_curve(d_shuf, t_shuf, p_shuf), 1)
    print(f"  power_curve, input shuffled:   {t_sort:6.2f} s = {n_dev * per / t_sort:>13,.0f} samples/s (includes the sort)")
    ws = t0 + rng.uniform(0, per / 2, n_dev)
    we = ws + rng.uniform(0, per / 2, n_dev)
    t_win, w = best(lambda: window_energy(curve, np.arange(n_dev), ws, we), repeat)
    print(f"  window_energy, {n_dev} windows:  {t_win * 1e3:6.1f} ms")
    t_hour, h = best(lambda: hourly_energy(curve, np.arange(n_dev), ws, we), repeat)
    print(f"  hourly_energy, {h.window.size} pieces: {t_hour * 1e3:6.1f} ms")
    total = t_curve + t_win
    print(f"  samples -> energy per window: {total:6.2f} s = {n_dev * per / total:>13,.0f} samples/s")
    check = np.bincount(h.window, h.energy_kwh, minlength=n_dev)
    print(f"    hourly pieces add up to the windows: max relative difference {max_rel(check, w.energy_kwh):.1e}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--naive-runs", type=int, default=20_000)
    ap.add_argument("--samples", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(20241001)
    results = bench_hourly(args.runs, args.naive_runs, args.repeat, rng)
    if args.samples:
        bench_telemetry(args.samples, args.repeat, rng)
    return results


if __name__ == "__main__":
    main()
