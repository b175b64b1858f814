"""CodeCarbon adapter: recent and older emissions.csv, cumulative flushes, PUE, sidecar, rejects."""

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from conftest import EXAMPLES
from wattledger.ingest import FileRefused
from wattledger.pipeline import ingest_paths, parse_run_log

# CodeCarbon 2.8 (32 columns) and 2.1 (29 columns: no experiment_id, codecarbon_version, pue)
V28 = ("timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,"
       "cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,"
       "os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,"
       "tracking_mode,on_cloud,pue")  # fmt: skip
V21 = ("timestamp,project_name,run_id,duration,emissions,emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,"
       "gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,cloud_provider,cloud_region,os,"
       "python_version,cpu_count,cpu_model,gpu_count,gpu_model,longitude,latitude,ram_total_size,tracking_mode,on_cloud")  # fmt: skip
EXP = "5b0fa12a-3dd7-45bb-9766-cc326314d9f1"


def row28(ts="2024-10-02T17:00:00", run="r1", duration="3600.0", energy=("0.35", "4.0", "0.75"), emissions="0.29",
          gpus="8", model="8 x NVIDIA H100 80GB HBM3", pue="1.0", country=("France", "FRA"), cloud=("", "", "N")):  # fmt: skip
    total = repr(sum(float(e) for e in energy)) if all(e.replace(".", "").isdigit() for e in energy) else "x"
    return (f"{ts},proj-a,{run},{EXP},{duration},{emissions},8e-05,350.0,4000.0,750.0,{energy[0]},{energy[1]},{energy[2]},"
            f"{total},{country[0]},{country[1]},île-de-france,{cloud[0]},{cloud[1]},Linux-5.15,3.11.10,2.8.3,224,"
            f"Intel(R) Xeon(R) Platinum 8480+,{gpus},{model},2.35,48.85,2015.5,machine,{cloud[2]},{pue}")  # fmt: skip


def runs(parsed):
    return pl.from_arrow(parsed.runs).sort("source_line")


def test_recent_file_maps_measured_energy_and_keeps_tracker_emissions(write):
    p = parse_run_log(write("emissions.csv", V28 + "\n" + row28() + "\n"))
    r = runs(p).row(0, named=True)
    assert p.format == "codecarbon" and r["source_format"] == "codecarbon"
    assert r["run_id"] == "codecarbon:r1" and r["name"] == r["project"] == "proj-a"
    assert r["ended_at"] == datetime(2024, 10, 2, 17, tzinfo=timezone.utc)  # no sidecar: read as UTC
    assert r["started_at"] == r["ended_at"] - timedelta(hours=1)
    assert (r["gpu_model"], r["gpu_count"], r["gpu_hours"]) == ("NVIDIA H100 80GB HBM3", 8, 8.0)
    assert r["measured_it_energy_kwh"] == pytest.approx(5.1)  # cpu + gpu + ram
    # the three parts (the GPUs' power per device is their own energy over the GPU-hours)
    assert (r["measured_cpu_energy_kwh"], r["measured_gpu_energy_kwh"], r["measured_ram_energy_kwh"]) == pytest.approx((0.35, 4.0, 0.75))
    assert (r["cpu_model"], r["cpu_cores"], r["ram_gb"]) == ("Intel(R) Xeon(R) Platinum 8480+", 224, 2015.5)
    assert r["measured_energy_source"] == "codecarbon 2.8.3 energy_consumed"
    assert r["tracker_co2e_kg"] == pytest.approx(0.29)
    assert (r["pue"], r["region"], r["team"], r["datacenter"]) == (None, "FR", None, None)
    assert "no codecarbon.yaml" in p.detected and "cpu_model" not in p.ignored_columns and "os" in p.ignored_columns


def test_cumulative_flushes_of_one_run_fold_into_the_last(write):
    rows = [row28(ts="2024-10-02T17:00:00", duration="3600.0"), row28(ts="2024-10-02T19:00:00", duration="10800.5",
            energy=("1.05", "12.0", "2.25")), row28(ts="2024-10-02T18:00:00", duration="7200.0"), row28(run="r2")]  # fmt: skip
    p = parse_run_log(write("emissions.csv", V28 + "\n" + "\n".join(rows) + "\n"))
    got = runs(p)
    assert got["run_id"].to_list() == ["codecarbon:r1", "codecarbon:r2"]
    assert got["source_line"].to_list() == [3, 5]  # the longest snapshot of r1
    assert got["measured_it_energy_kwh"][0] == pytest.approx(15.3)
    assert (p.records, p.folded_records, p.rejected_rows) == (4, 2, 0)


def test_codecarbon_pue_is_divided_out_and_logged_when_set(write):
    p = parse_run_log(write("emissions.csv", V28 + "\n" + row28(energy=("0.5", "5.0", "1.0"), pue="1.3") + "\n"))
    r = runs(p).row(0, named=True)
    assert r["measured_it_energy_kwh"] == pytest.approx(6.5 / 1.3)
    assert r["pue"] == pytest.approx(1.3)
    assert r["measured_energy_source"] == "codecarbon 2.8.3 energy_consumed / pue 1.3"


