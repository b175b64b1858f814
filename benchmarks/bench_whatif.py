"""What-if timing: N runs × (2W + 1) whole-hour candidate starts, three ways on the same data.

    .venv/bin/python benchmarks/bench_whatif.py [--runs 1000000] [--window 12] [--naive-runs 2000]
                                                [--duckdb-runs 1000000] [--threads 2]

A script, not a test. The series are the shipped hourly grid (grid_intensity/hourly_registry.csv:
21 regions, 2022 and 2024 on one timeline per region); each run picks a region, a start uniform
over a year that region's series covers, and a duration log-normal (median 7 h, as
examples/cluster_logs), capped at 14 days. It prints:

1. the kernel (wattledger.kernel.whatif: ``shifted_means`` + ``best_shift``), all runs and
   candidates at once (in blocks of BLOCK_RUNS runs), numpy with ``--threads`` BLAS/OpenMP threads;
2. a naive Python loop over runs, candidates and the hours each candidate overlaps, timed on
   ``--naive-runs`` runs and EXTRAPOLATED linearly to N runs (said in the output);
3. a DuckDB formulation: runs × range(−W, W) cross join, the cumulative table joined at each
   candidate's first and last hour, arg_min per run (data handed over as Arrow tables).

Every variant's best start and CO2e mean are checked against the kernel. Timings: best of
``--repeat`` (default 3) wall-clock runs (1 for the naive loop and DuckDB at 1M runs), one process.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

H = 3600.0


def best_of(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def make_runs(grid, n, seed=18):
    rng = np.random.default_rng(seed)
    sid = rng.integers(0, len(grid.regions), n)
    finite = np.isfinite(grid.values)
    # each region's covered stretches: pick a start inside one of its finite hours (2022 or 2024)
    starts = np.empty(n)
    for r in range(len(grid.regions)):  # a loop over 21 regions to set up the data, not in any timing
        idx = np.flatnonzero(sid == r)
        hours = np.flatnonzero(finite[r])
        starts[idx] = grid.start_s[r] + hours[rng.integers(0, hours.size, idx.size)] * H + rng.uniform(0, H, idx.size)
    dur = np.minimum(rng.lognormal(math.log(7 * H), 1.0, n), 14 * 24 * H)
    return sid, starts, starts + dur


def naive(grid, sid, a, b, shifts):
    """Per run, per candidate, per overlapped hour: plain Python."""
    best_k, best_m = [], []
    for i in range(len(sid)):
        row, origin = grid.values[sid[i]], grid.start_s[sid[i]]
        n = row.size
        bm, bk = math.inf, None
        for k in shifts:
            lo, hi = a[i] + k * H, b[i] + k * H
            if lo < origin or hi > origin + n * H:
                continue
            h0, h1 = int((lo - origin) // H), int(math.ceil((hi - origin) / H))
            total, ok = 0.0, True
            for h in range(h0, max(h1, h0 + 1)):
                v = row[h]
                if v != v:
                    ok = False
                    break
                e0, e1 = origin + h * H, origin + (h + 1) * H
                total += v * (min(e1, hi) - max(e0, lo))
            if ok:
                m = total / (hi - lo) if hi > lo else row[h0]
                if m < bm:
                    bm, bk = m, k
        best_k.append(bk)
        best_m.append(bm if bk is not None else math.nan)
    return np.array([math.nan if k is None else k for k in best_k]), np.array(best_m)


DUCKDB_SQL = """
with
cand as (
    select r.id, r.sid, k, r.pos_h + k as pa, r.pos_h + k + r.dur_h as pb
    from runs as r, range(-$w, $w + 1) as t(k)
),
inside as (
    select *, floor(pa)::bigint as ia, greatest(ceil(pb)::bigint - 1, floor(pa)::bigint) as ib
    from cand where pa >= 0 and pb <= $n and pa < $n
),
valued as (
    select i.id, i.k,
        case when i.ia = i.ib then a.v * (i.pb - i.pa)
             else a.v * (i.ia + 1 - i.pa) + (b.cum - a.cum - a.v) + b.v * (i.pb - i.ib) end as integral,
        i.pb - i.pa as span, a.v as va,
        b.gaps + b.missing - a.gaps as missing
    from inside as i
    join tab as a on a.sid = i.sid and a.h = i.ia
    join tab as b on b.sid = i.sid and b.h = i.ib
),
means as (
    select id, k, case when span > 0 then integral / span else va end as mean
    from valued where missing = 0
)
select id, arg_min(k, (mean, abs(k), k)) as best_k, min(mean) as best_mean
from means group by id order by id
"""


def duckdb_variant(grid, sid, a, b, window, threads):
    import duckdb
    import pyarrow as pa

    vals = np.where(np.isfinite(grid.values), grid.values, 0.0)
    missing = (~np.isfinite(grid.values)).astype(np.int64)
    cum = np.cumsum(vals, axis=1) - vals  # C[h]: sum of the hours before h
    gaps = np.cumsum(missing, axis=1) - missing
    s, h = np.indices(vals.shape)
    con = duckdb.connect(config={"threads": threads})
    con.register("tab_arrow", pa.table({"sid": s.ravel(), "h": h.ravel(), "v": vals.ravel(), "cum": cum.ravel(),
                                        "gaps": gaps.ravel(), "missing": missing.ravel()}))
    con.execute("create table tab as select * from tab_arrow")
    pos = (a - grid.start_s[sid]) / H
    con.register("runs_arrow", pa.table({"id": np.arange(sid.size), "sid": sid, "pos_h": pos, "dur_h": (b - a) / H}))
    con.execute("create table runs as select * from runs_arrow")

    def run():
        return con.sql(DUCKDB_SQL, params={"w": window, "n": vals.shape[1]}).fetchnumpy()
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--naive-runs", type=int, default=2_000)
    ap.add_argument("--duckdb-runs", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    from wattledger.factors import FactorLibrary
    from wattledger.kernel.whatif import best_shift, shift_order, shifted_means

    grid = FactorLibrary().hourly_grid
    shifts = shift_order(args.window)
    sid, a, b = make_runs(grid, args.runs)
    print(f"{args.runs:,} runs x {shifts.size} candidate starts (±{args.window} h) over {len(grid.regions)} hourly series "
          f"of {grid.values.shape[1]:,} hours; {os.cpu_count()} CPUs visible, {args.threads} threads asked")

    def kernel():
        m = shifted_means(grid.start_s, grid.values, sid, a, b, shifts)
        return best_shift(m.mean)
    t, k = best_of(kernel, args.repeat)
    kk = np.where(k.index >= 0, shifts[np.maximum(k.index, 0)], np.nan)
    print(f"kernel (vectorised, cumulative table): {t:.2f} s, {args.runs / t / 1e6:.2f} M runs/s, "
          f"{args.runs * shifts.size / t / 1e6:.1f} M candidates/s; runs with a covered candidate: {(k.index >= 0).sum():,}; "
          f"candidates skipped (not fully covered): {args.runs * shifts.size - int(k.covered.sum()):,}")

    n = min(args.naive_runs, args.runs)
    t0 = time.perf_counter()
    nk, nm = naive(grid, sid[:n], a[:n], b[:n], shifts)
    tn = time.perf_counter() - t0
    agree = np.allclose(nm, k.mean[:n], rtol=1e-9, equal_nan=True) and np.array_equal(np.isnan(nk), np.isnan(kk[:n]))
    print(f"naive Python loop: {tn:.2f} s for {n:,} runs, EXTRAPOLATED to {args.runs:,} runs: {tn * args.runs / n:.0f} s "
          f"({n / tn:,.0f} runs/s); same best means as the kernel: {agree}")

    nd = min(args.duckdb_runs, args.runs)
    run = duckdb_variant(grid, sid[:nd], a[:nd], b[:nd], args.window, args.threads)
    td, d = best_of(run, 1 if nd >= 500_000 else args.repeat)
    ids = d["id"]
    ok = np.allclose(d["best_mean"], k.mean[:nd][ids], rtol=1e-9)
    same_k = np.mean(d["best_k"] == kk[:nd][ids])
    print(f"DuckDB (cross join + 2 joins on the cumulative table + arg_min, {args.threads} threads): {td:.2f} s for "
          f"{nd:,} runs, {nd / td / 1e6:.2f} M runs/s; same best means: {ok}; same best start: {same_k:.4%}")


if __name__ == "__main__":
    main()
