"""Read GPU power telemetry (nvidia-smi CSV logs, DCGM exporter scrapes) into samples.

Every reader returns a ``TelemetryTable``: a frame of samples, one row per GPU and
time, with the columns of ``SAMPLE_SCHEMA``

=============  ==========================  ==========================================
column         type                        meaning
=============  ==========================  ==========================================
host           String                      host name (from the data or the caller)
gpu_index      Int32                       GPU index on the host (nvidia-smi ``index``,
                                           DCGM label ``gpu``)
gpu_uuid       String                      ``GPU-…`` UUID, null when not reported
sampled_at     Datetime(us, UTC)           sample time in UTC
power_w        Float64                     power draw [W]; null when not in the source
energy_mj      Float64                     cumulative energy counter [mJ, millijoules;
                                           not megajoules], null when not in the source
_line          Int64                       physical line of the sample, 1-based
=============  ==========================  ==========================================

and the lines that could not be read as a frame of problems with the same shape as
``wattledger.ingest.readers.PROBLEM_SCHEMA`` (line, column_name, value, reason,
detail). Parsing is columnar (polars string expressions over all lines at once), with
no Python loop per line. ``sample_arrays`` turns the samples into the plain numbers the
kernel (``wattledger.kernel.telemetry``) takes: device codes and epoch seconds.

Time rules (docs/time_resolved.md):

* nvidia-smi writes ``timestamp`` as ``YYYY/MM/DD HH:MM:SS.fff`` in the host's LOCAL
  time, without an offset. The caller names the host's time zone (IANA, e.g.
  ``America/Los_Angeles``; ``UTC`` for hosts kept on UTC). A local time repeated at the
  end of daylight saving time is read in file order: among consecutive lines in the
  repeated hour, those before the clock goes back (a line more than 30 minutes earlier
  than the line before it) are the first (daylight) occurrence, that line and the ones
  after it the second (standard) one; a log sampled less often than every 30 minutes
  across the change cannot be told apart this way. A local time skipped at the start of daylight saving time cannot be
  written by a real clock: the line is rejected.
* DCGM exporter lines carry no time unless the scraper added one: a sample's time is
  its Prometheus timestamp (milliseconds since the epoch) when the line has one; else
  the time of the latest ``# scraped_at <time>`` comment above it (ISO-8601 with
  ``Z`` or an offset, or epoch seconds; a scrape loop writes it before each scrape);
  else the caller's ``scraped_at`` for a file holding a single scrape; else the line
  is rejected ("no timestamp"). The caller's ``scraped_at`` is refused (lines rejected)
  when the same GPU and metric appear twice among the lines that would use it, which
  means the file holds several scrapes.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl

from wattledger.ingest.contract import LIMITS
from wattledger.ingest.errors import FileRefused
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

#: nvidia-smi's timestamp format (host local time, no offset).
NVIDIA_SMI_TIME_FORMAT = "%Y/%m/%d %H:%M:%S%.f"
#: The query wattledger documents: ``nvidia-smi --query-gpu=timestamp,index,uuid,power.draw --format=csv -l 1``.
NVIDIA_SMI_DEFAULT_COLUMNS = ["timestamp", "index", "uuid", "power.draw"]
#: Accepted power fields, in order of preference (newer drivers add .average / .instant).
NVIDIA_SMI_POWER_FIELDS = ("power.draw", "power.draw.average", "power.draw.instant")
#: A local time this far behind the line before it means the clock went back (DST end).
_CLOCK_BACK = pl.duration(minutes=30)

DCGM_POWER = "DCGM_FI_DEV_POWER_USAGE"  # W
DCGM_ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"  # mJ since boot
_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LABEL = rf"{_NAME}\s*=\s*{_QUOTED}"
#: metric name, optional {label block}, value, optional timestamp [ms]
_SAMPLE_RE = rf'^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{{(?:[^"}}]|{_QUOTED})*\}})?\s+(\S+)(?:\s+(-?[0-9]+))?\s*$'
_LABELS_RE = rf"^\{{\s*(?:{_LABEL}(?:\s*,\s*{_LABEL})*\s*,?\s*)?\}}$"
_ISO_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
#: Sample times outside these years are typos or garbage (and far ones make polars panic, not fail).
_YEARS = (int(LIMITS["earliest_year"]), int(LIMITS["latest_year"]))
_EPOCH_S = (
    datetime(_YEARS[0], 1, 1, tzinfo=timezone.utc).timestamp(),
    datetime(_YEARS[1] + 1, 1, 1, tzinfo=timezone.utc).timestamp(),
)
_YEARS_TEXT = f"outside the accepted years {_YEARS[0]}-{_YEARS[1]}"
_POWER_CEILING = f"above the sanity ceiling of {LIMITS['max_power_w']:g}"
_LIMITS_DETAIL = "see LIMITS in wattledger/ingest/contract.py"


@dataclass
class TelemetryTable:
    """Samples of one telemetry file, and the lines that could not be read."""

    samples: pl.DataFrame  # SAMPLE_SCHEMA
    records: int  # lines read as samples or rejected (headers, comments, blank lines, other metrics excluded)
    # (a DCGM power line and an energy line of one GPU and time make one sample: the second is folded)
    problems: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PROBLEM_SCHEMA))


def host_from_filename(path: str | Path) -> str:
    """The host a telemetry file belongs to, by the naming rule ``<host>_<anything>.<ext>``.

    ``ca-colo-1-node013_nvidia-smi_2024-10-16.csv`` -> ``ca-colo-1-node013``; a name
    without ``_`` gives its stem (``node013.csv`` -> ``node013``).
    """
    name = Path(path).name
    stem = name.split("_", 1)[0] if "_" in name else Path(name).stem
    if not stem:
        raise ValueError(f"cannot tell the host from the file name {name!r}")
    return stem


def _lines(data: bytes) -> pl.DataFrame:
    """All physical lines as text with their 1-based number; blank lines dropped."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="replace")  # a bad byte shows as U+FFFD, rejected below
    lines = pl.Series("text", text.split("\n"), dtype=pl.String)
    frame = pl.DataFrame({"text": lines.str.strip_suffix("\r"), "_line": pl.int_range(1, lines.len() + 1, eager=True)})
    return frame.with_columns(pl.col("_line").cast(pl.Int64)).filter(pl.col("text").str.strip_chars() != "")


