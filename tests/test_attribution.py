"""Power telemetry attributed to runs: measured basis, its rules and its refusals."""

import pytest

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths

HEADER = "run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region,hosts\n"


def _nvidia_smi(write, host, watts, start="2024/10/01 12:00:00", seconds=3600, step=10, gpus=2):
    from datetime import datetime, timedelta

    t0 = datetime.strptime(start, "%Y/%m/%d %H:%M:%S")
    lines = ["timestamp, index, uuid, power.draw [W]"]
    for k in range(0, seconds + 1, step):
        for g in range(gpus):
            lines.append(f"{(t0 + timedelta(seconds=k)):%Y/%m/%d %H:%M:%S}.000, {g}, GPU-{host}-{g}, {watts:.2f} W")
    write("tele/telemetry.yaml", "timezone: UTC\n")
    return write(f"tele/{host}_nvidia-smi.csv", "\n".join(lines) + "\n")


def _footprint(con, run_id):
    return con.sql("select power_basis, energy_it_kwh, energy_it_kwh_low, energy_it_kwh_high, power_source "
                   "from footprints where run_id = ?", params=[run_id]).fetchall()[0]


def test_constant_power_gives_the_exact_energy(con, write):
    tele = _nvidia_smi(write, "n1", 300.0)
    runs = write("runs.csv", HEADER + "r1,2024-10-01T12:00:00Z,2024-10-01T13:00:00Z,H100-SXM,2,,1.0,FR,n1\n")
    s = ingest_paths(con, [tele.parent, runs])
    assert [x.format for x in s.stored] == ["nvidia-smi", "csv"] and s.stored[0].loaded == 2 * 361
    compute_footprints(con)
    basis, energy, low, high, source = _footprint(con, "r1")
    assert basis == "measured" and "2 GPU(s) on n1" in source
    assert energy == pytest.approx(2 * 0.300, rel=1e-9)  # 2 GPUs x 300 W x 1 h
    assert low == pytest.approx(0.95 * 0.6) and high == pytest.approx(1.05 * 0.6)


def test_telemetry_arriving_later_triggers_recompute(con, write):
    runs = write("runs.csv", HEADER + "r1,2024-10-01T12:00:00Z,2024-10-01T13:00:00Z,H100-SXM,2,,1.0,FR,n1\n")
    ingest_paths(con, [runs])
    compute_footprints(con)
    assert _footprint(con, "r1")[0] == "tdp"
    ingest_paths(con, [_nvidia_smi(write, "n1", 300.0).parent])
    assert compute_footprints(con).computed == 1
    assert _footprint(con, "r1")[0] == "measured"


def test_shared_host_or_wrong_device_count_or_low_coverage_is_not_used(con, write):
    tele = _nvidia_smi(write, "n1", 300.0, seconds=1200)
    runs = write("runs.csv", HEADER
                 + "a,2024-10-01T12:00:00Z,2024-10-01T12:15:00Z,H100-SXM,2,,1.0,FR,n1\n"
                 + "b,2024-10-01T12:10:00Z,2024-10-01T12:14:00Z,H100-SXM,2,,1.0,FR,n1\n"
                 + "c,2024-10-01T12:16:00Z,2024-10-01T12:18:00Z,H100-SXM,1,450,1.0,FR,n1\n"
                 + "d,2024-10-02T12:00:00Z,2024-10-02T13:00:00Z,H100-SXM,2,,1.0,FR,n1\n")
    ingest_paths(con, [tele.parent, runs])
    compute_footprints(con)
    assert _footprint(con, "a")[0] == "tdp" and "shared with run b" in _footprint(con, "a")[4]
    assert _footprint(con, "c")[0] == "logged"  # alone, but 2 GPUs report and it used 1
    assert "2 GPUs reported on the run's hosts, gpu_count is 1" in _footprint(con, "c")[4]
    assert _footprint(con, "d")[0] == "tdp"  # no samples that day: nothing attributed


def test_example_telemetry_gives_the_demo_runs_a_measured_basis(con):
    ingest_paths(con, [EXAMPLES / "telemetry", EXAMPLES / "cluster_logs"])
    compute_footprints(con)
    for run_id in ("oct24-0351", "oct24-0363"):
        basis, energy, low, high, _ = _footprint(con, run_id)
        assert basis == "measured" and low < energy < high
