"""A database created by wattledger 0.1 (migrations 001-008 with the views inside them) opens
with the current code: its recorded migrations are accepted (their historical SHA-256), none
is applied again, the views are re-applied from sql/views/, and it then holds exactly what a
database created by the current code holds.

tests/store/data/migrations_v0.1/ holds the migration texts of 0.1 as they were applied
(sql/migrations/*.sql at the commit before sql/ was split).
"""

import hashlib
import math
import re
from pathlib import Path

import duckdb
import pytest

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import MigrationError, connect, migrate
from wattledger.store.constants import sync_default_constants
from wattledger.store.migrations import HISTORICAL_SHA256, migration_files

OLD = Path(__file__).parent / "data" / "migrations_v0.1"
NOT_DATA = {"computed_at", "checked_at", "ingested_at", "updated_at", "loaded_at", "applied_at", "inputs_sha"}


def _old_database(path: Path) -> None:
    """What wattledger 0.1's connect() left: every old migration applied and recorded."""
    con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("set TimeZone = 'UTC'")
    con.execute((OLD / "schema_migrations.sql").read_text(encoding="utf-8"))
    for f in sorted(OLD.glob("[0-9][0-9][0-9]_*.sql")):
        text = f.read_text(encoding="utf-8")
        version, name = re.match(r"^(\d{3})_([a-z0-9_]+)\.sql$", f.name).groups()
        con.execute("begin transaction")
        con.execute(text)
        con.execute("insert into schema_migrations (version, name, sha256) values (?, ?, ?)",
                    [int(version), name, hashlib.sha256(text.encode()).hexdigest()])
        con.execute("commit")
    sync_default_constants(con)
    con.execute("checkpoint")
    con.close()


def _fill(db: Path) -> None:
    con = connect(db)
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs", EXAMPLES / "telemetry"])
    compute_footprints(con)
    con.close()


def _contents(db: Path) -> dict:
    """Columns of every table and view, and the rows of run_footprints, team_monthly and
    factor_usage (clock times left out)."""
    con = connect(db, read_only=True)
    try:
        columns = con.sql("select table_name, column_name, data_type from information_schema.columns "
                          "where table_name <> 'schema_migrations' order by table_name, ordinal_position").fetchall()
        rows = {}
        for view, key in (("run_footprints", "run_id"), ("team_monthly", "team, month"), ("factor_usage", "all")):
            rel = con.sql(f"select * from {view} order by {key}")  # names from this test, not from input
            keep = [i for i, c in enumerate(rel.columns) if c not in NOT_DATA]
            rows[view] = [tuple(r[i] for i in keep) for r in rel.fetchall()]
        return {"columns": columns, "rows": rows}
    finally:
        con.close()


def test_the_historical_texts_are_those_recorded():
    """HISTORICAL_SHA256 holds the SHA-256 of the 0.1 texts that changed; the others are unchanged."""
    current = {v: hashlib.sha256(t.encode()).hexdigest() for v, _, t in migration_files()}
    for f in sorted(OLD.glob("[0-9][0-9][0-9]_*.sql")):
        version, sha = int(f.name[:3]), hashlib.sha256(f.read_text(encoding="utf-8").encode()).hexdigest()
        assert sha == current[version] or sha in HISTORICAL_SHA256[version], f.name


def test_a_0_1_database_opens_applies_only_new_migrations_and_matches_a_new_one(tmp_path):
    old = tmp_path / "old.duckdb"
    _old_database(old)
    before = duckdb.connect(str(old), read_only=True)
    recorded = before.sql("select version, name, sha256, applied_at from schema_migrations order by 1").fetchall()
    before.close()
    assert [r[0] for r in recorded] == list(range(1, 9))

    con = connect(old)
    after = con.sql("select version, name, sha256, applied_at from schema_migrations order by 1").fetchall()
    assert after[:8] == recorded  # 001-008: accepted as they were recorded, none applied again
    assert [r[0] for r in after[8:]] == [v for v, _, _ in migration_files() if v > 8]  # only the new ones
    assert migrate(con) == []
    # 009 dropped the unused energy counter, 014 brought it back (used now) with gpu_index nullable
    columns = dict(con.sql("select column_name, is_nullable from duckdb_columns() where table_name = 'power_samples'").fetchall())
    assert columns["energy_mj"] and columns["gpu_index"]
    con.close()
    con = connect(old)  # reopening: nothing to do
    assert migrate(con) == []
    con.close()

    new = tmp_path / "new.duckdb"
    connect(new).close()
    for db in (old, new):
        _fill(db)
    old_contents, new_contents = _contents(old), _contents(new)
    assert old_contents["rows"]["run_footprints"], "run_footprints is empty"
    assert old_contents["columns"] == new_contents["columns"]
    for view, rows in old_contents["rows"].items():
        # sums in aggregate views are added in DuckDB's (parallel, varying) order: equal to ~1 ulp
        assert _close(rows, new_contents["rows"][view]), view


def _close(a: list[tuple], b: list[tuple]) -> bool:
    """Rows equal, floats within a relative 1e-12."""
    def same(x, y):
        if isinstance(x, float) and isinstance(y, float):
            return math.isclose(x, y, rel_tol=1e-12) or (math.isnan(x) and math.isnan(y))
        return x == y
    return len(a) == len(b) and all(len(r) == len(q) and all(map(same, r, q)) for r, q in zip(a, b, strict=True))


def test_a_0_1_migration_edited_otherwise_is_still_refused(tmp_path):
    old = tmp_path / "old.duckdb"
    _old_database(old)
    con = duckdb.connect(str(old))
    con.execute("update schema_migrations set sha256 = 'edited' where version = 3")
    con.close()
    with pytest.raises(MigrationError, match="003_run_footprints_view.sql changed"):
        connect(old)
