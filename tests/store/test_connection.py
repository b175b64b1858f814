"""Resource limits and the write lock: sane defaults, overrides, waiting for another process."""

import os
import subprocess
import sys
import time

import duckdb
import pytest

from wattledger.store import DatabaseLocked, connect
from wattledger.store.connection import DEFAULT_MAX_THREADS, settings


def _hold(db, seconds: float) -> subprocess.Popen:
    """A child process that holds ``db``'s write lock for ``seconds``, then exits."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('held', flush=True); "
         f"time.sleep({seconds}); c.close()"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_defaults_suit_a_small_machine(monkeypatch):
    monkeypatch.delenv("WATTLEDGER_THREADS", raising=False)
    monkeypatch.delenv("WATTLEDGER_MEMORY_LIMIT", raising=False)
    con = connect(":memory:")
    got = settings(con)
    assert int(got["threads"]) == min(os.cpu_count() or 1, DEFAULT_MAX_THREADS)
    assert got["memory_limit"] in ("953.6 MiB", "1.0 GiB", "1GB")
    assert got["autoload_known_extensions"] == "false"
    assert got["autoinstall_known_extensions"] == "false"


def test_limits_come_from_the_environment_or_the_call(monkeypatch):
    monkeypatch.setenv("WATTLEDGER_THREADS", "1")
    monkeypatch.setenv("WATTLEDGER_MEMORY_LIMIT", "300MB")
    got = settings(connect(":memory:"))
    assert got["threads"] == "1"
    assert got["memory_limit"] == "286.1 MiB"
    got = settings(connect(":memory:", threads=2, memory_limit="2GB"))
    assert got["threads"] == "2"
    assert got["memory_limit"] == "1.8 GiB"


def test_bad_thread_count_is_refused(monkeypatch):
    monkeypatch.setenv("WATTLEDGER_THREADS", "0")
    with pytest.raises(ValueError, match="WATTLEDGER_THREADS"):
        connect(":memory:")


def test_extensions_are_never_fetched():
    con = connect(":memory:")
    with pytest.raises(duckdb.Error, match="httpfs"):
        con.execute("select * from read_csv('https://example.invalid/runs.csv')").fetchall()


def test_a_writer_waits_for_the_lock_then_proceeds(tmp_path):
    db = tmp_path / "wait.duckdb"
    connect(db).close()
    holder = _hold(db, 1.5)
    try:
        start = time.monotonic()
        con = connect(db, lock_timeout_s=60)
        waited_s = time.monotonic() - start
        con.execute("create table waited (x integer)")
        con.close()
    finally:
        holder.kill()
        holder.wait()
    assert waited_s > 0.5  # it really waited for the other process


def test_a_writer_gives_up_after_the_timeout_with_a_clear_message(tmp_path, monkeypatch):
    db = tmp_path / "busy.duckdb"
    connect(db).close()
    monkeypatch.setenv("WATTLEDGER_LOCK_TIMEOUT_S", "0.4")
    holder = _hold(db, 30)
    try:
        with pytest.raises(DatabaseLocked, match=r"in use by another wattledger process after waiting 0.4 s"):
            connect(db)
    finally:
        holder.kill()
        holder.wait()
    # the file is intact and opens normally afterwards
    con = connect(db)
    assert con.execute("select count(*) from schema_migrations").fetchone()[0] >= 6


def _cli(*args, env_extra=None) -> subprocess.Popen:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "flows.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_ingests_at_once_both_complete_without_duplicates(tmp_path):
    """Two processes ingest into one database: the second waits for the first's lock."""
    from tests.conftest import EXAMPLES

    db = tmp_path / "two.duckdb"
    a = _cli("ingest", str(EXAMPLES / "cluster_logs"), "--db", str(db), env_extra={"WATTLEDGER_LOCK_TIMEOUT_S": "120"})
    b = _cli("ingest", str(EXAMPLES / "public_runs.csv"), str(EXAMPLES / "cluster_logs"), "--db", str(db),
             env_extra={"WATTLEDGER_LOCK_TIMEOUT_S": "120"})
    for p in (a, b):
        out, errs = p.communicate(timeout=300)
        assert p.returncode == 0, errs
    con = connect(db, read_only=True)
    files, runs, distinct = con.execute(
        "select (select count(*) from source_files), count(*), count(distinct run_id) from runs").fetchone()
    assert runs == distinct
    single = connect(tmp_path / "one.duckdb")
    from wattledger.pipeline import ingest_paths

    ingest_paths(single, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    assert (files, runs) == single.execute(
        "select (select count(*) from source_files), count(*) from runs").fetchone()


BAD_SETTINGS = [
    ("WATTLEDGER_THREADS", "abc"), ("WATTLEDGER_THREADS", "0"), ("WATTLEDGER_THREADS", "-2"), ("WATTLEDGER_THREADS", "2.5"),
    ("WATTLEDGER_MEMORY_LIMIT", "abc"), ("WATTLEDGER_MEMORY_LIMIT", "10"), ("WATTLEDGER_MEMORY_LIMIT", "0GB"),
    ("WATTLEDGER_MEMORY_LIMIT", "1KB"), ("WATTLEDGER_MEMORY_LIMIT", "-1"), ("WATTLEDGER_MEMORY_LIMIT", "150%"),
    ("WATTLEDGER_LOCK_TIMEOUT_S", "abc"), ("WATTLEDGER_LOCK_TIMEOUT_S", "nan"), ("WATTLEDGER_LOCK_TIMEOUT_S", "inf"),
    ("WATTLEDGER_LOCK_TIMEOUT_S", "-1"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_SETTINGS)
def test_a_bad_environment_value_is_refused_naming_it(monkeypatch, tmp_path, variable, value):
    from wattledger.store import BadSetting

    monkeypatch.setenv(variable, value)
    start = time.monotonic()
    with pytest.raises(BadSetting) as e:
        connect(tmp_path / "w.duckdb")
    assert time.monotonic() - start < 5  # nan and inf never wait
    message = str(e.value)
    assert message.startswith(f"${variable}={value!r} is not valid: ") and "e.g." in message and "\n" not in message
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(("variable", "value"), [("WATTLEDGER_MEMORY_LIMIT", "500 MB"), ("WATTLEDGER_MEMORY_LIMIT", "2GiB"),
                                                 ("WATTLEDGER_MEMORY_LIMIT", "50%"), ("WATTLEDGER_LOCK_TIMEOUT_S", "2.5"),
                                                 ("WATTLEDGER_THREADS", " 3 ")])
def test_good_environment_values_are_accepted(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    connect(":memory:").close()
