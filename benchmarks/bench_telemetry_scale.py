"""Power samples at scale: ingest and attribution of many nvidia-smi logs with bounded memory (a script, not a test).

    .venv/bin/python benchmarks/bench_telemetry_scale.py [--samples 10000000 100000000] [--hosts 50]

Writes nvidia-smi ``--query-gpu=timestamp,index,uuid,power.draw --format=csv`` logs: ``--hosts``
hosts x 8 GPUs sampled every 10 s, one file per host and day (a telemetry.yaml with the time
zone beside them), plus a canonical run log with one 8-GPU run per host and day (with
``hosts``). Then, in a fresh process with a fresh database: ingest the logs and the runs,
compute every footprint (attribution integrates the samples of each run's GPUs). Prints
samples/s, runs measured, wall time of each stage and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STEP_S = 10
GPUS = 8
DAY_S = 86_400
T0 = np.datetime64("2022-03-01T00:00:00")

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
folder, db = Path(sys.argv[1]), sys.argv[2]
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect
con = connect(db)
t = time.perf_counter(); s = ingest_paths(con, [folder / "telemetry"]); t_tel = time.perf_counter() - t
t = time.perf_counter(); r = ingest_paths(con, [folder / "runs.csv"]); t_runs = time.perf_counter() - t
t = time.perf_counter(); c = compute_footprints(con); t_comp = time.perf_counter() - t
measured = con.execute("select count(*) from footprints where power_basis = 'measured'").fetchall()[0][0]
print(json.dumps({"samples": s.loaded, "rejected": s.rejected, "runs": r.loaded, "computed": c.computed,
                  "measured": measured, "ingest_telemetry_s": t_tel, "ingest_runs_s": t_runs, "compute_s": t_comp,
                  "rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}))
"""


def write_logs(folder: Path, samples: int, hosts: int, rng) -> tuple[int, int]:
    per_day = DAY_S // STEP_S * GPUS
    days = max(1, round(samples / (hosts * per_day)))
    tel = folder / "telemetry"
    tel.mkdir(parents=True)
    (tel / "telemetry.yaml").write_text("timezone: UTC\n")
    steps = np.arange(DAY_S // STEP_S)
    runs = ["run_id,team,started_at,ended_at,gpu_model,gpu_count,region,hosts"]
    for day in range(days):
        date = T0 + np.timedelta64(day, "D")
        stamps = np.datetime_as_string(date + (steps * STEP_S).astype("timedelta64[s]"), unit="ms")
        stamps = np.char.replace(np.char.replace(stamps, "-", "/"), "T", " ")
        for h in range(hosts):
            host = f"node{h:04d}"
            power = rng.uniform(250, 650, (steps.size, GPUS)).round(2)
            lines = ["timestamp, index, uuid, power.draw [W]"]
            for g in range(GPUS):
                uuid = f"GPU-{h:04d}{g:04d}-0000-0000-0000-000000000000"
                lines.append("\n".join(f"{s}, {g}, {uuid}, {p:.2f} W" for s, p in zip(stamps, power[:, g])))
            (tel / f"{host}_nvidia-smi_{str(date)[:10]}.csv").write_text("\n".join(lines) + "\n")
            start, end = str(date)[:10] + "T01:00:00Z", str(date)[:10] + "T23:00:00Z"
            runs.append(f"{host}-{str(date)[:10]},bench,{start},{end},H100-SXM,8,US-CAL-CISO,{host}")
    (folder / "runs.csv").write_text("\n".join(runs) + "\n")
    return days * hosts * per_day, days * hosts


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, nargs="+", default=[10_000_000, 100_000_000])
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--keep", type=Path)
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wattledger-bench-telemetry-"))
    rng = np.random.default_rng(5)
    results = {}
    try:
        print(f"power samples at scale: nvidia-smi logs, {args.hosts} hosts x {GPUS} GPUs every {STEP_S} s")
        for n in args.samples:
            folder = work / f"samples-{n}"
            shutil.rmtree(folder, ignore_errors=True)
            samples, runs = write_logs(folder, n, args.hosts, rng)
            db = folder / "bench.duckdb"
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(db), str(ROOT)],
                                 capture_output=True, text=True, check=True)
            r = results[n] = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"  {r['samples']:>12,} samples ({runs:,} runs): telemetry ingest {r['ingest_telemetry_s']:6.1f} s = "
                  f"{r['samples'] / r['ingest_telemetry_s']:>11,.0f} samples/s; compute {r['compute_s']:6.1f} s "
                  f"({r['measured']:,} of {r['computed']:,} runs measured); peak RSS {r['rss_mb']:,.0f} MB")
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
