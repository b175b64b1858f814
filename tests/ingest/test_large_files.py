"""Large run logs are read in pieces: the outcome is exactly that of reading them whole,
and memory is bounded by the piece size, not the file size."""

import subprocess
import sys

import polars as pl
import pytest

from wattledger.ingest import FileRefused
from wattledger.pipeline import parse_run_log, parse_run_log_pieces
from wattledger.store import connect, store_parsed_file

HEADER = "run_id,team,started_at,ended_at,gpu_model,gpu_count,region"


def _csv_text(n: int) -> str:
    rows = [HEADER]
    for i in range(n):
        team = f'"team {i % 5}, with a comma"' if i % 7 == 0 else f"team{i % 5}"
        if i % 11 == 0:
            team = f'"a team\nover two lines {i}"'
        gpus = "0" if i % 13 == 0 else str(1 + i % 8)  # gpu_count 0 is rejected
        rows.append(f"r{i},{team},2024-03-01T{i % 24:02d}:00:00Z,2024-03-02T00:00:00Z,H100-SXM,{gpus},FR")
    rows.insert(40, "r5,dup-team,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,H100-SXM,8,FR")  # repeats r5
    rows.insert(300, "")  # a blank line
    rows.insert(301, "r-short,only,three")
    return "\r\n".join(rows) + "\r\n"


def _stored(db):
    con = connect(db, read_only=True)
    try:
        runs = con.sql("select run_id, source_line, team, gpu_count, gpu_hours from runs order by run_id").pl()
        rejects = con.sql("select line, column_name, value, reason from rejects order by line, column_name").pl()
        files = con.sql("select records, rows_loaded, rows_rejected from source_files").fetchall()
    finally:
        con.close()
    return runs, rejects, files


def _store(db, parsed):
    con = connect(db)
    try:
        return store_parsed_file(con, parsed)
    finally:
        con.close()


@pytest.mark.parametrize("suffix", ["csv", "ndjson", "parquet"])
def test_pieces_give_exactly_the_whole_file_outcome(tmp_path, suffix):
    csv_path = tmp_path / "runs.csv"
    csv_path.write_bytes(b"\xef\xbb\xbf" + _csv_text(1200).encode())
    if suffix == "csv":
        path = csv_path
    else:
        frame = pl.read_csv(csv_path, infer_schema=False)
        path = tmp_path / f"runs.{suffix}"
        frame.write_ndjson(path) if suffix == "ndjson" else frame.write_parquet(path)
    pieces = list(parse_run_log_pieces(path, piece_bytes=4096, piece_rows=100))
    assert len(pieces) > 5 and [p.piece for p in pieces] == list(range(1, len(pieces) + 1))
    whole = _store(tmp_path / "whole.duckdb", parse_run_log(path))
    pieced = _store(tmp_path / "pieces.duckdb", iter(pieces))
    assert (pieced.loaded, pieced.rejected) == (whole.loaded, whole.rejected)
    # gpu_count 0 (93); both copies of r5; the short record; polars turned the CSV's blank
    # line into an empty row of the NDJSON/Parquet copies (a missing run_id)
    assert whole.rejected == 93 + 2 + 1 + (suffix != "csv")
    got, want = _stored(tmp_path / "pieces.duckdb"), _stored(tmp_path / "whole.duckdb")
    assert got[0].equals(want[0])
    assert got[1].select("line", "column_name", "reason").equals(want[1].select("line", "column_name", "reason"))
    assert got[2] == want[2]


def test_a_quote_that_never_closes_refuses_the_file_and_stores_nothing(tmp_path, monkeypatch):
    import wattledger.ingest.pieces as pieces_mod

    monkeypatch.setattr(pieces_mod, "MAX_RECORD_BYTES", 50_000)
    path = tmp_path / "open_quote.csv"
    good = "".join(f"ok{i},t,2024-03-01T00:00:00Z,2024-03-02T00:00:00Z,H100-SXM,8,FR\n" for i in range(2000))
    path.write_text(HEADER + "\n" + good + 'bad,"never closed\n' + good * 2)
    db = tmp_path / "q.duckdb"
    con = connect(db)
    with pytest.raises(FileRefused, match=r"line 2002: a record longer than"):
        store_parsed_file(con, parse_run_log_pieces(path, piece_bytes=8192))
    assert con.execute("select (select count(*) from runs), (select count(*) from source_files)").fetchall() == [(0, 0)]


GENERATE_AND_INGEST = r"""
import sys
from pathlib import Path
from wattledger.pipeline import ingest_paths
from wattledger.store import connect
path, db, target = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pad = "x" * 1900
row = "r{},team-a,2024-03-01T00:00:00Z,2024-03-01T10:00:00Z,H100-SXM,8,FR," + pad + "\n"  # notes: not a contract column
with open(path, "w") as f:
    f.write("run_id,team,started_at,ended_at,gpu_model,gpu_count,region,notes\n")
    i = 0
    written = 0
    while written < target:
        block = "".join(row.format(j) for j in range(i, i + 10_000))
        f.write(block)
        written += len(block)
        i += 10_000
def peak_kib():  # this process's own high-water mark (ru_maxrss would include pytest's at fork)
    return int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
before = peak_kib()
summary = ingest_paths(connect(db), [path])
peak = peak_kib()
print(i, summary.loaded, summary.rejected, before, peak)
"""


@pytest.mark.slow
def test_a_2_gb_file_is_ingested_with_bounded_memory(tmp_path):
    """2 GB of run log (1 M runs with long names): peak RSS stays far below the file size."""
    size = 2 * 1024**3
    out = subprocess.run(
        [sys.executable, "-c", GENERATE_AND_INGEST, str(tmp_path / "big.csv"), str(tmp_path / "big.duckdb"), str(size)],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout.split()
    written, loaded, rejected, _, peak_kib = map(int, out)
    assert (tmp_path / "big.csv").stat().st_size >= size
    assert (loaded, rejected) == (written, 0)
    assert peak_kib * 1024 < 1.5 * 1024**3  # bounded by the pieces, not the 2 GB file


TINY_RECORDS = """
import sys
from pathlib import Path
from wattledger.pipeline import ingest_paths
from wattledger.store import connect
path, db, size = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with open(path, "wb") as f:
    f.write(b"run_id,started_at,ended_at,gpu_count\\n")
    f.write(b"x\\n" * (size // 2))
summary = ingest_paths(connect(db), [path])
peak = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(summary.loaded, summary.rejected, peak)
"""


@pytest.mark.slow
def test_a_32_mib_file_of_tiny_malformed_records_stays_under_1_gb(tmp_path):
    """16.8 M one-field records, every one rejected with its line: memory per record is bounded
    while read (pieces of at most 1 M lines) and while stored (rejects staged through Parquet)."""
    size = 32 * 2**20
    out = subprocess.run(
        [sys.executable, "-c", TINY_RECORDS, str(tmp_path / "tiny.csv"), str(tmp_path / "tiny.duckdb"), str(size)],
        capture_output=True, text=True, timeout=600, check=True,
    ).stdout.split()
    loaded, rejected, peak_kib = map(int, out)
    assert (loaded, rejected) == (0, size // 2)
    assert peak_kib * 1024 < 2**30
