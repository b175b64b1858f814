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
from wattledger.store import connect
from wattledger.store import report_queries as q
from wattledger.store.report_cube import CUBE_SECTIONS, report_cube

INPUTS = ["public_runs.csv", "cluster_logs", "slurm", "codecarbon", "telemetry"]
OCTOBER = (datetime(2024, 10, 1, tzinfo=timezone.utc), datetime(2024, 11, 1, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(str(tmp_path_factory.mktemp("cube") / "examples.duckdb"))
    ingest_paths(c, [EXAMPLES / p for p in INPUTS])
    load_site_file(c, EXAMPLES / "datacenters.yaml")
    compute_footprints(c)
    yield c
    c.close()


def _sections(con, start, end) -> dict[str, pl.DataFrame]:
    out = {}
    for name in sorted(CUBE_SECTIONS):
        frame = getattr(q, name)(con, start, end)
        out[name] = pl.DataFrame([frame]) if isinstance(frame, dict) else frame
    return out


@pytest.mark.parametrize("period", [(None, None), OCTOBER], ids=["all runs", "one month"])
def test_every_section_from_the_cube_equals_its_own_query(con, period):
    plain = _sections(con, *period)
    assert plain["totals"]["runs"][0] > 100  # a real period, not an empty one
    with report_cube(con, *period):
        cubed = _sections(con, *period)
    for name in plain:
        assert_frame_equal(cubed[name], plain[name], check_exact=False, rel_tol=1e-12, abs_tol=0), name


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
