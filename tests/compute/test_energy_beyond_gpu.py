"""Energy beyond the GPUs, through the public interface: run log -> ingest -> compute -> run_footprints.

CPU-only runs, CPU cores x TDP per core (or the documented default), memory x W/GB, a tracker's
GPU/CPU/RAM parts, GPU runs whose figures stay what they were when nothing new applies, and the
kernel's physics: the parts add up to IT energy, bounds bracket the values.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wattledger.compute import compute_footprints
from wattledger.kernel import FootprintInputs, footprints
from wattledger.method import RAM_POWER_W_PER_GB, TDP_LOWER_FRACTION
from wattledger.pipeline import ingest_paths, parse_run_log

HEAD = ("run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,cpu_model,cpu_cores,cpu_power_w,ram_gb,"
        "measured_gpu_energy_kwh,measured_cpu_energy_kwh,measured_ram_energy_kwh,measured_energy_source,region")
T = "2024-10-01T00:00:00Z,2024-10-01T02:00:00Z"  # 2 h


def _rows(con, write, lines: list[str]) -> dict[str, dict]:
    s = ingest_paths(con, [write("runs.csv", HEAD + "\n" + "\n".join(lines) + "\n")])
    assert not s.refused and s.rejected == 0, s
    compute_footprints(con)
    frame = con.sql("select * from run_footprints").pl()
    return {r["run_id"]: r for r in frame.iter_rows(named=True)}


def test_cpu_only_runs_are_accounted_from_cores_and_memory(con, write):
    r = _rows(con, write, [
        f"prep,{T},,,,AMD EPYC 7763,64,,256,,,,,FR",        # in the table: 280 W / 64 cores = 4.4 W per core
        f"tok,{T},,,,Mystery CPU 9000,8,,,,,,,FR",           # unknown model: Green Algorithms' 12 W per core
        f"eval,{T},,,,,,150,,,,,,FR",                        # the run's CPUs logged at 150 W
    ])
    prep = r["prep"]
    assert (prep["gpu_count"], prep["gpu_hours"], prep["gpu_hours_basis"], prep["power_basis"]) == (None, 0.0, "no_gpu", "no_gpu")
    assert prep["energy_cpu_basis"] == "tdp_per_core" and "AMD EPYC 7763" in prep["energy_cpu_source"]
    assert prep["energy_cpu_kwh"] == pytest.approx(64 * 4.4 * 2 / 1000, rel=1e-12)
    assert prep["energy_cpu_kwh_low"] == pytest.approx(prep["energy_cpu_kwh"] * TDP_LOWER_FRACTION, rel=1e-12)
    assert prep["energy_ram_basis"] == "per_gb"
    assert prep["energy_ram_kwh"] == pytest.approx(256 * RAM_POWER_W_PER_GB * 2 / 1000, rel=1e-12)
    assert prep["energy_gpu_kwh"] == 0.0
    assert prep["energy_it_kwh"] == pytest.approx(prep["energy_cpu_kwh"] + prep["energy_ram_kwh"], rel=1e-12)
    assert prep["energy_kwh"] == pytest.approx(prep["energy_it_kwh"] * prep["pue"], rel=1e-12)
    assert prep["co2e_kg"] > 0 and prep["water_l"] > 0
    tok = r["tok"]
    assert tok["energy_cpu_basis"] == "default:per_core" and "Mystery CPU 9000" in tok["energy_cpu_source"]
    assert tok["energy_cpu_kwh"] == pytest.approx(8 * 12.0 * 2 / 1000, rel=1e-12)
    assert tok["energy_cpu_kwh_low"] < tok["energy_cpu_kwh"] < tok["energy_cpu_kwh_high"]
    assert tok["energy_ram_basis"] == "unknown" and tok["energy_ram_kwh"] is None
    ev = r["eval"]
    assert ev["energy_cpu_basis"] == "logged" and ev["energy_cpu_kwh"] == pytest.approx(0.3, rel=1e-12)


def test_gpu_runs_without_cpu_figures_keep_their_energy(con, write):
    r = _rows(con, write, [f"g1,{T},H100-SXM,8,650,,,,,,,,,FR", f"g2,{T},A100-SXM4-80GB,4,,,,,,,,,,US"])
    for run in r.values():
        assert run["energy_cpu_basis"] == "unknown" and run["energy_cpu_kwh"] is None and run["energy_ram_kwh"] is None
        assert run["energy_it_kwh"] == run["energy_gpu_kwh"]  # bit for bit: no part added
        assert run["energy_outside_gpu_kwh"] == 0.0
    assert r["g1"]["energy_it_kwh"] == 8 * 2.0 * 650.0 / 1000.0


def test_gpu_runs_with_host_cpus_add_them(con, write):
    r = _rows(con, write, [f"g,{T},H100-SXM,8,700,Intel Xeon Platinum 8480+,112,,2048,,,,,FR"])["g"]
    assert r["energy_gpu_kwh"] == pytest.approx(8 * 700 * 2 / 1000, rel=1e-12)
    assert r["energy_cpu_kwh"] == pytest.approx(112 * 350 / 56 * 2 / 1000, rel=1e-12)  # 56 cores, 350 W
    assert r["energy_it_kwh"] == pytest.approx(r["energy_gpu_kwh"] + r["energy_cpu_kwh"] + r["energy_ram_kwh"], rel=1e-12)
    assert r["energy_outside_gpu_kwh"] == pytest.approx(r["energy_cpu_kwh"] + r["energy_ram_kwh"], rel=1e-9)


def test_a_trackers_parts_set_the_gpu_power_and_the_other_parts(con, write):
    # 1 GPU over 2 h with 0.8 kWh: 400 W per device, never the whole machine's 1.6 kWh / 2 h
    r = _rows(con, write, [f"t,{T},RTX 4090,1,,,,,,0.8,0.6,0.2,codecarbon 2.8.3,FR"])["t"]
    assert (r["power_basis"], r["power_w"]) == ("measured", pytest.approx(400.0))
    assert r["power_source"] == "codecarbon 2.8.3 (GPU part)"
    assert (r["energy_cpu_basis"], r["energy_ram_basis"]) == ("measured", "measured")
    assert r["energy_it_kwh"] == pytest.approx(1.6, rel=1e-12)


def test_a_measured_total_with_only_its_gpu_part_keeps_the_rest_as_the_cpu_part(con, write):
    head = HEAD.replace("measured_energy_source", "measured_energy_source,measured_it_energy_kwh")
    s = ingest_paths(con, [write("runs.csv", head + "\n" + f"t,{T},RTX 4090,1,,,,,,0.8,,,meter,2.0,FR\n")])
    assert s.rejected == 0
    compute_footprints(con)
    r = con.sql("select * from run_footprints").pl().row(0, named=True)
    assert r["power_w"] == pytest.approx(400.0) and r["energy_cpu_basis"] == "measured_remainder"
    assert r["energy_cpu_kwh"] == pytest.approx(1.2) and r["energy_ram_basis"] == "included_in_cpu"
    assert r["energy_it_kwh"] == pytest.approx(2.0, rel=1e-12)


def test_codecarbon_machine_runs_and_gpu_power_per_device(con, write):
    head = ("timestamp,project_name,run_id,duration,emissions,cpu_energy,gpu_energy,ram_energy,energy_consumed,"
            "country_iso_code,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,ram_total_size")
    rows = [
        # a workstation: 1 x RTX 4090; the whole machine drew 9.6 kWh in 1 h, the GPU 0.42 kWh
        "2024-10-01T01:00:00,ws,a,3600.0,1.0,8.5,0.42,0.68,9.6,FRA,2.8.3,32,AMD Ryzen 9 7950X,1,1 x NVIDIA GeForce RTX 4090,64",
        # an Apple M1 laptop: its GPU is integrated (a machine run), its energy goes to the CPU part
        "2024-10-01T01:00:00,mac,b,3600.0,0.001,0.005,0.003,0.003,0.011,FRA,2.8.3,8,Apple M1,1,Apple M1,8",
        # a CPU-only server: gpu_count empty
        "2024-10-01T01:00:00,prep,c,3600.0,0.1,0.3,0.0,0.2,0.5,FRA,2.8.3,128,AMD EPYC 7763 64-Core Processor,,,512",
    ]
    s = ingest_paths(con, [write("cc/emissions.csv", head + "\n" + "\n".join(rows) + "\n")])
    assert s.rejected == 0 and s.loaded == 3
    compute_footprints(con)
    r = {x["run_id"]: x for x in con.sql("select * from run_footprints").pl().iter_rows(named=True)}
    ws = r["codecarbon:a"]
    assert ws["power_w"] == pytest.approx(420.0) and ws["power_w"] < 450  # not 9,600 W
    assert ws["energy_it_kwh"] == pytest.approx(9.6, rel=1e-9)
    mac = r["codecarbon:b"]
    assert (mac["gpu_count"], mac["gpu_model"], mac["power_basis"]) == (0, None, "no_gpu")
    assert mac["energy_cpu_kwh"] == pytest.approx(0.008) and "Apple M1 (not a discrete GPU)" in mac["energy_cpu_source"]
    assert mac["energy_it_kwh"] == pytest.approx(0.011)
    assert r["codecarbon:c"]["power_basis"] == "no_gpu" and r["codecarbon:c"]["energy_it_kwh"] == pytest.approx(0.5)


@pytest.mark.parametrize(("line", "column", "reason"), [
    (f"x,{T},,0,,,,,,,,,,FR", "gpu_count", "must be at least 1"),  # no GPU and nothing else: nothing to account
    (f"x,{T},,,,,0,,,,,,,FR", "cpu_cores", "must be greater than 0"),
    (f"x,{T},,,,,-4,,,,,,,FR", "cpu_cores", "must be greater than 0"),
    (f"x,{T},,,,,,,-1,,,,,FR", "ram_gb", "must be at least 0"),
    (f"x,{T},,,,,,,1e12,,,,,FR", "ram_gb", "above the sanity ceiling of 1e+08"),
    (f"x,{T},,,,,,,,,0.5,,,FR", "measured_energy_source", "a measured energy needs measured_energy_source "
                                                          "(the tracker or meter that measured it)"),
])
def test_bad_cpu_and_memory_values_are_rejected_with_the_column(write, line, column, reason):
    p = parse_run_log(write("bad.csv", HEAD + "\n" + line + "\n"))
    assert (column, reason) in [(r[0], r[1]) for r in p.problems.select("column_name", "reason").rows()]
    assert p.runs.num_rows == 0


def _inputs(n, rng, **override):
    x = dict(
        gpu_hours=rng.uniform(0, 1e4, n), power_w=rng.uniform(50, 1000, n), pue=rng.uniform(1, 2, n),
        intensity_kg_per_kwh=rng.uniform(0, 1, n), price_per_kwh=rng.uniform(0, 0.3, n),
        market_covered_share=rng.uniform(0, 1, n), market_factor_kg_per_kwh=rng.uniform(0, 1, n),
    )
    x |= dict(power_low_w=x["power_w"] * 0.5, power_high_w=x["power_w"], pue_low=x["pue"], pue_high=x["pue"] * 1.1,
              intensity_low_kg_per_kwh=x["intensity_kg_per_kwh"] * 0.9, intensity_high_kg_per_kwh=x["intensity_kg_per_kwh"] * 1.1)
    return FootprintInputs(**(x | override))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_parts_sum_to_it_energy_and_bounds_bracket(n, seed):
    rng = np.random.default_rng(seed)
    cpu, ram = rng.uniform(0, 500, n), rng.uniform(0, 50, n)
    wue, water = rng.uniform(0, 3, n), rng.uniform(0, 20, n)
    x = _inputs(n, rng, cpu_kwh=cpu, cpu_low_kwh=cpu * 0.5, cpu_high_kwh=cpu * 1.5, ram_kwh=ram, ram_low_kwh=ram * 0.5,
                ram_high_kwh=ram * 1.5, wue_l_per_kwh=wue, wue_low_l_per_kwh=wue * 0, wue_high_l_per_kwh=wue * 2,
                water_intensity_l_per_kwh=water, water_intensity_low_l_per_kwh=water * 0.2,
                water_intensity_high_l_per_kwh=water * 1.1)
    out = footprints(x)
    np.testing.assert_allclose(out["energy_it_kwh"], out["energy_gpu_kwh"] + cpu + ram, rtol=1e-12)
    np.testing.assert_allclose(out["water_l"], out["water_onsite_l"] + out["water_offsite_l"], rtol=1e-12)
    np.testing.assert_allclose(out["water_onsite_l"], out["energy_it_kwh"] * wue, rtol=1e-12)
    np.testing.assert_allclose(out["water_offsite_l"], out["energy_kwh"] * water, rtol=1e-12)
    for name in ("energy_gpu_kwh", "energy_it_kwh", "energy_kwh", "water_l", "water_onsite_l", "water_offsite_l"):
        assert (out[name + "_low"] <= out[name] * (1 + 1e-12)).all() and (out[name] <= out[name + "_high"] * (1 + 1e-12)).all()
        assert (out[name + "_low"] >= 0).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_without_other_parts_the_gpu_figures_are_bit_for_bit_the_same(n, seed):
    rng = np.random.default_rng(seed)
    x = _inputs(n, rng)
    plain = footprints(x)
    zeros = np.zeros(n)
    with_zero_parts = footprints(_inputs(n, np.random.default_rng(seed), cpu_kwh=zeros, cpu_low_kwh=zeros, cpu_high_kwh=zeros,
                                         ram_kwh=zeros, ram_low_kwh=zeros, ram_high_kwh=zeros))
    for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost"):
        assert plain[name].tobytes() == with_zero_parts[name].tobytes()
    assert plain["energy_it_kwh"].tobytes() == plain["energy_gpu_kwh"].tobytes()
    assert np.isnan(plain["water_l"]).all()  # no water inputs: no water figure, never 0
    # IT energy is gpu_hours x power / 1000, operation for operation as before the split
    assert (plain["energy_it_kwh"] == x.gpu_hours * x.power_w / 1000.0).all()
