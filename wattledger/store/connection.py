"""Open the wattledger DuckDB database with safe settings."""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from wattledger.store.migrations import migrate
from wattledger.store.views import apply_views

DEFAULT_DB = "wattledger.duckdb"
#: DuckDB threads unless $WATTLEDGER_THREADS says otherwise: at most this many cores.
DEFAULT_MAX_THREADS = 4
#: DuckDB memory limit unless $WATTLEDGER_MEMORY_LIMIT says otherwise. DuckDB spills
#: larger work to ``<db>.tmp``; the default suits a 2-core machine with a few GB.
DEFAULT_MEMORY_LIMIT = "1GB"
#: Seconds a writer waits for another process's lock unless $WATTLEDGER_LOCK_TIMEOUT_S.
DEFAULT_LOCK_TIMEOUT_S = 0.0


class DatabaseLocked(Exception):
    """Another process holds the database's write lock."""


def default_db_path() -> Path:
    """``$WATTLEDGER_DB`` or ``./wattledger.duckdb``."""
    return Path(os.environ.get("WATTLEDGER_DB", DEFAULT_DB))


def default_threads() -> int:
    return min(os.cpu_count() or 1, DEFAULT_MAX_THREADS)


def _setting(explicit, env: str, default):
    if explicit is not None:
        return explicit
    value = os.environ.get(env, "").strip()
    return value if value else default


def _is_lock_error(err: duckdb.Error) -> bool:
    text = str(err).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def connect(
    db_path: str | Path | None = None,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    lock_timeout_s: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date: a writable
    connection applies pending migrations (sql/schema/) and re-applies every macro and view
    (sql/macros/, sql/views/); a read-only one sees what the last writable one stored.

    Extension auto-install and auto-load are off: nothing is ever downloaded.
    ``threads`` (``$WATTLEDGER_THREADS``, default: the cores, at most 4) and
    ``memory_limit`` (``$WATTLEDGER_MEMORY_LIMIT``, default 1GB) bound DuckDB.
    When another process holds the database, the call retries for ``lock_timeout_s``
    (``$WATTLEDGER_LOCK_TIMEOUT_S``, default 0: fail at once), then raises
    :class:`DatabaseLocked`. The session time zone is UTC.
    """
    path = str(db_path if db_path is not None else default_db_path())
    threads_n = int(_setting(threads, "WATTLEDGER_THREADS", default_threads()))
    memory = str(_setting(memory_limit, "WATTLEDGER_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT))
    wait_s = float(_setting(lock_timeout_s, "WATTLEDGER_LOCK_TIMEOUT_S", DEFAULT_LOCK_TIMEOUT_S))
    if threads_n < 1:
        raise ValueError(f"threads must be at least 1 (got {threads_n}; $WATTLEDGER_THREADS)")
    config: dict[str, object] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": threads_n,
        "memory_limit": memory,
    }
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait_s, 0.0)
    delay_s = 0.05
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only, config=config)
            break
        except duckdb.Error as err:
            if not _is_lock_error(err):
                raise
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_s:g} s" if wait_s > 0 else ""
                raise DatabaseLocked(
                    f"{path}: the database is in use by another wattledger process{waited}; "
                    "wait for it to finish and try again, or set WATTLEDGER_LOCK_TIMEOUT_S "
                    f"to wait longer ({err})"
                ) from None
            time.sleep(min(delay_s, max(deadline - time.monotonic(), 0.0)))
            delay_s = min(delay_s * 2, 1.0)
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")  # no terminal bars from long queries
    if not read_only:
        migrate(con)
        apply_views(con)
    return con


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The resource settings a connection runs with (threads, memory limit, extensions)."""
    names = ["threads", "memory_limit", "autoload_known_extensions", "autoinstall_known_extensions"]
    rows = con.execute("select name, value from duckdb_settings() where name in (select unnest(?))", [names]).fetchall()
    return dict(rows)
