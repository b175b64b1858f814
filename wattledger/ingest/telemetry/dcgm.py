"""Read DCGM exporter scrapes (Prometheus text) into power samples (:mod:`wattledger.ingest.telemetry.samples`).

Time rule (docs/time_resolved.md):

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

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from wattledger.ingest.contract import LIMITS
from wattledger.ingest.telemetry.samples import (
    apply_checks,
    EPOCH_S,
    LIMITS_DETAIL,
    POWER_CEILING,
    YEARS,
    TelemetryTable,
    finish,
    problem_rows,
    text_lines,
)

DCGM_POWER = "DCGM_FI_DEV_POWER_USAGE"  # W
#: The energy counter [mJ since the driver loaded]: kept as the sample's ``energy_mj``.
DCGM_ENERGY = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"
_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_LABEL = rf"{_NAME}\s*=\s*{_QUOTED}"
#: metric name, optional {label block}, value, optional timestamp [ms]
_SAMPLE_RE = rf'^([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{{(?:[^"}}]|{_QUOTED})*\}})?\s+(\S+)(?:\s+(-?[0-9]+))?\s*$'
_LABELS_RE = rf"^\{{\s*(?:{_LABEL}(?:\s*,\s*{_LABEL})*\s*,?\s*)?\}}$"
_ISO_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"



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
    in_years = pl.when(iso.dt.year().is_between(*YEARS)).then(iso)
    return pl.when(epoch.is_not_null() & epoch.is_finite()).then(
        pl.when(epoch.is_between(*EPOCH_S, closed="left")).then(from_epoch)
    ).otherwise(in_years)


def read_dcgm(
    data: bytes,
    *,
    host: str | None = None,
    scraped_at: datetime | None = None,
    path: str | Path = "<dcgm>",
) -> TelemetryTable:
    """Read DCGM exporter scrapes (Prometheus text exposition format) into samples.

    Reads ``DCGM_FI_DEV_POWER_USAGE`` [W] and ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` [mJ];
    other metrics, ``# HELP``/``# TYPE`` and other comments are skipped. Both lines of one
    GPU and time make one sample (``power_w``, ``energy_mj``): the second is counted as a
    record folded into it; a GPU reporting only one metric gives samples with the other null. Labels: ``gpu`` (index), ``UUID``, ``Hostname`` (else the
    caller's ``host``); quoted label values may hold escaped quotes, backslashes, newlines
    and commas. A file may hold many concatenated scrapes. The time rule is in the module
    docstring.

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
        ``power_w`` [W], ``energy_mj`` [mJ], ``sampled_at`` UTC.

    References
    ----------
    .. [1] Prometheus, "Exposition formats" (text-based format).
       https://prometheus.io/docs/instrumenting/exposition_formats/
    .. [2] NVIDIA, "DCGM Field Identifiers" (DCGM_FI_DEV_POWER_USAGE in W).
       https://docs.nvidia.com/datacenter/dcgm/latest/dcgm-api/dcgm-api-field-ids.html
    """
    if scraped_at is not None and scraped_at.tzinfo is None:
        raise ValueError("scraped_at must be timezone-aware (e.g. datetime(..., tzinfo=timezone.utc))")
    lines = text_lines(data)
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
            problem_rows(bad_markers, None, pl.col("text"), "unreadable scrape time", pl.lit("expected ISO-8601 with Z or an offset, or epoch seconds"))
        )
    marker_times = lines.filter(pl.col("marker_line").is_not_null()).select(pl.col("marker_line").alias("under_marker"), "marker_time")
    body = lines.filter(~pl.col("is_comment")).drop("marker_time").join(marker_times, on="under_marker", how="left", maintain_order="left")

    parts = body.with_columns(pl.col("text").str.strip_chars().str.extract_groups(_SAMPLE_RE).alias("_m")).unnest("_m")
    parts = parts.rename({"1": "metric", "2": "labels", "3": "value_raw", "4": "ts_raw"})
    not_sample = parts.filter(pl.col("metric").is_null())
    if not_sample.height:
        problems.append(problem_rows(not_sample, None, pl.col("text"), "not a Prometheus sample line", pl.lit("expected: metric{labels} value [timestamp_ms]")))
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
            lambda ms: pl.when(ms.is_between(EPOCH_S[0] * 1e3, EPOCH_S[1] * 1e3, closed="left")).then(ms)
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
         "value_raw", POWER_CEILING, pl.lit(LIMITS_DETAIL)),
        (pl.col("ts_raw").is_not_null() & pl.col("ts").is_null(), "timestamp", "ts_raw", "unreadable timestamp",
         pl.lit(f"expected milliseconds since the epoch, in the years {YEARS[0]}-{YEARS[1]}")),
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
    good = apply_checks(ours, checks, problems)
    sample_key = ["host", "gpu_index", "gpu_uuid", "sampled_at"]
    dup = ~pl.struct(["metric", *sample_key]).is_first_distinct()
    repeated = good.filter(dup)
    if repeated.height:
        problems.append(problem_rows(repeated, "value", pl.col("text"), "repeated sample", pl.lit("the same GPU, metric and time appear earlier; the first is kept")))
    good = good.filter(~dup)
    # One sample per GPU and time: the power and the energy-counter line of a scrape are one
    # sample (the second line folded into it); a GPU that reports only one of them gives a
    # sample with the other null.
    samples = good.group_by(sample_key, maintain_order=True).agg(
        pl.col("value").filter(pl.col("metric") == DCGM_POWER).first().alias("power_w"),
        pl.col("value").filter(pl.col("metric") == DCGM_ENERGY).first().alias("energy_mj"),
        pl.col("_line").min(),
    )
    return finish(samples, records, problems)
