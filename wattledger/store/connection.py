"""Open the wattledger DuckDB database with safe settings."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_DB = "wattledger.duckdb"


class DatabaseLocked(Exception):
    """Another process holds the database's write lock."""


def default_db_path() -> Path:
    """``$WATTLEDGER_DB`` or ``./wattledger.duckdb``."""
    return Path(os.environ.get("WATTLEDGER_DB", DEFAULT_DB))


def connect(
    db_path: str | Path | None = None,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the database and bring its schema up to date.

    Extension auto-install and auto-load are off: nothing is ever downloaded. Threads
    and memory default to ``$WATTLEDGER_THREADS`` / ``$WATTLEDGER_MEMORY_LIMIT`` or
    DuckDB's own defaults. The session time zone is UTC.
    """
    from wattledger.store.migrations import migrate  # noqa: PLC0415  (avoid a cycle)

    path = str(db_path if db_path is not None else default_db_path())
    config: dict[str, object] = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
    threads = threads or os.environ.get("WATTLEDGER_THREADS")
    memory_limit = memory_limit or os.environ.get("WATTLEDGER_MEMORY_LIMIT")
    if threads:
        config["threads"] = int(threads)
    if memory_limit:
        config["memory_limit"] = memory_limit
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            raise DatabaseLocked(
                f"{path}: the database is in use by another wattledger process; "
                f"wait for it to finish and try again ({err})"
            ) from None
        raise
    con.execute("set TimeZone = 'UTC'")
    if not read_only:
        migrate(con)
    return con
