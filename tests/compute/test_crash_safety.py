"""A process killed with SIGKILL during ingest or compute leaves the database as it was before
that file or that compute batch; re-running completes the work without duplicates.

The killed process is a real subprocess (the WORKER code below, run with ``python -c``).
No timing: it announces where it is on stdout and, at the point under test, stops for good
(inside the open transaction, just before its commit; or after a file's commit); the test
reads the announcement, sends SIGKILL, then checks counts and sums against a database built
from the same files without a crash.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

# each test runs and kills worker processes; together about 20 s
pytestmark = pytest.mark.slow

SMALL_FILES, SMALL_ROWS, BIG_ROWS = 4, 1_500, 14_000
BATCH_RUNS = 2_000  # compute batches of the 20,000 runs: 10 batches, one transaction each
PIECE_BYTES = 128 * 1024  # the big file (~1 MB) is stored in pieces, all in one transaction

# The worker: ingests the files, then computes, announcing each step. It stops for good
# (waiting on an event nobody sets) at the point named by its arguments, so the kill always
# lands there.
WORKER = r"""
import functools, sys, threading
from pathlib import Path
import wattledger.compute.run as compute
import wattledger.pipeline as pipeline
from wattledger.store import connect

db, mode, at, batch_runs, piece_bytes, *files = sys.argv[1:]
at, batch_runs, piece_bytes = int(at), int(batch_runs), int(piece_bytes)
stop = threading.Event()

def say(text):
    print(text, flush=True)

def halt(text):
    say(text)
    stop.wait()  # until SIGKILL

class Watched:
    '''A connection that announces its statements; in the chosen mode it halts before a commit.'''
    def __init__(self, con, unit):
        self._con, self._unit = con, unit
    def __getattr__(self, name):
        return getattr(self._con, name)
    def execute(self, sql, *args, **kwargs):
        text = sql.strip().lower() if isinstance(sql, str) else ""
        if "insert into runs" in text:
            say("insert runs")
        if text == "commit":
            counts[self._unit] += 1
            if mode == self._unit and counts[self._unit] == at:
                halt(f"before commit {at}")
        return self._con.execute(sql, *args, **kwargs)
    def commit(self):
        return self.execute("commit")

counts = {"ingest": 0, "compute": 0}
# large files in pieces of piece_bytes (the big file then has several pieces in one transaction)
import wattledger.pipeline.ingest as pipeline_ingest
pipeline_ingest.plan_path = functools.partial(pipeline_ingest.plan_path, piece_bytes=piece_bytes)
write_batch = compute.write_batch
compute.write_batch = lambda con, *a: write_batch(Watched(con, "compute"), *a)

def on_file(done, total, outcome):
    say(f"file {done} stored")
    if mode == "files" and done == at:
        halt("paused after file")

con = connect(db)
summary = pipeline.ingest_paths(Watched(con, "ingest"), [Path(f) for f in files], on_file=on_file)
say(f"ingested {summary.loaded}")
compute.compute_footprints(con, batch_runs=batch_runs)
say("done")
"""


def _write_files(folder: Path) -> list[Path]:
    """Small run logs (a bad record each) and one big one, every run_id unique."""
    folder.mkdir()
    paths = []
    header = "run_id,team,started_at,ended_at,gpu_model,gpu_count,region\n"
    for f in range(SMALL_FILES):
        rows = [f"s{f}-{j},team{j % 3},2024-10-{1 + j % 28:02d}T{j % 24:02d}:00:00Z,2024-10-{1 + j % 28:02d}T{j % 24:02d}:"
                f"{10 + j % 50}:00Z,H100-SXM,{1 + j % 8},FR\n" for j in range(SMALL_ROWS)]
        rows[7] = f"s{f}-bad,team0,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,0,FR\n"  # gpu_count 0
        p = folder / f"a{f}.csv"
        p.write_text(header + "".join(rows))
        paths.append(p)
    big = folder / "z_big.csv"
    with big.open("w") as out:
        out.write(header)
        for j in range(BIG_ROWS):
            out.write(f"b-{j},big,2024-11-{1 + j % 28:02d}T00:00:00Z,2024-11-{1 + j % 28:02d}T{1 + j % 20:02d}:00:00Z,"
                      f"A100-SXM4-80GB,{1 + j % 4},DE\n")
    paths.append(big)
    return paths


def _state(db) -> dict:
    """Counts and sums of every table a crash could leave half-written, and consistency checks."""
    con = connect(db)
    try:
        # every recorded file has exactly its runs and its rejects
        bad_files = con.sql("""
            select count(*) from source_files s
            where s.rows_loaded <> (select count(*) from runs r where r.source_file_id = s.source_file_id)
               or s.rows_rejected <> (select count(distinct line) from rejects j where j.source_file_id = s.source_file_id)
        """).fetchall()[0][0]
        assert bad_files == 0, "a file is recorded with other counts than the rows stored for it"
        orphans = con.sql("select count(*) from footprints where run_id not in (select run_id from runs)").fetchall()[0][0]
        assert orphans == 0
        files, runs, gpu_hours, rejects = con.sql(
            "select (select count(*) from source_files), (select count(*) from runs), "
            "(select sum(gpu_hours) from runs), (select count(*) from rejects)").fetchall()[0]
        footprints = dict(con.sql("select run_id, energy_kwh from footprints").fetchall())
        paths = {Path(p).name for (p,) in con.sql("select path from source_files").fetchall()}
        duplicates = con.sql("select count(*) - count(distinct run_id) from runs").fetchall()[0][0]
    finally:
        con.close()
    assert duplicates == 0
    return {"files": files, "paths": paths, "runs": runs, "gpu_hours": gpu_hours or 0.0, "rejects": rejects,
            "footprints": footprints}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The files, and the state a run without a crash leaves (the same batch size)."""
    root = tmp_path_factory.mktemp("crash")
    files = _write_files(root / "logs")
    reference = root / "reference.duckdb"
    con = connect(reference)
    ingest_paths(con, files)
    compute_footprints(con, batch_runs=BATCH_RUNS)
    con.close()
    return files, _state(reference)


