"""Apply sql/migrations/NNN_name.sql in order, each once, each in its own transaction."""

from __future__ import annotations

import hashlib
import re

import duckdb

from wattledger.resources import resource_dir, sql_text

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    pass


def migration_files() -> list[tuple[int, str, str]]:
    """(version, name, text) of every migration file, by version."""
    out = []
    for f in sorted((resource_dir("sql") / "migrations").iterdir()):
        m = _NAME.match(f.name)
        if m:
            out.append((int(m.group(1)), m.group(2), f.read_text(encoding="utf-8")))
    return out


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; return the versions applied (empty when up to date).

    A migration whose file changed after it was applied is an error: schema history
    is append-only, so a change goes in a new numbered file.
    """
    from wattledger.store.constants import sync_default_constants  # noqa: PLC0415

    con.execute(sql_text("schema_migrations.sql"))
    applied = {v: sha for v, sha in con.execute("select version, sha256 from schema_migrations").fetchall()}
    done = []
    for version, name, text in migration_files():
        sha = hashlib.sha256(text.encode()).hexdigest()
        if version in applied:
            if applied[version] != sha:
                raise MigrationError(
                    f"sql/migrations/{version:03d}_{name}.sql changed after it was applied to this "
                    "database; add a new migration instead of editing an applied one"
                )
            continue
        con.execute("begin transaction")
        try:
            con.execute(text)
            con.execute("insert into schema_migrations (version, name, sha256) values (?, ?, ?)", [version, name, sha])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
        done.append(version)
    if done and not _in_memory(con):
        con.execute("checkpoint")  # new schema into the file itself, not only the WAL
    sync_default_constants(con)
    return done


def _in_memory(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select path is null or path = '' from duckdb_databases() where database_name = current_database()").fetchall()[0][0]
