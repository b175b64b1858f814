"""Slurm ``sacct`` output as printed without ``-P``: fixed-width columns under a header and a dashes line.

::

           JobID    JobName  Partition    Account  AllocCPUS      State ExitCode
    ------------ ---------- ---------- ---------- ---------- ---------- --------
    123              train        gpu      team1         16  COMPLETED      0:0

The dashes line gives each column's span (a run of ``-``); a value is the text of its line
inside that span, trimmed (the last column runs to the end of the line). sacct cuts a value
longer than its column and marks the cut with a ``+`` in the column's last position: such a
value of a field the numbers depend on (JobID, Partition, Account, State, Start, End, Elapsed,
AllocTRES, NodeList) is not guessed, the record is rejected with the command to re-export; a
cut JobName is kept as printed. Output without JobID, Start, End and AllocTRES (the default ``sacct`` columns have
neither times nor AllocTRES) is refused with that command.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import PROBLEM_SCHEMA, RawTable

#: What to run instead: parsable output (``|``, never cut) with the fields the adapter reads.
SACCT_EXPORT_COMMAND = ("sacct -P --format=JobID,JobName,Partition,Account,User,State,Start,End,Elapsed,ElapsedRaw,"
                        "AllocTRES,NodeList --allusers --starttime YYYY-MM-DD --endtime YYYY-MM-DD")
#: Fields without which no run can be made (wattledger.ingest.adapters.slurm.REQUIRED_FIELDS).
_REQUIRED = ("jobid", "start", "end", "alloctres")
#: Fields whose cut value is not read: those the numbers depend on. A cut JobName (a label
#: only) is kept as printed, with its '+'.
_READ = ("jobid", "partition", "account", "state", "start", "end", "elapsed", "elapsedraw", "alloctres", "nodelist")
_DASHES = re.compile(r"-+")


def is_fixed_width_sacct(first: str, second: str) -> bool:
    """Whether two first lines are sacct's fixed-width header (naming JobID) and dashes line."""
    names = first.lower().split()
    return "jobid" in names and bool(second.strip()) and set(second.strip()) <= {"-", " "} and (
        len(_DASHES.findall(second)) == len(names))


def read_sacct_fixed_width(path: Path, data: bytes) -> RawTable:
    """Read fixed-width sacct output into text columns (lower-cased names) with line numbers."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")
    lines = [line.rstrip("\r") for line in text.split("\n")]
    numbered = [(i, line) for i, line in enumerate(lines, start=1) if line.strip()]
    if len(numbered) < 2 or not is_fixed_width_sacct(numbered[0][1], numbered[1][1]):
        raise FileRefused(path, f"not sacct's fixed-width output (a header and a dashes line); export with `{SACCT_EXPORT_COMMAND}`")
    names = numbered[0][1].lower().split()
    missing = [n for n in _REQUIRED if n not in names]
    if missing:
        raise FileRefused(path, f"fixed-width sacct output without {', '.join(missing)} (needed to account a job); "
                                f"re-export with `{SACCT_EXPORT_COMMAND}`")
    spans = [(m.start(), m.end()) for m in _DASHES.finditer(numbered[1][1])]
    body = pl.DataFrame({"_line": [i for i, _ in numbered[2:]], "text": [t for _, t in numbered[2:]]},
                        schema={"_line": pl.Int64, "text": pl.String})
    # a header or dashes line repeated further down (outputs pasted together) is no record
    body = body.filter(~pl.col("text").str.contains(r"^[\s-]+$") & (pl.col("text") != numbered[0][1]))
    last = len(spans) - 1
    cols = [pl.col("text").str.slice(a, None if k == last else b - a).str.strip_chars().alias(name)
            for k, (name, (a, b)) in enumerate(zip(names, spans, strict=True))]
    cut = [pl.col("text").str.slice(a, b - a).str.len_chars().eq(b - a) & pl.col("text").str.slice(b - 1, 1).eq("+")
           for name, (a, b) in zip(names, spans, strict=True) if name in _READ]
    cut_names = [name for name in names if name in _READ]
    frame = body.with_columns(cols)
    none = pl.lit(None, pl.String)
    first_cut = pl.coalesce([pl.when(c).then(pl.lit(n)) for c, n in zip(cut, cut_names, strict=True)]) if cut else none
    cut_value = pl.coalesce([pl.when(c).then(pl.col(n)) for c, n in zip(cut, cut_names, strict=True)]) if cut else none
    frame = frame.with_columns(first_cut.alias("_cut"), cut_value.alias("_cut_value"))
    bad = frame.filter(pl.col("_cut").is_not_null())
    problems = bad.select(
        pl.col("_line").alias("line"),
        pl.col("_cut").alias("column_name"),
        pl.col("_cut_value").str.slice(0, 200).alias("value"),
        pl.lit("value cut by sacct's fixed-width column ('+' at its end)").alias("reason"),
        pl.lit(f"re-export with `{SACCT_EXPORT_COMMAND}`").alias("detail"),
    ).cast(PROBLEM_SCHEMA)
    good = frame.filter(pl.col("_cut").is_null()).select(*names, "_line")
    if "\ufffd" in text:
        enc = good.filter(pl.concat_str(names).str.contains("\ufffd", literal=True))
        problems = pl.concat([problems, enc.select(pl.col("_line").alias("line"), pl.lit(None, pl.String).alias("column_name"),
                                                   pl.lit(None, pl.String).alias("value"), pl.lit("not valid UTF-8 text").alias("reason"),
                                                   pl.lit(None, pl.String).alias("detail")).cast(PROBLEM_SCHEMA)])
        good = good.filter(~pl.concat_str(names).str.contains("\ufffd", literal=True))
    return RawTable(frame=good, records=body.height, problems=problems.sort("line"))
