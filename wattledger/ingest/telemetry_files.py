"""Power telemetry files (nvidia-smi CSV logs, DCGM exporter scrapes) as power samples.

The parsers are in :mod:`wattledger.ingest.telemetry`; this module reads a planned file, finds
what the parsers need that the file does not say, and returns what the store writes in
one transaction. nvidia-smi writes host-local times without an offset and no host name,
so a sidecar ``telemetry.yaml`` in the file's folder must give the ``timezone`` (an IANA
name); the host is the file name's part before the first ``_`` unless the sidecar names
it. DCGM scrapes carry the host (``Hostname`` label) and UTC times.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from wattledger.ingest.errors import FileRefused
from wattledger.ingest.parsed import file_sha256
from wattledger.ingest.plan import Plan
from wattledger.ingest.telemetry import host_from_filename, read_dcgm, read_nvidia_smi
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


def parse_telemetry(plan: Plan) -> ParsedTelemetry:
    """Read the nvidia-smi or DCGM file of ``plan`` (kind ``telemetry``), with the format
    its plan detected; :class:`FileRefused` when it cannot be read at all."""
    path, found = plan.path, plan.detection
    try:
        data = plan.read_path.read_bytes()
    except OSError as err:
        raise FileRefused(path, f"cannot read: {err.strerror}") from None
    side = _sidecar(path)
    if found.format == "nvidia-smi":
        if side is None:
            raise FileRefused(path, f"nvidia-smi logs local times without an offset: put a {SIDECAR} with "
                                    f"'timezone: <IANA name>' (e.g. Europe/Berlin) in {path.parent}")
        host = side.host or host_from_filename(path)
        table = read_nvidia_smi(data, host=host, timezone_name=side.timezone, path=path)
        detected = f"nvidia-smi power log, host {host}, times in {side.timezone}"
    elif found.format == "dcgm":
        table = read_dcgm(data, host=side.host if side else None, path=path)
        detected = "DCGM exporter scrapes (Prometheus text)"
    else:
        raise FileRefused(path, f"not a telemetry file ({found.reason})")
    return ParsedTelemetry(path, plan.sha256 or file_sha256(data), found.format, detected, len(data), table.records,
                           table.samples, table.problems)
