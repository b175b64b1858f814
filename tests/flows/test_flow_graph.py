"""What the Prefect UI shows of a pipeline run (issue 19): tasks named for what they do, the
stages chained (ingest -> compute -> report), a refused file as a failed task, `run examples`."""

import pytest
from typer.testing import CliRunner

from conftest import EXAMPLES
from flows.cli import app
from flows.pipeline import FilesRefused, artifact_keys, pipeline, resolve_period


def test_previous_month_is_the_month_before_the_scheduled_time():
    from datetime import datetime, timezone

    assert resolve_period("previous-month", datetime(2026, 1, 3, tzinfo=timezone.utc)) == "2025-12"
    assert resolve_period("previous-month", datetime(2026, 11, 30, 23, tzinfo=timezone.utc)) == "2026-10"
    assert resolve_period("2024-10") == "2024-10" and resolve_period(None) is None


def test_artifact_keys_are_per_database_or_given(tmp_path):
    a, b = artifact_keys(str(tmp_path / "one" / "w.duckdb")), artifact_keys(str(tmp_path / "two" / "w.duckdb"))
    assert a != b and a[0].startswith("wattledger-w-") and a[0].endswith("-report") and a[1].endswith("-top-runs")
    assert artifact_keys("x.duckdb", "Team A") == ("team-a-report", "team-a-top-runs")


@pytest.mark.slow
def test_the_graph_names_each_task_and_chains_the_stages(prefect_harness, tmp_path, write):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter

    write("in/a/emissions.csv", (EXAMPLES / "codecarbon" / "gcp-a100" / "emissions.csv").read_text())
    write("in/a/codecarbon.yaml", (EXAMPLES / "codecarbon" / "gcp-a100" / "codecarbon.yaml").read_text())
    write("in/bad.csv", "no,run,id\n1,2,3\n")
    with pytest.raises(FilesRefused):
        pipeline(paths=[str(tmp_path / "in")], db=str(tmp_path / "w.duckdb"), report_out=str(tmp_path / "r.md"))
    with get_client(sync_client=True) as client:
        run = client.read_flow_runs(limit=1, sort="START_TIME_DESC")[0]
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
                                      task_run_filter=TaskRunFilter())
    by_name = {t.name: t for t in tasks}
    for name in ("find files", "parse a/emissions.csv", "store a/emissions.csv", "refused in/bad.csv",
                 "compute footprints", "write the report (all runs)", "publish the report to the UI"):
        assert name in by_name, sorted(by_name)
    assert by_name["refused in/bad.csv"].state.is_failed()

    def upstream(name):
        inputs = by_name[name].task_inputs
        return {by_id.name for ref in [r for v in inputs.values() for r in v] if getattr(ref, "id", None)
                for by_id in tasks if by_id.id == ref.id}

    assert "find files" in upstream("parse a/emissions.csv")
    assert "store a/emissions.csv" in upstream("read again what moved (ledger rule)")
    assert "read again what moved (ledger rule)" in upstream("compute footprints")
    assert "compute footprints" in upstream("write the report (all runs)")
    assert "write the report (all runs)" in upstream("publish the report to the UI")


@pytest.mark.slow
def test_run_examples_processes_the_whole_folder(prefect_harness, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", str(EXAMPLES), "--db", str(tmp_path / "w.duckdb")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
