"""Read a cost-ledger file (CSV or Parquet) into text columns with line numbers.

A cost ledger holds the costs that are not GPU-hours or electricity: data, people, hardware,
infrastructure, other (docs/costs.md). One line per cost:
``project, category, amount, currency, date, description, source``. Reading reuses the run
log's readers (:mod:`wattledger.ingest.readers`): every value as text, each record with its
line, records that cannot be split kept as problems. Values are checked by the store
(``store.validate_cost_lines``, SQL in ``sql/queries/costs/``), as run logs are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from wattledger.ingest.discover import format_of
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.parsed import file_sha256
from wattledger.ingest.readers import PROBLEM_SCHEMA, read_csv, read_parquet

#: The columns of a cost ledger, in order.
LEDGER_COLUMNS: tuple[str, ...] = ("project", "category", "amount", "currency", "date", "description", "source")
#: Columns a line cannot do without (the file is refused when its header lacks one).
LEDGER_REQUIRED: tuple[str, ...] = ("project", "category", "amount", "currency", "date", "source")


@dataclass
class LedgerFile:
    """A cost-ledger file, read, not yet validated."""

    path: Path
    content_sha256: str
    format: str  # csv | parquet
    size_bytes: int
    records: int
    staged: pl.DataFrame  # LEDGER_COLUMNS as text (null when absent) + _line
    read_problems: pl.DataFrame  # records the reader could not split (PROBLEM_SCHEMA)
    ignored_columns: list[str]


def read_cost_ledger(path: Path) -> LedgerFile:
    """Read ``path`` as a cost ledger.

    Raises :class:`FileRefused` when the file cannot be read at all (missing, empty, not CSV or
    Parquet, a required column missing from the header); otherwise every record is staged or
    is a read problem with its line and reason.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    if not data.strip():
        raise FileRefused(path, "the file is empty")
    container = "parquet" if data.startswith(b"PAR1") else (format_of(path) or "csv")
    if container not in ("csv", "parquet"):
        raise FileRefused(path, f"a cost ledger is CSV or Parquet, not {container}")
    raw = read_parquet(path, data) if container == "parquet" else read_csv(path, data)
    columns = [c for c in raw.frame.columns if c != "_line"]
    missing = [c for c in LEDGER_REQUIRED if c not in columns]
    if missing:
        raise FileRefused(
            path,
            f"missing required column(s): {', '.join(missing)}; found {columns}. A cost ledger has the "
            f"columns {', '.join(LEDGER_COLUMNS)} (docs/costs.md)"
            + (" (is the file comma-separated?)" if container == "csv" and len(columns) == 1 else ""),
        )
    staged = raw.frame.select(
        [pl.col(c) if c in columns else pl.lit(None, dtype=pl.String).alias(c) for c in LEDGER_COLUMNS]
        + [pl.col("_line")]
    )
    return LedgerFile(
        path=path,
        content_sha256=file_sha256(data),
        format=container,
        size_bytes=len(data),
        records=raw.records,
        staged=staged,
        read_problems=raw.problems.cast(PROBLEM_SCHEMA),
        ignored_columns=sorted(set(columns) - set(LEDGER_COLUMNS)),
    )


#: The categories a ledger line may have (docs/costs.md). Compute and electricity are not among
#: them: they come from the runs (GPU-hours x a price; metered energy x a tariff), never twice.
LEDGER_CATEGORIES: tuple[str, ...] = ("data", "people", "hardware", "infrastructure", "other")

#: Sanity limits of a ledger line: they catch unit slips and typed years, not large budgets.
LEDGER_LIMITS: dict[str, float] = {
    "max_amount": 1e12,  # one line; the largest published training budgets are ~1e8-1e9 USD
    "earliest_year": 2000,  # before: a placeholder (1970-01-01) or a typo
    "latest_year": 2099,  # after: a typo (2124) or a sentinel (9999-12-31)
}
