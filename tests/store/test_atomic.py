"""atomic(): the one transaction helper. Commit on success; rollback on any exception
(KeyboardInterrupt included), which goes on; nothing half-written; nested use joins the
caller's transaction."""

import polars as pl
import pytest

from wattledger.store import atomic, connect, replace_datacenters


@pytest.fixture
def db(tmp_path):
    c = connect(tmp_path / "atomic.duckdb")
    c.execute("create table a (x integer primary key)")
    c.execute("create table b (x integer)")
    yield c
    c.close()


def _rows(con, table):
    return con.cursor().sql(f"select count(*) from {table}").fetchall()[0][0]  # a second cursor: committed rows


def test_the_block_commits_on_success(db):
    with atomic(db) as con:
        assert con is db
        db.execute("insert into a values (1), (2)")
        db.execute("insert into b values (1)")
    assert (_rows(db, "a"), _rows(db, "b")) == (2, 1)


@pytest.mark.parametrize("error", [ValueError("bad value"), KeyboardInterrupt(), SystemExit(3)])
def test_any_exception_rolls_back_and_goes_on(db, error):
    with pytest.raises(type(error)):
        with atomic(db):
            db.execute("insert into a values (1), (2)")
            db.execute("insert into b values (1)")
            raise error
    assert (_rows(db, "a"), _rows(db, "b")) == (0, 0)
    with atomic(db):  # no transaction left open: the connection works as before
        db.execute("insert into a values (3)")
    assert _rows(db, "a") == 1


def test_a_failing_statement_leaves_nothing_half_written(db):
    db.execute("insert into a values (1)")
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        with atomic(db):
            db.execute("insert into b values (10), (11)")
            db.execute("delete from a")
            db.execute("insert into a values (2), (2)")  # primary key violated
    assert db.sql("select x from a").fetchall() == [(1,)]
    assert _rows(db, "b") == 0


def test_inside_a_transaction_it_joins_the_callers(db):
    with pytest.raises(RuntimeError):
        with atomic(db):
            with atomic(db, in_transaction=True):
                db.execute("insert into a values (1)")
            assert db.sql("select count(*) from a").fetchall() == [(1,)]  # not committed yet, visible inside
            raise RuntimeError("the outer unit of work fails")
    assert _rows(db, "a") == 0
    with atomic(db):
        with atomic(db, in_transaction=True):
            db.execute("insert into a values (1)")
    assert _rows(db, "a") == 1


def test_a_store_write_that_fails_keeps_the_previous_state(db):
    """replace_datacenters deletes the old site file's rows, then inserts: a failing insert
    keeps the old rows (one transaction)."""
    replace_datacenters(db, pl.DataFrame({"datacenter": ["dc-1"], "pue": [1.2]}).to_arrow(), "sites.yaml", "sha-1")
    with pytest.raises(Exception, match="nope"):
        replace_datacenters(db, pl.DataFrame({"datacenter": ["dc-2"], "nope": [1]}).to_arrow(), "sites.yaml", "sha-2")
    assert db.sql("select datacenter, site_file_sha256 from datacenters").fetchall() == [("dc-1", "sha-1")]
