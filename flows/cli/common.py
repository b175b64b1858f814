"""What every command shares: the typer app, the consoles, the common options, opening the
database with one error line instead of a traceback.

Start-up time: this module and every command module import only typer and rich at the top;
the library (DuckDB, polars, numpy), matplotlib and Prefect are imported inside the command
that needs them, so ``--help``, ``--version`` and a light command start fast
(benchmarks/bench_cli_startup.py measures it)."""

from __future__ import annotations

import functools
import getpass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

import flows  # noqa: F401  (sets Prefect's offline settings before prefect is imported)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wattledger {wattledger_version()}")
        raise typer.Exit()


def wattledger_version() -> str:
    """The installed package's version (pyproject.toml), or "unknown" for a bare checkout."""
    try:
        return package_version("wattledger")
    except PackageNotFoundError:
        return "unknown"


app = typer.Typer(
    help="Energy, CO2e and electricity cost of GPU training runs, from the logs you already have.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # help text as markdown: a docstring's lines join into paragraphs at the terminal's width
    # (rich mode kept each source line break); only the first paragraph goes in the command list
    rich_markup_mode="markdown",
)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print wattledger's version and exit")] = False) -> None:
    """Energy, CO2e and electricity cost of GPU training runs, from the logs you already have."""


out = Console(markup=False)  # tables and lines of log text: "[" in a run name is not markup
err = Console(stderr=True)

# Defaults that are not a literal value are given as show_default text: typer prints it as
# "[default: ...]" itself (a literal "[default: ...]" in help= is eaten by rich markup).
DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file",
                                               show_default="$WATTLEDGER_DB or ./wattledger.duckdb")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Calendar month YYYY-MM (UTC)", show_default="all runs")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Report file", show_default="reports/wattledger-<period>.md")]
SitesOption = Annotated[Path | None, typer.Option("--sites", help="Site file (datacenters.yaml) to load before computing",
                                                  show_default="none")]
MappingOption = Annotated[Path | None, typer.Option("--mapping", help="Mapping file (YAML): read every file through it "
                                                    "(docs/formats.md)", show_default="*.mapping.yaml beside each file")]
ClusterOption = Annotated[Path | None, typer.Option("--cluster", help="Cluster file of sacct files",
                                                    show_default="cluster.yaml beside each")]


def db_path(db: Path | None) -> Path:
    from wattledger.store.connection import default_db_path  # noqa: PLC0415  (the store loads only when used)

    return db if db is not None else default_db_path()


def fail(message: str, code: int) -> typer.Exit:
    """Print one ``error:`` line (never wrapped, the message printed literally); the Exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def open_db(db: Path | None, *, read_only: bool = False, sandbox: bool = False):
    """The database, or one error line and exit 2 (missing, bad setting) or 3 (locked, bad file,
    read-only file, another program's database): the store says what is wrong."""
    from wattledger.store import BadSetting, DatabaseError, DatabaseMissing, MigrationError, connect  # noqa: PLC0415

    path = db_path(db)
    try:
        return connect(path, read_only=read_only, sandbox=sandbox)
    except MigrationError as e:
        raise fail(f"{path}: {e}", 3) from None
    except (DatabaseMissing, BadSetting) as e:
        raise fail(str(e), 2) from None
    except DatabaseError as e:
        raise fail(str(e), 3) from None


def database_command(command):
    """A command that reads or writes the database: damage DuckDB finds only while reading
    (a corrupt block) ends in one error line naming the file, not a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Exception as e:
            if isinstance(e, typer.Exit | typer.Abort):
                raise
            from wattledger.store import DATABASE_FAILURES  # noqa: PLC0415  (loaded already by any database command)

            if isinstance(e, DATABASE_FAILURES):
                raise fail(f"{db_path(kwargs.get('db'))}: {' '.join(str(e).split())}", 3) from None
            raise
    return wrapper


def aware_time(text: str, option: str) -> datetime:
    """An ISO-8601 time with its offset (``Z`` or ``+08:00``), or one error line and exit 2."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option} {text!r}: not an ISO-8601 time (e.g. 2026-12-04T18:25:27Z)", 2) from None
    if when.tzinfo is None:
        raise fail(f"{option} {text!r}: give the offset too (e.g. 2026-12-04T18:25:27Z or ...+08:00)", 2)
    return when


def who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
