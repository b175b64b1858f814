"""GPU power telemetry: the parsers (nvidia-smi, DCGM) and the energy kernel (trapezoid)."""

import csv
import importlib.util
from datetime import datetime, timedelta, timezone

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from conftest import EXAMPLES, window_energy_kwh
from wattledger.ingest.errors import FileRefused
from wattledger.ingest.readers import PROBLEM_SCHEMA
from wattledger.ingest.telemetry import (
    SAMPLE_SCHEMA,
    host_from_filename,
    read_dcgm,
    read_nvidia_smi,
)
from wattledger.compute import sample_arrays
from wattledger.kernel.telemetry import hourly_energy, power_curve, window_energy

T0 = 1_728_727_200.0  # 2024-10-12T10:00:00Z
TELEMETRY = EXAMPLES / "telemetry"
SMI_FILE = TELEMETRY / "fra-dc-node004_nvidia-smi_2024-10-12.csv"
DCGM_FILE = TELEMETRY / "tx-colo-2-node032_dcgm_2024-10-25.prom"


def utc(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# --- kernel: hand-computed cases -------------------------------------------------------


def test_constant_300_w_for_one_hour_at_1_s_is_0_3_kwh():
    t = T0 + np.arange(3601.0)
    e = window_energy_kwh(0, t, 300.0, 0, T0, T0 + 3600)
    assert e.energy_kwh[0] == pytest.approx(0.3, rel=1e-12)
    assert (e.covered_s[0], e.gap_s[0], e.outside_s[0]) == (3600.0, 0.0, 0.0)
    total = window_energy_kwh(0, t, 300.0, 0, t[0] - 100.0, t[-1] + 100.0)  # beyond the samples: outside, not energy
    assert total.energy_kwh[0] == pytest.approx(0.3, rel=1e-12) and total.outside_s[0] == 200.0


def test_a_ramp_is_integrated_exactly_and_edges_are_interpolated():
    t = T0 + np.arange(0.0, 3601.0, 10.0)
    p = (t - T0) / 6.0  # 0 -> 600 W over the hour
    assert window_energy_kwh(0, t, p, 0, T0, T0 + 3600).energy_kwh[0] == pytest.approx(0.3, rel=1e-12)
    # a window with edges between samples: ∫ (x/6) dx from 15 to 1234.5 s
    a, b = 15.0, 1234.5
    expected_j = (b * b - a * a) / 12.0
    assert window_energy_kwh(0, t, p, 0, T0 + a, T0 + b).energy_kwh[0] == pytest.approx(expected_j / 3.6e6, rel=1e-9)


def test_a_gap_longer_than_the_threshold_is_not_bridged():
    t = T0 + np.concatenate((np.arange(0.0, 601.0, 10.0), np.arange(700.0, 1201.0, 10.0)))
    e = window_energy_kwh(0, t, 360.0, 0, T0, T0 + 1200)
    assert e.energy_kwh[0] == pytest.approx(360.0 * 1100 / 3.6e6, rel=1e-12)
    assert e.gap_s[0] == pytest.approx(100.0) and e.covered_s[0] == pytest.approx(1100.0)
    # a longer threshold bridges it
    assert window_energy_kwh(0, t, 360.0, 0, T0, T0 + 1200, max_gap_s=120).energy_kwh[0] == pytest.approx(0.12, rel=1e-12)


def test_samples_straddling_the_run_edges():
    t = T0 + np.array([0.0, 30.0, 60.0, 90.0])
    p = np.array([100.0, 400.0, 400.0, 100.0])
    # run [15, 75): 15 s from 250 to 400 W, 30 s at 400 W, 15 s from 400 to 250 W
    e = window_energy_kwh(0, t, p, 0, T0 + 15, T0 + 75)
    assert e.energy_kwh[0] * 3.6e6 == pytest.approx(15 * 325 + 30 * 400 + 15 * 325, rel=1e-12)
    # a run beginning before the first sample and ending after the last one
    e = window_energy_kwh(0, t, p, 0, T0 - 20, T0 + 100)
    assert e.energy_kwh[0] * 3.6e6 == pytest.approx(30 * 250 + 30 * 400 + 30 * 250, rel=1e-12)
    assert (e.covered_s[0], e.gap_s[0], e.outside_s[0]) == (90.0, 0.0, 30.0)


def test_devices_are_kept_apart_and_order_does_not_matter():
    rng = np.random.default_rng(5)
    t = np.concatenate([T0 + np.sort(rng.uniform(0, 600, 80)) for _ in range(3)])
    dev = np.repeat([7, 2, 4], 80)
    p = rng.uniform(50, 700, t.size)
    order = rng.permutation(t.size)
    windows = ([2, 4, 7, 9], [T0 + 100] * 4, [T0 + 500] * 4)
    a = window_energy(power_curve(dev, t, p, max_gap_s=np.inf), *windows)
    b = window_energy(power_curve(dev[order], t[order], p[order], max_gap_s=np.inf), *windows)
    assert_allclose(a.energy_kwh, b.energy_kwh, rtol=1e-12)
    assert a.energy_kwh[3] == 0.0 and a.outside_s[3] == 400.0  # device 9 has no samples
    for k, d in enumerate([2, 4, 7]):
        m = dev == d
        alone = window_energy_kwh(0, t[m], p[m], 0, T0 + 100, T0 + 500, max_gap_s=np.inf)
        assert a.energy_kwh[k] == pytest.approx(alone.energy_kwh[0], rel=1e-12)


def test_non_finite_samples_are_ignored_and_empty_input_is_fine():
    t = T0 + np.array([0.0, 10.0, 20.0])
    e = window_energy_kwh(0, t, [100.0, np.nan, 100.0], 0, T0, T0 + 20, max_gap_s=60)
    assert e.energy_kwh[0] == pytest.approx(100 * 20 / 3.6e6)
    empty = window_energy_kwh([], [], [], [0, 1], T0, T0 + 10)
    assert_allclose(empty.energy_kwh, 0.0) and assert_allclose(empty.outside_s, 10.0)
    nan = window_energy_kwh(0, t, 100.0, 0, np.nan, T0 + 10)
    assert np.isnan(nan.energy_kwh[0])


def test_hourly_energy_cuts_windows_at_utc_hours():
    t = T0 + np.arange(0.0, 3 * 3600 + 1, 5.0)
    c = power_curve(np.zeros(t.size, int), t, 720.0)
    h = hourly_energy(c, [0], [T0 + 1800], [T0 + 2 * 3600 + 900])
    assert_allclose(h.start_s - T0, [1800, 3600, 7200])
    assert_allclose(h.energy_kwh, [0.36, 0.72, 0.18], rtol=1e-12)
    assert h.window.tolist() == [0, 0, 0]


# --- kernel: properties against a brute-force per-sample reference ----------------------


def brute(t, v, a, b, max_gap):
    """(energy [J], covered [s], inside the sampled span [s]) of one device, a loop per sample."""
    e = cov = 0.0
    for i in range(len(t) - 1):
        dt = t[i + 1] - t[i]
        if not (0 < dt <= max_gap):
            continue
        lo, hi = max(a, t[i]), min(b, t[i + 1])
        if hi <= lo:
            continue
        p_lo = v[i] + (v[i + 1] - v[i]) * (lo - t[i]) / dt
        p_hi = v[i] + (v[i + 1] - v[i]) * (hi - t[i]) / dt
        e += 0.5 * (p_lo + p_hi) * (hi - lo)
        cov += hi - lo
    span = max(0.0, min(b, t[-1]) - max(a, t[0])) if len(t) else 0.0
    return e, cov, span


@st.composite
def telemetry_cases(draw):
    n_dev = draw(st.integers(1, 3))
    per = [draw(st.integers(0, 25)) for _ in range(n_dev)]
    dev = np.repeat(np.arange(n_dev), per)
    t = T0 + np.array(draw(st.lists(st.floats(0, 1000), min_size=dev.size, max_size=dev.size)))
    v = np.array(draw(st.lists(st.floats(0, 1000), min_size=dev.size, max_size=dev.size)))
    windows = draw(st.lists(st.tuples(st.integers(0, n_dev), st.floats(-100, 1100), st.floats(0, 600)), min_size=1, max_size=6))
    wd = np.array([w[0] for w in windows])
    ws = T0 + np.array([w[1] for w in windows])
    we = ws + np.array([w[2] for w in windows])
    return dev, t, v, wd, ws, we, draw(st.sampled_from([30.0, 120.0, np.inf]))


@settings(max_examples=60, deadline=None)
@given(telemetry_cases())
def test_window_energy_matches_brute_force(case):
    dev, t, v, wd, ws, we, max_gap = case
    curve = power_curve(dev, t, v, max_gap_s=max_gap)
    got = window_energy(curve, wd, ws, we)
    for k in range(wd.size):
        m = dev == wd[k]
        order = np.argsort(t[m], kind="stable")
        e_j, cov, span = brute(t[m][order], v[m][order], ws[k], we[k], max_gap)
        assert got.energy_kwh[k] * 3.6e6 == pytest.approx(e_j, rel=1e-9, abs=1e-6)
        assert got.covered_s[k] == pytest.approx(cov, rel=1e-9, abs=1e-6)
        assert got.gap_s[k] == pytest.approx(span - cov, rel=1e-9, abs=1e-6)
        assert got.outside_s[k] == pytest.approx((we[k] - ws[k]) - span, rel=1e-9, abs=1e-6)
    assert (got.energy_kwh >= 0).all() and (got.gap_s >= -1e-6).all() and (got.outside_s >= -1e-6).all()


@settings(max_examples=50, deadline=None)
@given(telemetry_cases(), st.floats(0.0, 1.0))
def test_additive_when_a_window_is_split(case, where):
    dev, t, v, wd, ws, we, max_gap = case
    curve = power_curve(dev, t, v, max_gap_s=max_gap)
    mid = ws + where * (we - ws)
    whole = window_energy(curve, wd, ws, we)
    left, right = window_energy(curve, wd, ws, mid), window_energy(curve, wd, mid, we)
    for name in ("energy_kwh", "covered_s", "gap_s", "outside_s"):
        assert_allclose(getattr(left, name) + getattr(right, name), getattr(whole, name), rtol=1e-9, atol=1e-9)
    h = hourly_energy(curve, wd, ws, we, origin_s=T0 + 137.0, step_s=300.0)
    assert_allclose(np.bincount(h.window, h.energy_kwh, minlength=wd.size), whole.energy_kwh, rtol=1e-9, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.001, 60.0), min_size=1, max_size=50), st.floats(0.0, 2000.0))
