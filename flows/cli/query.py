"""``sql``: a read-only, sandboxed query against the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.common import DbOption, app, database_command, db_path, fail, open_db, out
from flows.cli.result_text import FORMATS, render


@app.command()
@database_command
def sql(
    query: Annotated[str, typer.Argument(help="A SQL query, e.g. select * from run_footprints")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", help="table (fits the terminal, numbers rounded), csv, json "
                                     "or markdown (every row, every digit in csv/json)")] = "table",
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the result to this file",
                                                  show_default="printed")] = None,
) -> None:
    """Run a query against the database (read-only, sandboxed: no other database, file, extension
    or network) and print the result."""
    if fmt not in FORMATS:
        raise fail(f"--format {fmt!r}: one of {', '.join(FORMATS)}", 2)
    from wattledger.store import QueryError, read_only_query  # noqa: PLC0415  (the store loads only when used)

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
    text = render(fmt, columns, rows, width=out.width if out_path is None else 10_000)
    if out_path is None:
        out.file.write(text)
        return
    from wattledger.files import OutputError, check_output, write_bytes  # noqa: PLC0415

    path = db_path(db)
    try:
        check_output(out_path, {str(path): "the database", f"{path}.wal": "the database's write-ahead log"})
        write_bytes(out_path, text.encode("utf-8"))
    except OutputError as e:
        raise fail(str(e), 2) from None
    typer.echo(f"{len(rows):,} rows written to {out_path}")
