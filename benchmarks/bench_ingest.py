"""Rows per second of wattledger's ingest against DuckDB's own bare read of the same file (a script, not a test).

    .venv/bin/python benchmarks/bench_ingest.py [--runs 1000000 10000000] [--keep DIR]

For each size and each container (canonical CSV, Parquet) it writes one file of generated
run logs (benchmarks/generate.py: 10 canonical columns, a third of the runs without power,
half without PUE), then measures, each into a fresh database file:

1. wattledger ingest (``wattledger.pipeline.ingest_paths``): content hash, record splitting
   with physical line numbers, validation of every value in SQL with rejects kept by line,
   column and reason, duplicate run_id checks within the file and against the database,
   insert into ``runs`` (primary key) and ``source_files``, one transaction; pieces of
   64 MiB for large files;
2. the ceiling: DuckDB's bare ``create table t as select * from read_csv(...)`` /
   ``read_parquet(...)`` of the same file (type sniffing, no checks, no line numbers).

Both with the same DuckDB settings (threads = the cores, at most 4; memory limit 1 GB).
Each measurement runs in its own process, so peak RSS is per variant.
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
kind, path, db = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
from wattledger.store import connect
con = connect(db)
t = time.perf_counter()
if kind == "wattledger":
    from wattledger.pipeline import ingest_paths
    s = ingest_paths(con, [path])
    rows = s.loaded + s.rejected
else:
    reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
    con.execute(f"create table bare as select * from {reader}(?)", [str(path)])
    rows = con.execute("select count(*) from bare").fetchall()[0][0]
elapsed = time.perf_counter() - t
con.close()
print(json.dumps({"rows": rows, "s": elapsed, "rss_mb": int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]) / 1024}))
"""


def measure(kind: str, path: Path, work: Path) -> dict:
    db = work / f"{kind}-{path.stem}-{path.suffix[1:]}.duckdb"
    for f in work.glob(db.name + "*"):
        f.unlink()
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), str(db), str(ROOT)],
                         capture_output=True, text=True)
    if out.returncode != 0:  # the child's own error, not only its exit status
        raise SystemExit(f"ingest ({kind}) of {path} exited with status {out.returncode}:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--keep", type=Path, help="folder for the generated files (default: a temporary one)")
    args = ap.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wattledger-bench-ingest-"))
    results = {}
    try:
        print("ingest: wattledger vs DuckDB's bare read of the same file (rows/s; peak RSS of the process)")
        for n in args.runs:
            for fmt in ("csv", "parquet"):
                (path,) = write_runs(work / f"{fmt}-{n}", n, fmt=fmt)
                try:
                    ours, bare = measure("wattledger", path, work), measure("duckdb", path, work)
                except SystemExit as failed:  # said, and the other sizes still measured
                    lines = str(failed).splitlines()
                    results[(n, fmt)] = {"error": next((line for line in lines if "Error" in line), lines[-1])}
                    print(f"  {n:>11,} runs, {fmt:<7}: FAILED: {failed}")
                    path.unlink()
                    continue
                assert ours["rows"] == bare["rows"] == n, (ours, bare)
                share = (n / ours["s"]) / (n / bare["s"])
                results[(n, fmt)] = {"wattledger": ours, "duckdb": bare, "share": share}
                print(f"  {n:>11,} runs, {fmt:<7} ({path.stat().st_size / 1e6:,.0f} MB): "
                      f"wattledger {n / ours['s']:>10,.0f} rows/s ({ours['s']:6.1f} s, {ours['rss_mb']:,.0f} MB)   "
                      f"DuckDB bare {n / bare['s']:>11,.0f} rows/s ({bare['s']:5.1f} s, {bare['rss_mb']:,.0f} MB)   "
                      f"= {share:6.1%} of the ceiling")
                path.unlink()
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return results


if __name__ == "__main__":
    main()
