"""Power telemetry files (nvidia-smi CSV logs, nvidia-smi dmon, DCGM exporter scrapes) as power samples.

The parsers are in :mod:`wattledger.ingest.telemetry`; this module reads a planned file, finds
what the parsers need that the file does not say, and returns what the store writes in
one transaction. nvidia-smi writes host-local times without an offset and no host name,
so a sidecar ``telemetry.yaml`` in the file's folder must give the ``timezone`` (an IANA
name), unless every timestamp carries its offset (a logging wrapper's ISO-8601 times);
the host is the file name's part before the first ``_`` unless the sidecar names it.
DCGM scrapes carry the host (``Hostname`` label) and UTC times; a scrape saved without any
time is timed by ``--scraped-at`` or by the file's modification time, recorded in
``detected``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from wattledger.ingest.errors import FileRefused
from wattledger.ingest.parsed import file_sha256
from wattledger.ingest.plan import Plan
from wattledger.ingest.telemetry import host_from_filename, read_dcgm, read_dmon, read_nvidia_smi
from wattledger.yamlfile import parse_yaml, yaml_problem

SIDECAR = "telemetry.yaml"


class TelemetrySidecar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str
    host: str | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Berlin, America/Chicago)") from None
        return value


@dataclass
class ParsedTelemetry:
    path: Path
    content_sha256: str
    format: str  # nvidia-smi | dcgm
    detected: str
    size_bytes: int
    records: int
    samples: pl.DataFrame  # SAMPLE_SCHEMA of wattledger.ingest.telemetry
    problems: pl.DataFrame  # line, column_name, value, reason, detail
    side_sha256: str = ""  # the side files that shaped the reading (plan.side_files_sha256)

    @property
    def folded_records(self) -> int:
        """Records that add no sample of their own (DCGM energy-counter lines, folded into the power
        sample of their GPU and time): records = samples + rejected lines + folded."""
        return self.records - self.samples.height - self.problems["line"].n_unique()


def _sidecar(path: Path) -> TelemetrySidecar | None:
    file = path.parent / SIDECAR
    if not file.is_file():
        return None
    try:
        return TelemetrySidecar.model_validate(parse_yaml(file.read_text(encoding="utf-8")))
    except yaml.YAMLError as err:
        raise FileRefused(path, f"invalid {file}: {yaml_problem(err)}") from None
    except ValidationError as err:
        raise FileRefused(path, f"invalid {file}: {err}") from None


def _no_zone(path: Path) -> FileRefused:
    return FileRefused(path, f"nvidia-smi logs local times without an offset: put a {SIDECAR} with "
                             f"'timezone: <IANA name>' (e.g. Europe/Berlin) in {path.parent}")


def _read_smi(path: Path, data: bytes, side: TelemetrySidecar | None, dmon: bool):
    """An nvidia-smi CSV log or dmon output: its samples and how its times were placed. Without a
    sidecar only timestamps with an offset are placed; a log with none is refused."""
    host = side.host if side and side.host else host_from_filename(path)
    zone = side.timezone if side else None
    if dmon:
        if zone is None:  # dmon never writes an offset
            raise _no_zone(path)
        return read_dmon(data, host=host, timezone_name=zone, path=path), f"nvidia-smi dmon log, host {host}, times in {zone}"
    table = read_nvidia_smi(data, host=host, timezone_name=zone, path=path)
    if zone is None:
        if table.samples.is_empty() and (table.problems["reason"] == "no offset").any():
            raise _no_zone(path)
        return table, f"nvidia-smi power log, host {host}, times by their UTC offsets"
    return table, f"nvidia-smi power log, host {host}, times in {zone} (or by their UTC offsets)"


def _untimed_dcgm(table) -> bool:
    """Whether a DCGM read found no time at all: no sample, lines rejected for having none."""
    return table.samples.is_empty() and bool(
        table.problems.filter((pl.col("reason") == "no timestamp")
                              & pl.col("detail").str.starts_with("the line has no timestamp")).height)


def _read_dcgm(path: Path, data: bytes, side: TelemetrySidecar | None, scraped_at: datetime | None):
    """DCGM scrapes; a file with no time at all (one scrape saved as is, e.g. ``curl .../metrics``)
    is timed by ``scraped_at`` when given, else by the file's modification time, said in
    ``detected`` (and so in source_files.detected); several such scrapes in one file are refused."""
    host = side.host if side else None
    table = read_dcgm(data, host=host, path=path)
    if not _untimed_dcgm(table):
        return table, "DCGM exporter scrapes (Prometheus text)"
    if scraped_at is not None:
        when, how = scraped_at, "--scraped-at"
    else:
        when, how = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc), "the file's modification time"
    table = read_dcgm(data, host=host, scraped_at=when, path=path)
    if (table.problems["reason"] == "several scrapes share the caller's scrape time").any():
        raise FileRefused(path, "DCGM exporter scrapes without timestamps, several in one file: their times cannot be "
                                "told; write '# scraped_at <ISO-8601 time>' before each scrape (docs/formats.md) "
                                "or save one scrape per file")
    stamp = when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return table, f"DCGM exporter scrape without times (Prometheus text), timed by {how}: {stamp}"


def parse_telemetry(plan: Plan, *, scraped_at: datetime | None = None) -> ParsedTelemetry:
    """Read the nvidia-smi, dmon or DCGM file of ``plan`` (kind ``telemetry``), with the format
    its plan detected; :class:`FileRefused` when it cannot be read at all. ``scraped_at``: the
    time of a DCGM scrape saved without any time (default: the file's modification time)."""
    path, found = plan.path, plan.detection
    try:
        data = plan.read_path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    side = _sidecar(path)
    if found.format == "nvidia-smi":
        table, detected = _read_smi(path, data, side, dmon=found.container == "dmon")
    elif found.format == "dcgm":
        table, detected = _read_dcgm(path, data, side, scraped_at if scraped_at is not None else plan.scraped_at)
    else:
        raise FileRefused(path, f"not a telemetry file ({found.reason})")
    return ParsedTelemetry(path, plan.sha256 or file_sha256(data), found.format, detected, len(data), table.records,
                           table.samples, table.problems)
