"""Outputs (report and charts, run card, exports) are written whole or not at all, never over a
file of the database, and never through a link planted at a temporary's name."""

import errno
import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLES
from wattledger import files
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report import charts, write_period_report
from wattledger.report.export import export_footprints, run_card, write_text_output
from wattledger.store import connect
from wattledger.store.report_queries import protected_paths

STAMP = {"generated_at": None, "db_label": "w.duckdb"}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file of ``folder`` (links too, by name) -> its bytes' digest."""
    return {p.name: (f"link->{os.readlink(p)}" if p.is_symlink() else _digest(p)) for p in sorted(folder.iterdir())
            if p.is_symlink() or p.is_file()}


@pytest.fixture
def filedb(tmp_path):
    """A database file holding the 9 published runs, ingested from a copy in tmp_path/in/."""
    (tmp_path / "in").mkdir()
    source = shutil.copy(EXAMPLES / "public_runs.csv", tmp_path / "in" / "public_runs.csv")
    db = tmp_path / "w.duckdb"
    con = connect(db)
    ingest_paths(con, [Path(source)])
    compute_footprints(con)
    yield con, db, Path(source)
    con.close()


def _writers(con):
    return {
        "report": lambda out: write_period_report(con, out, **STAMP),
        "csv": lambda out: export_footprints(con, out, "csv"),
        "parquet": lambda out: export_footprints(con, out, "parquet"),
        "run card": lambda out: write_text_output(con, out, run_card(con, "bloom-176b")),
    }


def test_the_store_names_the_database_its_wal_and_its_inputs(filedb):
    con, db, source = filedb
    found = protected_paths(con)
    assert found[str(db)] == "the database"
    assert found[str(db) + ".wal"] == "the database's write-ahead log"
    assert found[str(source.resolve())] == "an input file of the database"


@pytest.mark.slow  # many commands x many paths: over 10 s together
@pytest.mark.parametrize("writer", ["report", "csv", "parquet", "run card"])
@pytest.mark.parametrize("which", ["db", "wal", "input", "link to db", "relative db", "hard link to db"])
def test_out_naming_a_file_of_the_database_is_refused(filedb, tmp_path, monkeypatch, writer, which):
    con, db, source = filedb
    con.execute("checkpoint")
    before = {p: _digest(p) for p in (db, source)}
    links = tmp_path / "links"
    links.mkdir()
    if which == "link to db":
        (links / "report.md").symlink_to(db)
    if which == "hard link to db":
        os.link(db, links / "report.md")
    monkeypatch.chdir(links)
    out = {"db": db, "wal": Path(str(db) + ".wal"), "input": source, "link to db": links / "report.md",
           "relative db": Path("..") / "w.duckdb", "hard link to db": links / "report.md"}[which]
    listing = (_snapshot(tmp_path), _snapshot(links))
    with pytest.raises(files.OutputError, match="never overwritten"):
        _writers(con)[writer](out)
    assert {p: _digest(p) for p in (db, source)} == before
    assert (_snapshot(tmp_path), _snapshot(links)) == listing  # nothing written anywhere
    assert con.execute("select count(*) from runs").fetchall() == [(9,)]


@pytest.mark.parametrize("writer", ["report", "csv", "run card"])
def test_a_link_planted_at_the_old_temporary_name_is_not_followed(filedb, tmp_path, writer):
    con, _, _ = filedb
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    out = tmp_path / "out" / "result.md"
    out.parent.mkdir()
    planted = out.with_name(out.name + ".tmp")
    planted.symlink_to(victim)
    _writers(con)[writer](out)
    assert victim.read_text() == "keep me\n" and planted.is_symlink() and os.readlink(planted) == str(victim)
    assert out.stat().st_size > 0
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary left


def _failing_save(error):
    calls = []
    real = charts._save

    def save(fig, path):
        calls.append(path)
        if len(calls) == 2:  # the second chart: half written, then the failure
            path.write(b"\x89PNG half")
            charts.pyplot().close(fig)
            raise error
        return real(fig, path)

    return save


@pytest.mark.parametrize("error, raised", [(OSError(errno.ENOSPC, "No space left on device"), files.OutputError),
                                           (RuntimeError("matplotlib failed"), RuntimeError)])
def test_a_failure_while_writing_a_chart_leaves_the_previous_report_and_charts(filedb, tmp_path, monkeypatch,
                                                                               error, raised):
    con, _, _ = filedb
    out = tmp_path / "reports" / "r.md"
    write_period_report(con, out, **STAMP)
    before = _snapshot(out.parent)
    assert len(before) == 5  # the report and its 4 charts
    con.execute("update runs set team = 'changed'")  # the next report would differ
    monkeypatch.setattr(charts, "_save", _failing_save(error))
    with pytest.raises(raised):
        write_period_report(con, out, **STAMP)
    assert _snapshot(out.parent) == before  # byte-identical, and no temporary left


def test_the_charts_are_renamed_before_the_report(filedb, tmp_path, monkeypatch):
    con, _, _ = filedb
    renamed = []
    real = os.replace
    monkeypatch.setattr(files.os, "replace", lambda a, b: (renamed.append(Path(b).name), real(a, b))[1])
    write_period_report(con, tmp_path / "r.md", **STAMP)
    assert renamed == ["r-by-month.png", "r-co2e-by-region.png", "r-intensity-by-region.png", "r-full-cost.png",
                       "r.md"]


def test_a_failure_at_a_rename_removes_the_temporaries_not_yet_renamed(tmp_path, monkeypatch):
    real, calls = os.replace, []

    def replace(a, b):
        calls.append(b)
        if len(calls) == 2:
            raise OSError(errno.EIO, "I/O error")
        return real(a, b)

    monkeypatch.setattr(files.os, "replace", replace)
    with pytest.raises(files.OutputError):
        files.write_together([(tmp_path / "a.png", lambda f: f.write(b"a")), (tmp_path / "a.md", lambda f: f.write(b"b"))])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


@pytest.mark.parametrize("writer", ["report", "csv", "run card"])
def test_a_folder_or_a_file_as_folder_is_a_clear_error(filedb, tmp_path, writer):
    con, _, _ = filedb
    folder = tmp_path / "reports"
    folder.mkdir()
    (tmp_path / "plain").write_text("x")
    with pytest.raises(files.OutputError, match="is a folder"):
        _writers(con)[writer](folder)
    with pytest.raises(files.OutputError, match="is not a folder"):
        _writers(con)[writer](tmp_path / "plain" / "r.md")
    assert list(folder.iterdir()) == [] and (tmp_path / "plain").read_text() == "x"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_an_unwritable_folder_is_a_clear_error_and_leaves_nothing(filedb, tmp_path):
    con, _, _ = filedb
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(files.OutputError, match="cannot write it"):
            write_period_report(con, locked / "r.md", **STAMP)
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    files.write_bytes(tmp_path / "x.md", b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "x.md").stat().st_mode & 0o777 == 0o666 & ~umask
