"""The DuckDB store, the one door to SQL: connection, atomic(), migrations, views, named queries, writes."""

from wattledger.store.compute_reads import (
    QueuedBatch,
    compute_queue,
    datacenters,
    unknown_datacenters,
    drop_compute_queue,
    power_samples_summary,
    queued_batch,
    runs_with_same_inputs,
)
from wattledger.store.connection import DATABASE_FAILURES, connect, default_db_path, resolve_settings
from wattledger.store.constants import constants_table, list_constants, reset_constant, set_constant
from wattledger.store.errors import (
    BadSetting,
    DatabaseError,
    DatabaseLocked,
    DatabaseMissing,
    DatabaseReadOnly,
    NotAWattledgerDatabase,
)
from wattledger.store.footprint_writes import (
    footprint_writer,
    replace_datacenters,
    replace_footprints,
    write_footprint_batch,
)
from wattledger.store.inputs import KnownFile, RunFile, TelemetryFile
from wattledger.store.migrations import MigrationError, migrate
from wattledger.store.region_reads import regions_of_files
from wattledger.store.queries import NotReadOnly, QueryError, read_only_query
from wattledger.store.telemetry_reads import (
    devices_on_hosts,
    power_samples_count,
    power_samples_on_hosts,
    power_samples_per_host,
    runs_on_hosts,
    sampled_hosts,
)
from wattledger.store.transactions import atomic
from wattledger.store.validation import validate_runs
from wattledger.store.views import apply_views
from wattledger.store.writes import (
    StoredFile,
    current_paths_under,
    files_to_reread,
    forget_runs,
    replaced_since,
    store_known_content,
    store_vanished,
    store_parsed_file,
    store_parsed_telemetry,
    stored_contents,
)

__all__ = [
    "DATABASE_FAILURES",
    "BadSetting",
    "DatabaseError",
    "DatabaseLocked",
    "DatabaseMissing",
    "DatabaseReadOnly",
    "NotAWattledgerDatabase",
    "KnownFile",
    "MigrationError",
    "NotReadOnly",
    "QueryError",
    "RunFile",
    "StoredFile",
    "TelemetryFile",
    "apply_views",
    "atomic",
    "QueuedBatch",
    "connect",
    "constants_table",
    "compute_queue",
    "datacenters",
    "unknown_datacenters",
    "default_db_path",
    "drop_compute_queue",
    "current_paths_under",
    "files_to_reread",
    "footprint_writer",
    "forget_runs",
    "replaced_since",
    "list_constants",
    "migrate",
    "devices_on_hosts",
    "power_samples_count",
    "power_samples_on_hosts",
    "power_samples_per_host",
    "power_samples_summary",
    "queued_batch",
    "read_only_query",
    "regions_of_files",
    "replace_datacenters",
    "replace_footprints",
    "reset_constant",
    "resolve_settings",
    "runs_on_hosts",
    "runs_with_same_inputs",
    "sampled_hosts",
    "set_constant",
    "store_known_content",
    "store_parsed_file",
    "store_parsed_telemetry",
    "store_vanished",
    "stored_contents",
    "validate_runs",
    "write_footprint_batch",
]
