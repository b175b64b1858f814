"""Records per second of each input parser on a 1-million-record file (a script, not a test).

    .venv/bin/python benchmarks/bench_ingest_formats.py [--rows 1000000] [--keep DIR] [--formats sacct,...]

For each format (``--formats``: a comma-separated subset, default all) it writes one file of
``--rows`` records (generated with polars, shaped like the real tool's output; a file already
in ``--keep`` with that many records is reused, so runs before and after a change read the
same bytes), then times ``parse_run_log`` on it: read + detect + map
(adapter) + validate (SQL), no database writes. Prints records/s and runs/s.

- canonical: a CSV run log, 1 record = 1 run.
- sacct: ``--parsable2`` with header; every job has .batch, .extern and .0 steps, so
  1 run per 4 records.
- codecarbon: CodeCarbon 2.8 emissions.csv; every run flushed twice, 1 run per 2 records.
- mapping: a CSV with epoch-ms times, kW and Wh through a mapping file, 1 record = 1 run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wattledger.pipeline import parse_run_log  # noqa: E402

CLUSTER = "cluster: bench\ntimezone: America/Chicago\npartitions:\n  a100: {gpu_model: A100-SXM4-80GB, datacenter: tx-colo-2}\n"
MAPPING = """name: bench
columns: {run_id: uid, started_at: start_ms, ended_at: end_ms, gpu_count: gpus, avg_power_w: power_kw,
          measured_it_energy_kwh: energy_wh}
