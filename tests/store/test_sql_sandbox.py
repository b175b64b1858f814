"""`wattledger sql` runs the user's SQL in a sandbox: read-only, no other database (not even
another name of the same file), no file read or written, no extension, no network, and no
statement can turn any of it back on."""

import hashlib

import duckdb
import pytest

from conftest import EXAMPLES
from wattledger.pipeline import ingest_paths
from wattledger.store import NotReadOnly, QueryError, connect, read_only_query

STATEMENTS = {
    "attach the file again": "attach '{db}' as again (read_only false); delete from again.runs",
    "attach another name of the file": "attach '{link}' as again; delete from again.runs",
    "attach another database": "attach '{other}' as o; delete from o.t",
    "attach a new file": "attach '{new}' as n",
    "read_text": "select * from read_text('{secret}')",
    "read_csv": "select * from read_csv('{secret}')",
    "read_blob": "select * from read_blob('{secret}')",
    "a file as a table": "select * from '{secret}'",
    "glob": "select * from glob('{folder}/*')",
    "copy to": "copy (select * from runs) to '{new}'",
    "copy to parquet": "copy runs to '{new}' (format parquet)",
    "export database": "export database '{folder}/dump'",
    "install": "install httpfs",
    "load": "load httpfs",
    "a url": "select * from read_csv('https://example.invalid/runs.csv')",
    "set external access": "set enable_external_access = true",
    "unlock the configuration": "set lock_configuration = false",
    "reset the configuration": "reset lock_configuration",
    "set a limit": "set memory_limit = '100GB'",
    "delete": "delete from runs",
    "insert": "insert into runs (run_id) values ('z')",
    "create": "create table evil (x int)",
    "drop": "drop table runs",
    "update": "update constants set value = 0",
}


@pytest.fixture
def place(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    con.close()
    other = tmp_path / "other.duckdb"
    c = duckdb.connect(str(other))
    c.execute("create table t (x int); insert into t values (1)")
    c.close()
    (tmp_path / "link.duckdb").symlink_to(db)
    (tmp_path / "secret.txt").write_text("root:x:0:0\n")
    return {"db": db, "other": other, "link": tmp_path / "link.duckdb", "new": tmp_path / "new.out",
            "secret": tmp_path / "secret.txt", "folder": tmp_path}


def state(folder) -> dict:
    """Every file under the folder and its SHA-256."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_the_sandbox_refuses(place, name):
    before = state(place["folder"])
    con = connect(place["db"], read_only=True, sandbox=True)
    try:
        with pytest.raises(QueryError):
            read_only_query(con, STATEMENTS[name].format(**place))
        assert read_only_query(con, "select count(*) from runs") == (["count_star()"], [(9,)])
        assert read_only_query(con, "select current_setting('enable_external_access')")[1] == [(False,)]
    finally:
        con.close()
    assert state(place["folder"]) == before  # nothing changed, no file written


def test_a_user_query_needs_the_sandbox(place):
    for kwargs in ({}, {"read_only": True}):
        con = connect(place["db"], **kwargs)
        try:
            with pytest.raises(NotReadOnly):
                read_only_query(con, "select 1")
        finally:
            con.close()


def test_a_sandbox_is_read_only():
    with pytest.raises(ValueError, match="read-only"):
        connect(":memory:", sandbox=True)