def _per_file(files: list[Path]) -> dict[str, tuple[int, float, int]]:
    """(runs, gpu_hours, rejects) each file holds when stored, from its own ingest."""
    out = {}
    for f in files:
        con = connect(":memory:")
        ingest_paths(con, [f])
        out[f.name] = con.sql("select (select count(*) from runs), (select sum(gpu_hours) from runs), "
                              "(select count(*) from rejects)").fetchall()[0]
        con.close()
    return out


@pytest.fixture(scope="module")
def per_file(corpus):
    return _per_file(corpus[0])


def _kill_at(db: Path, files: list[Path], mode: str, at: int, marker: str) -> list[str]:
    """Run the worker until it prints ``marker`` (its stop), SIGKILL it; return what it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(db), mode, str(at), str(BATCH_RUNS), str(PIECE_BYTES), *map(str, files)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    said = []
    try:
        for line in proc.stdout:
            said.append(line.strip())
            if line.startswith(marker):
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.stderr.close()
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, f"the worker was not killed at {marker!r}: {said[-5:]} {err[-2000:]}"
    return said


def _expect_files(state: dict, per_file: dict, names: list[str]) -> None:
    runs = sum(per_file[n][0] for n in names)
    assert (state["files"], state["paths"]) == (len(names), set(names))
    assert state["runs"] == runs and state["rejects"] == sum(per_file[n][2] for n in names)
    assert state["gpu_hours"] == pytest.approx(sum(per_file[n][1] for n in names), rel=1e-12)


def _rerun_completes(db: Path, files: list[Path], reference: dict) -> None:
    con = connect(db)
    ingest_paths(con, files)
    compute_footprints(con, batch_runs=BATCH_RUNS)
    con.close()
    after = _state(db)
    assert {k: v for k, v in after.items() if k not in ("gpu_hours", "footprints")} == {
        k: v for k, v in reference.items() if k not in ("gpu_hours", "footprints")}
    assert after["gpu_hours"] == pytest.approx(reference["gpu_hours"], rel=1e-12)
    assert after["footprints"].keys() == reference["footprints"].keys()
    assert sum(after["footprints"].values()) == pytest.approx(sum(reference["footprints"].values()), rel=1e-12)


@pytest.mark.parametrize("after_files", [1, 3])
def test_killed_after_n_files_keeps_exactly_those_files(tmp_path, corpus, per_file, after_files):
    files, reference = corpus
    db = tmp_path / "crashed.duckdb"
    said = _kill_at(db, files, "files", after_files, "paused after file")
    assert said[-2:] == [f"file {after_files} stored", "paused after file"]
    _expect_files(_state(db), per_file, [f.name for f in files[:after_files]])
    _rerun_completes(db, files, reference)


def test_killed_inside_a_files_transaction_leaves_no_trace_of_it(tmp_path, corpus, per_file):
    """Killed with the third file's runs and rejects inserted, before its commit."""
    files, reference = corpus
    db = tmp_path / "crashed.duckdb"
    said = _kill_at(db, files, "ingest", 3, "before commit 3")
    assert said.count("insert runs") == 3 and "file 2 stored" in said and "file 3 stored" not in said
    _expect_files(_state(db), per_file, [f.name for f in files[:2]])
    _rerun_completes(db, files, reference)


def test_killed_between_pieces_of_a_big_file_leaves_no_trace_of_it(tmp_path, corpus, per_file):
    """The big file is stored in pieces within one transaction: killed before its commit,
    after every piece was inserted, nothing of it remains."""
    files, reference = corpus
    db = tmp_path / "crashed.duckdb"
    said = _kill_at(db, files, "ingest", len(files), f"before commit {len(files)}")
    pieces = said.count("insert runs") - (len(files) - 1)
    assert pieces >= 5, f"the big file was stored in {pieces} piece(s); the test needs several"
    _expect_files(_state(db), per_file, [f.name for f in files[:-1]])
    _rerun_completes(db, files, reference)


@pytest.mark.parametrize("batch", [1, 4])
def test_killed_inside_a_compute_batch_keeps_exactly_the_batches_before(tmp_path, corpus, per_file, batch):
    files, reference = corpus
    db = tmp_path / "crashed.duckdb"
    _kill_at(db, files, "compute", batch, f"before commit {batch}")
    state = _state(db)
    _expect_files(state, per_file, [f.name for f in files])  # ingest had finished
    done = (batch - 1) * BATCH_RUNS  # batches are whole: the ones committed before, not the one killed
    assert len(state["footprints"]) == done
    for run_id, energy_kwh in state["footprints"].items():  # and each is the footprint a clean run computes
        assert energy_kwh == pytest.approx(reference["footprints"][run_id], rel=1e-12)
    _rerun_completes(db, files, reference)
