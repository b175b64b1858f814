"""Read ``nvidia-smi dmon`` output into power samples (:mod:`wattledger.ingest.telemetry.samples`).

``nvidia-smi dmon -s pu -o DT`` prints one line per GPU and second, under a header and a
units line that it repeats every few dozen lines::

    #Date        Time         gpu    pwr  gtemp  mtemp     sm    mem ...
    #YYYYMMDD    HH:MM:SS     Idx      W      C      C      %      % ...
     20261204    18:25:27       0     87     39     43      0      0 ...

Columns are told by the header, so any ``-s`` selection and order is read; newer drivers'
``--format csv`` (the same fields separated by commas) too. What is read: ``Date``
(``YYYYMMDD``), ``Time`` (``HH:MM:SS``, the host's LOCAL time, as nvidia-smi's CSV
timestamps: the same time-zone rule, :mod:`wattledger.ingest.telemetry.nvidia_smi`),
``gpu`` (the index) and ``pwr`` (whole watts: a resolution of 1 W). ``-`` (not reported)
is rejected as "power not reported". Output without a date (``-o T`` or no ``-o``) cannot
be placed in time, and output without ``pwr`` (no ``-s p``) has nothing to measure: both are
refused with the command to log with.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from wattledger.ingest.errors import FileRefused
from wattledger.ingest.telemetry.nvidia_smi import read_nvidia_smi
from wattledger.ingest.telemetry.samples import TelemetryTable, problem_rows, text_lines

#: The command that logs what this reader needs.
DMON_COMMAND = "nvidia-smi dmon -s pu -o DT"
#: The fields read, as dmon names them (header line, lowercased).
_NEEDED = ("date", "time", "gpu", "pwr")


def _tokens(text: pl.Expr) -> pl.Expr:
    """The fields of a dmon line: whitespace- or comma-separated, a leading ``#`` dropped."""
    return text.str.strip_prefix("#").str.replace_all(r"[,\s]+", " ").str.strip_chars().str.split(" ")


def dmon_header(line: str) -> list[str]:
    """The lowercased column names of a dmon header line (``#Date Time gpu pwr ...``)."""
    return [t for t in line.lstrip("#").replace(",", " ").lower().split()]


def read_dmon(data: bytes, *, host: str, timezone_name: str | None, path: str | Path = "<dmon>") -> TelemetryTable:
    """Read ``nvidia-smi dmon`` output into samples (``power_w`` [W], ``sampled_at`` UTC).

    Lines starting with ``#`` (the header, the units line and their repetitions) are not
    records. Rejected lines: wrong number of fields, an unreadable date or time, a local time
    that does not exist in ``timezone_name``, a power not reported (``-``) or not a number,
    a GPU index that is not an integer (reasons as for nvidia-smi CSV logs; the column is
    named as dmon names it).

    Raises :class:`FileRefused` when the header lacks ``Date``/``Time`` or ``pwr`` (or ``gpu``).
    """
    lines = text_lines(data)
    comments = lines.filter(pl.col("text").str.strip_chars().str.starts_with("#"))
    if comments.is_empty():
        raise FileRefused(path, f"nvidia-smi dmon output without its header line: log with `{DMON_COMMAND}`")
    names = dmon_header(comments["text"][0])
    missing = [n for n in _NEEDED if n not in names]
    if "date" in missing or "time" in missing:
        raise FileRefused(path, "nvidia-smi dmon output without dates and times (its lines cannot be placed in time): "
                                f"log with `{DMON_COMMAND}` (-o DT adds them)")
    if missing:
        raise FileRefused(path, f"nvidia-smi dmon output without the column(s) {', '.join(missing)}: "
                                f"nothing to measure; log with `{DMON_COMMAND}` (-s p adds pwr)")
    at = {n: names.index(n) for n in _NEEDED}
    body = lines.filter(~pl.col("text").str.strip_chars().str.starts_with("#"))
    fields = body.with_columns(_tokens(pl.col("text")).alias("_f"))
    ok = pl.col("_f").list.len() == len(names)

    def f(name: str) -> pl.Expr:
        return pl.col("_f").list.get(at[name], null_on_oob=True)

    date = f("date")
    as_csv = pl.concat_str(
        date.str.slice(0, 4), pl.lit("/"), date.str.slice(4, 2), pl.lit("/"), date.str.slice(6),
        pl.lit(" "), f("time"), pl.lit(", "), f("gpu"), pl.lit(", "),
        pl.when(f("pwr") == "-").then(pl.lit("[N/A]")).otherwise(f("pwr")),
    )
    short = fields.filter(~ok)
    wrong = problem_rows(short, None, pl.col("text"), "wrong number of fields",
                         pl.format("expected {}, found {}", pl.lit(len(names)), pl.col("_f").list.len()))
    # the same physical lines (line numbers kept), as the CSV the nvidia-smi reader reads
    n = int(lines["_line"].max() or 0)
    csv = (pl.DataFrame({"_line": pl.int_range(1, n + 1, eager=True).cast(pl.Int64)})
           .join(fields.filter(ok).select("_line", as_csv.alias("csv")), on="_line", how="left", maintain_order="left"))
    text = "\n".join(csv["csv"].fill_null("").to_list())
    table = read_nvidia_smi(text.encode(), host=host, timezone_name=timezone_name, header=False,
                            columns=["timestamp", "index", "power.draw"], path=path)
    rename = {"timestamp": "Date Time", "index": "gpu", "power.draw": "pwr"}
    problems = pl.concat([table.problems, wrong.cast(table.problems.schema)]).sort("line").with_columns(
        pl.col("column_name").replace(rename),
        # the values as dmon wrote them: '-', '20241312 12:00:05'
        pl.when(pl.col("column_name") == "power.draw").then(pl.col("value").replace("[N/A]", "-"))
        .when(pl.col("column_name") == "timestamp").then(pl.col("value").str.replace(r"^(\d{4})/(\d\d)/(\d\d) ", "${1}${2}${3} "))
        .otherwise(pl.col("value")).alias("value"),
        pl.col("detail").str.replace("expected watts, e.g. '312.45 W'", "expected whole watts", literal=True),
    )
    return TelemetryTable(samples=table.samples, records=table.records + short.height, problems=problems)
