"""Footprints stored narrow (issue 20, migration 018): each run's numbers in footprint_values
with the id of its provenance in footprint_profiles; the view ``footprints`` gives back every
column of the table it replaced, equal to what the compute wrote."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.compute.kernel_table import run_kernel_here
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.resources import sql_text
from wattledger.store import connect
from wattledger.store.migrations import _sha256, migrate, migration_files

INPUTS = ["public_runs.csv", "cluster_logs", "slurm", "codecarbon", "telemetry"]


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    """A database of the example logs, computed, and the tables the kernel handed to the writer."""
    db = tmp_path_factory.mktemp("profiles") / "examples.duckdb"
    con = connect(str(db))
    written: list[pl.DataFrame] = []

    def capture(parts):
        tables = run_kernel_here(parts)
        written.extend(tables)
        return tables

    ingest_paths(con, [EXAMPLES / p for p in INPUTS])
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    compute_footprints(con, kernel_map=capture)
    yield con, pl.concat(written, how="diagonal_relaxed").sort("run_id")
    con.close()


def test_the_view_gives_back_what_the_compute_wrote(computed):
    con, written = computed
    view = con.sql("select * from footprints order by run_id").pl()
    assert view.height == written.height > 400
    assert_frame_equal(view.select(written.columns), written, check_dtypes=False, check_exact=True)


def test_each_provenance_is_stored_once_and_every_run_has_one(computed):
    con, _ = computed
    profiles = con.sql("select * exclude (profile_id) from footprint_profiles").pl()
    assert profiles.height == profiles.unique().height
    orphans = con.sql("select count(*) from footprint_values v anti join footprint_profiles p using (profile_id)").fetchall()
    assert orphans == [(0,)]
    before = profiles.height
    compute_footprints(con, recompute_all=True)  # the same provenances again: no new profile
    assert con.sql("select count(*) from footprint_profiles").fetchall() == [(before,)]


def test_the_view_keeps_the_columns_of_the_table_it_replaced(computed):
    con, _ = computed
    cols = con.sql("select column_name, data_type from information_schema.columns where table_name = 'footprints' "
                   "order by ordinal_position").fetchall()
    legacy = _database_at(17)
    legacy_cols = legacy.sql("select column_name, data_type from information_schema.columns "
                             "where table_name = 'footprints' order by ordinal_position").fetchall()
    assert cols == legacy_cols
    legacy.close()


def test_migration_018_keeps_every_footprint(computed, tmp_path):
    con, _ = computed
    rows = con.sql("select * from footprints order by run_id").pl()
    legacy = _database_at(17, tmp_path / "legacy.duckdb")
    legacy.register("rows", rows.to_arrow())
    legacy.execute("insert into footprints by name select * from rows")
    legacy.unregister("rows")
    assert migrate(legacy) == [v for v, _, _ in migration_files() if v > 17]
    legacy.close()
    after = connect(str(tmp_path / "legacy.duckdb"))
    try:
        assert_frame_equal(after.sql("select * from footprints order by run_id").pl(), rows, check_exact=True)
        assert after.sql("select count(*) from duckdb_tables() where table_name = 'footprints'").fetchall() == [(0,)]
    finally:
        after.close()


def _database_at(version: int, path=None):
    """A database with the migrations up to ``version`` only (recorded as applied)."""
    import duckdb

    con = duckdb.connect(str(path) if path else ":memory:")
    con.execute(sql_text("schema/schema_migrations.sql"))
    for v, name, text in migration_files():
        if v <= version:
            con.execute(text)
            con.execute("insert into schema_migrations (version, name, sha256) values (?, ?, ?)", [v, name, _sha256(text)])
    return con
