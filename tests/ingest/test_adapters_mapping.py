"""Mapping files: renames, unit conversions, constants, and errors naming the file and key/column."""

from datetime import datetime, timezone

import polars as pl
import pytest

from conftest import EXAMPLES
from wattledger.ingest import ConfigFileError, FileRefused, load_mapping
from wattledger.pipeline import ingest_paths, parse_run_log
from wattledger.ingest.adapters.mapping import CONVERSIONS

MAPPING = """\
name: lab-export
columns:
  run_id: Exp ID
  started_at: start_ms
  ended_at: end_ms
  gpu_count: GPUs
  avg_power_w: power_kw
  measured_it_energy_kwh: energy_wh
  tracker_co2e_kg: co2_g
units:
  started_at: epoch_ms
  ended_at: epoch_ms
  avg_power_w: kw_to_w
  measured_it_energy_kwh: wh_to_kwh
  tracker_co2e_kg: g_to_kg
constants:
  team: vision
  pue: 1.2
  measured_energy_source: lab wattmeter
"""
DATA = ("Exp ID,start_ms,end_ms,GPUs,power_kw,energy_wh,co2_g,notes\n"
        "e1,1727740800000,1727748000000,4,0.45,3600,1500,first\n")  # 2024-10-01 00:00 .. 02:00 UTC  # fmt: skip


def runs(parsed):
    return pl.from_arrow(parsed.runs).sort("source_line")


def test_columns_units_and_constants(write):
    m = write("m.yaml", MAPPING)
    p = parse_run_log(write("runs.csv", DATA), mapping=m)
    r = runs(p).row(0, named=True)
    assert (p.format, r["source_format"]) == ("mapping:lab-export", "mapping:lab-export")
    assert r["run_id"] == "e1" and r["team"] == "vision" and r["pue"] == 1.2
    assert r["started_at"] == datetime(2024, 10, 1, tzinfo=timezone.utc)
    assert r["ended_at"] == datetime(2024, 10, 1, 2, tzinfo=timezone.utc)
    assert r["gpu_hours"] == 8.0
    assert r["avg_power_w"] == pytest.approx(450.0)
    assert r["measured_it_energy_kwh"] == pytest.approx(3.6)
    assert r["tracker_co2e_kg"] == pytest.approx(1.5)
    assert r["measured_energy_source"] == "lab wattmeter"
    assert p.ignored_columns == ["notes"]


def test_bad_values_are_rejected_with_the_source_column_and_line(write):
    m = write("m.yaml", MAPPING)
    data = DATA + "e2,1727740800000,1727748000000,4,n/a,3600,1500,\n" + "e3,1727740800000,1727748000000,4,2.5,3600,1500,\n"
    p = parse_run_log(write("runs.csv", data), mapping=m)
    assert p.problems.select("line", "column_name", "value", "reason", "detail").rows() == [
        (3, "power_kw", "n/a", "not a number", "kw_to_w conversion"),
        (4, "power_kw", "2500.0", "above the sanity ceiling of 2000", "see LIMITS in wattledger/ingest/contract.py; mapped to avg_power_w"),
    ]
    assert runs(p)["run_id"].to_list() == ["e1"]


def test_missing_mapped_column_names_the_data_file_and_column(write):
    m = write("m.yaml", MAPPING)
    with pytest.raises(FileRefused, match=r"runs.csv: column 'GPUs' \(mapped to gpu_count by columns.gpu_count of .*m.yaml\) is not in the file"):
        parse_run_log(write("runs.csv", DATA.replace("GPUs", "gpus_total")), mapping=m)


