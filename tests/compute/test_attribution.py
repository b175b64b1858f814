"""Power telemetry attributed to runs: measured basis, its rules and its refusals."""

import numpy as np
import polars as pl
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


def test_measured_energy_per_hour_weights_the_hourly_intensity(con, write):
    from datetime import datetime, timedelta, timezone

    from wattledger.factors import FactorLibrary

    t0 = datetime(2022, 7, 8, 13)  # 13:00 to 15:00 UTC, the solar ramp: the two hours differ by ~0.07
    lines = ["timestamp, index, uuid, power.draw [W]"]
    for k in range(0, 7201, 10):  # 600 W in the first hour, 100 W in the second
        lines.append(f"{t0 + timedelta(seconds=k):%Y/%m/%d %H:%M:%S}.000, 0, GPU-n2-0, {600.0 if k < 3600 else 100.0:.2f} W")
    write("t2/telemetry.yaml", "timezone: UTC\n")
    tele = write("t2/n2_nvidia-smi.csv", "\n".join(lines) + "\n")
    runs = write("runs.csv", HEADER + "r,2022-07-08T13:00:00Z,2022-07-08T15:00:00Z,H100-SXM,1,,1.0,US-CAL-CISO,n2\n")
    ingest_paths(con, [tele.parent, runs])
    compute_footprints(con)
    basis, intensity, source = con.sql(
        "select intensity_basis, intensity_kg_per_kwh, power_source from footprints where run_id = 'r'").fetchall()[0]
    ciso = FactorLibrary().hourly_series("US-CAL-CISO")
    v = {h: ciso.filter(pl.col("hour_start_utc") == datetime(2022, 7, 8, h, tzinfo=timezone.utc))["intensity_kg_per_kwh"][0]
         for h in (13, 14)}
    assert basis == "hourly" and source.startswith("telemetry:")
    assert intensity == pytest.approx((0.6 * v[13] + 0.1 * v[14]) / 0.7, rel=2e-3)  # energy-weighted
    assert abs(intensity - (v[13] + v[14]) / 2) > 0.01  # not the time-weighted mean


def test_samples_read_a_few_hosts_at_a_time_give_the_same_footprints(tmp_path, monkeypatch):
    """Power samples are read in groups of hosts (memory bounded by MAX_SAMPLES_PER_READ):
    one host per read gives exactly the footprints of one read for all."""
    import wattledger.compute.attribution as attribution
    from wattledger.store import connect

    def footprints_with(limit):
        monkeypatch.setattr(attribution, "MAX_SAMPLES_PER_READ", limit)
        con = connect(tmp_path / f"limit-{limit}.duckdb")
        ingest_paths(con, [EXAMPLES / "telemetry", EXAMPLES / "cluster_logs"])
        compute_footprints(con)
        frame = con.sql("select * exclude (computed_at) from footprints order by run_id").pl()
        con.close()
        return frame

    grouped, whole = footprints_with(1), footprints_with(10**9)
    assert grouped.filter(pl.col("power_basis") == "measured").height >= 2
    # the samples' cumulative integral runs over the devices read together, so the last bit
    # of a run's energy may differ with the grouping (it is fixed for given data and limit)
    numbers = [c for c, t in grouped.schema.items() if t == pl.Float64]
    texts = [c for c in grouped.columns if c not in numbers and c != "inputs_sha"]
    assert grouped.select(texts).equals(whole.select(texts))
    for c in numbers:
        np.testing.assert_allclose(grouped[c].to_numpy(), whole[c].to_numpy(), rtol=1e-12, err_msg=c)


def test_a_host_list_that_cannot_be_read_is_said_and_compute_stays_bounded(tmp_path, write):
    """A run naming 10^10 hosts (each range under the per-range cap) neither hangs compute nor
    is silently treated as hostless: its power source says why telemetry was not used."""
    from wattledger.store import connect

    runs = write("runs.csv", "run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,hosts\n"
                             "huge,2024-10-12T10:00:00Z,2024-10-12T11:00:00Z,L40S,2,300,n[0-99999]x[0-99999]\n"
                             "bad,2024-10-12T10:00:00Z,2024-10-12T11:00:00Z,L40S,2,300,gpu[3-1]\n")
    con = connect(tmp_path / "w.duckdb")
    ingest_paths(con, [runs, EXAMPLES / "telemetry"])
    compute_footprints(con)
    rows = dict(con.sql("select run_id, power_source from footprints").fetchall())
    assert "telemetry not used: hosts not read (host list of 10,000,000,000 names" in rows["huge"]
    assert "telemetry not used: hosts not read (descending range" in rows["bad"]
    con.close()


def test_unknown_gpu_model_has_no_tdp_and_its_high_bound_says_so(con, write):
    """Issue 16: an unknown GPU model's TDP silently became 0 W in the telemetry high bound."""
    tele = _nvidia_smi(write, "n1", 300.0, seconds=3000)  # 50 of the run's 60 minutes covered
    runs = write("runs.csv", HEADER + "r1,2024-10-01T12:00:00Z,2024-10-01T13:00:00Z,Quantum-X9000,2,,1.0,FR,n1\n")
    ingest_paths(con, [tele.parent, runs])
    compute_footprints(con)
    basis, energy, low, high, source = _footprint(con, "r1")
    assert basis == "measured" and "no TDP for the GPU model" in source
    covered = 2 * 0.300 * 3000 / 3600
    assert high == pytest.approx((covered + 2 * 0.300 * 600 / 3600) * 1.05, rel=1e-9)  # the uncovered time at the mean power


def test_a_cpu_job_on_a_gpu_host_does_not_share_its_gpus(con, write):
    tele = _nvidia_smi(write, "n1", 300.0)
    runs = write("runs.csv", "run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region,hosts,cpu_cores\n"
                 + "g,2024-10-01T12:00:00Z,2024-10-01T13:00:00Z,H100-SXM,2,,1.0,FR,n1,\n"
                 + "c,2024-10-01T12:10:00Z,2024-10-01T12:40:00Z,,,,1.0,FR,n1,4\n")  # a CPU job beside it
    ingest_paths(con, [tele.parent, runs])
    compute_footprints(con)
    assert _footprint(con, "g")[0] == "measured"  # the GPU run's samples are its own
    assert _footprint(con, "c")[0] == "no_gpu"
