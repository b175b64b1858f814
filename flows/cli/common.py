"""What every command shares: the typer app, the consoles, the common options, opening the
database with one error line instead of a traceback."""

from __future__ import annotations

import functools
import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

import flows  # noqa: F401  (sets Prefect's offline settings before prefect is imported)
from wattledger.store import DATABASE_FAILURES, BadSetting, DatabaseError, DatabaseMissing, MigrationError, connect, default_db_path

app = typer.Typer(
    help="Energy, CO2e and electricity cost of GPU training runs, from the logs you already have.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(markup=False)  # tables and lines of log text: "[" in a run name is not markup
err = Console(stderr=True)

DbOption = Annotated[Path | None, typer.Option("--db", help="DuckDB file [default: $WATTLEDGER_DB or ./wattledger.duckdb]")]
PeriodOption = Annotated[str | None, typer.Option("--period", help="Calendar month YYYY-MM (UTC); all runs if omitted")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Report file [default: reports/wattledger-<period>.md]")]
SitesOption = Annotated[Path | None, typer.Option("--sites", help="Site file (datacenters.yaml) to load before computing")]
MappingOption = Annotated[Path | None, typer.Option("--mapping", help="Mapping file (YAML): read every file through it (docs/formats.md)")]
ClusterOption = Annotated[Path | None, typer.Option("--cluster", help="Cluster file of sacct files [default: cluster.yaml beside each]")]


def db_path(db: Path | None) -> Path:
    return db if db is not None else default_db_path()


def fail(message: str, code: int) -> typer.Exit:
    """Print one ``error:`` line (never wrapped, the message printed literally); the Exit to raise."""
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def open_db(db: Path | None, *, read_only: bool = False, sandbox: bool = False):
    """The database, or one error line and exit 2 (missing, bad setting) or 3 (locked, bad file,
    read-only file, another program's database): the store says what is wrong."""
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
        except DATABASE_FAILURES as e:
            raise fail(f"{db_path(kwargs.get('db'))}: {' '.join(str(e).split())}", 3) from None
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


