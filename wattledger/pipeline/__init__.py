"""Library entry points the CLI and the Prefect flows call, above ingest, factors and the store.

This module only re-exports: ingest paths (:mod:`wattledger.pipeline.ingest`), parse what a
plan says (:mod:`wattledger.pipeline.parse`), load a site file (:mod:`wattledger.pipeline.sites`),
the default report path (:mod:`wattledger.pipeline.reports`).
"""

from wattledger.pipeline.ingest import IngestSummary, ingest_paths, record_vanished, settle_ledger, store_planned
from wattledger.pipeline.parse import Parsed, parse_planned, parse_run_log, parse_run_log_pieces, run_log_pieces
from wattledger.pipeline.region_check import UnknownRegion, unknown_regions_of_files
from wattledger.pipeline.reports import default_report_path
from wattledger.pipeline.sites import load_site_file

__all__ = [
    "IngestSummary",
    "UnknownRegion",
    "Parsed",
    "default_report_path",
    "ingest_paths",
    "load_site_file",
    "parse_planned",
    "parse_run_log",
    "parse_run_log_pieces",
    "record_vanished",
    "run_log_pieces",
    "settle_ledger",
    "store_planned",
    "unknown_regions_of_files",
]
