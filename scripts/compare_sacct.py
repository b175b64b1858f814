"""Snapshot what the sacct ingest makes of a set of sacct files, and compare snapshots value for value.

A change to the sacct reader, adapter or the validation must not change one run, reject or
line number: take a snapshot with the code before, one after, and compare.

    python scripts/compare_sacct.py snapshot before/ --code /path/to/old/checkout
    python scripts/compare_sacct.py snapshot after/
    python scripts/compare_sacct.py compare before/ after/

The files: every sacct file of tests/data/bad/sacct and examples/slurm, a generated "messy"
export (every kind of line the adapter handles, and many it rejects: bad ids, orphan steps,
pending and running jobs, daylight-saving gaps and repeats, requeued jobs, bad TRES, wrong
field counts, non-UTF-8, blank lines; ``--messy-lines``), a file whose GPU job has no model
(refused whole), and the 1 M-line benchmark export of benchmarks/bench_ingest_formats.py
(``--rows``, 0 to skip). Each is parsed (``parse_run_log``: runs, problems, counts, or the
refusal) and, apart from the refused ones, ingested into one fresh database whose runs,
rejects and source_files tables (ids and clock times left out) are kept too.
``--code DIR`` runs another checkout's wattledger (the "before"); the generated files are
written once into ``--files`` (default: a folder next to the snapshot) and shared.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CLUSTER = """\
cluster: messy
timezone: America/Chicago
gpu_model: A100-SXM4-80GB
datacenter: tx-colo-2
cpu_model: AMD EPYC 7763
partitions:
  a100: {gpu_model: A100-SXM4-80GB, cpu_model: AMD EPYC 7742}
  h100: {gpu_model: H100-SXM, cpu_threads_per_core: 2, region: US-TEX-ERCO}
  cpu: {cpu_model: AMD EPYC 7763}
nodes:
  - glob: "hgx-*"
    gpu_model: H200-SXM
    datacenter: ca-colo-1
  - regex: "l40s-\\\\d+"
    cpu_threads_per_core: 2
gres_types:
  L40S: L40S
