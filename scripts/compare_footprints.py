"""Snapshot every footprint of the demo and of a generated benchmark, and compare snapshots bit for bit.

A refactoring must not change a single number or text: take a snapshot before, one after,
and compare. Only the public interface is used (the ``wattledger`` command and the
``footprints`` / ``unresolved_runs`` tables), so the same script runs on both sides.

    python scripts/compare_footprints.py snapshot before/ --runs 1000000
    python scripts/compare_footprints.py snapshot after/ --runs 1000000
    python scripts/compare_footprints.py compare before/ after/

Columns left out of the comparison, because they are not results: ``computed_at`` and
``checked_at`` (clock times) and ``inputs_sha`` (it hashes the source of the compute code,
so that a change of method recomputes; a move of code changes it by design).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

NOT_RESULTS = {"computed_at", "checked_at", "inputs_sha"}
TABLES = {"footprints": "run_id", "unresolved_runs": "run_id"}


def _wattledger(*args: str, cwd: Path) -> None:
    exe = Path(sys.executable).with_name("wattledger")
    env = os.environ | {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
                        "PREFECT_LOGGING_LEVEL": "WARNING"}
    subprocess.run([str(exe), *args], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def _dump(db: Path, out: Path, name: str) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    counts = {}
    try:
        for table, key in TABLES.items():
            cols = [c for (c,) in con.execute(
                "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
                [table]).fetchall() if c not in NOT_RESULTS]
            frame = con.sql(f"select {', '.join(cols)} from {table} order by {key}").pl()
            frame.write_parquet(out / f"{name}.{table}.parquet")
            counts[table] = frame.height
    finally:
        con.close()
    return counts


def snapshot(out: Path, runs: int) -> None:
    from generate import write_runs  # noqa: PLC0415  (benchmarks/generate.py)

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wattledger-compare-") as tmp:
        work = Path(tmp)
        _wattledger("demo", "--db", str(work / "demo.duckdb"), "--out", str(work / "demo.md"), cwd=work)
        print("demo:", _dump(work / "demo.duckdb", out, "demo"))
        if runs:
            files = write_runs(work / "generated", runs, files=max(1, runs // 1_000_000))
            db = work / "generated.duckdb"
            _wattledger("ingest", "--db", str(db), *map(str, files), cwd=work)
            _wattledger("compute", "--db", str(db), cwd=work)
            print(f"generated {runs:,} runs:", _dump(db, out, "generated"))


def _bits(frame: pl.DataFrame) -> pl.DataFrame:
    """Floats as their bit patterns (uint64): equal means bit for bit (NaN payloads and the
    sign of zero included; polars' own equality takes 0.0 == -0.0). Nulls stay null."""
    out = []
    for name, dtype in frame.schema.items():
        column = frame[name]
        if dtype.is_float():
            raw = column.cast(pl.Float64).fill_null(0.0).to_numpy().view(np.uint64)
            column = pl.select(pl.when(column.is_null()).then(None).otherwise(pl.Series(name, raw)).alias(name)).to_series()
        out.append(column)
    return pl.DataFrame(out)


def compare(before: Path, after: Path) -> bool:
    same = True
    for path in sorted(before.glob("*.parquet")):
        other = after / path.name
        if not other.is_file():
            print(f"{path.name}: missing in {after}")
            same = False
            continue
        a, b = pl.read_parquet(path), pl.read_parquet(other)
        if a.schema != b.schema:
            print(f"{path.name}: columns differ: {a.schema} vs {b.schema}")
            same = False
            continue
        a_bits, b_bits = _bits(a), _bits(b)
        if a.height != b.height or not a_bits.equals(b_bits, null_equal=True):
            differing = [c for c in a.columns if a.height != b.height or not a_bits[c].equals(b_bits[c], null_equal=True)]
            print(f"{path.name}: {a.height} vs {b.height} rows; columns that differ: {differing}")
            same = False
        else:
            print(f"{path.name}: {a.height:,} rows x {a.width} columns bit-identical")
    return same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snapshot", help="build the demo and a generated database, dump their footprints")
    s.add_argument("out", type=Path)
    s.add_argument("--runs", type=int, default=1_000_000, help="generated runs (0: the demo only)")
    c = sub.add_parser("compare", help="compare two snapshots bit for bit")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = ap.parse_args(argv)
    if args.command == "snapshot":
        snapshot(args.out, args.runs)
        return 0
    return 0 if compare(args.before, args.after) else 1


if __name__ == "__main__":
    raise SystemExit(main())