def test_trapezoid_of_constant_power_is_power_times_time(steps, power):
    t = T0 + np.concatenate(([0.0], np.cumsum(steps)))
    e = window_energy_kwh(0, t, power, 0, t[0], t[-1])
    assert e.energy_kwh[0] == pytest.approx(power * (t[-1] - t[0]) / 3.6e6, rel=1e-9, abs=1e-15)
    assert e.gap_s[0] == pytest.approx(0.0, abs=1e-6)


# --- nvidia-smi -----------------------------------------------------------------------

SMI = """timestamp, index, uuid, power.draw [W]
2024/10/12 12:00:03.419, 0, GPU-3f9a, 31.83 W
2024/10/12 12:00:03.421, 1, GPU-b81d, [N/A]
2024/10/12 12:00:33.427, 0, GPU-3f9a, 34.60 W
"""


def test_nvidia_smi_local_time_becomes_utc_and_na_is_rejected():
    t = read_nvidia_smi(SMI.encode(), host="fra-dc-node004", timezone_name="Europe/Berlin")
    assert t.samples.schema == pl.Schema(SAMPLE_SCHEMA)
    assert t.problems.schema == pl.Schema(PROBLEM_SCHEMA)
    assert t.records == 3
    assert t.samples["sampled_at"].to_list()[0] == datetime(2024, 10, 12, 10, 0, 3, 419000, tzinfo=timezone.utc)
    assert t.samples["power_w"].to_list() == [31.83, 34.60]
    assert t.samples["_line"].to_list() == [2, 4]
    assert t.samples["host"].unique().to_list() == ["fra-dc-node004"]
    assert t.samples["energy_mj"].is_null().all()  # nvidia-smi reports no energy counter
    assert t.problems.row(0) == (3, "power.draw", "[N/A]", "power not reported", None)


