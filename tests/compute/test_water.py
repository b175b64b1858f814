"""Water through the public interface: run log + site file -> compute -> run_footprints, and the report.

On site = IT energy x WUE (logged > site file > the cloud's fleet figure > the default), off site =
facility energy x the water consumed per kWh of the country's generation (else the world's), with
bounds; a tracker's own water figure kept beside, never summed.
"""

import polars as pl
import pytest

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.report import gather, render, scope_for
from wattledger.resources import resource_dir

HEAD = "run_id,started_at,ended_at,gpu_model,gpu_count,avg_power_w,region,datacenter,wue_l_per_kwh,cpu_cores"
T = "2024-10-01T00:00:00Z,2024-10-01T10:00:00Z"
SITES = """
datacenters:
  wet:
    region: US-TEX-ERCO
    pue: 1.3
    pue_source: "test"
    wue: 1.2
    wue_source: "operator's 2024 water report (test)"
"""


@pytest.fixture
def footprints(con, write):
    load_site_file(con, write("datacenters.yaml", SITES))
    lines = [
        f"logged,{T},H100-SXM,8,600,FR,,0.5,",
        f"site,{T},H100-SXM,8,600,,wet,,",
        f"aws,{T},H100-SXM,8,600,aws:us-east-1,,,",
        f"azure,{T},H100-SXM,8,600,azure:westeurope,,,",
        f"none,{T},H100-SXM,8,600,,,,",
        f"cpu,{T},,,,DE,,,32",
    ]
    s = ingest_paths(con, [write("runs.csv", HEAD + "\n" + "\n".join(lines) + "\n")])
    assert s.rejected == 0
    compute_footprints(con)
    frame = con.sql("select * from run_footprints").pl()
    return {r["run_id"]: r for r in frame.iter_rows(named=True)}


def test_wue_ladder_and_water_intensity(footprints):
    f = footprints
    assert {k: v["wue_basis"] for k, v in f.items()} == {
        "logged": "logged", "site": "datacenter", "aws": "provider:aws", "azure": "provider:azure",
        "none": "default:unknown", "cpu": "default:unknown"}
    assert f["logged"]["wue_l_per_kwh"] == 0.5
    assert f["site"]["wue_l_per_kwh"] == 1.2 and "operator's 2024 water report" in f["site"]["wue_source"]
    assert f["aws"]["wue_l_per_kwh"] == 0.18 and (f["aws"]["wue_low_l_per_kwh"], f["aws"]["wue_high_l_per_kwh"]) == (0.18, 0.25)
    assert f["azure"]["wue_l_per_kwh"] == 0.30
    assert (f["none"]["wue_l_per_kwh"], f["none"]["wue_low_l_per_kwh"], f["none"]["wue_high_l_per_kwh"]) == (1.8, 0.0, 3.6)
    table = pl.read_csv(resource_dir("grid_intensity") / "water_intensity.csv")
    per_kwh = dict(zip(table["region"], table["water_l_per_kwh"], strict=True))
    assert f["logged"]["water_intensity_basis"] == "country" and f["logged"]["water_intensity_l_per_kwh"] == per_kwh["FR"]
    assert f["site"]["water_intensity_l_per_kwh"] == per_kwh["US"]  # the zone's country
    assert f["none"]["water_intensity_basis"] == "default:WORLD" and f["none"]["water_intensity_l_per_kwh"] == per_kwh["WORLD"]
    assert f["cpu"]["water_l"] > 0  # a CPU-only run has water too


def test_water_is_on_site_plus_off_site_with_bounds(footprints):
    for r in footprints.values():
        assert r["water_onsite_l"] == pytest.approx(r["energy_it_kwh"] * r["wue_l_per_kwh"], rel=1e-12)
        assert r["water_offsite_l"] == pytest.approx(r["energy_kwh"] * r["water_intensity_l_per_kwh"], rel=1e-12)
        assert r["water_l"] == pytest.approx(r["water_onsite_l"] + r["water_offsite_l"], rel=1e-12)
        for name in ("water_l", "water_onsite_l", "water_offsite_l"):
            assert 0 <= r[name + "_low"] <= r[name] <= r[name + "_high"]
        assert r["household_water_days"] == pytest.approx(r["water_l"] / (300 * 3.785411784), rel=1e-12)
    # 8 x 600 W x 10 h = 48 kWh IT; x 1.2 L/kWh on site at the wet site
    assert footprints["site"]["water_onsite_l"] == pytest.approx(48 * 1.2)


def test_report_shows_the_split_and_water(con, footprints):
    text = render(gather(con, scope_for(None)), db_label="test.duckdb")
    assert "## Energy beyond the GPUs: CPUs and memory" in text and "Energy outside GPUs:" in text
    assert "| CPUs |" in text and "tdp\\_per\\_core" not in text  # no CPU model given: the default per core
    assert "default:per\\_core" in text
    assert "## Water" in text and "L of water" in text and "days of an average US family's home water use" in text
    assert "| datacenter | country |" in text  # the WUE basis and the water-intensity basis of the wet site
