"""Open the wattledger DuckDB database with safe settings."""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from wattledger.store.errors import (BadSetting, DatabaseError, DatabaseLocked,
                                     DatabaseMissing, DatabaseReadOnly, NotAWattledgerDatabase)
from wattledger.store.migrations import migrate, pending_migrations
from wattledger.store.views import apply_views

DEFAULT_DB = "wattledger.duckdb"
#: DuckDB threads unless $WATTLEDGER_THREADS says otherwise: at most this many cores.
DEFAULT_MAX_THREADS = 4
#: DuckDB memory limit unless $WATTLEDGER_MEMORY_LIMIT says otherwise. DuckDB spills
#: larger work to ``<db>.tmp``; the default suits a 2-core machine with a few GB.
DEFAULT_MEMORY_LIMIT = "1GB"
#: Seconds a writer waits for another process's lock unless $WATTLEDGER_LOCK_TIMEOUT_S.
DEFAULT_LOCK_TIMEOUT_S = 0.0
#: What opening or reading a database can raise: a clear :class:`DatabaseError`, or DuckDB's own
#: error when damage shows only later, in a block a query reads (the command line prints either
#: as one line, never a traceback).
DATABASE_FAILURES: tuple[type[BaseException], ...] = (DatabaseError, duckdb.Error)


def default_db_path() -> Path:
    """``$WATTLEDGER_DB`` or ``./wattledger.duckdb``."""
    return Path(os.environ.get("WATTLEDGER_DB", DEFAULT_DB))


def default_threads() -> int:
    return min(os.cpu_count() or 1, DEFAULT_MAX_THREADS)


# --- settings: every value checked before DuckDB sees it -----------------------------------------

_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)$", re.IGNORECASE)
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)\s*%$")
_UNIT = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
         "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
#: The smallest memory limit accepted: below it DuckDB cannot even open a database.
MIN_MEMORY_BYTES = 16 * 10**6


@dataclass(frozen=True)
class Settings:
    threads: int
    memory_limit: str
    lock_timeout_s: float


def _setting(explicit, env: str, default) -> tuple[object, str]:
    """The value and where it came from (the argument or the environment variable)."""
    if explicit is not None:
        return explicit, env.removeprefix("WATTLEDGER_").lower() + " argument"
    value = os.environ.get(env, "").strip()
    return (value, f"${env}") if value else (default, f"${env}")


def _bad(where: str, value: object, accepted: str) -> BadSetting:
    return BadSetting(f"{where}={str(value)!r} is not valid: {accepted}")


