"""Store: migrations are recorded and re-running them is a no-op; constants; SQL macros = Python."""

import pytest

from wattledger import units
from wattledger.kernel import car_years, household_years
from wattledger.units import CONSTANTS
from wattledger.store import MigrationError, connect, list_constants, migrate, reset_constant, set_constant
from wattledger.store.migrations import migration_files


def test_migrations_applied_once_and_rerun_is_noop(tmp_path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    versions = [v for v, _, _ in migration_files()]
    assert con.sql("select version from schema_migrations order by 1").fetchall() == [(v,) for v in versions]
    snapshot = con.sql("select table_name, column_name, data_type from information_schema.columns order by all").fetchall()
    assert migrate(con) == []
    con.close()
    con = connect(db)  # reopening migrates again: nothing to do
    assert migrate(con) == []
    assert con.sql("select table_name, column_name, data_type from information_schema.columns order by all").fetchall() == snapshot
    assert con.sql("select count(*) from schema_migrations").fetchall() == [(len(versions),)]


def test_an_applied_migration_that_changed_is_refused(con):
    con.execute("update schema_migrations set sha256 = 'x' where version = 1")
    with pytest.raises(MigrationError, match="001_core_tables.sql changed"):
        migrate(con)


def test_sql_macros_agree_with_python(con):
    got = con.sql("select wl_kwh_to_mwh(1234.5), wl_kg_to_t(987.0), wl_household_years(50000.0), wl_car_years(12345.0)").fetchall()[0]
    assert got[0] == pytest.approx(units.kwh_to_mwh(1234.5), rel=1e-15)
    assert got[1] == pytest.approx(units.kg_to_tonnes(987.0), rel=1e-15)
    assert got[2] == pytest.approx(household_years(50000.0), rel=1e-15)
    assert got[3] == pytest.approx(car_years(12345.0), rel=1e-15)


def test_constants_are_cited_and_overridable(con):
    by_name = {c["name"]: c for c in list_constants(con)}
    assert by_name["us_household_kwh_per_year"]["value"] == 10_791.0
    assert by_name["us_household_kwh_per_year"]["vintage_year"] == 2022
    assert by_name["passenger_vehicle_kg_co2e_per_year"]["value"] == 4_600.0
    assert all(c["source"] and c["url"] for c in by_name.values())

    set_constant(con, "us_household_kwh_per_year", 10_000.0, "my utility's figure", 2025)
    assert con.sql("select wl_household_years(20000.0)").fetchall() == [(2.0,)]
    migrate(con)  # syncing defaults keeps the override
    assert con.sql("select value, is_override from constants where name = 'us_household_kwh_per_year'").fetchall() == [(10_000.0, True)]
    reset_constant(con, "us_household_kwh_per_year")
    assert con.sql("select value, is_override from constants where name = 'us_household_kwh_per_year'").fetchall() == [(10_791.0, False)]
    with pytest.raises(KeyError):
        set_constant(con, "nope", 1.0, "x")


@pytest.mark.parametrize("name,value", [
    ("us_household_kwh_per_year", float("inf")), ("us_household_kwh_per_year", float("nan")),
    ("us_household_kwh_per_year", -float("inf")), ("us_household_kwh_per_year", 1e-320),
    ("us_household_kwh_per_year", 0.0), ("us_household_kwh_per_year", -10_791.0),
    ("us_household_kwh_per_year", 10.791),  # MWh
    ("us_household_kwh_per_year", 1.0791e7),  # Wh
    ("passenger_vehicle_kg_co2e_per_year", 4.6),  # tonnes
    ("passenger_vehicle_kg_co2e_per_year", 4.6e6),  # grams
    ("passenger_vehicle_kg_co2e_per_year", 1e308),
])
def test_constant_overrides_must_be_finite_and_within_their_range(con, name, value):
    """Issue 15: inf or 1e-320 were accepted, then the report crashed (OverflowError)."""
    before = con.sql("select value, is_override from constants where name = ?", params=[name]).fetchall()
    with pytest.raises(ValueError, match=f"{name} must be a finite number from 100 to"):
        set_constant(con, name, value, "x")
    assert con.sql("select value, is_override from constants where name = ?", params=[name]).fetchall() == before
    c = CONSTANTS[name]
    assert c.plausible_min <= c.value <= c.plausible_max  # the cited default is inside its own range
    set_constant(con, name, c.plausible_min, "edge")  # the edges are accepted
    set_constant(con, name, c.plausible_max, "edge")


def test_second_writer_gets_a_clear_error(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "locked.duckdb"
    connect(db).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ok', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        from wattledger.store import DatabaseLocked

        with pytest.raises(DatabaseLocked, match="in use by another"):
            connect(db)
    finally:
        holder.kill()
        holder.wait()
