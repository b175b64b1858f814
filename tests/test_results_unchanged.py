"""Issue 20 changed how footprints are stored (migration 018) and how the report reads them
(one cube per report): the results must be those from before, on the demo and on 1 M
generated runs. The expected figures were taken from main before the change
(scripts/compare_footprints.py snapshot, then tests/results_fingerprint.py):
tests/data/expected/demo_footprints.parquet (every run, every column) and
generated_1m_footprints_fingerprint.json (per column: sums and run-weighted sums, value
counts of texts). A later, deliberate change of the method or of the reference data changes
them: regenerate both the same way, and say so in the commit."""

from __future__ import annotations

import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from conftest import REPO
from flows.cli import app
from results_fingerprint import NOT_RESULTS, differences, fingerprint
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.store import connect

EXPECTED = REPO / "tests" / "data" / "expected"


def _footprints(db) -> pl.DataFrame:
    con = connect(str(db), read_only=True)
    try:
        return con.sql("select * from footprints order by run_id").pl()
    finally:
        con.close()


@pytest.mark.slow
def test_demo_footprints_are_those_from_before(prefect_harness, tmp_path):
    db = tmp_path / "demo.duckdb"
    result = CliRunner().invoke(app, ["demo", "--db", str(db), "--out", str(tmp_path / "demo.md")])
    assert result.exit_code == 0, result.output
    got = _footprints(db)
    got = got.drop([c for c in NOT_RESULTS if c in got.columns])
    expected = pl.read_parquet(EXPECTED / "demo_footprints.parquet")
    assert got.columns == expected.columns
    assert_frame_equal(got, expected, check_exact=False, rel_tol=1e-12, abs_tol=0, check_dtypes=True)


@pytest.mark.slow
def test_one_million_generated_footprints_are_those_from_before(tmp_path):
    import sys

    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import write_runs

    files = write_runs(tmp_path / "generated", 1_000_000)
    con = connect(str(tmp_path / "generated.duckdb"))
    try:
        ingest_paths(con, files)
        compute_footprints(con)
    finally:
        con.close()
    expected = json.loads((EXPECTED / "generated_1m_footprints_fingerprint.json").read_text(encoding="utf-8"))
    assert differences(fingerprint(_footprints(tmp_path / "generated.duckdb")), expected) == []
