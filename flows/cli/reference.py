"""``sites``, ``factors`` and ``constants``: the reference data a database computes with."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from flows.cli.common import DbOption, app, database_command, db_path, err, fail, open_db, out


@app.command()
@database_command
def sites(path: Annotated[Path, typer.Argument(help="Site file (datacenters.yaml)")], db: DbOption = None) -> None:
    """Validate a site file and make it the database's datacenters (replacing the previous one)."""
    from wattledger.factors import FactorError, SiteFileError  # noqa: PLC0415  (the library loads only when used)
    from wattledger.pipeline import load_site_file  # noqa: PLC0415

    if not path.is_file():
        raise fail(f"{path}: no such file", 2)
    con = open_db(db)
    try:
        n = load_site_file(con, path)
    except (SiteFileError, FactorError) as e:
        raise fail(str(e), 2) from None
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
    from flows.cli.explain_text import explanation_lines  # noqa: PLC0415  (the library loads only when used)
    from wattledger.factors import FactorLibrary, explain  # noqa: PLC0415
    from wattledger.factors.nearest import nearest_names, nearest_regions  # noqa: PLC0415
    from wattledger.store import datacenters  # noqa: PLC0415

    sites_frame = None
    if db is not None or datacenter is not None or db_path(db).exists():  # no database needed for a region
        con = open_db(db, read_only=True)
        try:
            sites_frame = datacenters(con)
        finally:
            con.close()
    library = FactorLibrary(sites=sites_frame)
    r = explain(library, region=region, year=year, datacenter=datacenter)
    for line in explanation_lines(r, region, year):  # on a terminal wrapped, continuation lines indented;
        indent = " " * (len(line) - len(line.lstrip()) + 2)  # into a pipe or file one line each (grep finds it)
        typer.echo(textwrap.fill(line, width=max(out.width, 40), subsequent_indent=indent, break_on_hyphens=False,
                                 break_long_words=False) if out.is_terminal else line)
    if region is not None and not r["is_known_region"]:
        near = nearest_regions(region, library.known_regions, library.region_aliases)
        err.print(f"warning: region {region!r} is not in the reference tables; it gets the world average "
                  f"(default:WORLD). {_did_you_mean(near)}", markup=False, highlight=False, soft_wrap=True)
    if datacenter is not None:
        names = [] if sites_frame is None else [n for n in sites_frame["datacenter"].to_list() if n is not None]
        if datacenter.casefold() not in {n.casefold() for n in names}:
            where = (f"the site file of {db_path(db)} has no datacenter {datacenter!r}" if names else
                     f"{db_path(db)} has no site file loaded (wattledger sites datacenters.yaml)")
            err.print(f"warning: {where}; it is ignored. {_did_you_mean(nearest_names(datacenter, names))}".rstrip(),
                      markup=False, highlight=False, soft_wrap=True)


def _did_you_mean(names: list[str]) -> str:
    return f"Nearest known: {', '.join(names)}." if names else ""


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
    from wattledger.store import list_constants, reset_constant, set_constant  # noqa: PLC0415

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
        for c in list_constants(con):  # one block per constant: the full name (--set NAME=...) never cut
            out.print(f"{c['name']} = {c['value']:,.6g} {c['unit']}" + ("  (override)" if c["is_override"] else ""),
                      soft_wrap=True)
            out.print(f"  source: {c['source']}" + (f" ({c['vintage_year']})" if c["vintage_year"] else ""))
    finally:
        con.close()


