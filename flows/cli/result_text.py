"""A query result as text: a table that fits the terminal, CSV, JSON or a markdown table.

The table is laid out as DuckDB's own shell renders a wide result: the first and the last
columns that fit, an ellipsis column between them, and a footer "N rows, M columns (k shown)".
Numbers are rounded for display only (CSV and JSON keep every digit).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

FORMATS = ("table", "csv", "json", "markdown")
#: Rows a table shows at most: the first and the last half (DuckDB's shell shows 40).
TABLE_ROWS = 40
#: Widest a table cell gets before it is cut with "…".
CELL_WIDTH = 24
#: Significant figures of a float in a table.
FIGURES = 4


def display(value: object) -> str:
    """A value as a table cell: floats to FIGURES significant figures (scientific when tiny or
    huge), times in ISO form, NULL as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        if v == 0:
            return "0"
        magnitude = math.floor(math.log10(abs(v)))
        if magnitude < -4 or magnitude >= 12:
            return f"{v:.{FIGURES - 1}e}"
        digits = max(0, FIGURES - 1 - magnitude)
        return f"{round(v, digits):,.{digits}f}"
    if isinstance(value, datetime):
        if value.tzinfo is not None:  # DuckDB hands TIMESTAMPTZ in the session's zone: shown in UTC
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return " ".join(str(value).split())  # one line per row: newlines and tabs as spaces


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _is_number(values: Sequence[object]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in present)


def table(columns: Sequence[str], rows: Sequence[tuple], width: int = 80) -> str:
    """Rows as a plain-text table at most ``width`` characters wide (see the module's note)."""
    n_rows, n_cols = len(rows), len(columns)
    shown_rows = list(rows) if n_rows <= TABLE_ROWS else [*rows[: TABLE_ROWS // 2], *rows[-(TABLE_ROWS // 2):]]
    cells = [[_cut(display(r[i]), CELL_WIDTH) for r in shown_rows] for i in range(n_cols)]
    heads = [_cut(c, CELL_WIDTH) for c in columns]
    widths = [max([len(heads[i]), *(len(c) for c in cells[i])]) for i in range(n_cols)]
    numeric = [_is_number([r[i] for r in shown_rows]) for i in range(n_cols)]
    # columns from both ends, alternately, while they fit ("│ " + cell + " " per column, "│" at the end)
    left: list[int] = []
    right: list[int] = []
    used = 1
    order = [i for pair in zip(range(n_cols), reversed(range(n_cols)), strict=True) for i in pair]
    seen: set[int] = set()
    for i in order:
        if i in seen:
            continue
        seen.add(i)
        more = len(seen) < n_cols
        need = widths[i] + 3 + (4 if more else 0)  # room for the "…" column while some are left out
        if used + need > width and (left or right):
            break
        (left if i < n_cols / 2 or not right and i == 0 else right).append(i)
        used += widths[i] + 3
    left.sort()
    right.sort()
    shown = [*left, *right]
    gap = len(shown) < n_cols
    layout: list[int | None] = [*left, *([None] if gap else []), *right]

    def line(values: list[str]) -> str:
        return "│ " + " │ ".join(values) + " │"

    def cell(i: int | None, text: str, number: bool = False) -> str:
        w = 1 if i is None else widths[i]
        return text.rjust(w) if number else text.ljust(w)

    rule = "─┼─".join("─" * (1 if i is None else widths[i]) for i in layout)
    lines = [line([cell(i, "…" if i is None else heads[i]) for i in layout]), "├─" + rule + "─┤"]
    for k in range(len(shown_rows)):
        if n_rows > TABLE_ROWS and k == TABLE_ROWS // 2:
            lines.append(line([cell(i, "·") for i in layout]))
        lines.append(line([cell(i, "…" if i is None else cells[i][k], i is not None and numeric[i]) for i in layout]))
    footer = f"{n_rows:,} row{'s' * (n_rows != 1)}" + (f" ({len(shown_rows)} shown)" if len(shown_rows) < n_rows else "")
    footer += f", {n_cols} column{'s' * (n_cols != 1)}" + (f" ({len(shown)} shown)" if gap else "")
    return "\n".join([*lines, footer])


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def as_csv(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows([["" if v is None else _plain(v) for v in r] for r in rows])
    return buf.getvalue()


def as_json(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    """A JSON array of objects, one per row (every digit kept; NaN as null)."""
    return json.dumps([{c: _plain(v) for c, v in zip(columns, r, strict=True)} for r in rows], indent=1,
                      ensure_ascii=False) + "\n"


def as_markdown(columns: Sequence[str], rows: Sequence[tuple]) -> str:
    """A pipe table (every row; numbers rounded for display, "|" escaped)."""
    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|")
    numeric = [_is_number([r[i] for r in rows]) for i in range(len(columns))]
    lines = ["| " + " | ".join(esc(c) for c in columns) + " |",
             "| " + " | ".join("---:" if n else ":---" for n in numeric) + " |"]
    lines += ["| " + " | ".join(esc(display(v)) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def render(fmt: str, columns: Sequence[str], rows: Sequence[tuple], width: int = 80) -> str:
    if fmt == "table":
        return table(columns, rows, width) + "\n"
    return {"csv": as_csv, "json": as_json, "markdown": as_markdown}[fmt](columns, rows)
