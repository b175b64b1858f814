"""``sites``, ``factors`` and ``constants``: the reference data a database computes with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from flows.cli.common import DbOption, app, database_command, db_path, err, open_db, out
from flows.cli.explain_text import explanation_lines
from wattledger.factors import FactorError, FactorLibrary, SiteFileError, explain
from wattledger.pipeline import load_site_file
from wattledger.store import datacenters, list_constants, reset_constant, set_constant


@app.command()
@database_command
def sites(path: Annotated[Path, typer.Argument(help="Site file (datacenters.yaml)")], db: DbOption = None) -> None:
    """Validate a site file and make it the database's datacenters (replacing the previous one)."""
    con = open_db(db)
    try:
        n = load_site_file(con, path)
    except (SiteFileError, FactorError) as e:
        err.print(f"[red]error:[/red] {escape(str(e))}")
        raise typer.Exit(2) from None
    finally:
        con.close()
    typer.echo(f"{n} datacenters loaded from {path}; run `wattledger compute` to apply them")


@app.command()
@database_command
def factors(
    region: Annotated[str | None, typer.Option(help="Grid region: FR, US-CAL-CISO, eia:ERCO, aws:us-east-1, ...")] = None,
    year: Annotated[int | None, typer.Option(help="Year of the run (latest available if omitted)")] = None,
    datacenter: Annotated[str | None, typer.Option(help="A datacenter of the loaded site file")] = None,
    db: DbOption = None,
) -> None:
    """Show what a region (and year, datacenter) resolves to, and why."""
    sites_frame = None
    if db is not None or datacenter is not None or db_path(db).exists():  # no database needed for a region
        con = open_db(db, read_only=True)
        try:
            sites_frame = datacenters(con)
        finally:
            con.close()
    r = explain(FactorLibrary(sites=sites_frame), region=region, year=year, datacenter=datacenter)
    for line in explanation_lines(r, region, year):
        typer.echo(line)


@app.command()
@database_command
def constants(
    db: DbOption = None,
    set_: Annotated[str | None, typer.Option("--set", help="NAME=VALUE to override a constant")] = None,
    source: Annotated[str | None, typer.Option(help="Source of the override (required with --set)")] = None,
    year: Annotated[int | None, typer.Option(help="Vintage year of the override")] = None,
    reset: Annotated[str | None, typer.Option(help="NAME: return to the cited default")] = None,
) -> None:
    """Show the equivalence constants (household-years, car-years), or override one."""
    con = open_db(db, read_only=not (set_ or reset))
    try:
        if set_:
            name, _, value = set_.partition("=")
            if not source:
                err.print("[red]error:[/red] --set needs --source (where the new value comes from)")
                raise typer.Exit(2)
            try:
                set_constant(con, name.strip(), float(value), source, year)
            except (KeyError, ValueError) as e:
                err.print(f"[red]error:[/red] {escape(str(e))}")
                raise typer.Exit(2) from None
        if reset:
            try:
                reset_constant(con, reset)
            except KeyError as e:
                err.print(f"[red]error:[/red] {escape(str(e))}")
                raise typer.Exit(2) from None
        table = Table("name", "value", "unit", "source", "year", "override")
        for c in list_constants(con):
            table.add_row(c["name"], f"{c['value']:,}", c["unit"], c["source"], str(c["vintage_year"] or ""),
                          "yes" if c["is_override"] else "")
        out.print(table)
    finally:
        con.close()


