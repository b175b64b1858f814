"""Real GPU telemetry (tests/data/telemetry_real/, captured on one H200, README there): every
nvidia-smi variant, dmon and the DCGM exporter text, read through the CLI into a database and
measured against a run on host `vm`; the energy counter agrees with the power trapezoid."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import REPO
from flows.cli import app
from wattledger.store import connect

REAL = REPO / "tests" / "data" / "telemetry_real"
UUID = "GPU-d0c488fa-af33-39da-3a42-fdae4a41ce23"
#: A run inside every logger's window (the loggers ran 18:25:27-18:26:29 UTC at least).
RUN = ("run_id,started_at,ended_at,gpu_model,gpu_count,hosts\n"
       "h200-load,2026-12-04T18:25:30Z,2026-12-04T18:26:25Z,H200-SXM,1,vm\n")
START = datetime(2026, 12, 4, 18, 25, 30, tzinfo=timezone.utc).timestamp()
END = datetime(2026, 12, 4, 18, 26, 25, tzinfo=timezone.utc).timestamp()


def cli(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def folder(tmp_path: Path, name: str, zone: str | None = "UTC") -> Path:
    """The real file ``name`` alone in a folder named after host vm, with a telemetry.yaml."""
    d = tmp_path / name.replace(".", "_")
    d.mkdir()
    shutil.copy(REAL / name, d / f"vm_{name}")
    if zone:
        (d / "telemetry.yaml").write_text(f"timezone: {zone}\n", encoding="utf-8")
    return d


def nvml_counter_j() -> float:
    """The NVML energy counter's rise over the run (nvml_energy.csv, read here as the oracle)."""
    n = pl.read_csv(REAL / "nvml_energy.csv").with_columns(
        pl.col("timestamp").str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", time_zone="UTC"))
    t_s = n["timestamp"].dt.epoch("us").to_numpy() / 1e6
    return float(np.diff(np.interp([START, END], t_s, n["total_energy_mj"].to_numpy() / 1e3))[0])


def measured(tmp_path: Path, telemetry: Path, *extra: str) -> dict:
    """Ingest the run and the telemetry, compute, and return the run's footprint row."""
    db = tmp_path / f"{telemetry.name}.duckdb"
    (tmp_path / "runs").mkdir(exist_ok=True)
    (tmp_path / "runs" / "runs.csv").write_text(RUN, encoding="utf-8")
    assert cli("ingest", tmp_path / "runs", telemetry, "--db", db, *extra).exit_code == 0
    assert cli("compute", "--db", db).exit_code == 0
    con = connect(db, read_only=True)
    try:
        return con.sql("select energy_it_kwh, power_basis, power_source from run_footprints where run_id = 'h200-load'").pl().row(0, named=True)
    finally:
        con.close()


@pytest.mark.parametrize("name, zone, samples, first_utc", [
    ("smi_units.csv", "UTC", 134, "2026-12-04T18:25:27.062000+00:00"),
    ("smi_uuid_nounits.csv", "UTC", 67, "2026-12-04T18:25:27.069000+00:00"),  # uuid, no index: issue 17's traceback
    ("smi_avg_instant.csv", "UTC", 67, "2026-12-04T18:25:27.064000+00:00"),  # extra fields first, .average/.instant
    ("smi_tz_shanghai.csv", "Asia/Shanghai", 67, "2026-12-04T18:25:27.067000+00:00"),  # local +08:00, no offset
    ("smi_dmon.txt", "UTC", 65, "2026-12-04T18:25:27+00:00"),  # nvidia-smi dmon -s pu -o DT
    ("dcgm_scrape.prom", None, 63, "2026-12-04T18:25:27.233888+00:00"),  # '# scraped_at' lines
])
def test_each_real_variant_loads_every_sample_in_utc(tmp_path, name, zone, samples, first_utc):
    d = folder(tmp_path, name, zone)
    result = cli("ingest", d, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 0, result.output
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        rows = con.sql("select count(*), min(sampled_at), count(distinct coalesce(gpu_uuid, gpu_index::varchar)), "
                       "(select sum(rows_rejected) from source_files) from power_samples").fetchall()[0]
    finally:
        con.close()
    assert rows[0] == samples and rows[1].isoformat() == first_utc and rows[2] == 1 and rows[3] == 0


def test_a_uuid_only_log_is_stored_without_an_index_and_measures_the_run(tmp_path):
    """nvidia-smi --query-gpu=timestamp,uuid,power.draw --format=csv,nounits: the GPU is its UUID."""
    row = measured(tmp_path, folder(tmp_path, "smi_uuid_nounits.csv"))
    assert row["power_basis"] == "measured" and "power samples (trapezoid) of 1 GPU(s) on vm" in row["power_source"]
    assert row["energy_it_kwh"] * 3.6e6 == pytest.approx(nvml_counter_j(), rel=0.01)


def test_the_dcgm_energy_counter_is_the_measurement_and_agrees_with_the_trapezoid(tmp_path):
    """Issue 17: the counter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION) measures the run when present.
    Measured on the H200 capture (55 s, 80-695 W): counter 24,704.5 J, NVML counter 24,704.6 J,
    nvidia-smi trapezoid 24,694.8 J (-0.04 %), dmon whole watts 24,529.5 J (-0.71 %)."""
    by_counter = measured(tmp_path, folder(tmp_path, "dcgm_scrape.prom", None))
    assert "energy counter (DCGM total energy) of 1 GPU(s) on vm" in by_counter["power_source"]
    counter_j = by_counter["energy_it_kwh"] * 3.6e6
    assert counter_j == pytest.approx(nvml_counter_j(), rel=1e-3)  # the same NVML counter, read apart
    by_power = measured(tmp_path, folder(tmp_path, "smi_units.csv"))
    assert "trapezoid" in by_power["power_source"]
    assert by_power["energy_it_kwh"] * 3.6e6 == pytest.approx(counter_j, rel=0.01)
    by_dmon = measured(tmp_path, folder(tmp_path, "smi_dmon.txt"))
    assert by_dmon["energy_it_kwh"] * 3.6e6 == pytest.approx(counter_j, rel=0.02)  # whole watts


def test_index_only_and_uuid_only_logs_of_one_gpu_are_one_device(tmp_path):
    """smi_units reports index 0 with the UUID: the index-only log (dmon) and the uuid-only log of
    the same host are the same GPU, so a 1-GPU run on vm still sees one device."""
    d = tmp_path / "vm_logs"
    d.mkdir()
    for name in ("smi_units.csv", "smi_dmon.txt", "smi_uuid_nounits.csv"):
        shutil.copy(REAL / name, d / f"vm_{name}")
    (d / "telemetry.yaml").write_text("timezone: UTC\n", encoding="utf-8")
    row = measured(tmp_path, d)
    assert "of 1 GPU(s) on vm" in row["power_source"], row["power_source"]


def test_iso_timestamps_with_an_offset_need_no_time_zone_file(tmp_path, write):
    """A logging wrapper's `date -Iseconds` times: placed by their offsets, no telemetry.yaml."""
    log = write("iso/vm_power.csv", "timestamp, index, power.draw [W]\n"
                "2026-12-05T02:25:30+08:00, 0, 100.00 W\n2026-12-05T02:25:31.5+08:00, 0, 200.00 W\n"
                "2026-12-04T18:25:33Z, 0, 300.00 W\n2026/12/04 18:25:34, 0, 300.00 W\n")
    result = cli("ingest", log.parent, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 0
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        assert con.sql("select detected from source_files").fetchall()[0][0].endswith("times by their UTC offsets")
        times = [r[0].isoformat() for r in con.sql("select sampled_at from power_samples order by line").fetchall()]
        rejects = con.sql("select line, column_name, reason from rejects").fetchall()
    finally:
        con.close()
    assert times == ["2026-12-04T18:25:30+00:00", "2026-12-04T18:25:31.500000+00:00", "2026-12-04T18:25:33+00:00"]
    assert rejects == [(5, "timestamp", "no offset")]  # a local time in a log without a time zone


def test_a_query_log_without_power_is_refused_naming_nvidia_smi(tmp_path, write):
    log = write("nopower/vm_gpu.csv", "timestamp, index, uuid, utilization.gpu [%], memory.used [MiB]\n"
                "2026/12/04 18:25:27.062, 0, GPU-1, 0 %, 0 MiB\n")
    result = cli("ingest", log.parent, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 1
    assert "nvidia-smi --query-gpu log" in result.output and "without a power field" in result.output
    assert "--query-gpu=timestamp,index,uuid,power.draw" in result.output


def test_dmon_without_dates_or_power_is_refused_with_the_command(tmp_path, write):
    no_date = write("d1/vm_dmon.txt", "# gpu    pwr  gtemp\n# Idx      W      C\n    0     87     39\n")
    no_pwr = write("d2/vm_dmon.txt", "#Date Time gpu sm mem\n#YYYYMMDD HH:MM:SS Idx % %\n 20261204 18:25:27 0 0 0\n")
    for log, words in ((no_date, "without dates and times"), (no_pwr, "without the column(s) pwr")):
        (log.parent / "telemetry.yaml").write_text("timezone: UTC\n", encoding="utf-8")
        result = cli("ingest", log, "--db", tmp_path / "w.duckdb")
        assert result.exit_code == 1 and words in result.output and "nvidia-smi dmon -s pu -o DT" in result.output


def _one_scrape() -> str:
    """The first scrape of the real file, as `curl host:9400/metrics` saves it: no time at all."""
    lines = (REAL / "dcgm_scrape.prom").read_text(encoding="utf-8").splitlines()
    first = lines.index(next(x for x in lines if x.startswith("# scraped_at")))
    second = lines.index(next(x for x in lines[first + 1:] if x.startswith("# scraped_at")))
    return "\n".join(lines[first + 1:second]) + "\n"


def test_a_dcgm_scrape_without_times_is_timed_by_its_file_or_the_option(tmp_path, write):
    scrape = write("untimed/vm_metrics.prom", _one_scrape())
    mtime = datetime(2026, 12, 4, 18, 25, 27, tzinfo=timezone.utc).timestamp()
    os.utime(scrape, (mtime, mtime))
    assert cli("ingest", scrape, "--db", tmp_path / "a.duckdb").exit_code == 0
    con = connect(tmp_path / "a.duckdb", read_only=True)
    try:
        assert con.sql("select detected from source_files").fetchall()[0][0].endswith(
            "timed by the file's modification time: 2026-12-04T18:25:27Z")
        assert con.sql("select sampled_at, power_w, energy_mj from power_samples").fetchall() == [
            (datetime(2026, 12, 4, 18, 25, 27, tzinfo=timezone.utc), 84.152, 2363797.0)]
    finally:
        con.close()
    result = cli("ingest", scrape, "--db", tmp_path / "b.duckdb", "--scraped-at", "2026-12-05T02:25:27.5+08:00")
    assert result.exit_code == 0
    con = connect(tmp_path / "b.duckdb", read_only=True)
    try:
        assert con.sql("select sampled_at from power_samples").fetchall()[0][0] == datetime(
            2026, 12, 4, 18, 25, 27, 500000, tzinfo=timezone.utc)
    finally:
        con.close()
    assert cli("ingest", scrape, "--db", tmp_path / "c.duckdb", "--scraped-at", "2026-12-05 02:25").exit_code == 2


def test_several_dcgm_scrapes_without_times_are_refused_not_silently_rejected(tmp_path, write):
    scrapes = write("untimed2/vm_metrics.prom", _one_scrape() * 2)
    result = cli("ingest", scrapes, "--db", tmp_path / "w.duckdb")
    assert result.exit_code == 1 and "several in one file" in result.output and "# scraped_at" in result.output


def test_headerless_logs_with_three_fields_are_told_by_their_first_line(tmp_path):
    """`--format=csv,noheader,nounits` of timestamp,uuid,power.draw (and of timestamp,index,power.draw):
    the real logs without their header load the same samples."""
    for name, zone in (("smi_uuid_nounits.csv", "UTC"), ("smi_tz_shanghai.csv", "Asia/Shanghai")):
        d = tmp_path / f"noheader_{name}"
        d.mkdir()
        body = (REAL / name).read_text(encoding="utf-8").split("\n", 1)[1]
        (d / f"vm_{name}").write_text(body, encoding="utf-8")
        (d / "telemetry.yaml").write_text(f"timezone: {zone}\n", encoding="utf-8")
        assert cli("ingest", d, "--db", tmp_path / f"{name}.duckdb").exit_code == 0
        con = connect(tmp_path / f"{name}.duckdb", read_only=True)
        try:
            n, first = con.sql("select count(*), min(sampled_at) from power_samples").fetchall()[0]
        finally:
            con.close()
        assert n == 67 and first.isoformat().startswith("2026-12-04T18:25:27.0")
