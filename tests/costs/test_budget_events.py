"""The flow's budget alert: one Prefect event `wattledger.budget.exceeded` per overrun."""

from __future__ import annotations

import pytest
from prefect.events.clients import AssertingEventsClient
from prefect.testing.fixtures import asserting_events_worker, mock_should_emit_events, reset_worker_events  # noqa: F401

from flows.pipeline import BUDGET_EXCEEDED, alert_budgets, pipeline
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.pipeline.budgets import load_budgets_file
from wattledger.store import connect

RUNS = ("run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,grid_intensity_kg_per_kwh\n"
        "oct,lang,p,2024-10-10T00:00:00Z,2024-10-11T00:00:00Z,H100-SXM,100,500,1.0,0.5\n")
BUDGETS = ("budgets:\n  - team: lang\n    period: month\n    co2e_t: 0.4\n    energy_mwh: 100\n"
           "  - project: p\n    period: year\n    co2e_t: 0.5\n")


def _events(worker) -> list:
    worker.drain()
    return [e for e in AssertingEventsClient.last.events if e.event == BUDGET_EXCEEDED]


@pytest.mark.slow  # ~30 s: draining Prefect's events worker
def test_one_event_per_overrun_with_the_team_figure_and_share(tmp_path, write, asserting_events_worker,  # noqa: F811
                                                             mock_should_emit_events, reset_worker_events):  # noqa: F811
    db = tmp_path / "w.duckdb"
    con = connect(db)
    ingest_paths(con, [write("runs.csv", RUNS)])
    compute_footprints(con)
    load_budgets_file(con, write("budgets.yaml", BUDGETS))
    con.close()
    overruns = alert_budgets.fn(str(db), None)
    events = _events(asserting_events_worker)
    assert len(events) == len(overruns) == 2  # the energy budget is not exceeded
    by_scope = {e.payload["scope"]: e for e in events}
    team = by_scope["team"]
    assert team.payload["team"] == "lang" and team.payload["figure"] == "co2e_t"
    assert team.payload["share"] == pytest.approx(0.6 / 0.4, rel=1e-9)
    assert team.resource.id == "wattledger.budget.team:lang:month:co2e_t"
    assert by_scope["project"].payload["project"] == "p"


@pytest.mark.slow
def test_the_flow_emits_the_event(prefect_harness, tmp_path, write, asserting_events_worker,  # noqa: F811
                                  reset_worker_events):  # noqa: F811
    db = tmp_path / "w.duckdb"
    con = connect(db)
    load_budgets_file(con, write("budgets.yaml", BUDGETS))
    con.close()
    result = pipeline(paths=[str(write("runs.csv", RUNS))], db=str(db), report_out=str(tmp_path / "r.md"))
    assert len(result.budget_overruns) == 2
    assert {e.payload["scope"] for e in _events(asserting_events_worker)} == {"team", "project"}
    assert "**OVER BUDGET**" in (tmp_path / "r.md").read_text(encoding="utf-8")
