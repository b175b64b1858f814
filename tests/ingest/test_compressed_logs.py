"""Compressed and rotated logs (.gz, .zst, dated names) are read like plain ones (issue 15)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import zstandard

from wattledger.ingest import compressed
from wattledger.ingest.file_names import logical_name, logical_suffix
from wattledger.pipeline import ingest_paths, parse_run_log, parse_run_log_pieces

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEAD = "run_id,started_at,ended_at,gpu_count,gpu_model,team\n"


def _text(runs: dict[str, int]) -> bytes:
    return (HEAD + "".join(f"{r},2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,{n},H100,red\n"
                           for r, n in sorted(runs.items()))).encode()


def _runs(con) -> dict[str, tuple]:
    return {r[0]: (r[1], Path(r[2]).name, r[3]) for r in con.sql(
        "select run_id, gpu_count, path, absent_since is not null from runs join source_files using (source_file_id)"
    ).fetchall()}


def _no_copies_left() -> bool:
    folder = compressed._folder
    return folder is None or not any(folder.iterdir())


@pytest.mark.parametrize("name, expected", [
    ("runs.csv", "runs.csv"), ("runs.csv.1", "runs.csv"), ("runs.csv.2.gz", "runs.csv"),
    ("runs.csv-20261204", "runs.csv"), ("runs.csv-20261204.gz", "runs.csv"), ("runs.csv.2026-12-04.zst", "runs.csv"),
    ("runs.csv_2026120413", "runs.csv"), ("sacct.txt.3", "sacct.txt"), ("node4.prom.gz", "node4.prom"),
    ("runs.2024.csv", "runs.2024.csv"), ("2026.1", "2026.1"),
])
def test_the_logical_name_is_under_rotation_numbers_dates_and_compression(name, expected):
    assert logical_name(Path(name)) == expected
    assert logical_suffix(Path(name)) == Path(expected).suffix


def test_gzip_zstd_and_dated_logs_in_a_folder_are_read_and_named_as_they_are(con, tmp_path):
    (tmp_path / "runs.csv").write_bytes(_text({"now": 1}))
    (tmp_path / "runs.csv.1").write_bytes(_text({"last": 2}))
    (tmp_path / "runs.csv.2.gz").write_bytes(gzip.compress(_text({"before": 3})))
    (tmp_path / "runs.csv-20240901.zst").write_bytes(zstandard.ZstdCompressor().compress(_text({"sept": 4})))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"not a log\n"))  # not sacct: skipped in a folder
    summary = ingest_paths(con, [tmp_path])
    assert not summary.refused
    assert _runs(con) == {"now": (1, "runs.csv", False), "last": (2, "runs.csv.1", False),
                          "before": (3, "runs.csv.2.gz", False), "sept": (4, "runs.csv-20240901.zst", False)}
    assert _no_copies_left()
    # unchanged: nothing is parsed again
    assert all(s.already_ingested for s in ingest_paths(con, [tmp_path]).stored)


def test_a_rotated_log_compressed_by_logrotate_keeps_its_runs(con, tmp_path):
    log = tmp_path / "runs.csv"
    log.write_bytes(_text({"p1": 1}))
    ingest_paths(con, [tmp_path])
    log.rename(tmp_path / "runs.csv.1")
    log.write_bytes(_text({"n1": 2}))
    ingest_paths(con, [tmp_path])
    # delaycompress: the next rotation compresses .1 into .2.gz
    (tmp_path / "runs.csv.2.gz").write_bytes(gzip.compress((tmp_path / "runs.csv.1").read_bytes()))
    (tmp_path / "runs.csv.1").unlink()
    log.rename(tmp_path / "runs.csv.1")
    log.write_bytes(_text({"q1": 3}))
    ingest_paths(con, [tmp_path])
    assert _runs(con) == {"p1": (1, "runs.csv.2.gz", False), "n1": (2, "runs.csv.1", False),
                          "q1": (3, "runs.csv", False)}


def test_rejects_in_a_compressed_log_name_the_file_line_and_column(con, tmp_path):
    data = _text({"ok": 1}) + b"bad,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,-3,H100,red\n"
    (tmp_path / "runs.csv.gz").write_bytes(gzip.compress(data))
    summary = ingest_paths(con, [tmp_path / "runs.csv.gz"])
    assert summary.loaded == 1 and summary.rejected == 1
    path, line, column = con.execute("select s.path, r.line, r.column_name from rejects r join source_files s "
                                 "using (source_file_id)").fetchone()
    assert (Path(path).name, line, column) == ("runs.csv.gz", 3, "gpu_count")


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not zstd"])
def test_a_damaged_compressed_file_is_refused_by_name_and_nothing_of_it_is_stored(con, tmp_path, damage):
    whole = gzip.compress(_text({f"r{i}": 1 for i in range(2000)}))
    bad = tmp_path / "bad.csv.gz"
    if damage == "truncated":
        bad.write_bytes(whole[: len(whole) // 2])
    elif damage == "corrupt":
        bad.write_bytes(whole[:20] + bytes(200) + whole[220:])
    else:
        bad = tmp_path / "bad.csv.zst"
        bad.write_bytes(compressed.MAGIC["zstd"] + b"\x00garbage" * 20)
    (tmp_path / "good.csv").write_bytes(_text({"g": 1}))
    summary = ingest_paths(con, [tmp_path])
    assert [Path(r.path).name for r in summary.refused] == [bad.name]
    assert "cannot decompress" in summary.refused[0].reason
    assert set(_runs(con)) == {"g"}
    assert _no_copies_left()


def test_a_file_named_gz_that_is_not_compressed_is_read_as_it_is(con, tmp_path):
    (tmp_path / "runs.csv.gz").write_bytes(_text({"plain": 1}))
    assert ingest_paths(con, [tmp_path]).loaded == 1


def test_a_large_compressed_log_read_in_pieces_equals_the_whole(tmp_path):
    data = _text({f"r{i:05d}": 1 + i % 7 for i in range(3000)}) + b"broken,line\n"
    (tmp_path / "big.csv.gz").write_bytes(gzip.compress(data))
    (tmp_path / "big.csv").write_bytes(data)
    pieces = list(parse_run_log_pieces(tmp_path / "big.csv.gz", piece_bytes=4096))
    assert len(pieces) > 10 and all(Path(p.path).name == "big.csv.gz" for p in pieces)
    whole = parse_run_log(tmp_path / "big.csv")
    assert sum(p.runs.num_rows for p in pieces) == whole.runs.num_rows == 3000
    assert sum(len(p.problems) for p in pieces) == len(whole.problems) == 1
    assert {p.content_sha256 for p in pieces} == {whole.content_sha256}  # the content's hash, not the archive's
    assert _no_copies_left()


def test_compressed_telemetry_and_sacct_are_detected_in_a_folder(con, tmp_path):
    for src in (EXAMPLES / "telemetry" / "tx-colo-2-node032_dcgm_2024-10-25.prom",
                EXAMPLES / "slurm" / "sacct_2024-10.txt"):
        (tmp_path / f"{src.name}.1.gz").write_bytes(gzip.compress(src.read_bytes()))
    shutil.copy(EXAMPLES / "slurm" / "cluster.yaml", tmp_path / "cluster.yaml")
    summary = ingest_paths(con, [tmp_path])
    assert not summary.refused
    kinds = {Path(s.path).name: s.format for s in summary.stored}
    assert kinds == {"tx-colo-2-node032_dcgm_2024-10-25.prom.1.gz": "dcgm", "sacct_2024-10.txt.1.gz": "sacct"}
    hosts = {h for (h,) in con.sql("select distinct host from power_samples").fetchall()}
    assert hosts == {"tx-colo-2-node032"}
    assert con.execute("select count(*) from runs").fetchone()[0] > 0
