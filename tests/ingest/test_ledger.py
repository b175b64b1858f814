"""The ledger rule (docs/reliability.md, section 1b): after any sequence of ingests the runs
equal a clean ingest of the files' current contents, plus the runs no longer in any current
file, kept and flagged ``absent_since``; only ``wattledger forget`` removes runs."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flows.cli import app
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, parse_run_log, parse_run_log_pieces
from wattledger.store import connect, store_parsed_file

HEAD = "run_id,started_at,ended_at,gpu_count,gpu_model,team\n"


def _csv(path: Path, runs: dict[str, int], team: str = "red") -> Path:
    path.write_text(HEAD + "".join(f"{r},2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,{n},H100,{team}\n"
                                   for r, n in sorted(runs.items())))
    return path


def _runs(con) -> dict[str, tuple]:
    """run_id -> (gpu_count, file name, absent)."""
    return {r[0]: (r[1], Path(r[2]).name, r[3]) for r in con.sql(
        "select run_id, gpu_count, path, absent_since is not null from runs join source_files using (source_file_id)"
    ).fetchall()}


def _rejects(con) -> list[tuple]:
    return con.sql("select s.path, r.value, r.reason from rejects r join source_files s using (source_file_id) "
                   "order by all").fetchall()


def test_a_run_left_out_of_a_new_version_is_kept_with_its_footprint_and_flagged(con, tmp_path):
    f = _csv(tmp_path / "runs.csv", {"a": 1, "b": 2})
    ingest_paths(con, [tmp_path])
    compute_footprints(con)
    before = con.sql("select run_id, co2e_kg from footprints order by 1").fetchall()
    _csv(f, {"a": 1})
    stored = ingest_paths(con, [tmp_path]).stored
    assert [(s.absent_rows, s.loaded) for s in stored] == [(1, 1)]
    assert _runs(con) == {"a": (1, "runs.csv", False), "b": (2, "runs.csv", True)}
    compute_footprints(con)
    assert con.sql("select run_id, co2e_kg from footprints order by 1").fetchall() == before
    # the flagged run and the version it left
    left = con.sql("select s.replaced_by_source_file_id is not null from runs join source_files s using "
                   "(source_file_id) where run_id = 'b'").fetchall()
    assert left == [(True,)]


@pytest.mark.parametrize("names", [("a.csv", "b.csv"), ("b.csv", "a.csv")])
def test_a_run_that_moves_between_two_edited_files_is_taken_from_its_new_file(con, tmp_path, names):
    src, dst = (tmp_path / n for n in names)
    _csv(src, {"x": 1, "m": 4})
    _csv(dst, {"y": 2})
    ingest_paths(con, [tmp_path])
    _csv(src, {"x": 1})
    _csv(dst, {"y": 2, "m": 5})  # m moved, and changed on the way
    ingest_paths(con, [tmp_path])
    assert _runs(con) == {"x": (1, src.name, False), "y": (2, dst.name, False), "m": (5, dst.name, False)}
    assert _rejects(con) == []
    again = ingest_paths(con, [tmp_path]).stored
    assert all(s.already_ingested for s in again) and _runs(con)["m"] == (5, dst.name, False)


def test_a_cross_file_duplicate_removed_from_one_file_keeps_the_other_copy(con, tmp_path):
    a, b = _csv(tmp_path / "a.csv", {"d": 1}), _csv(tmp_path / "b.csv", {"d": 7, "e": 1})
    ingest_paths(con, [tmp_path])
    assert _runs(con)["d"] == (1, "a.csv", False)
    assert [r[1:] for r in _rejects(con)] == [("d", "run_id already loaded from another file")]
    _csv(a, {})  # the natural fix: remove the copy from a.csv
    ingest_paths(con, [tmp_path])
    assert _runs(con) == {"d": (7, "b.csv", False), "e": (1, "b.csv", False)}
    assert _rejects(con) == []


def test_duplicates_across_two_current_files_are_still_refused(con, tmp_path):
    _csv(tmp_path / "a.csv", {"d": 1})
    ingest_paths(con, [tmp_path])
    _csv(tmp_path / "b.csv", {"d": 2})
    summary = ingest_paths(con, [tmp_path])
    assert summary.rejected == 1 and _runs(con) == {"d": (1, "a.csv", False)}


def test_log_rotation_keeps_the_previous_period(con, tmp_path):
    log = _csv(tmp_path / "runs.csv", {"p1": 1, "p2": 2})
    ingest_paths(con, [tmp_path])
    log.rename(tmp_path / "runs.csv.1")
    _csv(log, {"n1": 3})
    ingest_paths(con, [tmp_path])
    assert _runs(con) == {"p1": (1, "runs.csv.1", False), "p2": (2, "runs.csv.1", False), "n1": (3, "runs.csv", False)}
    # the next rotation: .1 -> .2, runs.csv -> .1, a new runs.csv
    (tmp_path / "runs.csv.1").rename(tmp_path / "runs.csv.2")
    log.rename(tmp_path / "runs.csv.1")
    _csv(log, {"q1": 4})
    ingest_paths(con, [tmp_path])
    assert {k: v[1:] for k, v in _runs(con).items()} == {
        "p1": ("runs.csv.2", False), "p2": ("runs.csv.2", False), "n1": ("runs.csv.1", False), "q1": ("runs.csv", False)}
    # the oldest rotated away (deleted): its runs are kept, flagged
    (tmp_path / "runs.csv.2").unlink()
    ingest_paths(con, [tmp_path])
    assert {k: v[2] for k, v in _runs(con).items()} == {"p1": True, "p2": True, "n1": False, "q1": False}


def test_a_renamed_file_takes_its_runs(con, tmp_path):
    _csv(tmp_path / "old.csv", {"a": 1})
    ingest_paths(con, [tmp_path])
    (tmp_path / "old.csv").rename(tmp_path / "new.csv")
    ingest_paths(con, [tmp_path])
    assert _runs(con) == {"a": (1, "new.csv", False)}


def test_a_changed_side_file_rereads_the_data_file(con, tmp_path):
    data = tmp_path / "jobs.csv"
    data.write_text("uid,begin,finish,n\nj1,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,2\n")
    mapping = tmp_path / "m.yaml"
    text = "name: jobs\ncolumns:\n  run_id: uid\n  started_at: begin\n  ended_at: finish\n  gpu_count: n\n" \
           "constants:\n  team: {team}\n  gpu_model: H100\n"
    mapping.write_text(text.format(team="red"))
    ingest_paths(con, [data], mapping)
    assert con.sql("select team from runs").fetchall() == [("red",)]
    assert ingest_paths(con, [data], mapping).stored[0].already_ingested
    mapping.write_text(text.format(team="blue"))  # corrected mapping: the data file is read again
    stored = ingest_paths(con, [data], mapping).stored[0]
    assert not stored.already_ingested and stored.replaced_source_file_id is not None
    assert con.sql("select team from runs").fetchall() == [("blue",)]


def test_a_changed_sidecar_next_to_the_file_rereads_it(con, tmp_path):
    _csv(tmp_path / "runs.csv", {"a": 1})
    ingest_paths(con, [tmp_path])
    assert ingest_paths(con, [tmp_path]).stored[0].already_ingested
    (tmp_path / "codecarbon.yaml").write_text("gpu_model: H100\n")
    assert not ingest_paths(con, [tmp_path]).stored[0].already_ingested


def _cli(db, *args):
    return CliRunner().invoke(app, [*args, "--db", str(db)], catch_exceptions=False)


def test_cli_reread_and_forget(tmp_path):
    db = tmp_path / "w.duckdb"
    data = tmp_path / "logs"
    data.mkdir()
    f = _csv(data / "runs.csv", {"a": 1, "b": 2, "c": 3})
    assert _cli(db, "ingest", str(data)).exit_code == 0
    assert "already ingested" in _cli(db, "ingest", str(data)).stdout
    out = _cli(db, "ingest", "--reread", str(f))
    assert out.exit_code == 0 and "3 runs loaded" in out.stdout  # read again, not "already ingested"
    assert _cli(db, "forget", "--run", "a", "--reason", "a test job").exit_code == 0
    _csv(f, {"b": 2})
    _cli(db, "ingest", str(data))  # c is kept, flagged absent
    assert _cli(db, "forget", "--file", str(f), "--reason", "wrong cluster").exit_code == 0
    assert _cli(db, "forget", "--run", "zz", "--reason", "x").exit_code == 1
    assert _cli(db, "forget", "--reason", "no target").exit_code == 2
    con = connect(db, read_only=True)
    try:
        assert con.sql("select count(*) from runs").fetchall() == [(0,)]
        assert con.sql("select count(*) from source_files").fetchall() == [(3,)]  # v1, the re-read, v3
        rows = con.sql("select run_id, request, reason, was_absent, forgotten_by is not null, forgotten_at is not null "
                       "from forgotten_runs order by run_id").fetchall()
    finally:
        con.close()
    assert rows == [("a", "--run a", "a test job", False, True, True),
                    ("b", f"--file {f.resolve()}", "wrong cluster", False, True, True),
                    ("c", f"--file {f.resolve()}", "wrong cluster", True, True, True)]


# -- the property: any sequence of edits, moves, renames, rotations and ingests ends where a
# clean ingest of the final files does, plus the runs no longer in any file, kept and flagged

RUN_IDS = [f"r{i}" for i in range(4)]
NAMES = ["a.csv", "b.csv", "c.csv"]
op = st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(NAMES), st.dictionaries(st.sampled_from(RUN_IDS),
                                                                       st.integers(1, 3), max_size=3)),
    st.tuples(st.just("move"), st.sampled_from(RUN_IDS), st.sampled_from(NAMES)),
    st.tuples(st.just("rename"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("rotate"), st.sampled_from(NAMES), st.just(None)),
    st.tuples(st.just("ingest"), st.just(None), st.just(None)),
    st.tuples(st.just("ingest"), st.just(None), st.just(None)),
)


def _apply(folder: Path, files: dict[str, dict[str, int]], step) -> None:
    kind, x, y = step
    if kind == "edit":
        files[x] = dict(y)
    elif kind == "move":
        holders = [n for n, runs in files.items() if x in runs]
        value = files[holders[0]].pop(x) if holders else 1
        files.setdefault(y, {})[x] = value
    elif kind == "rename" and x in files and y not in files:
        files[y] = files.pop(x)
    elif kind == "rotate" and x in files:  # logrotate with delaycompress: .1 plain, .2.gz compressed
        if f"{x}.1" in files:
            files[f"{x}.2.gz"] = files.pop(f"{x}.1")
        files[f"{x}.1"] = files.pop(x)
        files[x] = {}
    for p in folder.iterdir():
        if p.name not in files:
            p.unlink()
    for name, runs in files.items():
        _csv(folder / name, runs)
        if name.endswith(".gz"):
            (folder / name).write_bytes(gzip.compress((folder / name).read_bytes(), mtime=0))


@pytest.mark.slow
@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(op, min_size=1, max_size=10))
def test_any_sequence_of_ingests_equals_a_clean_ingest_plus_the_absent_runs(tmp_path_factory, steps):
    folder = tmp_path_factory.mktemp("logs")
    files: dict[str, dict[str, int]] = {}
    ever: set[str] = set()
    con = connect(":memory:")
    try:
        for step in [*steps, ("ingest", None, None)]:
            _apply(folder, files, step)
            if step[0] == "ingest":
                ingest_paths(con, [folder])
                ever |= {r for runs in files.values() for r in runs}
        got = _runs(con)
    finally:
        con.close()
    clean_con = connect(":memory:")
    try:
        ingest_paths(clean_con, [folder])
        clean = _runs(clean_con)
    finally:
        clean_con.close()
    present = {r: v for r, v in got.items() if not v[2]}
    holders = {r: [n for n, runs in files.items() if r in runs] for r in RUN_IDS}
    assert set(present) == set(clean)
    for r, (n, name, _) in present.items():
        if len(holders[r]) == 1:
            assert (n, name) == clean[r][:2]
        else:  # a duplicate across current files: loaded once, from one of them, refused in the others
            assert name in holders[r] and n == files[name][r]
    assert {r for r, v in got.items() if v[2]} == ever - set(clean)  # kept, flagged, never lost


@pytest.mark.parametrize("read", ["whole", "pieces"])
def test_a_run_a_new_version_repeats_in_two_pieces_is_kept_as_a_whole_read_keeps_it(tmp_path, read):
    """A new version of a large file holding a stored run twice rejects both copies; the stored
    run stays, flagged absent, whether the file is read whole or in pieces (issue 15)."""
    log = _csv(tmp_path / "runs.csv", {"a": 1, "b": 2})
    con = connect(":memory:")
    try:
        store_parsed_file(con, parse_run_log(log))
        rows = [f"r{i},2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,1,H100,red\n" for i in range(40)]
        copy = "a,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,5,H100,red\n"
        log.write_text(HEAD + copy + "".join(rows) + copy + "b,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,3,H100,red\n")
        parsed = parse_run_log(log) if read == "whole" else parse_run_log_pieces(log, piece_bytes=256)
        stored = store_parsed_file(con, parsed)
        assert (stored.loaded, stored.rejected) == (41, 2)
        assert {r: v for r, v in _runs(con).items() if r in ("a", "b")} == {"a": (1, "runs.csv", True),
                                                                            "b": (3, "runs.csv", False)}
        assert [(line, reason) for _, line, reason in con.execute(
            "select value, line, reason from rejects order by line").fetchall()] == [
            (2, "run_id repeated within this file"), (43, "run_id repeated within this file")]
    finally:
        con.close()
