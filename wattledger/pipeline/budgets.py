"""Load a budgets file: ingest reads and checks it, the store makes it the database's budgets."""

from __future__ import annotations

from pathlib import Path

import duckdb

from wattledger.ingest.budgets_file import read_budgets_file
from wattledger.store.cost_ledger import replace_budgets


def load_budgets_file(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Replace the database's budgets with those of ``path``; raises ``BudgetsFileError`` (nothing
    changed) naming every problem. Returns the number of budgets (one per figure of an entry)."""
    return replace_budgets(con, read_budgets_file(Path(path)))
