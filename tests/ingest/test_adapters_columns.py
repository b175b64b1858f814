"""The run-level columns added with the adapters, in canonical files and in the database."""

import pytest

from wattledger.pipeline import ingest_paths, parse_run_log
from wattledger.store import connect
from wattledger.store.migrations import migration_files


def test_canonical_file_may_carry_the_new_columns_and_they_are_checked(con, write):
    text = ("run_id,gpu_count,gpu_hours,job_state,measured_it_energy_kwh,measured_energy_source,tracker_co2e_kg\n"
            "a,8,16,completed,5.5,wattmeter PDU-3,1.1\n"
            "b,8,16,FAILED,-1,wattmeter,\n"
            "c,8,16,,nan,wattmeter,\n"
            "d,8,16,,3,,\n"
            "e,8,16,,,,-0.5\n"
            "f,8,16,,2e9,meter,\n")  # fmt: skip
    s = ingest_paths(con, [write("runs.csv", text)])
    assert (s.loaded, s.rejected) == (1, 5)
    assert con.sql("select line, column_name, reason from rejects order by line").fetchall() == [
        (3, "measured_it_energy_kwh", "must be at least 0"),
        (4, "measured_it_energy_kwh", "not a finite number"),
        (5, "measured_energy_source", "measured_it_energy_kwh needs measured_energy_source (the tracker or meter that measured it)"),
        (6, "tracker_co2e_kg", "must be at least 0"),
        (7, "measured_it_energy_kwh", "above the sanity ceiling of 1e+09"),
    ]
    assert con.sql("select job_state, measured_it_energy_kwh, measured_energy_source, tracker_co2e_kg, source_format from runs").fetchall() == [
        ("COMPLETED", 5.5, "wattmeter PDU-3", 1.1, "canonical")
    ]


@pytest.mark.parametrize("column", ["source_format", "job_state", "measured_it_energy_kwh", "measured_energy_source", "tracker_co2e_kg"])
def test_runs_table_has_the_adapter_columns(con, column):
    assert con.sql("select count(*) from information_schema.columns where table_name = 'runs' and column_name = ?", params=[column]).fetchall() == [(1,)]


def test_parsed_file_counts_add_up(write):
    p = parse_run_log(write("runs.csv", "run_id,gpu_count,gpu_hours\na,1,1\nb,0,1\n"))
    assert p.records == p.runs.num_rows + p.rejected_rows + p.folded_records
