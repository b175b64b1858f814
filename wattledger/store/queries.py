"""Reads for the command line: the user's own query (read-only)."""

from __future__ import annotations

import duckdb


class NotReadOnly(Exception):
    """A user query was about to run on a writable or unsandboxed connection."""


class QueryError(Exception):
    """The user's query failed (syntax, an unknown table, a write refused): DuckDB's message."""


def read_only_query(con: duckdb.DuckDBPyConnection, text: str) -> tuple[list[str], list[tuple]] | None:
    """Run the user's own SQL ``text`` (``wattledger sql``) and return (columns, rows), or None
    for a statement without a result. ``con`` must be opened read-only and sandboxed
    (``connect(path, read_only=True, sandbox=True)``): the query may read the database, never
    change it, and reaches no other database, file, extension or network. A failing or refused
    query raises :class:`QueryError` with DuckDB's message."""
    access, external, locked = con.execute(
        "select current_setting('access_mode'), current_setting('enable_external_access'), "
        "current_setting('lock_configuration')").fetchall()[0]
    if access != "read_only" or external or not locked:
        raise NotReadOnly("a user query runs only on a read-only, sandboxed connection")
    try:
        rel = con.sql(text)
        if rel is None:
            return None
        return rel.columns, rel.fetchall()
    except duckdb.Error as e:
        if isinstance(e, duckdb.IOException) or "corrupt database file" in str(e).lower():
            raise  # the file, not the query: the caller reports it as a damaged database
        raise QueryError(str(e)) from None
