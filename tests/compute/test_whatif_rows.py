"""What-if rows as compute stores them (view run_whatif), against hand computations from the
shipped hourly files: timing, series edges, placement, cost, and when they are recomputed."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from conftest import REPO
from wattledger.compute import compute_footprints
from wattledger.compute.whatif import ensure_whatif
from wattledger.pipeline import ingest_paths, load_site_file

EM = pl.read_csv(REPO / "grid_intensity" / "hourly_electricitymaps_2024.csv")
PRICES = pl.read_csv(REPO / "tariffs" / "wholesale_prices_2024.csv")

SITES = """datacenters:
  tx:
    region: US-TEX-ERCO
    pue: 1.2
    pue_source: "test"
    price: {market: US-TEX-ERCO, adder_per_kwh: 0.03}
  de:
    region: DE
    pue: 1.3
    pue_source: "test"
    price_per_kwh: 0.2
    currency: EUR
    price_source: "test contract"
"""
RUNS = """run_id,team,started_at,ended_at,gpu_model,gpu_count,avg_power_w,region,datacenter
r-tx,a,2024-06-10T18:00:00Z,2024-06-10T22:00:00Z,H100-SXM,8,600,,tx
r-edge,a,2024-01-01T03:00:00Z,2024-01-01T05:00:00Z,H100-SXM,8,600,,tx
r-fr,b,2024-06-10T18:00:00Z,2024-06-10T22:00:00Z,H100-SXM,8,600,FR,
r-ciso,b,2024-06-10T18:30:00Z,2024-06-10T20:00:00Z,H100-SXM,8,600,US-CAL-CISO,
"""


def hours(table: pl.DataFrame, column: str, first: str, n: int) -> list[float]:
    i = table["hour_start_utc"].to_list().index(first)
    return table[column][i: i + n].to_list()


@pytest.fixture
def db(con, write):
    load_site_file(con, write("sites.yaml", SITES))
    ingest_paths(con, [write("runs.csv", RUNS)])
    result = compute_footprints(con)
    assert result.whatif is not None and result.whatif.runs == 4
    return con


def row(con, run_id: str, window: int = 12) -> dict:
    return con.sql("select * from run_whatif where run_id = $r and window_hours = $w",
                   params={"r": run_id, "w": window}).pl().row(0, named=True)


def test_best_start_is_the_brute_force_minimum(db):
    r = row(db, "r-tx")
    energy = db.sql("select energy_kwh from run_footprints where run_id = 'r-tx'").fetchall()[0][0]
    # the run: 4 whole hours from 18:00; the shifts k = -12..12 start at 06:00..(+1 day) 06:00
    series = hours(EM, "US-TEX-ERCO", "2024-06-10T06:00:00Z", 28)
    co2e = {k: energy * sum(series[12 + k: 16 + k]) / 4 for k in range(-12, 13)}
    best_k = min(co2e, key=lambda k: (co2e[k], abs(k), k))
    assert r["timing_status"] == "compared" and (r["candidates"], r["candidates_covered"]) == (25, 25)
    assert r["co2e_kg_now"] == pytest.approx(co2e[0], rel=1e-12)
    assert r["co2e_kg_now"] == pytest.approx(r["co2e_kg"], rel=1e-12)  # constant power: the footprint itself
    assert r["co2e_kg_best"] == pytest.approx(co2e[best_k], rel=1e-12) and r["best_shift_h"] == best_k
    assert r["best_started_at"] == r["started_at"] + timedelta(hours=best_k)
    assert r["co2e_kg_saved"] == pytest.approx(co2e[0] - co2e[best_k], rel=1e-9, abs=1e-9) and r["co2e_kg_saved"] >= 0
    # market-indexed: the cost at the best start is the hourly market price there + the same adder
    p = [v / 1000 for v in hours(PRICES, "US-TEX-ERCO", "2024-06-10T06:00:00Z", 28)]
    assert r["energy_cost_best"] == pytest.approx(energy * (sum(p[12 + best_k: 16 + best_k]) / 4 + 0.03), rel=1e-9)
    assert r["energy_cost_now"] == pytest.approx(energy * (sum(p[12:16]) / 4 + 0.03), rel=1e-9)


def test_candidates_before_the_series_start_are_skipped_and_counted(db):
    r = row(db, "r-edge")  # 03:00 on Jan 1: shifts -4..-12 start in 2023, before the 2024 series
    assert (r["candidates"], r["candidates_covered"], r["timing_status"]) == (25, 16, "compared")
    assert r["best_shift_h"] >= -3
    fr = row(db, "r-fr")
    assert fr["timing_status"] == "no hourly series for its region" and fr["co2e_kg_best"] is None
    assert fr["best_datacenter"] is None  # not a run of a site-file datacenter: not placed


def test_placement_takes_each_datacenter_at_the_run_own_time(db):
    r = row(db, "r-tx")
    it = db.sql("select energy_it_kwh from run_footprints where run_id = 'r-tx'").fetchall()[0][0]
    de = it * 1.3 * sum(hours(EM, "DE-LU", "2024-06-10T18:00:00Z", 4)) / 4
    tx = it * 1.2 * sum(hours(EM, "US-TEX-ERCO", "2024-06-10T18:00:00Z", 4)) / 4
    assert tx == pytest.approx(r["co2e_kg"], rel=1e-12)  # its own datacenter reproduces its footprint
    assert r["datacenters_compared"] == 2
    assert r["co2e_kg_best_datacenter"] == pytest.approx(min(de, tx), rel=1e-12)
    assert r["best_datacenter"] == ("de" if de < tx else "tx")
    if r["best_datacenter"] == "de":
        assert (r["energy_cost_best_datacenter"], r["currency_best_datacenter"]) == (pytest.approx(it * 1.3 * 0.2), "EUR")
    assert r["co2e_kg_saved_placement"] == pytest.approx(max(r["co2e_kg"] - min(de, tx), 0.0), abs=1e-9)


def test_other_windows_on_demand_and_no_recompute_when_nothing_changed(db):
    assert ensure_whatif(db, 12) is None  # current already
    done = ensure_whatif(db, 2)
    assert done is not None and done.window_hours == 2
    r = row(db, "r-ciso", 2)
    assert r["candidates"] == 5 and r["best_datacenter"] is None
    assert abs(r["best_shift_h"]) <= 2 and r["co2e_kg_saved"] >= 0
    assert compute_footprints(db).whatif is None  # nothing new: the stored rows stand
    invariants = db.sql("select count(*) from run_whatif where co2e_kg_saved < 0 or co2e_kg_saved_placement < 0 "
                        "or (timing_status = 'compared' and co2e_kg_best > co2e_kg_now * (1 + 1e-12))").fetchall()[0][0]
    assert invariants == 0


def test_only_new_or_recomputed_runs_are_computed_again(db, write):
    before = db.sql("select run_id, computed_at from whatif_results where window_hours = 12 order by run_id").fetchall()
    ingest_paths(db, [write("more.csv", "run_id,team,started_at,ended_at,gpu_model,gpu_count,avg_power_w,region,datacenter\n"
                                        "r-gb,c,2024-03-01T00:00:00Z,2024-03-01T05:00:00Z,H100-SXM,8,600,GB,de\n")])
    result = compute_footprints(db)
    assert result.whatif is not None and result.whatif.runs == 1  # the new run only; the others' rows stand
    after = dict(db.sql("select run_id, computed_at from whatif_results where window_hours = 12").fetchall())
    assert all(after[run_id] == at for run_id, at in before) and "r-gb" in after
    gb = row(db, "r-gb")
    assert gb["timing_status"] == "compared" and gb["datacenters_compared"] == 2
    ensure_whatif(db, 3)
    compute_footprints(db, recompute_all=True)  # every window replaced whole under the new computation
    assert_one_row_per_run_and_window(db)


def test_a_compute_cut_off_after_its_batches_leaves_the_what_if_with_the_footprints(db, write, monkeypatch):
    import wattledger.compute.run as compute_run

    def cut_off(*args, **kwargs):
        raise KeyboardInterrupt("cut off after the footprints, before the what-if refresh")

    ingest_paths(db, [write("more.csv", "run_id,team,started_at,ended_at,gpu_model,gpu_count,avg_power_w,region,datacenter\n"
                                        "r-gb,c,2024-03-01T00:00:00Z,2024-03-01T05:00:00Z,H100-SXM,8,600,GB,de\n")])
    with monkeypatch.context() as m:
        m.setattr(compute_run, "refresh_whatif", cut_off)
        with pytest.raises(KeyboardInterrupt):
            compute_footprints(db)
    # the batch wrote the run's what-if row in its footprint's transaction, naming that footprint
    named = db.sql("select w.footprint_computed_at = f.computed_at from whatif_results as w "
                   "join footprint_values as f using (run_id) where run_id = 'r-gb' and window_hours = 12").fetchall()
    assert named == [(True,)]
    assert row(db, "r-gb")["timing_status"] == "compared"
    assert compute_footprints(db).whatif is None  # nothing behind: the next compute has nothing to do


def test_rows_behind_their_footprints_are_repaired_by_the_next_compute(db):
    # as an earlier version cut off between footprints and what-if left them: one row missing,
    # one row computed from an older footprint
    db.execute("delete from whatif_results where run_id = 'r-tx'")
    db.execute("update whatif_results set footprint_computed_at = footprint_computed_at - interval 1 hour "
               "where run_id = 'r-fr'")
    result = compute_footprints(db)  # no footprint left to write, but the what-if is behind them
    assert result.batches == 0 and result.whatif is not None and result.whatif.runs == 2
    assert row(db, "r-tx")["timing_status"] == "compared"
    assert compute_footprints(db).whatif is None  # and now the no-op is a no-op
    assert_one_row_per_run_and_window(db)


def test_rows_written_by_compute_batches_equal_the_what_if_computed_alone(db, write):
    from wattledger.compute import whatif

    ingest_paths(db, [write("more.csv", "run_id,team,started_at,ended_at,gpu_model,gpu_count,gpu_hours,avg_power_w,region,datacenter\n"
                                        "r-gb,c,2024-03-01T00:00:00Z,2024-03-01T05:00:00Z,H100-SXM,8,,600,GB,de\n"
                                        "r-nul,c,,,H100-SXM,8,40,600,DE,tx\n")])
    ensure_whatif(db, 3)
    compute_footprints(db, recompute_all=True)  # every run through the kernel: every row from the batches

    def rows():
        return db.sql("select * exclude (computed_at) from whatif_results order by window_hours, run_id").pl()

    in_batches = rows()
    assert in_batches.height == 2 * 6 and in_batches["window_hours"].unique().sort().to_list() == [3, 12]
    assert in_batches.filter(pl.col("run_id") == "r-gb")["datacenters_compared"].to_list() == [2, 2]
    assert in_batches.filter(pl.col("run_id") == "r-nul")["timing_status"].to_list() == ["no start and end"] * 2
    for window in (3, 12):
        whatif.compute_whatif(db, window_hours=window)  # the same rows read back from the stored footprints
    assert rows().equals(in_batches)


def test_runs_unchanged_under_a_new_factor_set_get_rows_of_it(db, write):
    # a new site file: a new factor set; runs outside its datacenters keep their inputs (no kernel
    # work), so their rows are computed after the batches, under the new factor set
    load_site_file(db, write("sites.yaml", SITES.replace("pue: 1.3", "pue: 1.25")))
    result = compute_footprints(db)
    assert result.unchanged >= 2 and result.whatif is not None and result.whatif.runs == 4
    factor_sets = db.sql("select distinct factor_set from whatif_results").fetchall()
    assert factor_sets == [(result.factor_set,)]
    assert_one_row_per_run_and_window(db)
    assert compute_footprints(db).whatif is None


def assert_one_row_per_run_and_window(con):
    """whatif_results has no primary key (migration 020): its one writer keeps it unique."""
    rows, distinct = con.sql("select count(*), count(distinct (run_id, window_hours)) from whatif_results").fetchall()[0]
    footprints = con.sql("select count(*) from footprint_values").fetchall()[0][0]
    windows = con.sql("select count(distinct window_hours) from whatif_results").fetchall()[0][0]
    assert rows == distinct == footprints * windows


def test_batches_of_runs_give_the_same_rows_and_fail_as_a_whole(db, monkeypatch):
    from wattledger.compute import whatif

    def rows():
        return db.sql("select * exclude (computed_at) from whatif_results where window_hours = 12 order by run_id").pl()

    whole = rows()
    assert whatif.compute_whatif(db, window_hours=12, batch_runs=1).runs == 4  # one run per batch
    assert rows().equals(whole)
    calls = []
    real = whatif.whatif_rows

    def fail_on_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("cut off in the third batch")
        return real(*args, **kwargs)

    monkeypatch.setattr(whatif, "whatif_rows", fail_on_third)
    with pytest.raises(RuntimeError):
        whatif.compute_whatif(db, window_hours=12, batch_runs=1)
    assert rows().equals(whole)  # the first two batches' rows were not kept: all or nothing
    assert len(calls) == 3
