"""Bad database files, another program's DuckDB file, a read-only file, a missing one, an old
schema: the store says what is wrong in one message naming the file, and writes nothing."""

import hashlib
import os
import sqlite3
import stat

import duckdb
import pytest

from conftest import EXAMPLES
from test_old_databases import _old_database
from wattledger.pipeline import ingest_paths
from wattledger.store import (DatabaseError, DatabaseMissing, DatabaseReadOnly, NotAWattledgerDatabase, connect,
                              read_only_query)
from wattledger.store.migrations import migration_files


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A real wattledger database with the 9 published runs."""
    path = tmp_path_factory.mktemp("good") / "w.duckdb"
    con = connect(path)
    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    con.close()
    return path


def _flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 0xFF]) + data[offset + 1:]


def _bad_file(kind: str, good, path):
    data = good.read_bytes()
    if kind == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif kind == "truncated-header":
        path.write_bytes(data[:5000])
    elif kind == "bit-flipped-header":
        path.write_bytes(_flip(data, 100))
    elif kind == "bit-flipped-magic":
        path.write_bytes(_flip(data, 10))
    elif kind == "bit-flipped-metadata":
        path.write_bytes(_flip(data, 4200))
    elif kind == "text":
        path.write_text("run_id,gpu_count\nr1,8\n" * 50)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "sqlite":
        s = sqlite3.connect(path)
        s.execute("create table runs (run_id text)")
        s.commit()
        s.close()
    elif kind == "directory":
        path.mkdir()
    return path


BAD = ["truncated-header", "bit-flipped-header", "bit-flipped-magic", "bit-flipped-metadata",
       "text", "empty", "sqlite", "directory"]


@pytest.mark.parametrize("kind", BAD)
@pytest.mark.parametrize("read_only", [True, False], ids=["read", "write"])
def test_a_bad_database_file_is_refused_by_name_and_left_as_it_was(good, tmp_path, kind, read_only):
    path = _bad_file(kind, good, tmp_path / "bad.duckdb")
    before, files = _sha(path), _listing(tmp_path)
    with pytest.raises(NotAWattledgerDatabase) as e:
        connect(path, read_only=read_only)
    message = str(e.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert _sha(path) == before and _listing(tmp_path) == files  # nothing written, no .wal left


def _foreign(path):
    con = duckdb.connect(str(path))
    con.execute("create table orders (id integer, amount double); insert into orders values (1, 9.5)")
    con.execute("create view big_orders as select * from orders where amount > 5")
    con.close()
    return path


@pytest.mark.parametrize("read_only", [True, False], ids=["read", "write"])
def test_another_programs_duckdb_file_gets_no_wattledger_schema(tmp_path, read_only):
    path = _foreign(tmp_path / "shop.duckdb")
    before, files = _sha(path), _listing(tmp_path)
    with pytest.raises(NotAWattledgerDatabase, match="another program .* no wattledger schema_migrations"):
        connect(path, read_only=read_only)
    assert _sha(path) == before and _listing(tmp_path) == files
    con = duckdb.connect(str(path), read_only=True)
    assert {t for (t,) in con.sql("select table_name from duckdb_tables()").fetchall()} == {"orders"}
    con.close()


def test_an_empty_duckdb_database_becomes_a_ledger_only_for_a_write(tmp_path):
    path = tmp_path / "blank.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(NotAWattledgerDatabase, match="empty DuckDB database"):
        connect(path, read_only=True)
    connect(path).close()  # a writer initialises it, as it would a new file
    connect(path, read_only=True).close()


def test_a_read_never_creates_a_database(tmp_path):
    path = tmp_path / "typo" / "w.duckdb"
    with pytest.raises(DatabaseMissing, match="no such database; create one with `wattledger ingest"):
        connect(path, read_only=True)
    with pytest.raises(DatabaseMissing):
        connect(path, read_only=True, sandbox=True)
    assert not path.exists() and not path.parent.exists()


@pytest.fixture
def read_only_copy(good, tmp_path):
    path = tmp_path / "archived.duckdb"
    path.write_bytes(good.read_bytes())
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    yield path
    path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_read_only_file_is_read_and_a_write_is_refused(read_only_copy):
    path = read_only_copy
    before = _sha(path)
    con = connect(path, read_only=True)
    assert con.sql("select count(*) from runs").fetchall() == [(9,)]
    con.close()
    con = connect(path, read_only=True, sandbox=True)
    assert read_only_query(con, "select count(*) from runs") == (["count_star()"], [(9,)])
    con.close()
    with pytest.raises(DatabaseReadOnly, match=f"^{path}: the file is read-only"):
        connect(path)
    assert _sha(path) == before


def test_an_old_schema_is_upgraded_once_then_read_read_only(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_database(path)
    con = connect(path, read_only=True)
    try:
        versions = [v for (v,) in con.sql("select version from schema_migrations order by 1").fetchall()]
        assert versions == [v for v, _, _ in migration_files()]
        assert con.execute("select current_setting('access_mode')").fetchall() == [("read_only",)]
    finally:
        con.close()
    before = _sha(path)
    connect(path, read_only=True).close()  # up to date now: nothing written
    assert _sha(path) == before


def test_an_old_schema_in_a_read_only_file_is_a_clear_error(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_database(path)
    path.chmod(stat.S_IRUSR)
    try:
        before = _sha(path)
        pending = ", ".join(str(v) for v, _, _ in migration_files() if v > 8)  # the 0.1 schema had 001-008
        with pytest.raises(DatabaseReadOnly, match=rf"schema is older than this wattledger \(migrations {pending} pending\)"):
            connect(path, read_only=True)
        assert _sha(path) == before
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_every_database_error_is_one_line(good, tmp_path):
    for kind in BAD:
        try:
            connect(_bad_file(kind, good, tmp_path / f"{kind}.duckdb"))
        except DatabaseError as e:
            assert "\n" not in str(e), kind
    assert os.path.exists(good)