def _problem(frame: pl.DataFrame, column: str | None, value: pl.Expr, reason: str, detail: str | pl.Expr | None) -> pl.DataFrame:
    return frame.select(
        pl.col("_line").alias("line"),
        pl.lit(column, dtype=pl.String).alias("column_name"),
        value.cast(pl.String).str.slice(0, 200).alias("value"),
        pl.lit(reason, dtype=pl.String).alias("reason"),
        (detail if isinstance(detail, pl.Expr) else pl.lit(detail, dtype=pl.String)).cast(pl.String).alias("detail"),
    )


def _empty_samples() -> pl.DataFrame:
    return pl.DataFrame(schema=SAMPLE_SCHEMA)


def _finish(samples: pl.DataFrame, records: int, problems: list[pl.DataFrame]) -> TelemetryTable:
    probs = pl.concat([p.cast(PROBLEM_SCHEMA) for p in problems]) if problems else pl.DataFrame(schema=PROBLEM_SCHEMA)
    probs = probs.sort("line", maintain_order=True)
    return TelemetryTable(samples=samples.select(list(SAMPLE_SCHEMA)).cast(SAMPLE_SCHEMA).sort("_line"), records=records, problems=probs)


# --- nvidia-smi ---------------------------------------------------------------------


def _field_name(raw: str) -> str:
    """``power.draw [W]`` -> ``power.draw``."""
    name = raw.strip().lower()
    if name.endswith("]") and "[" in name:
        name = name[: name.rindex("[")].strip()
    return name


def _is_header(text: pl.Expr) -> pl.Expr:
    return text.str.split(",").list.first().str.strip_chars().str.to_lowercase() == "timestamp"


