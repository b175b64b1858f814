"""Ingest: plan each path, read run-log and telemetry files, map them to the canonical columns.

Nothing here writes to the database or validates values in SQL: :func:`plan_path` decides
what a path is (one read of its head, one detection, one hash), the readers return
unvalidated :class:`AdaptedFile` records, and :func:`validated` finishes them with the
validator the layer above passes in (``wattledger.pipeline`` passes the store's). Formats:
docs/formats.md. This module only re-exports.
"""

from wattledger.ingest.adapters.config import ConfigFileError
from wattledger.ingest.adapters.mapping import MappingFile, load_mapping
from wattledger.ingest.detect import Detection, detect, detect_format
from wattledger.ingest.discover import Skipped, Survey, discover, survey
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.parsed import KnownContent, ParsedFile, file_sha256
from wattledger.ingest.plan import Plan, plan_path, telemetry_refusal
from wattledger.ingest.run_log import AdaptedFile, Validator, read_run_log, read_run_log_pieces, validated
from wattledger.ingest.telemetry_files import ParsedTelemetry, parse_telemetry

__all__ = [
    "AdaptedFile",
    "ConfigFileError",
    "Detection",
    "FileRefused",
    "KnownContent",
    "MappingFile",
    "ParsedFile",
    "ParsedTelemetry",
    "Skipped",
    "Survey",
    "Plan",
    "Validator",
    "detect",
    "detect_format",
    "discover",
    "file_sha256",
    "load_mapping",
    "parse_telemetry",
    "plan_path",
    "read_run_log",
    "read_run_log_pieces",
    "survey",
    "telemetry_refusal",
    "validated",
]
