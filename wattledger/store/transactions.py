"""The one transaction helper: every unit of work the store writes is whole, or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb


@contextmanager
def atomic(con: duckdb.DuckDBPyConnection, *, in_transaction: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """``with atomic(con): ...`` runs the block in one transaction: begin; commit when the block
    ends; rollback when it raises anything (``BaseException``: also KeyboardInterrupt,
    SystemExit), then the error goes on.

    ``in_transaction=True``: the caller already holds a transaction (an outer ``atomic``), so
    this one neither begins nor ends it; the outer one commits or rolls back the whole.
    """
    if in_transaction:
        yield con
        return
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")