def read_nvidia_smi(
    data: bytes,
    *,
    host: str,
    timezone_name: str,
    header: bool | None = None,
    columns: list[str] | None = None,
    path: str | Path = "<nvidia-smi>",
) -> TelemetryTable:
    """Read an nvidia-smi ``--query-gpu`` CSV log into samples.

    Accepts ``--format=csv`` (a header ``timestamp, index, uuid, power.draw [W]``,
    values like ``312.45 W``) and ``--format=csv,noheader,nounits``. The header is
    detected (first line starting with ``timestamp``) unless ``header`` says; without
    one the fields are ``columns`` (default: timestamp, index, uuid, power.draw). A
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
    timezone_name : str
        IANA time zone of the host's clock, which nvidia-smi's timestamps are in.
    header, columns, path
        See above; ``path`` only names the file in errors.

    Returns
    -------
    TelemetryTable
        ``power_w`` [W]; ``energy_mj`` is null (nvidia-smi's query has no energy
        counter field here); ``sampled_at`` in UTC.
    """
    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {timezone_name!r}: give an IANA name such as 'America/Los_Angeles'") from None
    if not host:
        raise ValueError("nvidia-smi logs do not name their host: pass host=")
    lines = _lines(data)
    if lines.is_empty():
        return _finish(_empty_samples(), 0, [])
    is_header = lines.select(_is_header(pl.col("text"))).to_series()
    first_is_header = bool(is_header[0])
    if header is True and not first_is_header:
        raise FileRefused(path, f"line {lines['_line'][0]}: expected a header starting with 'timestamp'")
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
        names = [_field_name(x) for x in (columns or NVIDIA_SMI_DEFAULT_COLUMNS)]
    body = lines.filter(~is_header)
    if "timestamp" not in names:
        raise FileRefused(path, "no 'timestamp' field: query with --query-gpu=timestamp,index,uuid,power.draw")
    power_field = next((f for f in NVIDIA_SMI_POWER_FIELDS if f in names), None)
    if power_field is None:
        raise FileRefused(path, f"no power field (one of {', '.join(NVIDIA_SMI_POWER_FIELDS)})")
    if "index" not in names and "uuid" not in names:
        raise FileRefused(path, "neither 'index' nor 'uuid': samples of different GPUs cannot be told apart")

    problems: list[pl.DataFrame] = []
    split = body.with_columns(pl.col("text").str.split(",").alias("_fields"))
    bad_count = split.filter(pl.col("_fields").list.len() != len(names))
    if bad_count.height:
        problems.append(
            _problem(
                bad_count,
                None,
                pl.col("text"),
                "wrong number of fields",
                pl.format("expected {}, found {}", pl.lit(len(names)), pl.col("_fields").list.len()),
            )
        )
    bad_utf8 = split.filter(pl.col("text").str.contains("\ufffd", literal=True) & (pl.col("_fields").list.len() == len(names)))
    if bad_utf8.height:
        problems.append(_problem(bad_utf8, None, pl.lit(None, dtype=pl.String), "not valid UTF-8 text", None))
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
        return _finish(_empty_samples(), body.height, problems)
    naive = pl.col("ts_raw").str.strptime(pl.Datetime("us"), NVIDIA_SMI_TIME_FORMAT, strict=False)
    rows = rows.with_columns(naive.alias("local"))
    # File order resolves the repeated hour at the end of daylight saving time: within a
    # run of consecutive ambiguous lines, the lines from the first step back by more than
    # 30 minutes on are the second (standard-time) occurrence.
    ambiguous = (
        pl.col("local").dt.replace_time_zone(timezone_name, ambiguous="null", non_existent="null").is_null()
        & pl.col("local").dt.replace_time_zone(timezone_name, ambiguous="earliest", non_existent="null").is_not_null()
    )
    stepped_back = (pl.col("local").shift(1) - pl.col("local")) > _CLOCK_BACK
    rows = rows.with_columns(ambiguous.alias("_amb"), stepped_back.fill_null(False).alias("_back"))
    rows = rows.with_columns((~pl.col("_amb")).cum_sum().alias("_amb_run"))
    second = pl.col("_back").cum_sum().over("_amb_run") > 0
    rows = rows.with_columns(
        pl.col("local")
        .dt.replace_time_zone(
            timezone_name, ambiguous=pl.when(second).then(pl.lit("latest")).otherwise(pl.lit("earliest")), non_existent="null"
        )
        .dt.convert_time_zone("UTC")
        .alias("sampled_at"),
        pl.col("power_raw").str.strip_suffix("W").str.strip_chars().cast(pl.Float64, strict=False).alias("power_w"),
        pl.col("index_raw").cast(pl.Int32, strict=False).alias("gpu_index"),
        pl.when(pl.col("uuid_raw").str.starts_with("[")).then(None).otherwise(pl.col("uuid_raw")).alias("gpu_uuid"),
    )
    tz_detail = f"nvidia-smi writes {NVIDIA_SMI_TIME_FORMAT.replace('%.f', '.fff')} in the host's local time"
    checks = [
        (pl.col("local").is_null(), "timestamp", "ts_raw", "unreadable timestamp", pl.lit(tz_detail)),
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
         _POWER_CEILING, pl.lit(_LIMITS_DETAIL)),
        (~pl.col("local").dt.year().is_between(*_YEARS), "timestamp", "ts_raw", _YEARS_TEXT, pl.lit(_LIMITS_DETAIL)),
        (
            pl.col("index_raw").is_not_null() & pl.col("gpu_index").is_null(),
            "index",
            "index_raw",
            "GPU index is not an integer",
            None,
        ),
    ]
    bad = pl.lit(False)
    for cond, column, raw, reason, detail in checks:
        failing = rows.filter(cond.fill_null(False) & ~bad)  # one problem per line: the first
        if failing.height:
            problems.append(_problem(failing, column, pl.col(raw), reason, detail))
        bad = bad | cond.fill_null(False)
    good = rows.filter(~bad).with_columns(pl.lit(host, dtype=pl.String).alias("host"), pl.lit(None, dtype=pl.Float64).alias("energy_mj"))
    return _finish(good, body.height, problems)


