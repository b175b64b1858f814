"""Read a table of exchange rates for `wattledger project-costs --currency` (docs/costs.md).

Two layouts, both in units of a currency per 1 EUR (the ECB's convention):
- the ECB's own file of euro foreign exchange reference rates, as downloaded
  (``eurofxref-hist.csv`` or ``eurofxref.csv``: ``Date,USD,JPY,...``, one row per day,
  ``N/A`` where there is no rate), from
  https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html
- a long table ``date,currency,units_per_eur,source`` (one rate per line, its source named).

wattledger ships no rates: the user brings the dated table they cite. A problem anywhere refuses
the file, naming its line and column.
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import date
from pathlib import Path

import polars as pl

FX_SCHEMA = {"rate_date": pl.Date, "currency": pl.String, "units_per_eur": pl.Float64, "source": pl.String}
_CODE = re.compile(r"[A-Z]{3}")


class FxFileError(Exception):
    """An exchange-rate file that cannot be used; the message names the file, line and column."""

    def __init__(self, path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"{self.path}: " + "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else ""))


def _date(text: str) -> date | None:
    text = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _rate(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def read_fx_file(path: Path) -> pl.DataFrame:
    """The rates of ``path`` (rate_date, currency, units_per_eur, source); raises :class:`FxFileError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise FxFileError(path, [f"cannot read: {getattr(err, 'strerror', None) or err}"]) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0]:
        raise FxFileError(path, ["the file is empty"])
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    out, problems = [], []
    if lower[:1] == ["date"] and "currency" not in lower:  # the ECB's wide file
        codes = header[1:]
        source = f"ECB euro foreign exchange reference rates ({path.name})"
        for line, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            d = _date(row[0])
            if d is None:
                problems.append(f"line {line}, column Date: not a YYYY-MM-DD date: {row[0]!r}")
                continue
            for code, value in zip(codes, row[1:], strict=False):
                if not code or value.strip() in ("", "N/A"):
                    continue
                r = _rate(value)
                if r is None or not _CODE.fullmatch(code):
                    problems.append(f"line {line}, column {code}: not a rate > 0: {value!r}")
                    continue
                out.append((d, code, r, source))
    elif {"date", "currency", "units_per_eur", "source"} <= set(lower):
        at = {name: lower.index(name) for name in ("date", "currency", "units_per_eur", "source")}
        for line, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                problems.append(f"line {line}: expected {len(header)} fields, found {len(row)}")
                continue
            d, code = _date(row[at["date"]]), row[at["currency"]].strip().upper()
            r, source = _rate(row[at["units_per_eur"]]), row[at["source"]].strip()
            for ok, column, value in ((d, "date", row[at["date"]]), (_CODE.fullmatch(code), "currency", code),
                                      (r, "units_per_eur", row[at["units_per_eur"]]), (source, "source", source)):
                if not ok:
                    problems.append(f"line {line}, column {column}: invalid {value!r}")
            if d and _CODE.fullmatch(code) and r and source:
                out.append((d, code, r, source))
    else:
        problems.append(f"line 1: expected the ECB's layout (Date,USD,JPY,...) or date,currency,units_per_eur,source; "
                        f"found {header}")
    if problems:
        raise FxFileError(path, problems)
    frame = pl.DataFrame(out, schema=FX_SCHEMA, orient="row")
    dup = frame.group_by("rate_date", "currency").len().filter(pl.col("len") > 1)
    if dup.height:
        raise FxFileError(path, [f"{r['currency']} on {r['rate_date']} is given {r['len']} times"
                                 for r in dup.iter_rows(named=True)])
    return frame
