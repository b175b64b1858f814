"""Compute through the store: factor resolution and its basis, invariants of run_footprints."""

import polars as pl
import pytest

from conftest import EXAMPLES, HEADER
from wattledger.compute import CODE_VERSION, compute_footprints, inputs_sha
from wattledger.compute.batch import attribute_telemetry, by_run_id, increasing, run_tdp
from wattledger.factors import FactorLibrary, normalise_model
from wattledger.pipeline import ingest_paths
from wattledger.resources import sql_text
from wattledger.store import queued_batch

ROW = "{id},t,p,2024-10-01T00:00:00Z,2024-10-01T10:00:00Z,{model},2,{power},{pue},FR\n"


def _ingest(con, write, *rows):
    ingest_paths(con, [write("runs.csv", HEADER + "\n" + "".join(ROW.format(**r) for r in rows))])


def test_power_basis_logged_then_tdp_via_any_spelling(con, write):
    _ingest(con, write,
            {"id": "logged", "model": "H100-SXM", "power": 500, "pue": 1.2},
            {"id": "tdp", "model": "NVIDIA H100 80GB HBM3", "power": "", "pue": ""},
            {"id": "unknown", "model": "Quantum-X9000", "power": "", "pue": ""})
    result = compute_footprints(con)
    assert (result.computed, result.unresolved) == (2, 1)
    rows = {r[0]: r[1:] for r in con.sql(
        "select run_id, power_w, power_basis, energy_it_kwh, pue_basis, intensity_basis, price_basis from run_footprints").fetchall()}
    assert rows["logged"][:3] == (500.0, "logged", pytest.approx(20 * 500 / 1000))
    assert rows["tdp"][:2] == (700.0, "tdp")  # H100 SXM datasheet: 700 W
    assert rows["tdp"][3] == "default:unknown" and rows["logged"][3] == "logged"
    assert rows["tdp"][4] == "region"  # FR, 2024 (Ember via OWID)
    assert rows["tdp"][5] == "region"  # Eurostat FR band ID, 2024-S2
    reason = con.sql("select reason from unresolved_runs where run_id = 'unknown'").fetchall()[0][0]
    assert "Quantum-X9000" in reason and "gpu_power.csv" in reason


def test_defaults_are_the_documented_table_rows(con, write):
    lib = FactorLibrary()
    assert lib.default_pue.value == pytest.approx(1.56)  # Uptime Institute 2024
    assert lib.default_intensity.year >= 2024 and 0.3 < lib.default_intensity.value < 0.6
    price, currency, tariff = lib.default_price
    assert currency == "USD" and tariff.startswith("eia861:US:industrial")


