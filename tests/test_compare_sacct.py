"""scripts/compare_sacct.py: a snapshot of the sacct ingest compares equal to itself, and a changed
line number, reject reason or count is found."""

import importlib.util
import json

import polars as pl

from conftest import REPO

spec = importlib.util.spec_from_file_location("compare_sacct", REPO / "scripts" / "compare_sacct.py")
compare_sacct = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare_sacct)


def _snapshot(folder, lines=(3, 5), reason="job never started", folded=3):
    folder.mkdir()
    pl.DataFrame({"line": list(lines), "reason": [reason, "not a Slurm job id"]}).write_parquet(folder / "00_x.problems.parquet")
    (folder / "meta.json").write_text(json.dumps({"00_x": {"records": 9, "folded": folded}}))
    return folder


def test_identical_snapshots_compare_equal(tmp_path):
    assert compare_sacct.compare(_snapshot(tmp_path / "a"), _snapshot(tmp_path / "b")) == 0


def test_a_line_a_reason_or_a_count_differs(tmp_path):
    a = _snapshot(tmp_path / "a")
    assert compare_sacct.compare(a, _snapshot(tmp_path / "b", lines=(3, 6))) == 1
    assert compare_sacct.compare(a, _snapshot(tmp_path / "c", reason="job still running")) == 1
    assert compare_sacct.compare(a, _snapshot(tmp_path / "d", folded=2)) == 1


def test_the_messy_export_has_every_kind_of_line(tmp_path):
    path = tmp_path / "messy.txt"
    compare_sacct.write_messy(path, 2_000)
    text = path.read_bytes()
    for needle in (b".batch|", b"_[", b"+1|", b"Unknown", b"2024-11-03T01:30:00", b"2024-03-10T02:30:00", b"\xe9"):
        assert needle in text