"""
NO_MODEL_CLUSTER = "cluster: nomodel\ntimezone: Europe/Paris\npartitions:\n  a100: {gpu_model: A100-SXM4-80GB}\n"
HEAD = "JobID|JobName|User|Account|Partition|State|Start|End|Elapsed|ElapsedRaw|NNodes|AllocTRES|NodeList|NCPUS"

STARTS = ["2024-10-03T14:05:11", "2024-10-03T14:05:11", "2024-10-03T14:05:11", "2024-11-03T01:30:00", "2024-03-10T02:30:00",
          "Unknown", "None", "", "2024-13-01T00:00:00", "2024-10-03 14:05:11", " 2024-10-04T00:00:00 ", "1999-01-01T00:00:00"]
ENDS = ["2024-10-03T16:05:11", "2024-10-03T16:05:11", "2024-10-05T16:05:11", "2024-11-03T01:45:00", "2024-11-03T01:10:00",
        "2024-03-10T02:10:00", "Unknown", "None", "", "garbage", "2024-10-01T00:00:00", "2025-10-03T16:05:11"]
ELAPSED = [("02:00:00", "7200"), ("02:00:00", ""), ("1-02:03:04", ""), ("", ""), ("00:15:00", "900"), ("x", "x"),
           ("99999999999999999999999999-00:00:00", ""), ("00:40:00", "")]
TRES = ["billing=128,cpu=128,gres/gpu:a100=8,gres/gpu=8,mem=1000G,node=1", "cpu=16,gres/gpu:L40S=2,mem=20G,node=1",
        "cpu=16,gres/gpu:a100=2,gres/gpu:h100=4,mem=20.5G,node=2", "cpu=64,mem=250000,node=1", "cpu=64,mem=2T,node=1",
        "billing=1,node=1", "", "gres/gpu=4", "cpu=0,mem=1M", "cpu=8,gres/gpu=99999999,mem=10K", "cpu=8,gres/gpu=3,mem=1.5P",
        "cpu=224,gres/gpu=8,mem=2000G,node=1"]
STATES = ["COMPLETED", "CANCELLED by 51234", "FAILED", "TIMEOUT", "RUNNING", "PENDING", "completed", "", "OUT_OF_MEMORY"]
PARTS = ["a100", "h100", "cpu", "", "mixed", "a100,h100"]
NODES = ["a100-001", "hgx-h100-07", "l40s-12", "None assigned", "", "cpu-[001-004]", "a100-[001-004]"]
IDS_BAD = ["abc", "12.3.4", "123_[5-9%2].batch", "-1", "123 456", "12_", "+1", "1.batch.0", "１２３"]


def write_messy(path: Path, lines: int, seed: int = 20) -> None:
    """A sacct export with ``lines`` lines of every shape (deterministic)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = [HEAD]
    job = 500_000
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    while len(out) < lines:
        job += int(rng.integers(1, 4))
        kind = rng.random()
        if kind < 0.04:
            jid = pick(IDS_BAD)
        elif kind < 0.12:
            jid = f"{job}_{int(rng.integers(0, 50))}"
        elif kind < 0.14:
            jid = f"{job}_[{int(rng.integers(1, 9))}-20%4]"
        elif kind < 0.17:
            jid = f"{job}+{int(rng.integers(0, 3))}"
        else:
            jid = str(job)
        start, end = pick(STARTS), pick(ENDS)
        el, raw = pick(ELAPSED)
        fields = [jid, pick(["train", 'say "hi"', "", " spaced ", "x" * 60]), "alice", pick(["vision", "nlp", "", " Nlp "]),
                  pick(PARTS), pick(STATES), start, end, el, raw, "1", pick(TRES), pick(NODES), pick(["", "32", "x", "0"])]
        has_job = rng.random() > 0.05  # else the steps alone: orphans
        if has_job:
            out.append("|".join(fields))
            if rng.random() < 0.05:  # requeued: another attempt, same JobID
                again = list(fields)
                again[6] = pick(STARTS)
                out.append("|".join(again))
        for suffix in pick([[".batch", ".extern", ".0"], [".batch"], [], [".extern", ".0", ".1"]]):
            out.append("|".join([jid + suffix, "batch", "", fields[3], "", "COMPLETED", start, end, el, raw, "1", pick(TRES),
                                 fields[12], ""]))
        r = rng.random()
        if r < 0.01:
            out.append("")
        elif r < 0.015:
            out.append("|".join(fields[:-2]))  # wrong field count
        elif r < 0.018:
            out.append("|".join(fields) + "|extra")
        elif r < 0.02:
            out.append("   ")
    body = ("\n".join(out) + "\n").encode()
    bad = b"\n" + f"{job + 7}|caf".encode() + b"\xe9|alice|vision|a100|COMPLETED|2024-10-03T14:05:11|" \
        b"2024-10-03T16:05:11|02:00:00|7200|1|gres/gpu=1,cpu=1|a100-001|\n"
    path.write_bytes(body.rstrip(b"\n") + bad)


def make_files(folder: Path, rows: int, messy_lines: int) -> list[Path]:
    """The sacct files to snapshot (generated ones written once into ``folder``)."""
    files = sorted((REPO / "tests/data/bad/sacct").glob("*.*")) + sorted((REPO / "examples/slurm").glob("sacct_*"))
    files = [f for f in files if f.name != "cluster.yaml"]
    messy = folder / "messy"
    messy.mkdir(parents=True, exist_ok=True)
    (messy / "cluster.yaml").write_text(CLUSTER)
    if not (messy / "messy.txt").exists():
        write_messy(messy / "messy.txt", messy_lines)
    (messy / "messy_crlf.txt").write_bytes((messy / "messy.txt").read_bytes()[:400_000].replace(b"\n", b"\r\n"))
    (messy / "messy_tab.tsv").write_bytes((messy / "messy.txt").read_bytes()[:400_000].replace(b"|", b"\t"))
    nomodel = folder / "nomodel"
    nomodel.mkdir(exist_ok=True)
    (nomodel / "cluster.yaml").write_text(NO_MODEL_CLUSTER)
    (nomodel / "jobs.txt").write_text(HEAD + "\n1|a|b|c|a100|COMPLETED|2024-10-03T14:05:11|2024-10-03T16:05:11|02:00:00|7200|1|"
                                      "gres/gpu=1|n1|\n2|a|b|c|h100|COMPLETED|2024-10-03T14:05:11|2024-10-03T16:05:11|||1|gres/gpu=2|n2|\n")
    files += [messy / "messy.txt", messy / "messy_crlf.txt", messy / "messy_tab.tsv", nomodel / "jobs.txt"]
    if rows:
        sys.path.insert(0, str(REPO / "benchmarks"))
        from bench_ingest_formats import CLUSTER as BENCH_CLUSTER, write_sacct

        bench = folder / "bench"
        bench.mkdir(exist_ok=True)
        (bench / "cluster.yaml").write_text(BENCH_CLUSTER)
        stamp = bench / "sacct.txt.rows"
        if not (stamp.exists() and stamp.read_text() == str(rows)):
            write_sacct(bench / "sacct.txt", rows)
            stamp.write_text(str(rows))
        files.append(bench / "sacct.txt")
    return files


