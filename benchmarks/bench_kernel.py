"""Runs per second of the flat-factor footprint kernel against the alternatives (a script, not a test).

    .venv/bin/python benchmarks/bench_kernel.py [--runs 1000000 10000000] [--sample 200000]

Same generated inputs for every variant (13 per-run factors: GPU-hours, power/PUE/intensity
with low and high bounds, price, market share and factor), same 15 outputs (IT and facility
energy, location- and market-based CO2e, electricity cost, each with bounds):

1. ``wattledger.kernel.footprints``: numpy over cache-sized slices, 1 and 2 threads, output
   arrays reused between repeats (``warm``) and freshly allocated (``cold``, first touch of
   15 x N x 8 bytes included). With no CPU, memory or water input the kernel writes those 15
   arrays (``written_outputs``) and gives its 12 other outputs without memory of their own (the
   GPU part is the IT energy, the water figures NaN): it reads 13 x 8 and writes 15 x 8 bytes
   per run, 224 bytes (the ``bare copy`` line moves the same bytes with nothing computed);
2. a pure-Python loop over runs (timed on ``--sample`` runs, EXTRAPOLATED: it is linear);
3. polars row-wise: ``DataFrame.map_rows`` with the same Python function per row (sample,
   extrapolated), and polars expressions (vectorised) for reference;
4. the same formulas in DuckDB SQL over the inputs as an Arrow table, result fetched as Arrow.

Every variant is checked against the kernel (max relative difference printed). Timings are
the best of ``--repeat`` wall-clock runs in one process.
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

from wattledger.kernel import FootprintInputs, footprints  # noqa: E402
from wattledger.kernel.footprint import written_outputs  # noqa: E402

#: the 13 GPU-part inputs every variant reads, in python_row's order (the kernel's optional
#: CPU, memory, water and market-bound inputs stay None here: GPU-only runs)
FIELDS = ["gpu_hours", "power_w", "power_low_w", "power_high_w", "pue", "pue_low", "pue_high", "intensity_kg_per_kwh",
          "intensity_low_kg_per_kwh", "intensity_high_kg_per_kwh", "price_per_kwh", "market_covered_share",
          "market_factor_kg_per_kwh"]


def make_inputs(n: int, seed: int = 7) -> FootprintInputs:
    rng = np.random.default_rng(seed)
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    return FootprintInputs(
        gpu_hours=u(0.1, 5000), power_w=u(150, 700), power_low_w=u(75, 150), power_high_w=u(700, 800),
        pue=u(1.05, 1.6), pue_low=u(1.0, 1.05), pue_high=u(1.6, 2.0), intensity_kg_per_kwh=u(0.01, 0.9),
        intensity_low_kg_per_kwh=u(0.0, 0.01), intensity_high_kg_per_kwh=u(0.9, 1.1), price_per_kwh=u(0.03, 0.4),
        market_covered_share=u(0, 1), market_factor_kg_per_kwh=u(0.01, 0.9),
    )


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def python_row(gh, p, pl_, ph, pue, pue_l, pue_h, i, il, ih, price, share, mf):
    out = []
    for power, pu, inten in ((p, pue, i), (pl_, pue_l, il), (ph, pue_h, ih)):
        it = gh * power / 1000.0
        fac = it * pu
        out += [it, fac, fac * inten, fac * (1.0 - share) * mf, fac * price]
    return out


def python_loop(x: FootprintInputs, n: int):
    cols = [getattr(x, f)[:n].tolist() for f in FIELDS]
    return [python_row(*row) for row in zip(*cols)]


ORDER = [name + s for s in ("", "_low", "_high")
         for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost")]


def polars_rowwise(x: FootprintInputs, n: int):
    import polars as pl

    frame = pl.DataFrame({f: getattr(x, f)[:n] for f in FIELDS})
    return frame.map_rows(lambda r: tuple(python_row(*r)))


def polars_expressions(x: FootprintInputs):
    import polars as pl

    frame = pl.DataFrame({f: getattr(x, f) for f in FIELDS})
    exprs = []
    for s, p, pue, i in (("", "power_w", "pue", "intensity_kg_per_kwh"),
                         ("_low", "power_low_w", "pue_low", "intensity_low_kg_per_kwh"),
                         ("_high", "power_high_w", "pue_high", "intensity_high_kg_per_kwh")):
        it = pl.col("gpu_hours") * pl.col(p) / 1000.0
        fac = it * pl.col(pue)
        exprs += [it.alias("energy_it_kwh" + s), fac.alias("energy_kwh" + s), (fac * pl.col(i)).alias("co2e_kg" + s),
                  (fac * (1.0 - pl.col("market_covered_share")) * pl.col("market_factor_kg_per_kwh")).alias("co2e_market_kg" + s),
                  (fac * pl.col("price_per_kwh")).alias("energy_cost" + s)]
    return lambda: frame.select(exprs)


def duckdb_sql(x: FootprintInputs, threads: int):
    import duckdb
    import pyarrow as pa

    con = duckdb.connect(config={"threads": threads, "autoinstall_known_extensions": False,
                                 "autoload_known_extensions": False})
    con.register("x", pa.table({f: getattr(x, f) for f in FIELDS}))
    cols = []
    for s, p, pue, i in (("", "power_w", "pue", "intensity_kg_per_kwh"),
                         ("_low", "power_low_w", "pue_low", "intensity_low_kg_per_kwh"),
                         ("_high", "power_high_w", "pue_high", "intensity_high_kg_per_kwh")):
        it = f"(gpu_hours * {p} / 1000.0)"
        fac = f"({it} * {pue})"
        cols += [f"{it} as energy_it_kwh{s}", f"{fac} as energy_kwh{s}", f"{fac} * {i} as co2e_kg{s}",
                 f"{fac} * (1.0 - market_covered_share) * market_factor_kg_per_kwh as co2e_market_kg{s}",
                 f"{fac} * price_per_kwh as energy_cost{s}"]
    query = "select " + ", ".join(cols) + " from x"
    return lambda: con.sql(query).to_arrow_table()


def bare_copy(x: FootprintInputs, out: dict[str, np.ndarray], threads: int):
    """The kernel's memory traffic with nothing computed: each of its output arrays copied
    from one of its 13 inputs, over the same slices and threads (a bound on its speed)."""
    from concurrent.futures import ThreadPoolExecutor

    from wattledger.kernel.footprint import SLICE_RUNS

    ins, outs = [getattr(x, f) for f in FIELDS], list(out.values())
    n = ins[0].size

    def fill(i):
        sl = slice(i, min(i + SLICE_RUNS, n))
        for j, o in enumerate(outs):
            np.copyto(o[sl], ins[j % len(ins)][sl])

    def run():
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(fill, range(0, n, SLICE_RUNS)))
    return run


def max_rel(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def bench(n: int, sample: int, repeat: int) -> dict[str, float]:
    x = make_inputs(n)
    rates: dict[str, float] = {}
    t_cold, ref = best(lambda: footprints(x), 1)
    rates["kernel, 1 thread, cold"] = n / t_cold
    for threads in (1, 2):
        out = {name: np.empty(n) for name in written_outputs(x)}
        t, _ = best(lambda: footprints(x, threads=threads, out=out), repeat)
        rates[f"kernel, {threads} thread(s), warm"] = n / t
    moved = 8 * (len(FIELDS) + len(out))  # bytes per run: every input read, every written output stored
    for threads in (1, 2):
        t, _ = best(bare_copy(x, out, threads), repeat)
        rates[f"bare copy of {moved} B/run, {threads} thread(s)"] = n / t
    m = min(sample, n)
    t, rows = best(lambda: python_loop(x, m), 1)
    rates["pure-Python loop (extrapolated)"] = m / t
    check = np.array(rows)[:, 0]
    t, frame = best(lambda: polars_rowwise(x, m), 1)
    rates["polars map_rows (extrapolated)"] = m / t
    t, pframe = best(polars_expressions(x), repeat)
    rates["polars expressions"] = n / t
    t, table = best(duckdb_sql(x, os.cpu_count() or 1), repeat)
    rates["DuckDB SQL"] = n / t
    print(f"  {n:>11,} runs ({moved} bytes moved per run; load average {os.getloadavg()[0]:.2f}):")
    base = rates["kernel, 2 thread(s), warm"]
    for name, rate in rates.items():
        print(f"    {name:<34} {rate:>14,.0f} runs/s   kernel (2 threads, warm) is {base / rate:7.1f}x"
              f"   {rate * moved / 1e9:5.1f} GB/s at {moved} B/run")
    print(f"    agreement with the kernel (max rel. diff): python {max_rel(check, ref['energy_it_kwh'][:m]):.1e}, "
          f"polars rows {max_rel(frame.to_numpy()[:, 2], ref['co2e_kg'][:m]):.1e}, "
          f"polars expr {max_rel(pframe['co2e_market_kg_high'].to_numpy(), ref['co2e_market_kg_high']):.1e}, "
          f"duckdb {max_rel(table.column('energy_cost_low').to_numpy(), ref['energy_cost_low']):.1e}")
    return rates


def main(argv=None) -> dict[int, dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--sample", type=int, default=200_000, help="runs timed for the Python loops")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(f"flat-factor kernel: 13 inputs -> 15 outputs written per run (+12 given without memory), {os.cpu_count()} CPU(s)")
    return {n: bench(n, args.sample, args.repeat) for n in args.runs}


if __name__ == "__main__":
    main()