def test_nvidia_smi_noheader_nounits_and_crlf():
    body = "2024/10/12 10:00:03.419, 0, GPU-3f9a, 31.83\r\n2024/10/12 10:00:33.427, 0, GPU-3f9a, 34.6\r\n"
    t = read_nvidia_smi(body.encode(), host="h", timezone_name="UTC")
    assert t.samples["power_w"].to_list() == [31.83, 34.6]
    assert t.samples["sampled_at"].dt.epoch("ms").to_list() == [1728727203419, 1728727233427]
    # another field order, said by the caller
    t = read_nvidia_smi(b"0, 250.5, 2024/10/12 10:00:03.419\n", host="h", timezone_name="UTC", columns=["index", "power.draw", "timestamp"])
    assert t.samples["power_w"].to_list() == [250.5] and t.samples["gpu_uuid"].is_null().all()
    with pytest.raises(FileRefused, match="header"):
        read_nvidia_smi(body.encode(), host="h", timezone_name="UTC", header=True)


def test_nvidia_smi_rejects_bad_lines_with_line_column_and_reason():
    body = SMI.splitlines()[0] + "\n" + "\n".join(
        [
            "2024/10/12 12:00:03.419, 0, GPU-3f9a, 31.83 W",
            "2024/10/12 12:00:03.421, 0, GPU-3f9a",  # 3 fields
            "12/10/2024 12:00:03, 0, GPU-3f9a, 31.83 W",  # not nvidia-smi's format
            "2024/10/12 12:00:04.000, x, GPU-3f9a, 31.83 W",
            "2024/10/12 12:00:05.000, 0, GPU-3f9a, abc W",
            "2024/10/12 12:00:06.000, 0, GPU-3f9a, -5.00 W",
            "2024/10/12 12:00:07.000, 0, GPU-3f9a, [Not Supported]",
            "",
            SMI.splitlines()[0],  # the logger was restarted: header again, skipped
            "2024/10/12 12:05:07.000, 0, GPU-3f9a, 40.00 W",
        ]
    )
    t = read_nvidia_smi(body.encode(), host="h", timezone_name="Europe/Berlin")
    assert t.samples["_line"].to_list() == [2, 11]
    reasons = {r["line"]: (r["column_name"], r["reason"]) for r in t.problems.iter_rows(named=True)}
    assert reasons == {
        3: (None, "wrong number of fields"),
        4: ("timestamp", "unreadable timestamp"),
        5: ("index", "GPU index is not an integer"),
        6: ("power.draw", "not a number"),
        7: ("power.draw", "power out of range"),
        8: ("power.draw", "power not reported"),
    }
    assert t.records == 8


