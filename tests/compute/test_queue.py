"""The compute queue: streamed in batches of exactly batch_runs runs when no power samples are
stored, nothing read when aggregates show no run pending, and the footprints independent of
how the runs were batched."""

from __future__ import annotations

from polars.testing import assert_frame_equal

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.compute.run import current_factor_set
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.store import compute_queue, connect
from wattledger.store.compute_reads import nothing_pending

PATHS = [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs"]


def _loaded(con):
    ingest_paths(con, PATHS)
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    return con


def _footprints(con):
    # inputs_sha hashes the inputs bit for bit (a price may differ in its last bit, below)
    return con.sql("select * exclude (computed_at, inputs_sha) from footprints order by run_id").pl()


def test_streamed_batches_hold_batch_runs_runs_each_and_every_run_once(con):
    _loaded(con)
    runs = con.sql("select count(*) from runs").fetchall()[0][0]
    batches = list(compute_queue(con, current_factor_set(con), recompute_all=True, batch_runs=7, has_samples=False))
    sizes = [b.runs.height for b in batches]
    assert sizes == [7] * (runs // 7) + ([runs % 7] if runs % 7 else [])
    ids = [i for b in batches for i in b.runs["run_id"].to_list()]
    assert len(ids) == len(set(ids)) == runs
    assert not any(b.had_footprints for b in batches)  # nothing computed yet


def test_footprints_do_not_depend_on_the_batch_size(con, tmp_path):
    whole = compute_footprints(_loaded(con))
    small = connect(str(tmp_path / "small.duckdb"))
    try:
        result = compute_footprints(_loaded(small), batch_runs=13)
        assert result.batches == -(-(result.computed + result.unresolved) // 13) and result.batches > 1
        assert result.computed == whole.computed
        # time-of-use means are sums over each batch's rows: equal to 1e-12, not always to the bit
        # (so before the streamed queue too)
        assert_frame_equal(_footprints(small), _footprints(con), check_exact=False, rel_tol=1e-12, abs_tol=0)
    finally:
        small.close()


def test_nothing_pending_is_read_from_aggregates_and_sees_a_missing_footprint(con):
    _loaded(con)
    factor_set = current_factor_set(con)
    assert not nothing_pending(con, factor_set)
    compute_footprints(con)
    assert nothing_pending(con, factor_set)
    assert not nothing_pending(con, "another factor set")
    one = con.sql("select run_id from footprint_values order by run_id limit 1").fetchall()[0][0]
    con.execute("delete from footprint_values where run_id = ?", [one])
    assert not nothing_pending(con, factor_set)
    again = compute_footprints(con)
    assert again.computed == 1 and again.batches == 1 and nothing_pending(con, factor_set)
