"""Apply sql/schema/NNN_name.sql in order, each once, each in its own transaction.

Migrations hold tables, indexes and data changes only; views and macros are re-applied on
every writable connect from their own files (wattledger/store/views.py).
"""

from __future__ import annotations

import hashlib
import re

import duckdb

from wattledger.resources import resource_dir, sql_text
from wattledger.store.constants import sync_default_constants
from wattledger.store.errors import DatabaseError
from wattledger.store.transactions import atomic

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")

#: SHA-256 of migration texts that earlier versions of wattledger applied and that changed
#: since, by design, when their views and macros moved to sql/views/ and sql/macros/ (those
#: parts are re-applied on every connect; the tables they left are unchanged). A database
#: that recorded one of these opens as one that recorded the current text. Never edit a
#: migration otherwise: add a new numbered file.
HISTORICAL_SHA256: dict[int, frozenset[str]] = {
    2: frozenset({"c259ff755ead19266ac21f7d37b09ae76accfea177ab8eb469eb5b826ccaf365"}),  # 002_macros, 0.1
    3: frozenset({"e5ca117521b61d0e1d6af4c69b17fda347b09b959085432b0cd5149d4113cd2c"}),  # 003_run_footprints_view, 0.1
    5: frozenset({"c86c638d5920479e8d7e294d4d496fce84abd96d90bd38481d28d096e201c535"}),  # 005_analyst_views, 0.1
    7: frozenset({"13d0524885a8d536d90dc16af41112f15f2e3f8ee4e9ec34e9b418b50570c8ce"}),  # 007_compute_cost, 0.1
}


class MigrationError(DatabaseError):
    pass


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, text) of every migration file, by version."""
    out = []
    for f in sorted((resource_dir("sql") / "schema").iterdir()):
        m = _NAME.match(f.name)
        if m:
            out.append((int(m.group(1)), m.group(2), f.read_text(encoding="utf-8")))
    return out


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pending_migrations(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Versions not yet applied to a database that has ``schema_migrations`` (read-only safe:
    nothing is created). A recorded migration whose file changed raises :class:`MigrationError`."""
    applied = {v: sha for v, sha in con.execute("select version, sha256 from schema_migrations").fetchall()}
    pending = []
    for version, name, text in migration_files():
        if version not in applied:
            pending.append(version)
        elif applied[version] != _sha256(text) and applied[version] not in HISTORICAL_SHA256.get(version, ()):
            raise MigrationError(_changed(version, name))
    return pending


def _changed(version: int, name: str) -> str:
    return (f"sql/schema/{version:03d}_{name}.sql changed after it was applied to this "
            "database; add a new migration instead of editing an applied one")


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; return the versions applied (empty when up to date).

    A migration whose file changed after it was applied is an error (unless the recorded text
    is one of its HISTORICAL_SHA256): schema history is append-only, so a change goes in a new
    numbered file. The cited default constants are synced afterwards.
    """
    con.execute(sql_text("schema/schema_migrations.sql"))
    applied = {v: sha for v, sha in con.execute("select version, sha256 from schema_migrations").fetchall()}
    done = []
    for version, name, text in migration_files():
        sha = _sha256(text)
        if version in applied:
            if applied[version] != sha and applied[version] not in HISTORICAL_SHA256.get(version, ()):
                raise MigrationError(_changed(version, name))
            continue
        with atomic(con):
            con.execute(text)
            con.execute("insert into schema_migrations (version, name, sha256) values (?, ?, ?)", [version, name, sha])
        done.append(version)
    if done and not _in_memory(con):
        con.execute("checkpoint")  # new schema into the file itself, not only the WAL
    sync_default_constants(con)
    return done


def _in_memory(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select path is null or path = '' from duckdb_databases() where database_name = current_database()").fetchall()[0][0]
