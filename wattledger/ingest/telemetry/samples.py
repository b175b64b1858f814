"""Power samples: the frame every telemetry reader returns, and its conversion for the kernel.

Every reader returns a ``TelemetryTable``: a frame of samples, one row per GPU and
time, with the columns of ``SAMPLE_SCHEMA``

=============  ==========================  ==========================================
column         type                        meaning
=============  ==========================  ==========================================
host           String                      host name (from the data or the caller)
gpu_index      Int32                       GPU index on the host (nvidia-smi ``index``,
                                           DCGM label ``gpu``), null when not reported
gpu_uuid       String                      ``GPU-…`` UUID, null when not reported (never
                                           both null: a device is its UUID, else its index)
sampled_at     Datetime(us, UTC)           sample time in UTC
power_w        Float64                     power draw [W], null when only the counter is
energy_mj      Float64                     energy counter since the driver loaded [mJ]
                                           (DCGM ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION``),
                                           null when not reported
_line          Int64                       physical line of the sample, 1-based
=============  ==========================  ==========================================

and the lines that could not be read as a frame of problems with the same shape as
``wattledger.ingest.readers.PROBLEM_SCHEMA`` (line, column_name, value, reason,
detail). Parsing is columnar (polars string expressions over all lines at once), with
no Python loop per line. ``sample_arrays`` turns the samples into the plain numbers the
kernel (``wattledger.kernel.telemetry``) takes: device codes and epoch seconds.

The readers: :mod:`wattledger.ingest.telemetry.nvidia_smi`, :mod:`wattledger.ingest.telemetry.dcgm`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from wattledger.ingest.contract import LIMITS
from wattledger.ingest.file_names import logical_name
from wattledger.ingest.readers import PROBLEM_SCHEMA

SAMPLE_SCHEMA = {
    "host": pl.String,
    "gpu_index": pl.Int32,
    "gpu_uuid": pl.String,
    "sampled_at": pl.Datetime("us", "UTC"),
    "power_w": pl.Float64,
    "energy_mj": pl.Float64,
    "_line": pl.Int64,
}

#: Sample times outside these years are typos or garbage (and far ones make polars panic, not fail).
YEARS = (int(LIMITS["earliest_year"]), int(LIMITS["latest_year"]))
EPOCH_S = (
    datetime(YEARS[0], 1, 1, tzinfo=timezone.utc).timestamp(),
    datetime(YEARS[1] + 1, 1, 1, tzinfo=timezone.utc).timestamp(),
)
YEARS_TEXT = f"outside the accepted years {YEARS[0]}-{YEARS[1]}"
POWER_CEILING = f"above the sanity ceiling of {LIMITS['max_power_w']:g}"
LIMITS_DETAIL = "see LIMITS in wattledger/ingest/contract.py"


@dataclass
class TelemetryTable:
    """Samples of one telemetry file, and the lines that could not be read."""

    samples: pl.DataFrame  # SAMPLE_SCHEMA
    records: int  # lines read as samples or rejected (headers, comments, blank lines, other metrics excluded;
    # a DCGM power and energy-counter line of one GPU and time are one sample, the second folded into it)
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))


def host_from_filename(path: str | Path) -> str:
    """The host a telemetry file belongs to, by the naming rule ``<host>_<anything>.<ext>``.

    ``ca-colo-1-node013_nvidia-smi_2024-10-16.csv`` -> ``ca-colo-1-node013``; a name
    without ``_`` gives its stem (``node013.csv`` -> ``node013``).
    """
    name = logical_name(path)  # node013.csv.1.gz -> node013.csv
    stem = name.split("_", 1)[0] if "_" in name else Path(name).stem
    if not stem:
        raise ValueError(f"cannot tell the host from the file name {name!r}")
    return stem


def text_lines(data: bytes) -> pl.DataFrame:
    """All physical lines as text with their 1-based number; blank lines dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")  # a bad byte shows as U+FFFD, rejected below
    lines = pl.Series("text", text.split("\n"), dtype=pl.String)
    frame = pl.DataFrame({"text": lines.str.strip_suffix("\r"), "_line": pl.int_range(1, lines.len() + 1, eager=True)})
    return frame.with_columns(pl.col("_line").cast(pl.Int64)).filter(pl.col("text").str.strip_chars() != "")


def problem_rows(frame: pl.DataFrame, column: str | None, value: pl.Expr, reason: str, detail: str | pl.Expr | None) -> pl.DataFrame:
    return frame.select(
        pl.col("_line").alias("line"),
        pl.lit(column, dtype=pl.String).alias("column_name"),
        value.cast(pl.String).str.slice(0, 200).alias("value"),
        pl.lit(reason, dtype=pl.String).alias("reason"),
        (detail if isinstance(detail, pl.Expr) else pl.lit(detail, dtype=pl.String)).cast(pl.String).alias("detail"),
    )


def apply_checks(frame: pl.DataFrame, checks: list[tuple], problems: list[pl.DataFrame]) -> pl.DataFrame:
    """The rows of ``frame`` that pass every check; a failing row gets one problem (its first
    failing check) appended to ``problems``. A check is (condition, column, raw column, reason,
    detail); a null condition counts as passing."""
    bad = pl.lit(False)
    for cond, column, raw, reason, detail in checks:
        failing = frame.filter(cond.fill_null(False) & ~bad)  # one problem per line: the first
        if failing.height:
            problems.append(problem_rows(failing, column, pl.col(raw), reason, detail))
        bad = bad | cond.fill_null(False)
    return frame.filter(~bad)


def empty_samples() -> pl.DataFrame:
    return pl.DataFrame(schema=SAMPLE_SCHEMA)


def finish(samples: pl.DataFrame, records: int, problems: list[pl.DataFrame]) -> TelemetryTable:
    probs = pl.concat([p.cast(PROBLEM_SCHEMA) for p in problems]) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA)
    probs = probs.sort("line", maintain_order=True)
    samples = samples.with_columns(pl.lit(None, dtype=dtype).alias(name) for name, dtype in SAMPLE_SCHEMA.items()
                                   if name not in samples.columns)
    return TelemetryTable(samples=samples.select(list(SAMPLE_SCHEMA)).cast(SAMPLE_SCHEMA).sort("_line"), records=records, problems=probs)