units: {started_at: epoch_ms, ended_at: epoch_ms, avg_power_w: kw_to_w, measured_it_energy_kwh: wh_to_kwh}
constants: {team: vision, measured_energy_source: bench meter}
"""
T0_MS = 1_727_740_800_000  # 2024-10-01T00:00:00Z


def _i(n: int) -> pl.Expr:
    return pl.int_range(0, n, dtype=pl.Int64)


def write_canonical(path: Path, n: int) -> None:
    start = pl.from_epoch(T0_MS + _i(n) * 37_000, time_unit="ms")
    pl.select(
        (pl.lit("run-") + _i(n).cast(pl.String)).alias("run_id"),
        pl.lit("vision").alias("team"),
        start.dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("started_at"),
        (start + pl.duration(seconds=3_600 + _i(n) % 7_200)).dt.to_string("%Y-%m-%dT%H:%M:%SZ").alias("ended_at"),
        pl.lit("H100-SXM").alias("gpu_model"),
        (pl.lit(1) + _i(n) % 8).alias("gpu_count"),
        pl.lit("FR").alias("region"),
    ).write_csv(path)


def write_sacct(path: Path, n: int) -> None:
    jobs = n // 4
    j = _i(jobs)
    start = pl.from_epoch(T0_MS + j * 11_000, time_unit="ms")
    end = start + pl.duration(seconds=3_600 + j % 7_200)
    tres = "billing=128,cpu=128,gres/gpu:a100=8,gres/gpu=8,mem=1000G,node=1"
    base = pl.select(
        (pl.lit(10_000_000) + j).cast(pl.String).alias("JobID"),
        start.dt.to_string("%Y-%m-%dT%H:%M:%S").alias("Start"),
        end.dt.to_string("%Y-%m-%dT%H:%M:%S").alias("End"),
        (j % 4).alias("k"),
    )
    parts = []
    for suffix, name, user, part in (("", "train", "alice", "a100"), (".batch", "batch", "", ""),
                                     (".extern", "extern", "", ""), (".0", "python", "", "")):  # fmt: skip
        parts.append(base.select(
            (pl.col("JobID") + suffix).alias("JobID"), pl.lit(name).alias("JobName"), pl.lit(user).alias("User"),
            pl.lit("vision").alias("Account"), pl.lit(part).alias("Partition"), pl.lit("COMPLETED").alias("State"),
            "Start", "End", pl.lit("01:00:00").alias("Elapsed"), pl.lit("3600").alias("ElapsedRaw"), pl.lit("1").alias("NNodes"),
            pl.lit(tres).alias("AllocTRES"), pl.lit("a100-001").alias("NodeList"), pl.int_range(0, jobs).alias("_job"),
            pl.lit(len(parts)).alias("_order"),
        ))  # fmt: skip
    pl.concat(parts).sort("_job", "_order").drop("_job", "_order").write_csv(path, separator="|", quote_style="never")


def write_codecarbon(path: Path, n: int) -> None:
    i = _i(n)
    run = i // 2
    flush = i % 2 + 1  # two cumulative snapshots per run
    duration = (3_600 * flush).cast(pl.Float64)
    ts = pl.from_epoch(T0_MS + run * 20_000 + duration.cast(pl.Int64) * 1_000, time_unit="ms").dt.to_string("%Y-%m-%dT%H:%M:%S")
    e = 0.5 * flush
    pl.select(
        ts.alias("timestamp"), pl.lit("bench").alias("project_name"), (pl.lit("r") + run.cast(pl.String)).alias("run_id"),
        pl.lit("5b0fa12a-3dd7-45bb-9766-cc326314d9f1").alias("experiment_id"), duration.alias("duration"),
        (e * 0.06).alias("emissions"), pl.lit(8e-6).alias("emissions_rate"), pl.lit(350.0).alias("cpu_power"),
        pl.lit(4000.0).alias("gpu_power"), pl.lit(750.0).alias("ram_power"), (e * 0.1).alias("cpu_energy"),
        (e * 0.8).alias("gpu_energy"), (e * 0.1).alias("ram_energy"), e.alias("energy_consumed"),
        pl.lit("France").alias("country_name"), pl.lit("FRA").alias("country_iso_code"), pl.lit("île-de-france").alias("region"),
        pl.lit("").alias("cloud_provider"), pl.lit("").alias("cloud_region"), pl.lit("Linux").alias("os"),
        pl.lit("3.11.10").alias("python_version"), pl.lit("2.8.3").alias("codecarbon_version"), pl.lit(224).alias("cpu_count"),
        pl.lit("Intel(R) Xeon(R) Platinum 8480+").alias("cpu_model"), pl.lit(8).alias("gpu_count"),
        pl.lit("8 x NVIDIA H100 80GB HBM3").alias("gpu_model"), pl.lit(2.35).alias("longitude"), pl.lit(48.85).alias("latitude"),
        pl.lit(2015.5).alias("ram_total_size"), pl.lit("machine").alias("tracking_mode"), pl.lit("N").alias("on_cloud"),
        pl.lit(1.0).alias("pue"),
    ).write_csv(path)  # fmt: skip


def write_mapping(path: Path, n: int) -> None:
    i = _i(n)
    start = T0_MS + i * 37_000
    pl.select(
        (pl.lit("job-") + i.cast(pl.String)).alias("uid"), start.alias("start_ms"), (start + 3_600_000 + i % 7_200_000).alias("end_ms"),
        (pl.lit(1) + i % 8).alias("gpus"), (0.3 + (i % 300) / 1000).alias("power_kw"), (300.0 + i % 5000).alias("energy_wh"),
    ).write_csv(path)  # fmt: skip


def main(argv=None) -> dict[str, dict]:
    """Print and return, per format run: seconds, records and runs of ``parse_run_log``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="write the files here and keep them (and reuse them on the next run)")
    ap.add_argument("--formats", default="canonical,sacct,codecarbon,mapping",
                    help="comma-separated formats to run (canonical, sacct, codecarbon, mapping)")
    args = ap.parse_args(argv)
    wanted = [f.strip() for f in args.formats.split(",") if f.strip()]
    folder = args.keep or Path(tempfile.mkdtemp(prefix="wattledger-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sacct").mkdir(exist_ok=True)
    (folder / "sacct" / "cluster.yaml").write_text(CLUSTER)
    (folder / "mapping").mkdir(exist_ok=True)  # a mapping file applies to the CSVs beside it: its own folder
    (folder / "mapping" / "mapping.yaml").write_text(MAPPING)
    cases = [
        ("canonical", folder / "canonical.csv", write_canonical, {}),
        ("sacct", folder / "sacct" / "sacct.txt", write_sacct, {}),
        ("codecarbon", folder / "emissions.csv", write_codecarbon, {}),
        ("mapping", folder / "mapping" / "mapped.csv", write_mapping, {"mapping": folder / "mapping" / "mapping.yaml"}),
    ]
    print(f"{os.cpu_count()} CPUs, polars {pl.__version__}; records per file: {args.rows:,}")
    print(f"{'format':<11} {'MB':>6} {'records':>10} {'runs':>9} {'rejected':>8} {'folded':>8} {'seconds':>8} {'records/s':>11} {'runs/s':>10}")
    unknown = sorted(set(wanted) - {c[0] for c in cases})
    if unknown:
        ap.error(f"unknown format(s) {', '.join(unknown)}")
    results = {}
    try:
        for name, path, make, kwargs in cases:
            if name not in wanted:
                continue
            stamp = path.with_name(path.name + ".rows")
            if not (args.keep and path.exists() and stamp.exists() and stamp.read_text() == str(args.rows)):
                make(path, args.rows)
                stamp.write_text(str(args.rows))
            t = time.perf_counter()
            parsed = parse_run_log(path, **kwargs)
            dt = time.perf_counter() - t
            results[name] = {"s": dt, "records": parsed.records, "runs": parsed.runs.num_rows}
            print(f"{name:<11} {path.stat().st_size / 1e6:>6.0f} {parsed.records:>10,} {parsed.runs.num_rows:>9,} "
                  f"{parsed.rejected_rows:>8,} {parsed.folded_records:>8,} {dt:>8.2f} {parsed.records / dt:>11,.0f} "
                  f"{parsed.runs.num_rows / dt:>10,.0f}")  # fmt: skip
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
