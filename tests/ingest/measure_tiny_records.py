"""Peak RSS of ingesting one file of tiny malformed records (issue 15, item 13; not a test).

Usage: PYTHONPATH=. .venv/bin/python tests/ingest/measure_tiny_records.py BYTES
Measured (2 cores), before: 4 MiB (2.1 M records) 944 MiB peak, 8.9 s; 32 MiB (16.8 M records)
5.9 GB peak, 2 min 7 s. After column-wise rejects and pieces of at most 1 M lines: 4 MiB 664 MiB,
2.8 s; 32 MiB 2.25 GB, 13 s (reading ~680 MiB; the rest is the one transaction's rejects in
DuckDB). After staging rejects through Parquet and counting from the pieces: 32 MiB 829 MiB
peak, 13 s (tests/ingest/test_large_files.py asserts < 1 GiB)."""
import sys, tempfile
from pathlib import Path
from wattledger.pipeline import ingest_paths
from wattledger.store import connect
d = Path(tempfile.mkdtemp())
p = d / "tiny.csv"
size = int(sys.argv[1])
line = b"x\n"
with open(p, "wb") as f:
    f.write(b"run_id,started_at,ended_at,gpu_count\n")
    f.write(line * (size // len(line)))
def peak(): return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
b = peak()
s = ingest_paths(connect(d / "x.duckdb"), [p])
print(size, s.loaded, s.rejected, [str(r)[:100] for r in s.refused], b // 1024, "MiB before,", peak() // 1024, "MiB peak")
