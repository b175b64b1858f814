"""A run measured by DCGM's energy counter, through ingest -> compute -> run_footprints: the
counter's rise is the energy, a reset inside the run is a gap (filled at the run's measured
mean power like any gap), and a GPU without the counter is measured by its power trapezoid."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths

T0 = int(datetime(2024, 10, 1, 8, 0, tzinfo=timezone.utc).timestamp() * 1000)  # ms
RUN = ("run_id,started_at,ended_at,gpu_model,gpu_count,hosts\n"
       "c1,2024-10-01T08:00:00Z,2024-10-01T09:00:00Z,H100-SXM,{n},n1\n")
SECONDS = 3600


def _scrapes(gpus: dict[int, bool], reset_at_s: int | None = None, reset_every_s: int | None = None) -> str:
    """One scrape every 10 s over the hour: GPU g draws 300 W; power lines always, counter lines
    for the GPUs marked True: from 5e6 mJ, back to 0 at reset_at_s, or at every multiple of
    reset_every_s."""
    lines = []
    for k in range(0, SECONDS // 10 + 1):
        t_s = k * 10
        for g, counter in gpus.items():
            labels = f'gpu="{g}",UUID="GPU-{g}",Hostname="n1"'
            lines.append(f"DCGM_FI_DEV_POWER_USAGE{{{labels}}} 300 {T0 + t_s * 1000}")
            if counter:
                if reset_every_s is not None:
                    energy_j = 300.0 * (t_s % reset_every_s)
                elif reset_at_s is not None and t_s >= reset_at_s:
                    energy_j = 300.0 * (t_s - reset_at_s)
                else:
                    energy_j = 5000 + 300.0 * t_s
                lines.append(f"DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{{{labels}}} {energy_j * 1000:.0f} {T0 + t_s * 1000}")
    return "\n".join(lines) + "\n"


def _footprint(con, write, scrapes: str, gpus: int) -> dict:
    runs = write("runs/runs.csv", RUN.format(n=gpus))
    prom = write("tele/n1_dcgm.prom", scrapes)
    summary = ingest_paths(con, [runs, prom])
    assert not summary.refused
    compute_footprints(con)
    return con.sql("select energy_it_kwh, power_basis, power_source from run_footprints where run_id = 'c1'").pl().row(0, named=True)


def test_the_counter_measures_a_run(con, write):
    row = _footprint(con, write, _scrapes({0: True}), 1)
    assert row["power_basis"] == "measured" and "energy counter (DCGM total energy) of 1 GPU(s)" in row["power_source"]
    assert row["energy_it_kwh"] == pytest.approx(300 * SECONDS / 3.6e6, rel=1e-9)


def test_a_reset_inside_the_run_is_a_gap_not_a_negative_energy(con, write):
    row = _footprint(con, write, _scrapes({0: True}, reset_at_s=1805), 1)  # the interval 1800-1810 s holds the reset
    assert "energy counter" in row["power_source"] and "99.7% of the GPU-time covered" in row["power_source"]
    # 3590 s measured at 300 W, the 10 s gap at the run's measured mean power: 300 W over the hour
    assert row["energy_it_kwh"] == pytest.approx(300 * SECONDS / 3.6e6, rel=1e-9)


def test_a_counter_covering_less_than_the_power_samples_gives_way_to_them(con, write):
    """A reset every 100 s: the counter covers 90 % of the hour, the power samples all of it
    (COUNTER_MIN_SHARE 99 %): the trapezoid measures the run, and says so."""
    row = _footprint(con, write, _scrapes({0: True}, reset_every_s=100), 1)
    assert "power samples (trapezoid) of 1 GPU(s)" in row["power_source"]
    assert row["energy_it_kwh"] == pytest.approx(300 * SECONDS / 3.6e6, rel=1e-9)


def test_a_gpu_without_the_counter_is_measured_by_its_power(con, write):
    row = _footprint(con, write, _scrapes({0: True, 1: False}), 2)
    assert "energy counter on 1, power samples (trapezoid) on the rest of 2 GPU(s)" in row["power_source"]
    assert row["energy_it_kwh"] == pytest.approx(2 * 300 * SECONDS / 3.6e6, rel=1e-9)
