"""Seconds of the period report, section by section, and its peak memory (a script, not a test).

    .venv/bin/python benchmarks/bench_report.py --runs 1000000 [10000000] --keep DIR [--fmt md|html] [--repeat 2]
    .venv/bin/python benchmarks/bench_report.py --db COPY.duckdb           # an existing database (a copy)

For each size, once: the run logs as canonical CSV files of ``--files-of`` runs
(benchmarks/generate.py) under DIR/runs-N, ingested and computed into DIR/report-N.duckdb
(examples/datacenters.yaml loaded, every footprint computed), kept across calls: a later call
finds the database and only times the report. With ``--db`` the database given is used as it is.

Then, in a fresh process per repeat, as ``wattledger report`` does (read-only connection, the
current factor set): ``write_period_report`` of all runs, with its ``timings`` (the cube's
build, each section's read, charts, render, write) and the peak RSS of the process while the
report is written (VmHWM, reset after connecting through /proc/self/clear_refs) beside the
peak of connecting. The report file is written beside the database (report-N.md or .html).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import write_runs  # noqa: E402

BUILD = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.store import connect
con = connect(sys.argv[2])
t = time.perf_counter(); ingest_paths(con, [Path(sys.argv[1])]); print(f"  ingest {time.perf_counter() - t:.1f} s")
load_site_file(con, Path(sys.argv[3]) / "examples" / "datacenters.yaml")
t = time.perf_counter(); c = compute_footprints(con); print(f"  compute {time.perf_counter() - t:.1f} s ({c.computed:,} footprints)")
con.close()
"""

REPORT = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
db, out, fmt = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
from wattledger.compute import current_factor_set
from wattledger.report import write_period_report
from wattledger.store import connect
def hwm_mb():
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024
t = time.perf_counter()
con = connect(db, read_only=True)
factor_set = current_factor_set(con)
opened_s, opened_mb = time.perf_counter() - t, hwm_mb()
try:
    open("/proc/self/clear_refs", "w").write("5")  # peak RSS from here on
    reset = True
except OSError:
    reset = False
timings = {}
t = time.perf_counter()
write_period_report(con, out, db_label=Path(db).name, factor_set=factor_set, fmt=fmt, timings=timings)
total = time.perf_counter() - t
con.close()
print(json.dumps({"total_s": total, "timings": timings, "open_s": opened_s, "open_peak_mb": opened_mb,
                  "report_peak_mb": hwm_mb(), "peak_reset": reset}))
"""


def uptime() -> str:
    """The load averages (1, 5, 15 min) as `uptime` prints them."""
    return ", ".join(Path("/proc/loadavg").read_text().split()[:3])


def build(n: int, files_of: int, work: Path) -> Path:
    """DIR/report-N.duckdb with every footprint computed (made once, kept)."""
    db = work / f"report-{n}.duckdb"
    if db.exists():
        return db
    folder = work / f"runs-{n}"
    if not folder.exists():
        write_runs(folder, n, files=max(1, -(-n // files_of)))
    print(f"building {db} ({n:,} runs)")
    partial = db.with_name(db.name + ".building")
    for f in work.glob(partial.name + "*"):
        f.unlink()
    subprocess.run([sys.executable, "-c", BUILD, str(folder), str(partial), str(ROOT)], check=True)
    partial.rename(db)
    wal = partial.with_name(partial.name + ".wal")
    if wal.exists():
        wal.rename(db.with_name(db.name + ".wal"))
    return db


def measure(db: Path, fmt: str) -> dict:
    out = db.with_name(f"{db.stem}.{fmt}")
    run = subprocess.run([sys.executable, "-c", REPORT, str(db), str(out), fmt, str(ROOT)], capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"report over {db}: exit status {run.returncode}:\n" + "\n".join(run.stderr.strip().splitlines()[-25:]))
    return json.loads(run.stdout.strip().splitlines()[-1])


def show(label: str, r: dict, load: str) -> None:
    print(f"  {label}: report {r['total_s']:.2f} s, peak RSS while writing it {r['report_peak_mb']:,.0f} MB"
          f"{'' if r['peak_reset'] else ' (not reset: whole process)'}; connect {r['open_s']:.2f} s, "
          f"{r['open_peak_mb']:,.0f} MB; load average before {load}")
    for name, s in sorted(r["timings"].items(), key=lambda kv: -kv[1]):
        print(f"      {name:<20} {s:7.3f} s")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--files-of", type=int, default=1_000_000, help="runs per generated CSV file")
    ap.add_argument("--keep", type=Path, default=Path("/tmp/wattledger-bench-report"),
                    help="folder of the generated files and databases, reused across calls")
    ap.add_argument("--db", type=Path, help="time the report over this database (a copy: it is opened read-only)")
    ap.add_argument("--fmt", choices=["md", "html"], default="md")
    ap.add_argument("--repeat", type=int, default=1, help="fresh processes per database")
    args = ap.parse_args(argv)
    args.keep.mkdir(parents=True, exist_ok=True)
    dbs = [args.db] if args.db else [build(n, args.files_of, args.keep) for n in args.runs]
    results = {}
    print(f"period report of all runs ({args.fmt}), {time.strftime('%Y-%m-%d %H:%M:%S')}")
    for db in dbs:
        for i in range(args.repeat):
            load = uptime()
            r = results.setdefault(str(db), [])
            r.append(measure(db, args.fmt))
            show(f"{db.name} #{i + 1}", r[-1], load)
    return results


if __name__ == "__main__":
    main()