def test_nvidia_smi_daylight_saving_rules():
    lines = [
        "2024/11/03 01:30:00.000, 0, GPU-a, 100 W",  # first 01:30 (PDT, UTC-7)
        "2024/11/03 01:59:30.000, 0, GPU-a, 100 W",
        "2024/11/03 01:00:00.000, 0, GPU-a, 100 W",  # the clock went back: PST, UTC-8
        "2024/11/03 01:30:00.000, 0, GPU-a, 100 W",
        "2024/03/10 02:30:00.000, 0, GPU-a, 100 W",  # skipped by the spring change
    ]
    t = read_nvidia_smi("\n".join(lines).encode(), host="h", timezone_name="America/Los_Angeles", header=False)
    hours = [d.strftime("%H:%M:%S") for d in t.samples["sampled_at"].to_list()]
    assert hours == ["08:30:00", "08:59:30", "09:00:00", "09:30:00"]
    assert t.problems.row(0)[0] == 5 and t.problems.row(0)[3] == "local time does not exist"
    with pytest.raises(ValueError, match="time zone"):
        read_nvidia_smi(b"", host="h", timezone_name="Mars/Olympus_Mons")


def test_nvidia_smi_refuses_files_it_cannot_read():
    with pytest.raises(FileRefused, match="power"):
        read_nvidia_smi(b"timestamp, index, temperature.gpu\n", host="h", timezone_name="UTC")
    with pytest.raises(FileRefused, match="changes"):
        read_nvidia_smi(SMI.encode() + b"timestamp, index, power.draw [W]\n", host="h", timezone_name="UTC")
    assert read_nvidia_smi(b"", host="h", timezone_name="UTC").samples.is_empty()


def test_host_from_filename():
    assert host_from_filename(SMI_FILE) == "fra-dc-node004"
    assert host_from_filename("/x/node013.csv") == "node013"


# --- DCGM -----------------------------------------------------------------------------

