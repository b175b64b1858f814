"""Wall time and peak memory of the whole pipeline at 1 M and 10 M runs (a script, not a test).

    .venv/bin/python benchmarks/bench_end_to_end.py [--runs 1000000 10000000] [--files-of 1000000] [--keep DIR]

For each size it writes the run logs as canonical CSV files of ``--files-of`` runs
(benchmarks/generate.py), then runs, in a fresh process with a fresh database file:
ingest every file (``ingest_paths``), load examples/datacenters.yaml, compute every
footprint (``compute_footprints``: factor resolution, hourly intensity for the US balancing
authorities, time-of-use prices, compute cost, the kernel, batches of 200,000 runs), and
write the markdown report for the whole period. A second pass over the same folder then
measures the incremental no-op (every file already ingested, nothing to compute).

Printed per stage: seconds and runs/s; for the process: peak RSS (VmHWM of the process; ru_maxrss would include the parent's at fork). The growth
from the smallest to the largest size is printed as a ratio of times (linear = the ratio of
sizes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_runs  # noqa: E402

CHILD = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
folder, db, report = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.report import write_period_report
from wattledger.store import connect
times = {}
con = connect(db)
def hwm_mb():
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
peaks = {}
t = time.perf_counter(); s = ingest_paths(con, [folder]); times["ingest"] = time.perf_counter() - t; peaks["ingest"] = hwm_mb()
load_site_file(con, Path(sys.argv[4]) / "examples" / "datacenters.yaml")
t = time.perf_counter(); c = compute_footprints(con); times["compute"] = time.perf_counter() - t; peaks["compute"] = hwm_mb()
t = time.perf_counter(); write_period_report(con, report, db_label=Path(db).name); times["report"] = time.perf_counter() - t; peaks["report"] = hwm_mb()
t = time.perf_counter(); s2 = ingest_paths(con, [folder]); c2 = compute_footprints(con); times["second run (no-op)"] = time.perf_counter() - t; peaks["second run (no-op)"] = hwm_mb()
con.close()
print(json.dumps({"loaded": s.loaded, "rejected": s.rejected, "computed": c.computed, "unresolved": c.unresolved,
                  "second_loaded": s2.loaded, "second_nothing_to_do": c2.nothing_to_do, "times": times,
                  "peaks_mb": peaks, "rss_mb": hwm_mb()}))
"""


def run(n: int, files_of: int, work: Path) -> dict:
    folder = work / f"runs-{n}"
    if not folder.exists():
        write_runs(folder, n, files=max(1, -(-n // files_of)))
    db = work / f"e2e-{n}.duckdb"
    for f in work.glob(db.name + "*"):
        f.unlink()
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(db), str(work / f"report-{n}.md"), str(ROOT)],
                         capture_output=True, text=True)
    if out.returncode != 0:  # the child's own error, not only its exit status
        raise SystemExit(f"end to end at {n:,} runs: the child exited with status {out.returncode}:\n"
                         + "\n".join(out.stderr.strip().splitlines()[-25:]))
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["db_mb"] = db.stat().st_size / 1e6
    return result


def main(argv=None) -> dict[int, dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--files-of", type=int, default=1_000_000, help="runs per generated CSV file")
    ap.add_argument("--keep", type=Path, help="folder for the generated files (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wattledger-bench-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        print("end to end: ingest -> compute -> report, one process, fresh database")
        for n in args.runs:
            r = results[n] = run(n, args.files_of, work)
            total = sum(v for k, v in r["times"].items() if not k.startswith("second"))
            r["total_s"] = total
            print(f"  {n:>11,} runs: {total:7.1f} s end to end = {n / total:>9,.0f} runs/s, peak RSS {r['rss_mb']:,.0f} MB, "
                  f"database {r['db_mb']:,.0f} MB ({r['loaded']:,} loaded, {r['rejected']:,} rejected, "
                  f"{r['computed']:,} footprints, {r['unresolved']:,} unresolved)")
            for stage, s in r["times"].items():
                rate = f"{n / s:>11,.0f} runs/s" if not stage.startswith("second") else ""
                print(f"      {stage:<20} {s:8.1f} s {rate}   peak RSS {r['peaks_mb'][stage]:,.0f} MB")
            assert r["second_loaded"] == 0 and r["second_nothing_to_do"]
        if len(args.runs) > 1:
            lo, hi = min(args.runs), max(args.runs)
            print(f"  growth {lo:,} -> {hi:,} runs (x{hi / lo:g}): end to end x{results[hi]['total_s'] / results[lo]['total_s']:.1f}, "
                  + ", ".join(f"{k} x{results[hi]['times'][k] / results[lo]['times'][k]:.1f}" for k in results[lo]["times"])
                  + f", peak RSS x{results[hi]['rss_mb'] / results[lo]['rss_mb']:.2f}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
