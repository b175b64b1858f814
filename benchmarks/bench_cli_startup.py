"""Start-up time of the ``wattledger`` command (a script, not a test).

    .venv/bin/python benchmarks/bench_cli_startup.py [--repeat 7]

Times, wall clock from process start to exit, the commands a person types that run no
Prefect flow: ``--help``, ``--version``, ``sql``, ``constants``, ``factors --region``,
``report --help``. Each is run ``--repeat`` times as a fresh process (the console script of
this virtual environment); the median and the best are printed. The database for ``sql`` and
``constants`` is built once first (``ingest`` of examples/public_runs.csv, not timed).
Target (issue 19): under 0.5 s for a command that runs no flow. Also prints the modules
each command imports that a light command should not need (matplotlib, prefect, polars).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).with_name("wattledger")
HEAVY = ("matplotlib", "prefect", "polars", "pyarrow", "numpy", "duckdb")


def _time(argv: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([str(SCRIPT), *argv], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t0)
    return times


def _heavy_imports(argv: list[str]) -> list[str]:
    """The heavy packages loaded by the command (its own process, ``sys.modules`` at exit)."""
    probe = ("import sys, atexit\n"
             "atexit.register(lambda: print('LOADED', *[m for m in %r if m in sys.modules], file=sys.__stderr__))\n"
             "sys.argv = ['wattledger', *%r]\n"
             "from flows.cli import app\n"
             "app()\n") % (HEAVY, argv)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED")]
    return lines[-1].split()[1:] if lines else ["?"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.duckdb")
        subprocess.run([str(SCRIPT), "ingest", "examples/public_runs.csv", "--db", db], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        commands = {
            "--help": ["--help"],
            "--version": ["--version"],
            "report --help": ["report", "--help"],
            "sql 'select 1'": ["sql", "select count(*) from runs", "--db", db],
            "constants": ["constants", "--db", db],
            "factors --region FR": ["factors", "--region", "FR", "--db", db],
        }
        print(f"{'command':<24} {'median s':>9} {'best s':>8}  heavy modules loaded")
        for label, argv in commands.items():
            times = _time(argv, args.repeat)
            print(f"{label:<24} {statistics.median(times):>9.3f} {min(times):>8.3f}  {' '.join(_heavy_imports(argv)) or '-'}")


if __name__ == "__main__":
    main()