def test_view_invariants_and_bounds(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    compute_footprints(con)
    bad = con.sql("""
        select count(*) from run_footprints
        where abs(energy_kwh - energy_it_kwh * pue) > 1e-9 * energy_kwh
           or abs(co2e_kg - energy_kwh * intensity_kg_per_kwh) > 1e-9 * co2e_kg
           or abs(energy_mwh * 1000 - energy_kwh) > 1e-9 * energy_kwh
           or not (energy_mwh_low <= energy_mwh and energy_mwh <= energy_mwh_high)
           or not (co2e_t_low <= co2e_t and co2e_t <= co2e_t_high)
           or not (energy_cost_low <= energy_cost and energy_cost <= energy_cost_high)
           or power_basis is null or intensity_basis is null or intensity_source is null
    """).fetchall()[0][0]
    assert bad == 0
    n_runs = con.sql("select count(*) from runs").fetchall()[0][0]
    assert con.sql("select count(*) from run_footprints").fetchall()[0][0] == n_runs


def test_compute_is_incremental_and_follows_the_factor_set(con, write, tmp_path):
    _ingest(con, write, {"id": "a", "model": "H100-SXM", "power": 500, "pue": 1.2})
    first = compute_footprints(con)
    assert first.computed == 1
    assert compute_footprints(con).computed == 0  # nothing new: no kernel work
    assert compute_footprints(con, recompute_all=True).computed == 1
    con.execute("update footprint_values set factor_set = 'old'")
    again = compute_footprints(con)  # another factor set, the same inputs for this run: no kernel work
    assert (again.computed, again.unchanged) == (0, 1)
    assert con.execute("select factor_set from footprints").fetchall() == [(again.factor_set,)]
    con.execute("update footprint_values set factor_set = 'old', inputs_sha = 'stale'")
    assert compute_footprints(con).computed == 1  # inputs changed: recomputed


def test_market_based_beside_location_based(con):
    from wattledger.pipeline import load_site_file

    ingest_paths(con, [EXAMPLES / "cluster_logs"])
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    compute_footprints(con)
    rows = con.sql("""
        select datacenter, market_basis, any_value(market_covered_share), any_value(market_factor_kg_per_kwh),
               max(abs(co2e_market_t - energy_mwh * (1 - market_covered_share) * market_factor_kg_per_kwh)),
               max(abs(co2e_market_t - co2e_t)), sum(co2e_market_t)
        from run_footprints group by all order by datacenter""").fetchall()
    by_dc = {r[0]: r[1:] for r in rows}
    assert by_dc["ca-colo-1"][:3] == ("instruments:residual_mix", 0.5, 0.30)  # 50 % RECs, residual mix
    assert by_dc["fra-dc"][0] == "instruments:full_coverage" and by_dc["fra-dc"][5] == 0.0  # wind PPA
    assert by_dc["aws-use1"][0] == "no_instruments:grid_average" and by_dc["aws-use1"][4] == pytest.approx(0.0, abs=1e-12)
    assert all(r[3] < 1e-9 for r in by_dc.values())  # the formula holds for every run


def test_instruments_apply_only_to_runs_of_their_vintage_and_bounds_follow_the_grid(con, write):
    """Issue 16: a 2022 run was credited with 2024 RECs; market bounds ignored the grid factor's spread."""
    from wattledger.pipeline import load_site_file

    site = write("dc.yaml", "datacenters:\n"
                 "  recs: {region: US-CAL-CISO, market: {renewable_coverage_share: 0.5, residual_mix_kg_per_kwh: 0.3,"
                 " vintage_year: 2024, source: 2024 RECs}}\n"
                 "  old-recs: {region: DE, market: {renewable_coverage_share: 0.5, residual_mix_kg_per_kwh: 0.3, source: RECs}}\n"
                 "  none: {region: DE}\n")
    rows = [("in-year", "2024", "recs"), ("other-year", "2022", "recs"), ("unstated", "2024", "old-recs"), ("grid", "2030", "none")]
    text = "run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,datacenter\n" + "".join(
        f"{i},t,p,{y}-03-01T00:00:00Z,{y}-03-01T10:00:00Z,H100-SXM,1,500,{dc}\n" for i, y, dc in rows)
    ingest_paths(con, [write("runs.csv", text)])
    load_site_file(con, site)
    compute_footprints(con)
    got = {r[0]: r[1:] for r in con.sql(
        "select run_id, market_basis, market_covered_share, market_source, co2e_market_t_low, co2e_market_t, co2e_market_t_high, "
        "co2e_t_low, co2e_t, co2e_t_high from run_footprints").fetchall()}
    assert got["in-year"][:2] == ("instruments:residual_mix", 0.5)
    assert got["other-year"][:2] == ("instruments_not_applied:vintage", 0.0)
    assert "vintage 2024 not applied to a run of 2022" in got["other-year"][2]
    assert got["other-year"][3:6] == pytest.approx(got["other-year"][6:9], rel=1e-12)  # the grid average, with its bounds
    assert got["unstated"][0] == "instruments:residual_mix:vintage_unstated"
    low, central, high, loc_low, loc, loc_high = got["grid"][3:]
    assert (low, central, high) == pytest.approx((loc_low, loc, loc_high), rel=1e-12) and low < central  # DE 2030: a span


def test_tracker_energy_is_a_measured_basis(con):
    ingest_paths(con, [EXAMPLES / "codecarbon"])
    compute_footprints(con)
    rows = con.sql("""
        select r.measured_it_energy_kwh, f.energy_it_kwh, f.power_basis, f.power_source, f.energy_kwh, f.pue,
               f.energy_it_kwh_low, f.energy_it_kwh_high, r.gpu_count
        from runs r join footprints f using (run_id)""").fetchall()
    assert rows
    for measured, it, basis, source, facility, pue, low, high, gpus in rows:
        # GPU runs: the tracker's GPU part over the GPU-hours; machine runs (no discrete GPU): no GPU power
        assert (basis, source.startswith("codecarbon")) == ("measured", True) if gpus else basis == "no_gpu"
        assert it == pytest.approx(measured, rel=1e-12)  # the tracker's energy, not a TDP estimate
        assert facility == pytest.approx(measured * pue, rel=1e-12)  # PUE applied once, by wattledger
        assert low == pytest.approx(0.9 * measured) and high == pytest.approx(1.1 * measured)


def test_hourly_series_replace_the_annual_factor_over_the_run(con):
    from datetime import datetime, timezone

    ingest_paths(con, [EXAMPLES / "grid_hourly"])
    compute_footprints(con)
    got = {r[0]: r[1:] for r in con.sql(
        "select run_id, intensity_kg_per_kwh, intensity_basis, intensity_hourly_coverage, co2e_kg, energy_kwh "
        "from run_footprints").fetchall()}
    lib = FactorLibrary()
    ciso = lib.hourly_series("US-CAL-CISO")
    hours = ciso.filter((pl.col("hour_start_utc") >= datetime(2022, 7, 12, 17, tzinfo=timezone.utc))
                        & (pl.col("hour_start_utc") < datetime(2022, 7, 12, 23, tzinfo=timezone.utc)))
    assert hours.height == 6
    value, basis, coverage, co2e, energy = got["h22-ciso-solar-noon"]
    assert (basis, coverage) == ("hourly", 1.0)
    assert value == pytest.approx(hours["intensity_kg_per_kwh"].mean(), rel=1e-9)  # constant power: the plain mean
    assert co2e == pytest.approx(energy * value, rel=1e-12)
    # across the end of the series: 11 of 24 hours covered, the rest at the annual factor
    value, basis, coverage, *_ = got["h22-miso-newyear"]
    miso = lib.hourly_series("US-MIDW-MISO")
    tail = miso.filter(pl.col("hour_start_utc") >= datetime(2022, 12, 31, 12, tzinfo=timezone.utc))["intensity_kg_per_kwh"]
    annual = miso["intensity_kg_per_kwh"].mean()
    assert (basis, coverage) == ("hourly_partial", pytest.approx(11 / 24))
    assert value == pytest.approx(11 / 24 * tail.mean() + 13 / 24 * annual, rel=1e-9)
    # daytime solar in California is cleaner than night: the hourly figure sees it
    assert got["h22-ciso-solar-noon"][0] < annual_ciso(lib) < got["h22-ciso-night"][0]


def annual_ciso(lib):
    return lib.hourly_series("US-CAL-CISO")["intensity_kg_per_kwh"].mean()


# --- the batch preparation's shortcuts give what the plain way gives ---------------------------


def _queue_of_all_runs(con, order: str) -> None:
    """A compute queue of one batch holding every run, stored in ``order``."""
    con.execute("create or replace temp view queue_runs as " + sql_text("queries/compute/queue_runs.sql"))
    con.execute("create or replace temp table compute_queue as select 0 as batch, false as has_footprint, "
                f"* exclude (batch, has_footprint) from ({sql_text('queries/compute/compute_queue.sql')}) order by {order}",
                {"factor_set": "?", "recompute_all": True, "batch_runs": 10**9, "has_samples": False})


def test_a_batch_is_read_by_run_id_whatever_order_the_queue_comes_back_in(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    ids = sorted(r[0] for r in con.sql("select run_id from runs").fetchall())
    for order in ("run_id", "run_id desc", "hash(run_id)"):  # stored in order, reversed, shuffled
        _queue_of_all_runs(con, order)
        assert by_run_id(queued_batch(con, 0))["run_id"].to_list() == ids
    assert not increasing(pl.Series(["a", "a"])) and not increasing(pl.Series(["a", None, "b"]))
    assert increasing(pl.Series(["a", "b"])) and increasing(pl.Series([], dtype=pl.String))


def test_runs_without_power_samples_get_the_columns_attribution_would_give(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    _queue_of_all_runs(con, "run_id")
    runs, lib = by_run_id(queued_batch(con, 0)), FactorLibrary()
    without, no_pieces = attribute_telemetry(con, runs, lib, has_samples=False)
    attributed, pieces = attribute_telemetry(con, runs, lib, has_samples=True)  # no samples stored: attribution finds none
    assert without.equals(attributed) and without.schema == attributed.schema
    assert no_pieces.equals(pieces) and no_pieces.schema == pieces.schema


def test_tdp_by_distinct_model_is_the_per_run_lookup(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"])
    runs = con.sql("select run_id, gpu_model from runs union all select 'no-model', null").pl()
    lib = FactorLibrary()
    per_run = runs.select("run_id", normalise_model(pl.col("gpu_model")).alias("model_key")).join(
        lib.gpu_aliases.select("model_key", "tdp_w"), on="model_key", how="left", maintain_order="left").select("run_id", "tdp_w")
    assert run_tdp(runs, lib).equals(per_run)
    assert per_run["tdp_w"].null_count() < per_run.height  # some models are known


def test_inputs_sha_text_is_code_version_and_two_row_hashes():
    """The stored text must not change for unchanged inputs (else every footprint looks changed)."""
    frame = pl.DataFrame({"run_id": ["a", "b", "c"], "factor_set": ["f"] * 3, "x": [1.5, None, -0.0],
                          "s": ["text", None, "other"]})
    inputs = frame.drop("run_id", "factor_set")
    expected = [f"{CODE_VERSION}:{h1}:{h2}" for h1, h2 in zip(inputs.hash_rows(seed=1), inputs.hash_rows(seed=2), strict=True)]
    sha = inputs_sha(frame)
    assert sha.name == "inputs_sha" and sha.to_list() == expected


def test_a_cloud_region_takes_its_zones_hourly_series(con, write):
    """Issue 16: aws:us-east-1 draws from PJM; a 2022 run there is refined by PJM's hourly series."""
    text = ("run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region\n"
            "use1,t,p,2022-06-01T00:00:00Z,2022-06-01T10:00:00Z,H100-SXM,1,500,1.2,aws:us-east-1\n"
            "pjm,t,p,2022-06-01T00:00:00Z,2022-06-01T10:00:00Z,H100-SXM,1,500,1.2,US-MIDA-PJM\n")
    ingest_paths(con, [write("runs.csv", text)])
    compute_footprints(con)
    got = {r[0]: r[1:] for r in con.sql(
        "select run_id, intensity_basis, intensity_region, intensity_kg_per_kwh from run_footprints").fetchall()}
    assert got["use1"][:2] == ("hourly", "US-MIDA-PJM") and got["pjm"][:2] == ("hourly", "US-MIDA-PJM")
    assert got["use1"][2] == pytest.approx(got["pjm"][2], rel=1e-12)
