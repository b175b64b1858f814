"""A process killed with SIGKILL mid-ingest or mid-compute leaves the database as it was
before that file or that compute batch; re-running completes the work without duplicates."""

import os
import signal
import subprocess
import sys
import time

import pytest

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

WORKER = r"""
import sys
from pathlib import Path
from wattledger.store import connect, store_parsed_file
from wattledger.ingest import parse_run_log
from wattledger.compute import compute_footprints
db, *files = sys.argv[1:]
con = connect(db)
for f in files:
    parsed = parse_run_log(Path(f))
    print("storing", f, flush=True)
    store_parsed_file(con, parsed)
    print("stored", f, flush=True)
print("computing", flush=True)
compute_footprints(con)
print("done", flush=True)
"""


def _files(tmp_path, n_files, rows):
    paths = []
    for i in range(n_files):
        p = tmp_path / f"runs_{i:02d}.csv"
        lines = ["run_id,gpu_model,gpu_count,gpu_hours"] + [f"f{i}-r{j},H100-SXM,8,{1 + j % 7}" for j in range(rows)]
        p.write_text("\n".join(lines) + "\n")
        paths.append(p)
    return paths


def _run_until(db, files, marker, extra_delay_s=0.0):
    """Start the worker, SIGKILL it when it prints a line starting with ``marker``."""
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(db), *map(str, files)],
                            stdout=subprocess.PIPE, text=True, env=os.environ | {"PYTHONUNBUFFERED": "1"})
    try:
        for line in proc.stdout:
            if line.startswith(marker):
                time.sleep(extra_delay_s)
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=60)
    return proc.returncode


def _consistent(db):
    """Every recorded file has exactly its runs; every footprint has a run. Returns totals."""
    con = connect(db)
    try:
        bad = con.sql("""
            select count(*) from source_files s
            where s.rows_loaded <> (select count(*) from runs r where r.source_file_id = s.source_file_id)
        """).fetchall()[0][0]
        assert bad == 0, "a file is recorded with a different number of runs than were stored"
        return con.sql("select (select count(*) from runs), (select sum(gpu_hours) from runs), "
                       "(select count(*) from footprints), (select count(*) from source_files)").fetchall()[0]
    finally:
        con.close()


@pytest.mark.parametrize("marker, delay_s", [
    ("stored " , 0.0),   # killed right after the Nth file committed
    ("storing ", 0.02),  # killed inside a file's transaction
    ("computing", 0.3),  # killed during the compute batch
])
def test_sigkill_leaves_whole_units_and_rerun_completes(tmp_path, marker, delay_s):
    files = _files(tmp_path, 6, 20_000)
    reference = tmp_path / "reference.duckdb"
    con = connect(reference)
    ingest_paths(con, files)
    compute_footprints(con)
    con.close()
    expected = _consistent(reference)

    db = tmp_path / "crashed.duckdb"
    code = _run_until(db, files, marker, delay_s)
    assert code == -signal.SIGKILL
    runs, _, footprints, n_files = _consistent(db)
    assert runs == n_files * 20_000  # whole files only
    assert footprints in (0, runs)  # the compute batch is all or nothing

    con = connect(db)  # re-run: finishes the work, adds no duplicates
    ingest_paths(con, files)
    compute_footprints(con)
    con.close()
    assert _consistent(db) == expected
