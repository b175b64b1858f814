"""The cost ledger in the database: its lines validated in SQL, each file version stored whole.

Validation runs ``sql/queries/costs/cost_lines_*.sql`` on a private in-memory DuckDB (as
``validate_runs`` does for run logs); :func:`store_cost_file` writes a file's version, its lines
and its rejects in one transaction. Loading the same content again adds nothing; a changed file
(same path, other content) replaces its earlier version's lines, and the earlier version stays
recorded (``cost_files.replaced_by_cost_file_id``, ``replaced_at``; ``lines_replaced`` on the new row).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl

from wattledger.resources import sql_text
from wattledger.store.report_cube import reads_cube
from wattledger.store.transactions import atomic

_PROBLEMS = {"line": pl.Int64, "column_name": pl.String, "value": pl.String, "reason": pl.String, "detail": pl.String}


class LedgerInput(Protocol):
    """What the store needs of a read cost-ledger file (``wattledger.ingest.cost_ledger.LedgerFile``)."""

    path: Path
    content_sha256: str
    format: str
    size_bytes: int
    records: int
    staged: pl.DataFrame
    read_problems: pl.DataFrame
    ignored_columns: list[str]


@dataclass
class StoredLedger:
    """What loading one cost-ledger file did."""

    path: str
    cost_file_id: int
    loaded: int
    rejected: int
    already_loaded: bool = False
    already_loaded_as: str | None = None  # the path of the same content, when it was loaded elsewhere
    replaced_cost_file_id: int | None = None  # the earlier version of this path it replaced
    replaced_lines: int = 0


def validate_cost_lines(staged: pl.DataFrame, categories: Sequence[str],
                        limits: Mapping[str, float]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Type and check every record of ``staged`` (ledger columns as text + ``_line``).

    ``limits``: ``max_amount``, ``earliest_year``, ``latest_year``. Returns the valid lines
    (line, project, category, amount, currency, cost_date, description, source) and one row per
    problem (line, column_name, value, reason, detail), both by line.
    """
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    try:
        con.execute(sql_text("macros/030_identity_text.sql"))
        con.register("staged", staged.to_arrow())
        con.execute("create temp table typed as " + sql_text("queries/costs/cost_lines_typed.sql"))
        params = {"categories": list(categories), "max_amount": float(limits["max_amount"]),
                  "earliest_year": int(limits["earliest_year"]), "latest_year": int(limits["latest_year"])}
        con.execute("create temp table problems as " + sql_text("queries/costs/cost_lines_problems.sql"), params)
        lines = con.sql(sql_text("queries/costs/cost_lines_valid.sql")).pl()
        problems = con.sql("select * from problems order by line, column_name").pl()
    finally:
        con.close()
    return lines, problems.cast(_PROBLEMS)


def store_cost_file(con: duckdb.DuckDBPyConnection, ledger: LedgerInput, lines: pl.DataFrame,
                    problems: pl.DataFrame) -> StoredLedger:
    """Store one version of a cost-ledger file (its valid ``lines`` and its ``problems``) in one
    transaction; a no-op when a current file has the same content."""
    path = str(Path(ledger.path).resolve())
    current = con.execute(sql_text("queries/costs/current_cost_file.sql"),
                          {"sha": ledger.content_sha256, "path": path}).fetchall()
    if current and current[0][3]:
        file_id, was_path, _, _, loaded, rejected = current[0]
        return StoredLedger(path=path, cost_file_id=file_id, loaded=loaded, rejected=rejected, already_loaded=True,
                            already_loaded_as=was_path if was_path != path else None)
    previous = current[0][0] if current else None
    problems = problems.cast(_PROBLEMS)
    with atomic(con):
        replaced = 0
        if previous is not None:
            replaced = con.execute("select count(*) from cost_lines where cost_file_id = ?", [previous]).fetchone()[0]
        file_id = con.execute(sql_text("queries/costs/insert_cost_file.sql"), {
            "path": path, "sha": ledger.content_sha256, "format": ledger.format, "size_bytes": ledger.size_bytes,
            "records": ledger.records, "loaded": lines.height, "rejected": problems["line"].n_unique(),
            "replaced": replaced, "ignored": ledger.ignored_columns,
        }).fetchone()[0]
        if previous is not None:
            con.execute(sql_text("queries/costs/retire_cost_file.sql"), {"old": previous, "new": file_id})
            con.execute(sql_text("queries/costs/delete_replaced_lines.sql"), {"old": previous})
        con.register("incoming_lines", lines.to_arrow())
        con.register("incoming_problems", problems.to_arrow())
        try:
            con.execute(sql_text("queries/costs/insert_cost_lines.sql"), [file_id])
            con.execute(sql_text("queries/costs/insert_cost_rejects.sql"), [file_id])
        finally:
            con.unregister("incoming_lines")
            con.unregister("incoming_problems")
    return StoredLedger(path=path, cost_file_id=file_id, loaded=lines.height, rejected=problems["line"].n_unique(),
                        replaced_cost_file_id=previous, replaced_lines=replaced)


