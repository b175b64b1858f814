"""Load a cost-ledger file: ingest reads it, the store validates and stores it (docs/costs.md)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wattledger.ingest.cost_ledger import LEDGER_CATEGORIES, LEDGER_LIMITS, read_cost_ledger
from wattledger.store.cost_ledger import StoredLedger, store_cost_file, validate_cost_lines


def load_cost_ledger(con: duckdb.DuckDBPyConnection, path: Path) -> StoredLedger:
    """Read, validate and store the cost ledger ``path``; raises ``FileRefused`` (nothing stored)
    when it cannot be read at all. Bad lines are stored as rejects with their line, column and reason."""
    ledger = read_cost_ledger(Path(path))
    lines, problems = validate_cost_lines(ledger.staged, LEDGER_CATEGORIES, LEDGER_LIMITS)
    schema = ledger.read_problems.schema
    all_problems = ledger.read_problems.vstack(problems.cast(schema)).sort("line", "column_name", nulls_last=True)
    return store_cost_file(con, ledger, lines, all_problems)
