"""The DuckDB store: connection, migrations, constants, transactional writes."""

from wattledger.store.connection import DatabaseLocked, connect, default_db_path
from wattledger.store.constants import list_constants, reset_constant, set_constant
from wattledger.store.migrations import MigrationError, migrate
from wattledger.store.validation import validate_runs
from wattledger.store.writes import (
    StoredFile,
    replace_datacenters,
    replace_footprints,
    store_known_content,
    store_parsed_file,
    store_parsed_telemetry,
    stored_contents,
)

__all__ = [
    "DatabaseLocked",
    "MigrationError",
    "StoredFile",
    "connect",
    "default_db_path",
    "list_constants",
    "migrate",
    "replace_datacenters",
    "replace_footprints",
    "reset_constant",
    "set_constant",
    "store_known_content",
    "store_parsed_file",
    "store_parsed_telemetry",
    "stored_contents",
    "validate_runs",
]
