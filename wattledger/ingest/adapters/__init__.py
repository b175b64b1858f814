"""Input adapters: each maps one real-world format to the canonical run-log columns.

An adapter takes the :class:`~wattledger.ingest.readers.RawTable` a reader made (text
columns named as in the file's header, lower-cased, plus ``_line``) and returns an
:class:`Adapted` table: canonical column names, still text, with the same ``_line``
numbers, so that validation (sql/queries/ingest/) checks every format alike and every reject
names a line of the original file. All work is columnar (polars expressions); a
record the adapter itself cannot map is a reject with its line, its source column and
a reason, and is left out of the frame.

Like pvlib's ``iotools``, renaming happens here, at the edge; nothing downstream knows
which format a run came from except the ``source_format`` column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from wattledger.ingest.readers import PROBLEM_SCHEMA

__all__ = ["Adapted", "no_problems", "reject_where", "text"]


@dataclass
class Adapted:
    """A source file's records mapped to canonical columns, before validation."""

    frame: pl.DataFrame  # canonical column names (String) + _line (Int64)
    source_format: str  # canonical | sacct | codecarbon | mapping:<name>
    description: str  # what was detected and read, for people ("Slurm sacct, cluster file ...")
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))
    #: canonical column -> the source column (or setting) it came from, for reject messages
    origins: dict[str, str] = field(default_factory=dict)
    #: source columns (as in the raw frame, lower-case) the adapter read
    used_columns: set[str] = field(default_factory=set)
    #: records merged into another record of the same run (Slurm job steps, CodeCarbon
    #: intermediate flushes): neither loaded nor rejected on their own
    folded_records: int = 0


def no_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=PROBLEM_SCHEMA)


def text(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A source column as trimmed text, empty text as null; null when the file lacks it."""
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col(column).str.strip_chars().replace("", None)


def reject_where(
    frame: pl.DataFrame,
    condition: pl.Expr,
    column_name: str | None,
    value: pl.Expr | None,
    reason: str | pl.Expr,
    detail: str | pl.Expr | None = None,
) -> pl.DataFrame:
    """Problems (PROBLEM_SCHEMA) for the records of ``frame`` where ``condition`` holds."""

    def lit_or(e, dtype=pl.String):
        return e if isinstance(e, pl.Expr) else pl.lit(e, dtype=dtype)

    return frame.filter(condition).select(
        pl.col("_line").alias("line"),
        pl.lit(column_name, dtype=pl.String).alias("column_name"),
        (value if value is not None else pl.lit(None, dtype=pl.String)).cast(pl.String).alias("value"),
        lit_or(reason).alias("reason"),
        lit_or(detail).alias("detail"),
    )