def cost_rejects(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every rejected problem of the current cost-ledger files (path, line, column_name, value, reason, detail)."""
    return con.sql(sql_text("queries/costs/cost_rejects.sql")).pl()


def cost_file_rejects(con: duckdb.DuckDBPyConnection, cost_file_id: int) -> pl.DataFrame:
    """The problems of one cost-ledger file version, by line."""
    return con.sql("select line, column_name, value, reason, detail from cost_rejects where cost_file_id = $id "
                   "order by line, column_name", params={"id": cost_file_id}).pl()


def replace_budgets(con: duckdb.DuckDBPyConnection, budgets: Sequence) -> int:
    """Make ``budgets`` (items with budget_id, scope, name, period, figure, budget, currency,
    source) the database's budgets, in one transaction; returns how many."""
    frame = pl.DataFrame(
        [{k: getattr(b, k) for k in ("budget_id", "scope", "name", "period", "figure", "budget", "currency", "source")}
         for b in budgets],
        schema={"budget_id": pl.String, "scope": pl.String, "name": pl.String, "period": pl.String,
                "figure": pl.String, "budget": pl.Float64, "currency": pl.String, "source": pl.String},
    )
    with atomic(con):
        con.register("incoming_budgets", frame.to_arrow())
        try:
            con.execute(sql_text("queries/costs/replace_budgets.sql"))
        finally:
            con.unregister("incoming_budgets")
    return frame.height


def project_costs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The project_costs view: one row per project and currency (read from the report's cube when
    one of all runs is open on ``con``, store/report_cube.py: the same figures, tested)."""
    if reads_cube(con, "project_costs", {"period_start": None, "period_end": None}):
        return con.sql(sql_text("queries/report/cube/project_costs.sql")).pl()
    return con.sql(sql_text("queries/costs/project_costs.sql")).pl()


def project_cost_lines(con: duckdb.DuckDBPyConnection, item_kind: str | None = None) -> pl.DataFrame:
    """The project_cost_lines view: one row per cost item, with its basis; only the items of
    ``item_kind`` (``run`` or ``ledger``) when given."""
    return con.sql(sql_text("queries/costs/project_cost_lines.sql"), params={"item_kind": item_kind}).pl()


def budget_status(con: duckdb.DuckDBPyConnection, period_start=None, period_end=None) -> pl.DataFrame:
    """The budget_status view: one row per budget and period overlapping [period_start, period_end)
    (every period when both are None), overruns first."""
    (budgets,) = con.execute("select count(*) from budgets").fetchall()[0]
    rel = con.sql(sql_text("queries/costs/budget_status.sql"), params={"period_start": period_start, "period_end": period_end})
    if not budgets:
        # no budget: no row, and the view's spending of every run need not be computed (seconds at 10 M runs)
        rel = rel.limit(0)
    return rel.pl()


def project_costs_converted(con: duckdb.DuckDBPyConnection, currency: str, rates: pl.DataFrame) -> pl.DataFrame:
    """Each project's full cost converted to ``currency`` with ``rates`` (rate_date, currency,
    units_per_eur, source): one row per project, with the rate dates and sources used and the
    items left unconverted (no rate)."""
    con.register("fx_rates", rates.to_arrow())
    try:
        return con.sql(sql_text("queries/costs/project_costs_converted.sql"), params={"currency": currency}).pl()
    finally:
        con.unregister("fx_rates")
