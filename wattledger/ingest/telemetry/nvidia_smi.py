"""Read nvidia-smi ``--query-gpu`` CSV logs into power samples (:mod:`wattledger.ingest.telemetry.samples`).

Time rule (docs/time_resolved.md):

* nvidia-smi writes ``timestamp`` as ``YYYY/MM/DD HH:MM:SS.fff`` in the host's LOCAL
  time, without an offset. The caller names the host's time zone (IANA, e.g.
  ``America/Los_Angeles``; ``UTC`` for hosts kept on UTC). A timestamp that carries its
  offset (ISO-8601 as logging wrappers write it: ``2026-12-05T02:25:27.233+08:00``, ``…Z``;
  ``T`` or a space, ``-`` or ``/`` in the date) is placed by that offset, whatever the
  time zone; a log whose timestamps all carry one needs no time zone. A local time repeated at the
  end of daylight saving time is read in file order: among consecutive lines in the
  repeated hour, those before the clock goes back (a line more than 30 minutes earlier
  than the line before it) are the first (daylight) occurrence, that line and the ones
  after it the second (standard) one; a log sampled less often than every 30 minutes
  across the change cannot be told apart this way. A local time skipped at the start of daylight saving time cannot be
  written by a real clock: the line is rejected.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import polars as pl

from wattledger.ingest.contract import LIMITS
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.telemetry.samples import (
    apply_checks,
    LIMITS_DETAIL,
    POWER_CEILING,
    YEARS,
    YEARS_TEXT,
    TelemetryTable,
    empty_samples,
    finish,
    problem_rows,
    text_lines,
)

#: nvidia-smi's timestamp format (host local time, no offset).
NVIDIA_SMI_TIME_FORMAT = "%Y/%m/%d %H:%M:%S%.f"
#: The query wattledger documents: ``nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv -l 1``.
NVIDIA_SMI_DEFAULT_COLUMNS = ["timestamp", "index", "uuid", "power.draw"]
#: The query to re-log with, for refusal messages.
NVIDIA_SMI_QUERY = "nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv -l 1"
#: Accepted power fields, in order of preference (newer drivers add .average / .instant).
NVIDIA_SMI_POWER_FIELDS = ("power.draw", "power.draw.average", "power.draw.instant")
#: A local time this far behind the line before it means the clock went back (DST end).
_CLOCK_BACK = pl.duration(minutes=30)
#: A timestamp's offset at its end: Z, +08:00, +0800, -05 (ISO-8601).
_OFFSET = r"(?:Z|[+-]\d\d(?::?\d\d)?)$"
_ISO_FORMAT = "%Y-%m-%d %H:%M:%S%.f%#z"



def _field_name(raw: str) -> str:
    """``power.draw [W]`` -> ``power.draw``."""
    name = raw.strip().lower()
    if name.endswith("]") and "[" in name:
        name = name[: name.rindex("[")].strip()
    return name


def _is_header(text: pl.Expr) -> pl.Expr:
    """A header line names a ``timestamp`` field, in any position (extra query fields may come first)."""
    names = text.str.split(",").list.eval(
        pl.element().str.strip_chars().str.to_lowercase().str.replace(r"\s*\[[^\]]*\]$", ""))
    return names.list.contains("timestamp")


def _normalised_time(raw: pl.Expr) -> pl.Expr:
    """``2026/12/05T02:25:27Z`` -> ``2026-12-05 02:25:27+00:00``: one form for the ISO parser."""
    return (raw.str.replace(r"^(\d{4})[/-](\d\d)[/-](\d\d)[T ]\s*", "${1}-${2}-${3} ")
            .str.replace(r"Z$", "+00:00").str.replace(r"([+-]\d\d)$", "${1}:00"))


def _headerless_fields(first: str) -> list[str]:
    """The query of a ``csv,noheader`` log, told by its first line: timestamp, index, uuid,
    power.draw (4 fields); timestamp, uuid, power.draw (3, the second a ``GPU-…`` UUID);
    timestamp, index, power.draw (3, else)."""
    fields = [f.strip() for f in first.split(",")]
    if len(fields) == 3:
        return ["timestamp", "uuid" if fields[1].startswith("GPU-") else "index", "power.draw"]
    return NVIDIA_SMI_DEFAULT_COLUMNS


def read_nvidia_smi(
    data: bytes,
    *,
    host: str,
    timezone_name: str | None,
    header: bool | None = None,
    columns: list[str] | None = None,
    path: str | Path = "<nvidia-smi>",
) -> TelemetryTable:
    """Read an nvidia-smi ``--query-gpu`` CSV log into samples.

    Accepts ``--format=csv`` (a header ``timestamp, index, uuid, power.draw [W]``,
    values like ``312.45 W``) and ``--format=csv,noheader,nounits``. The header is
    detected (a line naming ``timestamp``, first) unless ``header`` says; without one the
    fields are ``columns`` (default: timestamp, index, uuid, power.draw; or, for three fields,
    timestamp, uuid or index, power.draw, told by the first line). A
    header repeated later in the file (logs appended by several ``nvidia-smi -l``
    sessions) is skipped. Power is ``power.draw``, else ``power.draw.average``, else
    ``power.draw.instant``; extra query fields are ignored.

    Rejected lines (with line, column, value, reason): wrong number of fields, an
    unreadable timestamp, a local time that does not exist in ``timezone_name``, a
    power or index that is not a number, a power not reported (``[N/A]``,
    ``[Not Supported]``, ...), a negative or non-finite power, text that is not UTF-8.

    Parameters
    ----------
    data : bytes
        The file's content.
    host : str
        Host name of every sample (e.g. ``host_from_filename(path)``).
    timezone_name : str or None
        IANA time zone of the host's clock, which nvidia-smi's timestamps are in; None when
        the timestamps carry their offset (a line without one is then rejected).
    header, columns, path
        See above; ``path`` only names the file in errors.

    Returns
    -------
    TelemetryTable
        ``power_w`` [W]; ``sampled_at`` in UTC.
    """
    try:
        if timezone_name is not None:
            zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone_name!r}: give an IANA name such as 'America/Los_Angeles'") from None
    if not host:
        raise ValueError("nvidia-smi logs do not name their host: pass host=")
    lines = text_lines(data)
    if lines.is_empty():
        return finish(empty_samples(), 0, [])
    is_header = lines.select(_is_header(pl.col("text"))).to_series()
    first_is_header = bool(is_header[0])
    if header is True and not first_is_header:
        raise FileRefused(path, f"line {lines['_line'][0]}: expected a header naming 'timestamp'")
    if header is False and first_is_header:
        raise FileRefused(path, f"line {lines['_line'][0]}: a header line where the file was said to have none")
    if first_is_header:
        names = [_field_name(x) for x in lines["text"][0].split(",")]
        headers = lines.filter(is_header)
        changed = headers.filter(
            pl.col("text").str.split(",").list.eval(pl.element().str.strip_chars()).list.join(",")
            != ",".join(x.strip() for x in lines["text"][0].split(","))
        )
        if changed.height:
            raise FileRefused(path, f"line {changed['_line'][0]}: the header changes in the middle of the file")
    else:
        names = [_field_name(x) for x in (columns or _headerless_fields(lines["text"][0]))]
    body = lines.filter(~is_header)
    if "timestamp" not in names:
        raise FileRefused(path, f"nvidia-smi log without a 'timestamp' field: query with {NVIDIA_SMI_QUERY}")
    power_field = next((f for f in NVIDIA_SMI_POWER_FIELDS if f in names), None)
    if power_field is None:
        raise FileRefused(path, f"nvidia-smi log without a power field (one of {', '.join(NVIDIA_SMI_POWER_FIELDS)}): "
                                f"nothing to measure; query with {NVIDIA_SMI_QUERY}")
    if "index" not in names and "uuid" not in names:
        raise FileRefused(path, "nvidia-smi log with neither 'index' nor 'uuid': samples of different GPUs cannot be "
                                f"told apart; query with {NVIDIA_SMI_QUERY}")

    problems: list[pl.DataFrame] = []
    split = body.with_columns(pl.col("text").str.split(",").alias("_fields"))
    bad_count = split.filter(pl.col("_fields").list.len() != len(names))
    if bad_count.height:
        problems.append(
            problem_rows(
                bad_count,
                None,
                pl.col("text"),
                "wrong number of fields",
                pl.format("expected {}, found {}", pl.lit(len(names)), pl.col("_fields").list.len()),
            )
        )
    bad_utf8 = split.filter(pl.col("text").str.contains("\ufffd", literal=True) & (pl.col("_fields").list.len() == len(names)))
    if bad_utf8.height:
        problems.append(problem_rows(bad_utf8, None, pl.lit(None, dtype=pl.String), "not valid UTF-8 text", None))
    rows = split.filter((pl.col("_fields").list.len() == len(names)) & ~pl.col("text").str.contains("\ufffd", literal=True))

    def fld(name: str) -> pl.Expr:
        return pl.col("_fields").list.get(names.index(name)).str.strip_chars()

    rows = rows.select(
        "_line",
        fld("timestamp").alias("ts_raw"),
        (fld("index") if "index" in names else pl.lit(None, dtype=pl.String)).alias("index_raw"),
        (fld("uuid") if "uuid" in names else pl.lit(None, dtype=pl.String)).alias("uuid_raw"),
        fld(power_field).alias("power_raw"),
    )
    if rows.is_empty():  # polars panics evaluating the per-row daylight-saving rule over no rows
        return finish(empty_samples(), body.height, problems)
    iso = _normalised_time(pl.col("ts_raw"))
    offset = pl.col("ts_raw").str.contains(_OFFSET)
    naive = pl.when(~offset).then(pl.coalesce(
        pl.col("ts_raw").str.strptime(pl.Datetime("us"), NVIDIA_SMI_TIME_FORMAT, strict=False),
        iso.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S%.f", strict=False)))
    rows = rows.with_columns(
        naive.alias("local"), offset.alias("_offset"),
        pl.when(offset).then(iso.str.to_datetime(_ISO_FORMAT, time_unit="us", time_zone="UTC", strict=False)).alias("_aware"),
    )
    zone = timezone_name or "UTC"  # no zone: only lines with an offset are placed (the others rejected below)
    # File order resolves the repeated hour at the end of daylight saving time: within a
    # run of consecutive ambiguous lines, the lines from the first step back by more than
    # 30 minutes on are the second (standard-time) occurrence.
    ambiguous = (
        pl.col("local").dt.replace_time_zone(zone, ambiguous="null", non_existent="null").is_null()
        & pl.col("local").dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null").is_not_null()
    )
    stepped_back = (pl.col("local").shift(1) - pl.col("local")) > _CLOCK_BACK
    rows = rows.with_columns(ambiguous.alias("_amb"), stepped_back.fill_null(False).alias("_back"))
    rows = rows.with_columns((~pl.col("_amb")).cum_sum().alias("_amb_run"))
    second = pl.col("_back").cum_sum().over("_amb_run") > 0
    rows = rows.with_columns(
        pl.coalesce(pl.col("_aware"), pl.col("local")
        .dt.replace_time_zone(
            zone, ambiguous=pl.when(second).then(pl.lit("latest")).otherwise(pl.lit("earliest")), non_existent="null"
        )
        .dt.convert_time_zone("UTC"))
        .alias("sampled_at"),
        pl.col("power_raw").str.strip_suffix("W").str.strip_chars().cast(pl.Float64, strict=False).alias("power_w"),
        pl.col("index_raw").replace("", None).cast(pl.Int32, strict=False).alias("gpu_index"),
        pl.when(pl.col("uuid_raw").str.starts_with("[") | (pl.col("uuid_raw") == "")).then(None)
        .otherwise(pl.col("uuid_raw")).alias("gpu_uuid"),
    )
    tz_detail = f"nvidia-smi writes {NVIDIA_SMI_TIME_FORMAT.replace('%.f', '.fff')} in the host's local time"
    checks = [
        (pl.col("local").is_null() & pl.col("_aware").is_null(), "timestamp", "ts_raw", "unreadable timestamp",
         pl.lit(tz_detail + ", or ISO-8601 with an offset")),
        (pl.col("local").is_not_null() & pl.lit(timezone_name is None), "timestamp", "ts_raw", "no offset",
         pl.lit("a local time without an offset, in a log whose time zone is not given (telemetry.yaml: timezone)")),
        (
            pl.col("local").is_not_null() & pl.col("sampled_at").is_null(),
            "timestamp",
            "ts_raw",
            "local time does not exist",
            pl.lit(f"skipped by the daylight-saving change in {timezone_name}"),
        ),
        (pl.col("power_raw").str.starts_with("["), power_field, "power_raw", "power not reported", None),
        (
            ~pl.col("power_raw").str.starts_with("[") & pl.col("power_w").is_null(),
            power_field,
            "power_raw",
            "not a number",
            pl.lit("expected watts, e.g. '312.45 W'"),
        ),
        (
            pl.col("power_w").is_not_null() & ~(pl.col("power_w").is_finite() & (pl.col("power_w") >= 0)),
            power_field,
            "power_raw",
            "power out of range",
            pl.lit("power must be finite and >= 0 W"),
        ),
        (pl.col("power_w").is_finite() & (pl.col("power_w") > LIMITS["max_power_w"]), power_field, "power_raw",
         POWER_CEILING, pl.lit(LIMITS_DETAIL)),
        (~pl.coalesce(pl.col("_aware").dt.year(), pl.col("local").dt.year()).is_between(*YEARS), "timestamp", "ts_raw", YEARS_TEXT, pl.lit(LIMITS_DETAIL)),
        (
            pl.col("index_raw").is_not_null() & pl.col("gpu_index").is_null(),
            "index",
            "index_raw",
            "GPU index is not an integer",
            None,
        ),
        (pl.col("gpu_index").is_null() & pl.col("gpu_uuid").is_null(), "uuid", "uuid_raw", "GPU not identified",
         pl.lit("neither an index nor a UUID reported on the line")),
    ]
    good = apply_checks(rows, checks, problems).with_columns(pl.lit(host, dtype=pl.String).alias("host"))
    return finish(good, body.height, problems)