def snapshot(out: Path, files_dir: Path, rows: int, messy_lines: int) -> None:
    import polars as pl

    from wattledger.ingest import FileRefused
    from wattledger.pipeline import ingest_paths, parse_run_log
    from wattledger.store import connect

    import wattledger

    print(f"wattledger from {Path(wattledger.__file__).parent}")
    out.mkdir(parents=True, exist_ok=True)
    files = make_files(files_dir, rows, messy_lines)
    meta: dict[str, dict] = {}
    stored: list[Path] = []
    for i, f in enumerate(files):
        key = f"{i:02d}_{f.parent.name}_{f.name}"
        try:
            p = parse_run_log(f)
        except FileRefused as err:
            meta[key] = {"refused": err.reason}
            continue
        pl.from_arrow(p.runs).write_parquet(out / f"{key}.runs.parquet")
        p.problems.write_parquet(out / f"{key}.problems.parquet")
        meta[key] = {"records": p.records, "folded": p.folded_records, "rejected": p.rejected_rows, "runs": p.runs.num_rows,
                     "format": p.format, "source_format": p.source_format, "detected": p.detected,
                     "ignored": list(p.ignored_columns)}
        if f.name in ("messy.txt", "sacct.txt") and f.parent.name in ("messy", "bench"):
            stored.append(f)
    con = connect(out / "ingest.duckdb")
    try:
        for f in stored:  # one database, one file at a time (run ids of the messy files overlap: refused across files)
            s = ingest_paths(con, [f])
            meta[f"ingest_{f.parent.name}_{f.name}"] = {"stored": len(s.stored), "refused": [r.reason for r in s.refused]}
        con.sql("select * exclude (source_file_id) from runs order by run_id").pl().write_parquet(out / "db.runs.parquet")
        con.sql("select f.path, r.* exclude (source_file_id) from rejects r join source_files f using (source_file_id) "
                "order by all").pl().write_parquet(out / "db.rejects.parquet")
        con.sql("select * exclude (source_file_id, ingested_at) from source_files order by path").pl().write_parquet(
            out / "db.source_files.parquet")
    finally:
        con.close()
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
    print(f"{len(files)} files -> {out}")


def compare(a: Path, b: Path) -> int:
    import polars as pl
    from polars.testing import assert_frame_equal

    bad = 0
    ma, mb = json.loads((a / "meta.json").read_text()), json.loads((b / "meta.json").read_text())
    for key in sorted(set(ma) | set(mb)):
        if ma.get(key) != mb.get(key):
            bad += 1
            print(f"DIFF {key}: {ma.get(key)} != {mb.get(key)}")
    names = sorted({p.name for p in a.glob("*.parquet")} | {p.name for p in b.glob("*.parquet")})
    for name in names:
        try:
            assert_frame_equal(pl.read_parquet(a / name), pl.read_parquet(b / name), check_exact=True)
        except (AssertionError, FileNotFoundError) as err:
            bad += 1
            print(f"DIFF {name}: {str(err)[:800]}")
    print(f"{len(ma)} files, {len(names)} tables compared: {'identical' if not bad else f'{bad} difference(s)'}")
    return 1 if bad else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("out", type=Path)
    s.add_argument("--code", type=Path, help="the checkout whose wattledger to run (default: this one)")
    s.add_argument("--files", type=Path, help="where the generated files are written once and reused")
    s.add_argument("--rows", type=int, default=1_000_000, help="lines of the benchmark export (0: none)")
    s.add_argument("--messy-lines", type=int, default=200_000)
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "compare":
        raise SystemExit(compare(args.a, args.b))
    sys.path.insert(0, str((args.code or REPO).resolve()))
    snapshot(args.out, args.files or args.out.parent / "sacct_files", args.rows, args.messy_lines)


if __name__ == "__main__":
    main()
