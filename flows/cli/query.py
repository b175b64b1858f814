"""``sql``: a read-only, sandboxed query against the database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from flows.cli.common import DbOption, app, database_command, fail, open_db, out
from wattledger.store import QueryError, read_only_query


@app.command()
@database_command
def sql(query: Annotated[str, typer.Argument(help="A SQL query, e.g. select * from run_footprints")], db: DbOption = None) -> None:
    """Run a query against the database (read-only, sandboxed: no other database, file, extension
    or network) and print the result as a table."""
    con = open_db(db, read_only=True, sandbox=True)
    try:
        result = read_only_query(con, query)
        if result is None:
            return
        columns, rows = result
    except QueryError as e:
        raise fail(" ".join(str(e).split()), 2) from None
    finally:
        con.close()
    table = Table(*columns)
    for column in table.columns:
        column.overflow = "fold"  # wrap long values, never cut them
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)