LABELS = 'gpu="{g}",UUID="GPU-{g}",device="nvidia{g}",modelName="NVIDIA H100 80GB HBM3",Hostname="node001"'


def dcgm_line(metric, g, value, ts=""):
    return f"DCGM_FI_DEV_{metric}{{{LABELS.format(g=g)}}} {value} {ts}".rstrip()


def test_dcgm_timestamps_markers_and_the_two_metrics():
    body = "\n".join(
        [
            "# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).",
            "# TYPE DCGM_FI_DEV_POWER_USAGE gauge",
            dcgm_line("POWER_USAGE", 0, "312.5", "1727964311123"),
            dcgm_line("TOTAL_ENERGY_CONSUMPTION", 0, "123456789", "1727964311123"),
            dcgm_line("GPU_TEMP", 0, "45"),  # another metric: skipped
            "# scraped_at 2024-10-03T14:05:21.500Z",
            dcgm_line("POWER_USAGE", 1, "301.25"),
            "# scraped_at 1727964341",
            dcgm_line("POWER_USAGE", 1, "302"),
        ]
    )
    t = read_dcgm(body.encode())
    assert t.problems.is_empty() and t.records == 4
    # the energy-counter line is a record, folded into the sample of its GPU and time, its value kept
    rows = t.samples.select("gpu_index", "power_w", "energy_mj", pl.col("sampled_at").dt.epoch("ms")).rows()
    assert rows == [(0, 312.5, 123456789.0, 1727964311123), (1, 301.25, None, 1727964321500), (1, 302.0, None, 1727964341000)]
    assert t.samples["host"].unique().to_list() == ["node001"]


def test_dcgm_labels_with_escapes_commas_and_no_hostname():
    line = 'DCGM_FI_DEV_POWER_USAGE{modelName="A \\"quoted\\", model, gpu=\\"9\\"",gpu="2",UUID="GPU-x\\\\y",} 250 1727964311000'
    t = read_dcgm(line.encode(), host="caller-host")
    assert t.problems.is_empty()
    assert t.samples.row(0)[:3] == ("caller-host", 2, "GPU-x\\y")
    t = read_dcgm(line.encode())
    assert t.problems.row(0)[3] == "no host"


def test_dcgm_rejects_with_reasons():
    body = "\n".join(
        [
            dcgm_line("POWER_USAGE", 0, "312.5"),  # 1: no time at all
            "# scraped_at not-a-time",  # 2
            dcgm_line("POWER_USAGE", 0, "312.5"),  # 3: under an unreadable marker
            "# scraped_at 2024-10-03T14:05:21Z",
            dcgm_line("POWER_USAGE", 0, "NaN"),  # 5
            dcgm_line("POWER_USAGE", 0, "lots"),  # 6
            'DCGM_FI_DEV_POWER_USAGE{gpu="0" UUID="x"} 1',  # 7: malformed labels
            'DCGM_FI_DEV_POWER_USAGE{UUID="x",Hostname="h"} 1',  # 8: no gpu label
            "this is not prometheus",  # 9
            dcgm_line("POWER_USAGE", 0, "300"),  # 10: kept
            dcgm_line("POWER_USAGE", 0, "301"),  # 11: the same GPU, metric and time again
        ]
    )
    t = read_dcgm(body.encode())
    assert t.samples["_line"].to_list() == [10]
    reasons = dict(t.problems.select("line", "reason").rows())
    assert reasons == {
        1: "no timestamp",
        2: "unreadable scrape time",
        3: "no timestamp",
        5: "value out of range",
        6: "not a number",
        7: "malformed label block",
        8: "no gpu label",
        9: "not a Prometheus sample line",
        11: "repeated sample",
    }


def test_dcgm_caller_scrape_time_only_for_a_single_scrape():
    one = "\n".join([dcgm_line("POWER_USAGE", 0, "300"), dcgm_line("POWER_USAGE", 1, "310")])
    at = datetime(2024, 10, 3, 16, 5, 0, tzinfo=timezone(timedelta(hours=2)))
    t = read_dcgm(one.encode(), scraped_at=at)
    assert t.samples["sampled_at"].to_list() == [datetime(2024, 10, 3, 14, 5, tzinfo=timezone.utc)] * 2
    two = one + "\n" + dcgm_line("POWER_USAGE", 0, "305")
    t = read_dcgm(two.encode(), scraped_at=at)
    assert set(t.problems["reason"]) == {"several scrapes share the caller's scrape time"}
    assert t.samples["gpu_index"].to_list() == [1]
    with pytest.raises(ValueError, match="aware"):
        read_dcgm(one.encode(), scraped_at=datetime(2024, 10, 3))


