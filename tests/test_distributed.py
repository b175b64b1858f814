"""The pipeline on a local 2-worker Dask cluster (through prefect-dask) gives exactly the
result of the local run: parsing and the kernel run in worker processes, only the flow
process writes DuckDB."""

import polars as pl
import pytest

from conftest import EXAMPLES
from flows.pipeline import pipeline
from flows.runners import RunnerError, task_runner
from wattledger.store import connect

INPUTS = [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs", EXAMPLES / "slurm", EXAMPLES / "codecarbon"]


def _tables(db):
    con = connect(db, read_only=True)
    try:
        return {
            "runs": con.sql("select * exclude (source_file_id) from runs order by run_id").pl(),
            "rejects": con.sql("select line, column_name, value, reason, detail from rejects "
                               "order by all").pl(),
            "footprints": con.sql("select * exclude (computed_at) from footprints order by run_id").pl(),
            "unresolved": con.sql("select run_id, reason from unresolved_runs order by run_id").pl(),
        }
    finally:
        con.close()


def test_dask_run_equals_the_local_run(prefect_harness, tmp_path, monkeypatch):
    from prefect.settings import PREFECT_API_URL

    # Dask worker processes report their task runs to the same (test) server
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    common = dict(paths=[str(p) for p in INPUTS], sites=str(EXAMPLES / "datacenters.yaml"))
    local = pipeline(db=str(tmp_path / "local.duckdb"), report_out=str(tmp_path / "local.md"), **common)
    on_dask = pipeline.with_options(task_runner=task_runner("dask", workers=2))
    dist = on_dask(db=str(tmp_path / "dask.duckdb"), report_out=str(tmp_path / "dask.md"), distributed=True,
                   partition_runs=100, **common)
    assert dist.computed.computed == local.computed.computed > 400
    assert [s.loaded for s in dist.stored] == [s.loaded for s in local.stored]
    want, got = _tables(tmp_path / "local.duckdb"), _tables(tmp_path / "dask.duckdb")
    for name in want:
        assert got[name].equals(want[name]), name
    # the same report, but for the file names (database, charts) that carry the run's name
    assert (tmp_path / "dask.md").read_text().replace("dask", "X") == (tmp_path / "local.md").read_text().replace("local", "X")


def test_runner_choices_are_checked():
    with pytest.raises(RunnerError, match="unknown task runner 'spark'"):
        task_runner("spark")
    with pytest.raises(RunnerError, match="--dask-address needs --task-runner dask"):
        task_runner("threads", dask_address="tcp://127.0.0.1:8786")
    assert type(task_runner("dask", dask_address="tcp://10.0.0.5:8786")).__name__ == "DaskTaskRunner"
