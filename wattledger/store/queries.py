"""Reads for the command line: the user's own query (read-only)."""

from __future__ import annotations

import duckdb


class NotReadOnly(Exception):
    """A user query was about to run on a writable connection."""


class QueryError(Exception):
    """The user's query failed (syntax, an unknown table, a write refused): DuckDB's message."""


def read_only_query(con: duckdb.DuckDBPyConnection, text: str) -> tuple[list[str], list[tuple]] | None:
    """Run the user's own SQL ``text`` (``wattledger sql``) and return (columns, rows), or None
    for a statement without a result. ``con`` must be opened read-only (``connect(path,
    read_only=True)``): the query may read the database, never change it. A failing query
    raises :class:`QueryError` with DuckDB's message."""
    if con.execute("select current_setting('access_mode')").fetchall()[0][0] != "read_only":
        raise NotReadOnly("a user query runs only on a read-only connection")
    try:
        rel = con.sql(text)
        if rel is None:
            return None
        return rel.columns, rel.fetchall()
    except duckdb.Error as e:
        raise QueryError(str(e)) from None