# --- the shipped examples -------------------------------------------------------------


def _run(run_id):
    with open(EXAMPLES / "cluster_logs" / "team_runs_2024-10.csv", newline="") as f:
        return next(r for r in csv.DictReader(f) if r["run_id"] == run_id)


def test_example_nvidia_smi_covers_run_oct24_0363():
    run = _run("oct24-0363")
    assert run["hosts"] == "fra-dc-node[004-004]" and run["gpu_count"] == "2"
    t = read_nvidia_smi(SMI_FILE.read_bytes(), host=host_from_filename(SMI_FILE), timezone_name="Europe/Berlin")
    assert 300 <= t.samples.height <= 500
    assert t.problems.select("reason").to_series().to_list() == ["power not reported"]
    a = sample_arrays(t.samples)
    assert a.devices["gpu_index"].to_list() == [0, 1]
    start, end = utc(run["started_at"]), utc(run["ended_at"])
    assert a.t_s.min() < start and a.t_s.max() > end
    e = window_energy_kwh(a.device, a.t_s, a.power_w, [0, 1], start, end)
    # a 4-minute logger restart inside the run, and GPU 1's [N/A] makes a 60.03 s interval
    assert (e.gap_s > 240).all() and e.gap_s[1] > e.gap_s[0] and (e.outside_s == 0).all()
    mean_power_w = e.energy_kwh * 3.6e6 / e.covered_s
    assert ((mean_power_w > 230) & (mean_power_w < 300)).all()


def _energy_counter(path, devices):
    """The file's DCGM energy-counter readings (device code, epoch s, mJ), read here for the
    cross-check: ingest does not keep the counter. Times come from the '# scraped_at' lines."""
    code = dict(zip(devices["gpu_index"].to_list(), devices["device"].to_list(), strict=True))
    device, t_s, energy_mj, at = [], [], [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# scraped_at "):
            at = datetime.fromisoformat(line.split()[2].replace("Z", "+00:00")).timestamp()
        elif line.startswith("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{"):
            gpu = int(line.split('gpu="', 1)[1].split('"', 1)[0])
            device.append(code[gpu])
            t_s.append(at)
            energy_mj.append(float(line.rsplit("}", 1)[1].split()[0]))
    return np.array(device, dtype=np.int64), np.array(t_s), np.array(energy_mj)


def test_example_dcgm_covers_run_oct24_0351_and_power_agrees_with_the_counter():
    run = _run("oct24-0351")
    assert run["hosts"] == "tx-colo-2-node[032-032]" and run["gpu_count"] == "4"
    t = read_dcgm(DCGM_FILE.read_bytes())
    assert t.problems.is_empty()
    a = sample_arrays(t.samples)
    assert a.devices["host"].unique().to_list() == ["tx-colo-2-node032"] and a.devices.height == 4
    start, end = utc(run["started_at"]), utc(run["ended_at"])
    by_power = window_energy_kwh(a.device, a.t_s, a.power_w, np.arange(4), start, end)
    device, t_s, energy_mj = _energy_counter(DCGM_FILE, a.devices)
    # the counter's rise over the run, each device's counter interpolated at the run's edges
    by_counter_mj = np.array([np.diff(np.interp([start, end], t_s[device == d], energy_mj[device == d]))[0]
                              for d in range(4)])
    assert (by_power.gap_s == 0).all() and (by_power.outside_s == 0).all()
    assert_allclose(by_power.energy_kwh, by_counter_mj / 3.6e9, rtol=0.03)


def test_example_generator_is_deterministic(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("generate_telemetry", TELEMETRY / "generate_telemetry.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    monkeypatch.setattr(gen, "HERE", tmp_path)
    gen.nvidia_smi()
    gen.dcgm()
    for shipped in (SMI_FILE, DCGM_FILE):
        assert (tmp_path / shipped.name).read_bytes() == shipped.read_bytes()