def test_cloud_region_and_sidecar(write):
    write("codecarbon.yaml", "timezone: Europe/Paris\nteam: nlp\ndatacenter: par-dc\n")
    p = parse_run_log(write("emissions.csv", V28 + "\n" + row28(ts="2024-10-02T17:00:00", cloud=("gcp", "europe-west1", "Y"),
                                                                 country=("Belgium", "BEL")) + "\n"))  # fmt: skip
    r = runs(p).row(0, named=True)
    assert r["region"] == "gcp:europe-west1"
    assert (r["team"], r["datacenter"]) == ("nlp", "par-dc")
    assert r["ended_at"] == datetime(2024, 10, 2, 15, tzinfo=timezone.utc)  # 17:00 CEST


def test_older_version_files_are_accepted(write):
    old = ("2022-09-12T15:52:14,whisper-distill,7cdb6edb,19334.3,3.5,0.00018,140.0,1395.8,192.0,0.75,7.32,1.03,9.1,"
           "Germany,DEU,baden-württemberg,,,Linux-5.4.0,3.9.13,64,AMD EPYC 7542,4,4 x NVIDIA A100-SXM4-40GB,9.18,48.77,503.7,machine,N")  # fmt: skip
    r = runs(parse_run_log(write("old/emissions.csv", V21 + "\n" + old + "\n"))).row(0, named=True)
    assert r["measured_energy_source"] == "codecarbon (version not recorded) energy_consumed"
    assert (r["region"], r["gpu_count"], r["gpu_model"], r["pue"]) == ("DE", 4, "NVIDIA A100-SXM4-40GB", None)
    # CodeCarbon 1.x: experiment_id is the id, no GPU or per-part columns: a machine run, its whole
    # energy measured (no side file needed); a sidecar may still say which GPUs it had
    v1 = "timestamp,experiment_id,project_name,duration,emissions,energy_consumed,country_name,country_iso_code,region,on_cloud,cloud_provider,cloud_region\n"
    v1 += "2021-03-18T10:32:27,0a1b,bert-base,7200.0,0.9,2.4,Canada,CAN,quebec,N,,\n"
    r = runs(parse_run_log(write("v1/emissions.csv", v1))).row(0, named=True)
    assert (r["gpu_count"], r["gpu_hours"], r["gpu_hours_basis"], r["measured_it_energy_kwh"]) == (0, 0.0, "no_gpu", 2.4)
    write("v1/codecarbon.yaml", "gpu_count: 2\ngpu_model: V100-SXM2-32GB\n")
    r = runs(parse_run_log(write("v1/emissions.csv", v1))).row(0, named=True)
    assert (r["run_id"], r["gpu_count"], r["gpu_model"], r["gpu_hours"], r["region"]) == ("codecarbon:0a1b", 2, "V100-SXM2-32GB", 4.0, "CA")


def test_task_files_keep_one_run_per_task(write):
    head = "task_name," + V28
    rows = ["load," + row28(duration="60.0"), "train," + row28(duration="3000.0")]
    got = runs(parse_run_log(write("emissions_tasks.csv", head + "\n" + "\n".join(rows) + "\n")))
    assert got["run_id"].to_list() == ["codecarbon:r1:load", "codecarbon:r1:train"]


def test_malformed_rows_are_rejected_with_line_and_source_column(write):
    rows = [
        row28(run="ok"),
        row28(run="d", duration="soon"),
        row28(run="e", energy=("0.1", "n/a", "0.1")),
        row28(run="cpu", gpus="0", model=""),
        row28(run="t", ts="yesterday"),
        row28(run="short").rsplit(",", 3)[0],
        row28(run="neg", emissions="-1"),
        row28(run="inf", duration="inf"),
        row28(run="back", duration="-5.0"),
    ]
    p = parse_run_log(write("emissions.csv", V28 + "\n" + "\n".join(rows) + "\n"))
    assert p.problems.select("line", "column_name", "value", "reason").rows() == [
        (3, "duration", "soon", "not a number"),
        (4, "energy_consumed", "x", "not a number"),
        (4, "gpu_energy", "n/a", "not a number"),
        (6, "timestamp", "yesterday", "not a CodeCarbon timestamp (YYYY-MM-DDThh:mm:ss)"),
        (7, None, row28(run="short").rsplit(",", 3)[0][:200], "wrong number of fields"),  # raw record, first 200 chars
        (8, "emissions", "-1", "must be at least 0"),
        (9, "duration", "inf", "not a finite number"),
        (10, "duration", "-5.0", "must be at least 0"),
    ]
    assert p.problems["detail"][5] == "mapped to tracker_co2e_kg"
    # gpu_count 0: a CPU-only run, accounted from its measured CPU and memory energy
    assert runs(p)["run_id"].to_list() == ["codecarbon:ok", "codecarbon:cpu"]


def test_example_files_load(con):
    s = ingest_paths(con, [EXAMPLES / "codecarbon"])
    assert not s.refused and {x.format for x in s.stored} == {"codecarbon"}
    assert (s.loaded, s.rejected) == (26, 0)
    by_team = dict(con.sql("select team, count(*) from runs group by all").fetchall())
    assert by_team == {"nlp": 11, "recsys": 6, "speech": 7, "data": 2}
    assert con.sql("select count(*) from runs where measured_it_energy_kwh > 0 and tracker_co2e_kg > 0").fetchall() == [(26,)]
    # the Apple M1 laptop and the CPU-only server are machine runs: no GPU devices
    assert con.sql("select count(*) from runs where gpu_hours_basis = 'no_gpu' and gpu_count = 0 and gpu_model is null"
                   " and measured_cpu_energy_kwh > 0").fetchall() == [(4,)]
