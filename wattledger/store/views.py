"""Views and macros: re-applied (create or replace) from sql/macros/ and sql/views/ on every
writable connect, so each is defined once, in its own file, and a database always has the
definitions of the code that last wrote it.

Order: every macro, then every view, each folder by file name (numeric prefixes): a view may
use the macros and the views before it. Read-only connections cannot create views: they see
what the last writable connect stored.
"""

from __future__ import annotations

import duckdb

from wattledger.resources import resource_dir
from wattledger.store.transactions import atomic

FOLDERS = ("macros", "views")


def definition_files() -> list[tuple[str, str]]:
    """(``folder/file name``, text) of every macro and view file, in the order applied."""
    out = []
    for folder in FOLDERS:
        for f in sorted((resource_dir("sql") / folder).glob("*.sql")):
            out.append((f"{folder}/{f.name}", f.read_text(encoding="utf-8")))
    return out


def apply_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every macro and view, in one transaction; return the files applied."""
    files = definition_files()
    with atomic(con):
        for _, text in files:
            con.execute(text)
    return [name for name, _ in files]
