"""Read GPU power telemetry (nvidia-smi CSV logs, nvidia-smi dmon, DCGM exporter scrapes) into power samples."""

from wattledger.ingest.telemetry.dcgm import DCGM_ENERGY, DCGM_POWER, read_dcgm
from wattledger.ingest.telemetry.dmon import DMON_COMMAND, dmon_header, read_dmon
from wattledger.ingest.telemetry.nvidia_smi import NVIDIA_SMI_DEFAULT_COLUMNS, NVIDIA_SMI_TIME_FORMAT, read_nvidia_smi
from wattledger.ingest.telemetry.samples import (
    SAMPLE_SCHEMA,
    TelemetryTable,
    host_from_filename,
)

__all__ = [
    "DCGM_ENERGY",
    "DCGM_POWER",
    "DMON_COMMAND",
    "NVIDIA_SMI_DEFAULT_COLUMNS",
    "NVIDIA_SMI_TIME_FORMAT",
    "SAMPLE_SCHEMA",
    "TelemetryTable",
    "dmon_header",
    "host_from_filename",
    "read_dcgm",
    "read_dmon",
    "read_nvidia_smi",
]