# --- DCGM exporter ------------------------------------------------------------------


def _label(name: str) -> pl.Expr:
    """Unescaped value of one label from the label block, null when absent."""
    pattern = rf'(?:^\{{|,)\s*{name}\s*=\s*"((?:[^"\\]|\\.)*)"'
    raw = pl.col("labels").str.extract(pattern, 1)
    return (
        raw.str.replace_all("\\\\", "\x00", literal=True)
        .str.replace_all('\\"', '"', literal=True)
        .str.replace_all("\\n", "\n", literal=True)
        .str.replace_all("\x00", "\\", literal=True)
    )


def _scrape_time(value: pl.Expr) -> pl.Expr:
    """``# scraped_at`` value: epoch seconds, or ISO-8601 with ``Z`` or an offset."""
    epoch = value.cast(pl.Float64, strict=False)
    iso = value.str.replace(r"^(\d{4}-\d\d-\d\d) ", "${1}T").str.to_datetime(
        format=_ISO_TIME_FORMAT, time_unit="us", time_zone="UTC", strict=False
    )
    from_epoch = (epoch * 1e6).round().cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    in_years = pl.when(iso.dt.year().is_between(*_YEARS)).then(iso)
    return pl.when(epoch.is_not_null() & epoch.is_finite()).then(
        pl.when(epoch.is_between(*_EPOCH_S, closed="left")).then(from_epoch)
    ).otherwise(in_years)