def resolve_settings(threads: int | None = None, memory_limit: str | None = None,
                     lock_timeout_s: float | None = None) -> Settings:
    """DuckDB's threads, memory limit and the lock wait, from the arguments, else the environment
    (``$WATTLEDGER_THREADS``, ``$WATTLEDGER_MEMORY_LIMIT``, ``$WATTLEDGER_LOCK_TIMEOUT_S``), else
    the defaults. An invalid value raises :class:`BadSetting` naming the variable, its value and
    what is accepted (nan, inf and negative waits included)."""
    value, where = _setting(threads, "WATTLEDGER_THREADS", default_threads())
    accepted = "a whole number of threads, at least 1 (e.g. 2)"
    try:
        threads_n = int(str(value).strip())
    except ValueError:
        raise _bad(where, value, accepted) from None
    if threads_n < 1:
        raise _bad(where, value, accepted)

    value, where = _setting(memory_limit, "WATTLEDGER_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    memory = str(value).strip()
    accepted = ("a size with its unit, at least 16MB (e.g. 1GB, 500MB, 2GiB; units B, KB, MB, GB, TB, "
                "KiB, MiB, GiB, TiB), or a share of the machine's memory (e.g. 50%)")
    size, percent = _SIZE.match(memory), _PERCENT.match(memory)
    if size:
        if float(size.group(1)) * _UNIT[size.group(2).lower()] < MIN_MEMORY_BYTES:
            raise _bad(where, value, accepted)
    elif not (percent and 0 < float(percent.group(1)) <= 100):
        raise _bad(where, value, accepted)

    value, where = _setting(lock_timeout_s, "WATTLEDGER_LOCK_TIMEOUT_S", DEFAULT_LOCK_TIMEOUT_S)
    accepted = "a number of seconds, 0 or more and finite (e.g. 30; 0: fail at once)"
    try:
        wait_s = float(str(value).strip())
    except ValueError:
        raise _bad(where, value, accepted) from None
    if not math.isfinite(wait_s) or wait_s < 0:
        raise _bad(where, value, accepted)
    return Settings(threads_n, memory, wait_s)


# --- the file: what it is, before and after DuckDB opens it --------------------------------------

_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file
_SQLITE_MAGIC = b"SQLite format 3\x00"
HOW_TO_CREATE = "create one with `wattledger ingest FILES --db {path}` or `wattledger demo --db {path}`"


def _check_file(path: Path) -> bool:
    """True when ``path`` is a file that may be a DuckDB database, False when it does not exist;
    :class:`NotAWattledgerDatabase` for a folder, an empty file, an SQLite file or any other
    file that does not start like a DuckDB database."""
    if not path.exists():
        return False
    if path.is_dir():
        raise NotAWattledgerDatabase(f"{path}: is a folder, not a database file")
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        raise NotAWattledgerDatabase(f"{path}: cannot be read ({e.strerror or e})") from None
    if not head:
        raise NotAWattledgerDatabase(f"{path}: is an empty file, not a wattledger database; "
                                     "remove it, or give the path of your database")
    if head.startswith(_SQLITE_MAGIC):
        raise NotAWattledgerDatabase(f"{path}: is an SQLite database, not a wattledger (DuckDB) database")
    if head[8:12] != _DUCKDB_MAGIC:
        raise NotAWattledgerDatabase(f"{path}: is not a DuckDB database file (it does not start like one)")
    return True


def _writable(path: Path) -> bool:
    """Whether this process may write ``path``; a file without any write permission bit counts
    as read-only even for root (it was marked so on purpose)."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _is_lock_error(err: duckdb.Error) -> bool:
    text = str(err).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _damaged(path: object, err: duckdb.Error) -> NotAWattledgerDatabase:
    return NotAWattledgerDatabase(f"{path}: is damaged or not a valid DuckDB database file "
                                  f"({' '.join(str(err).split())})")


def _kind(con: duckdb.DuckDBPyConnection) -> str:
    """'wattledger' (has ``schema_migrations``), 'empty' (no table or view of its own) or 'foreign'."""
    names = {n for (n,) in con.execute(
        "select table_name from duckdb_tables() where not temporary and database_name = current_database() "
        "union all select view_name from duckdb_views() where not internal and not temporary "
        "and database_name = current_database()").fetchall()}
    if "schema_migrations" in names:
        return "wattledger"
    return "foreign" if names else "empty"


def _open(path: str, *, read_only: bool, config: dict, wait_s: float) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, retrying while another process holds the lock (up to ``wait_s``)."""
    deadline = time.monotonic() + wait_s
    delay_s = 0.05
    while True:
        try:
            return duckdb.connect(path, read_only=read_only, config=config)
        except duckdb.Error as err:
            if not _is_lock_error(err):
                if path == ":memory:":
                    raise
                raise _damaged(path, err) from None
            if time.monotonic() >= deadline:
                waited = f" after waiting {wait_s:g} s" if wait_s > 0 else ""
                raise DatabaseLocked(
                    f"{path}: the database is in use by another wattledger process{waited}; "
                    "wait for it to finish and try again, or set WATTLEDGER_LOCK_TIMEOUT_S "
                    f"to wait longer ({err})"
                ) from None
            time.sleep(min(delay_s, max(deadline - time.monotonic(), 0.0)))
            delay_s = min(delay_s * 2, 1.0)


def connect(
    db_path: str | Path | None = None,
    *,
    read_only: bool = False,
    sandbox: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    lock_timeout_s: float | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the database and bring its schema up to date.

    A writable connection (``read_only=False``: the commands that write) creates the database
    when the file does not exist, applies pending migrations (sql/schema/) and re-applies every
    macro and view (sql/macros/, sql/views/). A read-only one never creates a database
    (:class:`DatabaseMissing`) and never writes, except once: when this wattledger has
    migrations the database lacks, it upgrades the file with a writable connection first
    (:class:`DatabaseReadOnly` when the file may not be written), then opens it read-only.

    ``sandbox=True`` (read-only only; ``wattledger sql``): no other database, file, extension
    or network — DuckDB's ``enable_external_access`` is off from the start and the
    configuration is locked, so no statement can turn it back on.

    Before anything is written the file is checked: a folder, an empty file, an SQLite file,
    any file that is not a DuckDB database, a damaged one, and a DuckDB database of another
    program (tables, but no wattledger ``schema_migrations``) raise
    :class:`NotAWattledgerDatabase`, and nothing is added to it; a writable connection to a
    file that may not be written raises :class:`DatabaseReadOnly`.

    Extension auto-install and auto-load are off: nothing is ever downloaded.
    ``threads`` (``$WATTLEDGER_THREADS``, default: the cores, at most 4) and
    ``memory_limit`` (``$WATTLEDGER_MEMORY_LIMIT``, default 1GB) bound DuckDB.
    When another process holds the database, the call retries for ``lock_timeout_s``
    (``$WATTLEDGER_LOCK_TIMEOUT_S``, default 0: fail at once), then raises
    :class:`DatabaseLocked`. Invalid settings raise :class:`BadSetting`. The session time zone
    is UTC.
    """
    if sandbox and not read_only:
        raise ValueError("a sandboxed connection is read-only")
    s = resolve_settings(threads, memory_limit, lock_timeout_s)
    path = str(db_path if db_path is not None else default_db_path())
    config: dict[str, object] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "threads": s.threads,
        "memory_limit": s.memory_limit,
    }
    if sandbox:
        config["enable_external_access"] = False
    if path == ":memory:":
        con = _open(path, read_only=read_only, config=config, wait_s=s.lock_timeout_s)
        return _set_up(con, read_only=read_only, sandbox=sandbox)
    file = Path(path)
    exists = _check_file(file)
    if not exists and read_only:
        raise DatabaseMissing(f"{path}: no such database; " + HOW_TO_CREATE.format(path=path))
    if exists and not read_only and not _writable(file):
        raise DatabaseReadOnly(f"{path}: the file is read-only; this command writes to the database "
                               "(the read commands — report, export, sql, factors, constants — work on it)")
    if not exists:
        file.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only=read_only, config=config, wait_s=s.lock_timeout_s)
    try:
        pending = _inspect(con, path, read_only=read_only)
        if pending:  # read-only, and this wattledger has migrations the file lacks: upgrade it once
            versions = ", ".join(str(v) for v in pending)
            if not _writable(file):
                raise DatabaseReadOnly(
                    f"{path}: the database's schema is older than this wattledger (migrations {versions} "
                    "pending) and the file is read-only, so it cannot be upgraded; make it writable once, "
                    "or use the wattledger version that wrote it")
            con.close()
            connect(path, threads=s.threads, memory_limit=s.memory_limit, lock_timeout_s=s.lock_timeout_s).close()
            con = _open(path, read_only=True, config=config, wait_s=s.lock_timeout_s)
        return _set_up(con, read_only=read_only, sandbox=sandbox)
    except BaseException:
        con.close()
        raise


def _inspect(con: duckdb.DuckDBPyConnection, path: str, *, read_only: bool) -> list[int]:
    """Refuse another program's database (and, read-only, an empty one) before anything is
    written; return the pending migrations of a read-only connection (none for a writable one:
    it applies them)."""
    try:
        kind = _kind(con)
        if kind == "foreign":
            raise NotAWattledgerDatabase(
                f"{path}: is a DuckDB database of another program (it has tables but no wattledger "
                "schema_migrations); wattledger leaves it unchanged — give the path of a wattledger database")
        if read_only and kind == "empty":
            raise NotAWattledgerDatabase(f"{path}: is an empty DuckDB database, not a wattledger database; "
                                         + HOW_TO_CREATE.format(path=path))
        return pending_migrations(con) if read_only else []
    except duckdb.Error as err:
        raise _damaged(path, err) from None


def _set_up(con: duckdb.DuckDBPyConnection, *, read_only: bool, sandbox: bool) -> duckdb.DuckDBPyConnection:
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")  # no terminal bars from long queries
    if not read_only:
        migrate(con)
        apply_views(con)
    if sandbox:
        con.execute("set lock_configuration = true")  # nothing can turn external access back on
    return con


def settings(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The resource settings a connection runs with (threads, memory limit, extensions)."""
    names = ["threads", "memory_limit", "autoload_known_extensions", "autoinstall_known_extensions"]
    rows = con.execute("select name, value from duckdb_settings() where name in (select unnest(?))", [names]).fetchall()
    return dict(rows)
