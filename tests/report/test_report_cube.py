"""The report's cube (issue 20): every section read from it equals the section's own query
over run_footprints (relative 1e-12), for all runs and for one month; another period, or no
cube, reads the views as before; the cube lives only inside its block."""

from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.pipeline.budgets import load_budgets_file
from wattledger.pipeline.cost_ledger import load_cost_ledger
from wattledger.store import connect
from wattledger.store import cost_ledger, document_reads
from wattledger.store import report_queries as q
from wattledger.store.report_cube import CUBE_SECTIONS, report_cube

INPUTS = ["public_runs.csv", "cluster_logs", "slurm", "codecarbon", "telemetry"]
OCTOBER = (datetime(2024, 10, 1, tzinfo=timezone.utc), datetime(2024, 11, 1, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(str(tmp_path_factory.mktemp("cube") / "examples.duckdb"))
    ingest_paths(c, [EXAMPLES / p for p in INPUTS])
    # runs with stages, a cost ledger and budgets: the project costs' every part
    ingest_paths(c, [EXAMPLES / "costs" / "runs_staged_illustrative_2024-10.csv"])
    load_cost_ledger(c, EXAMPLES / "costs" / "ledger_illustrative_2024-10.csv")
    load_budgets_file(c, EXAMPLES / "costs" / "budgets_illustrative.yaml")
    load_site_file(c, EXAMPLES / "datacenters.yaml")
    compute_footprints(c)
    yield c
    c.close()


#: Sections read elsewhere than report_queries, or with other arguments than the period.
READERS = {
    "document_header": document_reads.document_header,
    "boundary": document_reads.boundary,
    "months": lambda con, start, end: q.months(con, end),  # every month up to the end: from a cube of all runs only
    "project_costs": lambda con, start, end: cost_ledger.project_costs(con),  # all runs: from a cube of all runs only
}


def _sections(con, start, end) -> dict[str, pl.DataFrame]:
    out = {}
    for name in sorted(CUBE_SECTIONS):
        frame = READERS.get(name, getattr(q, name, None))(con, start, end)
        out[name] = pl.DataFrame([frame]) if isinstance(frame, dict) else frame
    return out


@pytest.mark.parametrize("period", [(None, None), OCTOBER], ids=["all runs", "one month"])
def test_every_section_from_the_cube_equals_its_own_query(con, period):
    plain = _sections(con, *period)
    assert plain["totals"]["runs"][0] > 100  # a real period, not an empty one
    costs = plain["project_costs"]  # stages, ledger lines and two currencies: every part of the project costs
    assert costs["ledger_lines"].sum() > 0 and costs["experiment_compute_cost"].is_not_null().any()
    assert costs["currency"].n_unique() > 1
    with report_cube(con, *period):
        cubed = _sections(con, *period)
    for name in plain:
        assert_frame_equal(_maps_sorted(cubed[name]), _maps_sorted(plain[name]), check_exact=False, rel_tol=1e-12,
                           abs_tol=0), name


def _maps_sorted(frame: pl.DataFrame) -> pl.DataFrame:
    """Map columns as lists of (key, value) in key order: a map's order is not part of it."""
    maps = [c for c, t in frame.schema.items() if isinstance(t, pl.Map)]
    return frame.with_columns(
        pl.Series(c, [None if m is None else sorted(m.items()) for m in frame[c].to_list()],
                  dtype=pl.List(pl.Struct({"key": pl.String, "value": pl.Float64}))) for c in maps)


def test_another_period_reads_the_views(con):
    plain = q.totals(con, *OCTOBER)
    with report_cube(con, None, None):  # a cube of all runs: October is not its period
        assert q.totals(con, *OCTOBER) == plain
        assert q.totals(con, None, None)["runs"] > plain["runs"]


def test_the_cube_lives_only_in_its_block(con):
    with report_cube(con, None, None):
        with pytest.raises(RuntimeError, match="already open"):
            with report_cube(con, None, None):
                pass
        assert con.sql("select count(*) from duckdb_tables() where table_name = 'wl_report_cube_sets'").fetchall() == [(1,)]
    assert con.sql("select count(*) from duckdb_tables() where table_name = 'wl_report_cube_sets'").fetchall() == [(0,)]


def test_months_read_the_cube_of_all_runs_only(con):
    from wattledger.store.report_cube import reads_cube
    with report_cube(con, None, None):
        assert reads_cube(con, "months", {"period_end": None})
        assert not reads_cube(con, "months", {"period_end": OCTOBER[1]})  # a cube of all runs holds later months too
    with report_cube(con, *OCTOBER):
        assert not reads_cube(con, "months", {"period_end": OCTOBER[1]})  # months before October are not in it


@pytest.mark.parametrize("candidates", [1, 3, 10, 1000])
@pytest.mark.parametrize("period", [(None, None), OCTOBER], ids=["all runs", "one month"])
def test_top_runs_among_candidates_equal_the_full_query(con, period, candidates):
    """However few candidates are looked at first (the rest are then read in full), the same rows in the same order."""
    full = q._query(con, "top_runs", {"period_start": period[0], "period_end": period[1], "limit": 10})
    assert full.height == 10
    assert_frame_equal(q.top_runs(con, *period, 10, candidates=candidates), full)
