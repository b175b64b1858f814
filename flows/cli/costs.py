"""The cost commands of ``wattledger`` (docs/costs.md), registered on the CLI's app by
:func:`register`: ``costs``, ``budgets``, ``project-costs``, ``equivalents``.

Thin, as the rest of the CLI: each parses its arguments and calls one library function.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flows.cli.common import DbOption

out = Console(markup=False)
err = Console(stderr=True)
#: Rejects printed per ledger file (all are in the table cost_rejects).
SHOWN_REJECTS = 20


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    return typer.Exit(code)


def _open(db: Path | None, *, read_only: bool = False):
    from wattledger.store import BadSetting, DatabaseError, DatabaseMissing, MigrationError, connect, default_db_path  # noqa: PLC0415

    path = db if db is not None else default_db_path()
    try:
        return connect(path, read_only=read_only)
    except MigrationError as e:
        raise _fail(f"{path}: {e}", 3) from None
    except (DatabaseMissing, BadSetting) as e:
        raise _fail(str(e), 2) from None
    except DatabaseError as e:
        raise _fail(str(e), 3) from None


def costs(files: Annotated[list[Path], typer.Argument(help="Cost-ledger files (CSV or Parquet)")],
          db: DbOption = None) -> None:
    """Load cost-ledger files: project, category, amount, currency, date, description, source."""
    from wattledger.ingest import FileRefused  # noqa: PLC0415  (the library loads only when used)
    from wattledger.pipeline.cost_ledger import load_cost_ledger  # noqa: PLC0415
    from wattledger.store.cost_ledger import cost_file_rejects  # noqa: PLC0415

    con = _open(db)
    refused = 0
    try:
        for f in files:
            try:
                stored = load_cost_ledger(con, f)
            except FileRefused as e:
                err.print(f"[red]refused:[/red] {escape(str(e))}", soft_wrap=True)
                refused += 1
                continue
            note = ""
            if stored.already_loaded:
                note = " (already loaded" + (f" as {stored.already_loaded_as}" if stored.already_loaded_as else "") + ")"
            elif stored.replaced_cost_file_id is not None:
                note = f" (replaces the earlier version of this file: its {stored.replaced_lines} lines removed)"
            out.print(f"{stored.path}: {stored.loaded} loaded, {stored.rejected} rejected{note}", soft_wrap=True)
            if not stored.already_loaded:
                for r in cost_file_rejects(con, stored.cost_file_id).head(SHOWN_REJECTS).iter_rows(named=True):
                    value = "" if r["value"] is None else f" {r['value']!r}"
                    detail = f" ({r['detail']})" if r["detail"] else ""
                    out.print(f"  {f}:{r['line']}: {r['column_name'] or 'record'}{value}: {r['reason']}{detail}",
                              soft_wrap=True)
    finally:
        con.close()
    if refused:
        raise typer.Exit(1)


def budgets(file: Annotated[Path | None, typer.Argument(help="Budgets file (YAML); without it, the status")] = None,
            db: DbOption = None) -> None:
    """Load a budgets file (replacing the budgets), or print the status of every budget."""
    from wattledger.ingest.budgets_file import BudgetsFileError  # noqa: PLC0415
    from wattledger.pipeline.budgets import load_budgets_file  # noqa: PLC0415
    from wattledger.store.cost_ledger import budget_status  # noqa: PLC0415

    con = _open(db, read_only=file is None)
    try:
        if file is not None:
            try:
                n = load_budgets_file(con, file)
            except BudgetsFileError as e:
                raise _fail(str(e), 2) from None
            out.print(f"{file}: {n} budget(s) loaded", soft_wrap=True)
        rows = budget_status(con)
    finally:
        con.close()
    table = Table("budget", "period", "unit", "spent", "budget", "share", "projected", "status")
    for r in rows.iter_rows(named=True):
        table.add_row(f"{r['scope']} {r['name']}", f"{r['period_start']:%Y-%m}" if r["period"] == "month" else f"{r['period_start']:%Y}", r["unit"],
                      f"{r['spent']:,.4g}", f"{r['budget']:,.4g}", f"{r['share']:.0%}",
                      "—" if r["projected"] is None else f"{r['projected']:,.4g}", r["status"])
    out.print(table)


def project_costs_command(
    db: DbOption = None,
    currency: Annotated[str | None, typer.Option("--currency", help="Convert every item to this currency (ISO 4217; needs --fx)")] = None,
    fx: Annotated[Path | None, typer.Option("--fx", help="Exchange rates: the ECB's eurofxref-hist.csv, or date,currency,units_per_eur,source")] = None,
) -> None:
    """The full cost of each project, per currency (the view project_costs), or converted to one."""
    from wattledger.ingest.fx_rates import FxFileError, read_fx_file  # noqa: PLC0415
    from wattledger.store.cost_ledger import project_costs, project_costs_converted  # noqa: PLC0415

    if (currency is None) != (fx is None):
        raise _fail("--currency and --fx go together: the currency to report in, and the dated rates to convert with", 2)
    rates = None
    if fx is not None:
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise _fail(f"--currency must be an ISO 4217 code such as EUR, got {currency!r}", 2)
        try:
            rates = read_fx_file(fx)
        except FxFileError as e:
            raise _fail(str(e), 2) from None
    con = _open(db, read_only=True)
    try:
        rows = project_costs(con) if rates is None else project_costs_converted(con, currency, rates)
    finally:
        con.close()
    cols = ["compute_cost", "electricity_cost", "data_cost", "people_cost", "hardware_cost", "infrastructure_cost",
            "other_cost", "total_cost"]
    extra = (["failed_compute_share", "gpu_hours", "energy_mwh", "co2e_t"] if rates is None
             else ["items_unconverted", "first_fx_rate_date", "last_fx_rate_date"])
    table = Table("project", "currency", *cols, *extra)
    for r in rows.iter_rows(named=True):
        table.add_row(str(r["project"]), r["currency"], *(_cell(r[c]) for c in cols + extra))
    out.print(table)
    if rates is not None:
        sources = sorted({s for v in rows["fx_sources"].drop_nulls() for s in v.split("; ")})
        out.print(f"converted to {currency} at the latest rate on or before each item's date ({'; '.join(sources)}); "
                  "items without a date or a rate stay unconverted (items_unconverted)", soft_wrap=True)


def _cell(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.4g}" if isinstance(value, float) else str(value)


def equivalents_command(
    amount: Annotated[str, typer.Argument(help="An energy or CO2e figure: 1287MWh, 3.5GWh, 552t, 120kg")],
    check: Annotated[str | None, typer.Option("--check", help='A claim to check, e.g. "one US household for 3 years"')] = None,
    db: DbOption = None,
) -> None:
    """A published figure in household-years and car-years, with the constants, sources and years."""
    from wattledger.compute.equivalents import AmountError, claim_factor, equivalents, parse_amount, parse_claim  # noqa: PLC0415
    from wattledger.report.equivalents import render_equivalents  # noqa: PLC0415
    from wattledger.store import default_db_path, list_constants  # noqa: PLC0415

    try:
        kind, quantity, _ = parse_amount(amount)
        claim = parse_claim(check) if check else None
    except AmountError as e:
        raise _fail(str(e), 2) from None
    path = db if db is not None else default_db_path()
    constants = None
    if path.exists():  # the database's constants (overrides included), as the report uses them
        con = _open(path, read_only=True)
        try:
            constants = {c["name"]: c for c in list_constants(con)}
        finally:
            con.close()
    found = equivalents(kind, quantity, constants)
    factor = claim_factor(claim, found) if claim else None
    out.print(render_equivalents(amount, kind, quantity, found, claim, factor), soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the cost commands to ``app``."""
    app.command("costs")(costs)
    app.command("budgets")(budgets)
    app.command("project-costs")(project_costs_command)
    app.command("equivalents")(equivalents_command)


def load_demo_costs(db: Path, examples: Path) -> None:
    """The demo's illustrative cost ledger, budgets and stage-tagged run log (examples/costs/),
    before its flow runs (the flow computes the runs' footprints)."""
    from wattledger.pipeline import ingest_paths  # noqa: PLC0415
    from wattledger.pipeline.budgets import load_budgets_file  # noqa: PLC0415
    from wattledger.pipeline.cost_ledger import load_cost_ledger  # noqa: PLC0415

    con = _open(db)
    try:
        ingest_paths(con, [examples / "costs" / "runs_staged_illustrative_2024-10.csv"])
        load_cost_ledger(con, examples / "costs" / "ledger_illustrative_2024-10.csv")
        load_budgets_file(con, examples / "costs" / "budgets_illustrative.yaml")
    finally:
        con.close()