@pytest.mark.parametrize(
    "edit, message",
    [
        (("  gpu_count: GPUs", "  gpu_cnt: GPUs"), "columns: unknown canonical column(s) 'gpu_cnt'"),
        (("  avg_power_w: kw_to_w", "  avg_power_w: kilowatt"), "units.avg_power_w: unknown conversion 'kilowatt'"),
        (("  avg_power_w: kw_to_w", "  avg_power_w: wh_to_kwh"), "units.avg_power_w: wh_to_kwh converts measured_it_energy_kwh, measured_gpu_energy_kwh, measured_cpu_energy_kwh, measured_ram_energy_kwh, not avg_power_w"),
        (("  team: vision", "  team: vision\n  gpu_count: 8"), "constants.gpu_count: the column is also mapped in columns"),
        (("  run_id: Exp ID\n", ""), "columns: required canonical column(s) not mapped: run_id"),
        (("name: lab-export", "name: Lab Export"), "name: String should match pattern"),
        (("name: lab-export", "name: lab-export\ncolour: blue"), "colour: unknown key"),
        (("constants:\n  team: vision", "constants:\n  team: true"), "constants.team"),
        (("name: lab-export", "name: lab-export\ntimezone: Europe/Pariss"), "timezone: 'Europe/Pariss' is not an IANA time zone"),
        (("columns:", "columns: [\n"), "not valid YAML"),
    ],
)
def test_invalid_mapping_names_the_file_and_key(write, edit, message):
    m = write("bad.yaml", MAPPING.replace(*edit))
    with pytest.raises(ConfigFileError) as err:
        load_mapping(m)
    assert "bad.yaml" in str(err.value) and message in str(err.value)


def test_invalid_mapping_refuses_the_whole_ingest(con, write):
    m = write("bad.yaml", MAPPING.replace("gpu_count: GPUs", "gpu_cnt: GPUs"))
    s = ingest_paths(con, [write("runs.csv", DATA)], mapping=m)
    assert len(s.refused) == 1 and "bad.yaml" in str(s.refused[0]) and "gpu_cnt" in str(s.refused[0])
    assert con.sql("select count(*) from source_files").fetchall() == [(0,)]


def test_local_timestamps_delimiter_prefix_and_parquet(write, tmp_path):
    m = write("m.yaml", "name: eu\ndelimiter: ';'\ntimezone: Europe/Paris\ntimestamp_format: '%d/%m/%Y %H:%M'\nrun_id_prefix: 'eu:'\n"
              "columns: {run_id: id, started_at: debut, ended_at: fin, gpu_count: gpus}\n")  # fmt: skip
    data = "id;debut;fin;gpus\na;01/10/2024 08:00;01/10/2024 09:30;2\nb;31/10/2024 25:00;01/11/2024 01:00;2\nc;2024-10-01T08:00:00Z;01/10/2024 12:00;1\n"
    p = parse_run_log(write("runs.txt", data), mapping=m)
    got = runs(p)
    assert got["run_id"].to_list() == ["eu:a", "eu:c"]
    assert got["started_at"].to_list() == [datetime(2024, 10, 1, 6, tzinfo=timezone.utc), datetime(2024, 10, 1, 8, tzinfo=timezone.utc)]
    assert p.problems.select("line", "column_name", "value").rows() == [(3, "debut", "31/10/2024 25:00")]
    pq = tmp_path / "runs.parquet"
    pl.DataFrame({"id": ["p1"], "gpus": [8], "gpu_h": [7200.0]}).write_parquet(pq)
    m2 = write("m2.yaml", "name: pq\ncolumns: {run_id: id, gpu_count: gpus, gpu_hours: gpu_h}\nunits: {gpu_hours: seconds_to_hours}\n")
    assert runs(parse_run_log(pq, mapping=m2))["gpu_hours"].to_list() == [2.0]


def test_every_conversion_is_documented():
    from conftest import REPO

    doc = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    assert [c for c in CONVERSIONS if f"`{c}`" not in doc] == []


def test_example_mapping_loads(con):
    s = ingest_paths(con, [EXAMPLES / "mappings" / "vision_k8s_jobs_2024-10.csv"], mapping=EXAMPLES / "mappings" / "vision_k8s.mapping.yaml")
    assert not s.refused and (s.loaded, s.rejected) == (16, 2)
    assert con.sql("select distinct team, datacenter, source_format from runs").fetchall() == [("vision", "par-dc", "mapping:vision-k8s")]


def test_epoch_values_out_of_range_are_rejected(write):
    m = write("m.yaml", MAPPING)
    data = DATA + "e2,nan,1727748000000,4,0.45,3600,1500,\ne3,1e30,1727748000000,4,0.45,3600,1500,\n"
    p = parse_run_log(write("runs.csv", data), mapping=m)
    assert p.problems.select("line", "column_name", "value", "reason").rows() == [
        (3, "start_ms", "nan", "not a valid epoch_ms timestamp"),
        (4, "start_ms", "1e30", "not a valid epoch_ms timestamp"),
    ]
