"""Every benchmark, side by side on the same generated data, and the targets they are held to.

    .venv/bin/python benchmarks/run_all.py            # 1 M and 10 M runs (about 40 minutes on 2 cores)
    .venv/bin/python benchmarks/run_all.py --quick    # 100 k and 1 M runs (a few minutes)

Runs, in this order: the flat kernel against a pure-Python loop, polars (row-wise and
expressions) and DuckDB SQL (bench_kernel.py); the hourly integral against a naive loop
and a DuckDB range join (bench_hourly.py); ingest against DuckDB's bare read of the same
CSV and Parquet file (bench_ingest.py); the pipeline end to end with peak RSS
(bench_end_to_end.py); a 1 M-line sacct export parsed (bench_ingest_formats.py); power
samples at scale (bench_telemetry_scale.py). Then prints a summary: each target of issue 20
(and the hourly one of issue 7), the measured figure, and the growth from the smaller to the
larger size (linear growth = the ratio of sizes). docs/performance.md records a run of it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_end_to_end  # noqa: E402
import bench_hourly  # noqa: E402
import bench_ingest_formats  # noqa: E402
import bench_ingest  # noqa: E402
import bench_kernel  # noqa: E402
import bench_telemetry_scale  # noqa: E402


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 k and 1 M runs, 1 M samples")
    args = ap.parse_args(argv)
    small, large = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    sizes = [str(small), str(large)]
    samples = ["1000000"] if args.quick else ["10000000", "100000000"]
    print(f"wattledger benchmarks: {platform.python_version()}, {os.cpu_count()} CPU(s), {time.strftime('%Y-%m-%d %H:%M')}\n")
    kernel = bench_kernel.main(["--runs", *sizes])
    print()
    hourly = bench_hourly.main(["--runs", *sizes, "--samples", "0"])
    print()
    ingest = bench_ingest.main(["--runs", *sizes])
    print()
    e2e = bench_end_to_end.main(["--runs", *sizes])
    print()
    sacct = bench_ingest_formats.main(["--rows", str(small), "--formats", "sacct"])["sacct"]
    print()
    tele = bench_telemetry_scale.main(["--samples", *samples])

    def growth(t_small: float, t_large: float) -> str:
        return f"time x{t_large / t_small:.1f} for x{large // small} runs"

    k, k_small = kernel[large]["kernel, 2 thread(s), warm"], kernel[small]["kernel, 2 thread(s), warm"]
    h = hourly[large]["kernel hourly_mean"]
    end, start = e2e[large], e2e[small]
    compute_rate = large / end["times"]["compute"]
    print("\nsummary (targets of issue 20, and issue 7's hourly one; this machine)")
    rows = [
        (f"flat kernel, {small:,} runs", ">= 80 M runs/s", f"{k_small / 1e6:.1f} M runs/s", ""),
        (f"flat kernel, {large:,} runs", ">= 80 M runs/s", f"{k / 1e6:.1f} M runs/s", growth(small / k_small, large / k)),
        ("hourly integral (8,760 h)", ">= 5 M runs/s", f"{h / 1e6:.1f} M runs/s",
         growth(small / hourly[small]["kernel hourly_mean"], large / h)),
    ] + [
        (f"ingest, {fmt}, {n:,} runs", ">= 40 % of bare DuckDB read", *_ingest_figures(ingest[(n, fmt)]))
        for fmt in ("csv", "parquet") for n in (small, large)
    ] + [
        (f"sacct export, {sacct['records']:,} lines", "<= 3 s" if small == 1_000_000 else "(1 M lines: 3 s)",
         f"{sacct['s']:.2f} s", f"{sacct['runs']:,} runs"),
        (f"end to end, {small:,} runs", "<= 6 s" if small == 1_000_000 else "", f"{start['total_s']:.1f} s", ""),
        (f"end to end, {large:,} runs", "<= 60 s", f"{end['total_s']:.0f} s", growth(start["total_s"], end["total_s"])),
        (f"peak RSS, {large:,} runs", "<= 2.5 GB", f"{end['rss_mb'] / 1024:.2f} GB",
         f"x{end['rss_mb'] / start['rss_mb']:.2f} for x{large // small} runs"),
        (f"compute incl. writes, {large:,} runs", ">= 1 M runs/s", f"{compute_rate / 1e6:.2f} M runs/s",
         f"{end['times']['compute']:.1f} s"),
        (f"report, {large:,} runs", "<= 5 s", f"{end['times']['report']:.1f} s", ""),
        (f"incremental no-op, {large:,} runs", "<= 2 s", f"{end['times']['second run (no-op)']:.1f} s", ""),
    ] + [(f"peak RSS, {r['samples']:,} power samples", "bounded", f"{r['rss_mb'] / 1024:.2f} GB", "") for r in tele.values()]
    for name, target, got, grow in rows:
        print(f"  {name:<38} target {target:<28} measured {got:<14} {grow}")


def _ingest_figures(r: dict) -> tuple[str, str]:
    """(share of the bare read, the two times) of one ingest measurement, or its failure."""
    if "error" in r:
        return "failed", r["error"].split(": ", 1)[-1][:70]
    return f"{r['share']:.0%}", f"{r['wattledger']['s']:.1f} s vs {r['duckdb']['s']:.1f} s"


if __name__ == "__main__":
    main()