def read_dcgm(
    data: bytes,
    *,
    host: str | None = None,
    scraped_at: datetime | None = None,
    path: str | Path = "<dcgm>",
) -> TelemetryTable:
    """Read DCGM exporter scrapes (Prometheus text exposition format) into samples.

    Reads ``DCGM_FI_DEV_POWER_USAGE`` [W] and ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION``
    [mJ since boot]; other metrics, ``# HELP``/``# TYPE`` and other comments are
    skipped. Labels: ``gpu`` (index), ``UUID``, ``Hostname`` (else the caller's
    ``host``); quoted label values may hold escaped quotes, backslashes, newlines and
    commas. A file may hold many concatenated scrapes. The power and the energy of one
    GPU at one time make one sample row. The time rule is in the module docstring.

    Rejected lines: not a sample line, a malformed label block, no ``gpu`` label or a
    non-integer one, no host, a value that is not a finite number >= 0, no timestamp,
    a repeated sample of the same GPU, metric and time (the first is kept).

    Parameters
    ----------
    data : bytes
        The file's content.
    host : str, optional
        Host for samples without a ``Hostname`` label.
    scraped_at : datetime, optional
        Time of a single scrape whose lines have no timestamps (aware, any zone).
    path : str or Path
        Names the file in errors only.

    Returns
    -------
    TelemetryTable
        ``power_w`` [W] and ``energy_mj`` [mJ] (either may be null), ``sampled_at`` UTC.

    References
    ----------
    .. [1] Prometheus, "Exposition formats" (text-based format).
       https://prometheus.io/docs/instrumenting/exposition_formats/
    .. [2] NVIDIA, "DCGM Field Identifiers" (DCGM_FI_DEV_POWER_USAGE in W,
       DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION in mJ since boot).
       https://docs.nvidia.com/datacenter/dcgm/latest/dcgm-api/dcgm-api-field-ids.html
    """
    if scraped_at is not None and scraped_at.tzinfo is None:
        raise ValueError("scraped_at must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))")
    lines = _lines(data)
    text = pl.col("text").str.strip_chars()
    marker = text.str.extract(r"^#\s*scraped_at\s+(\S+)\s*$", 1)
    lines = lines.with_columns(
        text.str.starts_with("#").alias("is_comment"),
        marker.alias("marker_raw"),
        pl.when(marker.is_not_null()).then(pl.col("_line")).alias("marker_line"),
    ).with_columns(
        _scrape_time(pl.col("marker_raw")).alias("marker_time"),
        pl.col("marker_line").forward_fill().alias("under_marker"),
    )
    problems: list[pl.DataFrame] = []
    bad_markers = lines.filter(pl.col("marker_raw").is_not_null() & pl.col("marker_time").is_null())
    if bad_markers.height:
        problems.append(
            _problem(bad_markers, None, pl.col("text"), "unreadable scrape time", pl.lit("expected ISO-8601 with Z or an offset, or epoch seconds"))
        )
    marker_times = lines.filter(pl.col("marker_line").is_not_null()).select(pl.col("marker_line").alias("under_marker"), "marker_time")
    body = lines.filter(~pl.col("is_comment")).drop("marker_time").join(marker_times, on="under_marker", how="left", maintain_order="left")

    parts = body.with_columns(pl.col("text").str.strip_chars().str.extract_groups(_SAMPLE_RE).alias("_m")).unnest("_m")
    parts = parts.rename({"1": "metric", "2": "labels", "3": "value_raw", "4": "ts_raw"})
    not_sample = parts.filter(pl.col("metric").is_null())
    if not_sample.height:
        problems.append(_problem(not_sample, None, pl.col("text"), "not a Prometheus sample line", pl.lit("expected: metric{labels} value [timestamp_ms]")))
    ours = parts.filter(pl.col("metric").is_in([DCGM_POWER, DCGM_ENERGY]))
    records = ours.height + not_sample.height + bad_markers.height  # an unreadable '# scraped_at' line is a rejected record

    labels_ok = pl.col("labels").fill_null("{}").str.contains(_LABELS_RE)
    ours = ours.with_columns(
        labels_ok.alias("labels_ok"),
        _label("gpu").alias("gpu_raw"),
        _label("UUID").alias("gpu_uuid"),
        pl.coalesce(_label("Hostname"), pl.lit(host, dtype=pl.String)).alias("host"),
        pl.col("value_raw").cast(pl.Float64, strict=False).alias("value"),
        pl.col("ts_raw").cast(pl.Int64, strict=False).pipe(
            lambda ms: pl.when(ms.is_between(_EPOCH_S[0] * 1e3, _EPOCH_S[1] * 1e3, closed="left")).then(ms)
        ).cast(pl.Datetime("ms")).dt.replace_time_zone("UTC").dt.cast_time_unit("us").alias("ts"),
    ).with_columns(pl.col("gpu_raw").cast(pl.Int32, strict=False).alias("gpu_index"))
    caller_time = pl.lit(scraped_at.astimezone(timezone.utc).replace(tzinfo=None) if scraped_at else None, dtype=pl.Datetime("us")).dt.replace_time_zone("UTC")
    ours = ours.with_columns(
        pl.when(pl.col("ts").is_not_null()).then(pl.lit("line"))
        .when(pl.col("under_marker").is_not_null()).then(pl.lit("marker"))
        .when(pl.lit(scraped_at is not None)).then(pl.lit("caller"))
        .alias("time_from"),
        pl.coalesce(pl.col("ts"), pl.when(pl.col("under_marker").is_not_null()).then(pl.col("marker_time")), caller_time).alias("sampled_at"),
    )
    key = ["metric", "host", "gpu_index", "gpu_uuid"]
    caller_dup = (pl.col("time_from") == "caller") & pl.struct(key).is_duplicated().over(pl.col("time_from"))
    checks = [
        (~pl.col("labels_ok"), "labels", "labels", "malformed label block", pl.lit('expected {name="value",...}')),
        (pl.col("labels_ok") & pl.col("gpu_raw").is_null(), "gpu", "labels", "no gpu label", None),
        (pl.col("gpu_raw").is_not_null() & pl.col("gpu_index").is_null(), "gpu", "gpu_raw", "GPU index is not an integer", None),
        (pl.col("labels_ok") & pl.col("host").is_null(), "Hostname", "labels", "no host", pl.lit("no Hostname label and no host given by the caller")),
        (pl.col("value").is_null(), "value", "value_raw", "not a number", None),
        (pl.col("value").is_not_null() & ~(pl.col("value").is_finite() & (pl.col("value") >= 0)), "value", "value_raw", "value out of range", pl.lit("must be finite and >= 0")),
        (pl.col("value").is_finite() & (pl.col("metric") == DCGM_POWER) & (pl.col("value") > LIMITS["max_power_w"]), "value",
         "value_raw", _POWER_CEILING, pl.lit(_LIMITS_DETAIL)),
        (pl.col("ts_raw").is_not_null() & pl.col("ts").is_null(), "timestamp", "ts_raw", "unreadable timestamp",
         pl.lit(f"expected milliseconds since the epoch, in the years {_YEARS[0]}-{_YEARS[1]}")),
        (
            pl.col("ts_raw").is_null() & pl.col("under_marker").is_not_null() & pl.col("marker_time").is_null(),
            "timestamp",
            "text",
            "no timestamp",
            pl.format("the '# scraped_at' line {} above is unreadable", pl.col("under_marker")),
        ),
        (
            pl.col("time_from").is_null(),
            "timestamp",
            "text",
            "no timestamp",
            pl.lit("the line has no timestamp, no '# scraped_at <time>' line precedes it and no scrape time was given"),
        ),
        (caller_dup, "timestamp", "text", "several scrapes share the caller's scrape time", pl.lit("add timestamps or '# scraped_at' lines to the file")),
    ]
    bad = pl.lit(False)
    for cond, column, raw, reason, detail in checks:
        failing = ours.filter(cond.fill_null(False) & ~bad)  # one problem per line: the first
        if failing.height:
            problems.append(_problem(failing, column, pl.col(raw), reason, detail))
        bad = bad | cond.fill_null(False)
    good = ours.filter(~bad)
    sample_key = ["host", "gpu_index", "gpu_uuid", "sampled_at"]
    dup = ~pl.struct(["metric", *sample_key]).is_first_distinct()
    repeated = good.filter(dup)
    if repeated.height:
        problems.append(_problem(repeated, "value", pl.col("text"), "repeated sample", pl.lit("the same GPU, metric and time appear earlier; the first is kept")))
    good = good.filter(~dup)
    samples = good.group_by(sample_key, maintain_order=True).agg(
        pl.col("value").filter(pl.col("metric") == DCGM_POWER).first().alias("power_w"),
        pl.col("value").filter(pl.col("metric") == DCGM_ENERGY).first().alias("energy_mj"),
        pl.col("_line").min(),
    )
    return _finish(samples, records, problems)


# --- to the kernel ------------------------------------------------------------------


@dataclass(frozen=True)
class SampleArrays:
    """Samples as plain numbers for ``wattledger.kernel.telemetry``."""

    devices: pl.DataFrame  # device (UInt32 code), host, gpu_index: one row per device
    device: np.ndarray  # code of each sample's device, int64 [-]
    t_s: np.ndarray  # sample time, seconds since the Unix epoch (UTC), float64 [s]
    power_w: np.ndarray  # [W], NaN where not reported
    energy_mj: np.ndarray  # [mJ], NaN where not reported


def sample_arrays(samples: pl.DataFrame) -> SampleArrays:
    """Device codes and epoch seconds for the kernel; a device is (host, gpu_index)."""
    devices = samples.select("host", "gpu_index").unique(maintain_order=True).with_row_index("device")
    coded = samples.join(devices, on=["host", "gpu_index"], how="left", maintain_order="left", nulls_equal=True)
    return SampleArrays(
        devices=devices,
        device=coded["device"].cast(pl.Int64).to_numpy(),
        t_s=(coded["sampled_at"].dt.epoch("us").cast(pl.Float64) / 1e6).to_numpy(),
        power_w=coded["power_w"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        energy_mj=coded["energy_mj"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )
