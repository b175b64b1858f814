"""project_costs, project_cost_lines and budget_status against hand computations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.pipeline.budgets import load_budgets_file
from wattledger.pipeline.cost_ledger import load_cost_ledger
from wattledger.store.cost_ledger import budget_status, project_cost_lines, project_costs

RUNS = ("run_id,team,project,gpu_model,gpu_count,gpu_hours,compute_price_per_gpu_hour,compute_currency,stage,job_state\n"
        # DeepSeek-V3 (arXiv 2412.19437, Table 1): 2,788K H800 GPU-hours at 2 USD = 5.576 M USD, the final run only
        "ds-v3,ds,deepseek-v3,H800-SXM,2048,2788000,2,USD,pretrain,COMPLETED\n"
        "ds-abl,ds,deepseek-v3,H800-SXM,8,1000,2,USD,ablation,FAILED\n"
        "ds-eval,ds,deepseek-v3,H800-SXM,8,500,2,USD,eval,\n")
LEDGER = ("project,category,amount,currency,date,description,source\n"
          "deepseek-v3,data,1000000,USD,2024-12-01,made up for the test,test\n"
          "deepseek-v3,people,2000000,USD,2024-12-01,made up for the test,test\n"
          "deepseek-v3,hardware,500000,CNY,2024-12-01,made up for the test,test\n")


@pytest.fixture
def deepseek(con, write):
    ingest_paths(con, [write("runs.csv", RUNS)])
    compute_footprints(con)
    load_cost_ledger(con, write("ledger.csv", LEDGER))
    return con


def test_deepseek_v3_total_is_gpu_hours_times_price_plus_the_ledger_per_currency(deepseek):
    rows = {r["currency"]: r for r in project_costs(deepseek).iter_rows(named=True)}
    assert set(rows) == {"USD", "CNY"}  # never summed across currencies
    usd = rows["USD"]
    compute = 2 * (2_788_000 + 1_000 + 500)
    assert usd["compute_cost"] == pytest.approx(compute, rel=1e-12)
    assert usd["electricity_cost"] is None  # an all-in GPU-hour price already pays for the electricity
    assert usd["total_cost"] == pytest.approx(compute + 3_000_000, rel=1e-12)
    assert usd["final_training_compute_cost"] == pytest.approx(5_576_000, rel=1e-12)
    assert usd["failed_compute_share"] == pytest.approx(2_000 / compute, rel=1e-12)
    assert usd["evaluation_compute_cost"] == pytest.approx(1_000, rel=1e-12)
    by_stage = {e["stage"]: e["compute_cost"] for e in usd["compute_cost_by_stage"]}
    assert by_stage == pytest.approx({"ablation": 2_000.0, "eval": 1_000.0, "pretrain": 5_576_000.0})
    assert usd["gpu_hours"] == pytest.approx(2_789_500, rel=1e-12)
    assert usd["co2e_kg_per_1000"] is None  # paid in two currencies: a ratio to part of the cost says nothing
    assert rows["CNY"]["hardware_cost"] == 500_000 and rows["CNY"]["compute_cost"] is None


def test_every_cost_line_has_its_basis(deepseek):
    lines = project_cost_lines(deepseek)
    assert lines["basis"].null_count() == 0
    ledger = lines.filter(lines["item_kind"] == "ledger")
    assert ledger.height == 3 and all("ledger.csv:" in b for b in ledger["basis"])
    compute = lines.filter((lines["category"] == "compute") & (lines["run_id"] == "ds-v3")).row(0, named=True)
    assert "explicit" in compute["basis"] and compute["stage_class"] == "final_training"


TIMED = ("run_id,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,grid_intensity_kg_per_kwh\n"
         "oct,lang,p,2024-10-10T00:00:00Z,2024-10-11T00:00:00Z,H100-SXM,100,500,1.0,0.5\n"
         "nov,lang,p,2024-11-01T00:00:00Z,2024-11-06T00:00:00Z,H100-SXM,10,500,1.0,0.5\n")


def test_budget_share_and_projection_at_the_current_rate(con, write):
    ingest_paths(con, [write("runs.csv", TIMED)])
    compute_footprints(con)
    load_budgets_file(con, write("budgets.yaml", "budgets:\n  - team: lang\n    period: month\n    co2e_t: 1.0\n"
                                 "    energy_mwh: 5\n    source: test plan\n"))
    status = {(r["period_start"].month, r["figure"]): r for r in budget_status(con).iter_rows(named=True)}
    # October: 100 GPUs x 24 h x 500 W = 1.2 MWh; x 0.5 kg/kWh = 0.6 t
    oct_t = status[(10, "co2e_t")]
    assert oct_t["spent"] == pytest.approx(0.6, rel=1e-9) and oct_t["elapsed_share"] == 1.0
    assert oct_t["status"] == "within"
    # November, data as of the last run's end (Nov 6): 10 x 120 h x 500 W = 0.6 MWh, 0.3 t in 5 of 30 days
    nov_e = status[(11, "energy_mwh")]
    assert nov_e["data_as_of"] == datetime(2024, 11, 6, tzinfo=UTC)
    assert nov_e["elapsed_share"] == pytest.approx(5 / 30, rel=1e-12)
    assert nov_e["projected"] == pytest.approx(0.6 * 6, rel=1e-9)
    assert nov_e["status"] == "within"
    nov_t = status[(11, "co2e_t")]
    assert nov_t["projected"] == pytest.approx(1.8, rel=1e-9) and nov_t["status"] == "projected_over"
    assert nov_t["share"] == pytest.approx(0.3, rel=1e-9)


def test_an_overrun_is_over(con, write):
    ingest_paths(con, [write("runs.csv", TIMED)])
    compute_footprints(con)
    load_budgets_file(con, write("budgets.yaml", "budgets:\n  - team: lang\n    period: year\n    co2e_t: 0.5\n"))
    (row,) = budget_status(con).iter_rows(named=True)
    assert row["status"] == "over" and row["share"] == pytest.approx(0.9 / 0.5, rel=1e-9)


@pytest.mark.parametrize("text, words", [
    ("budgets:\n  - team: a\n    period: week\n    co2e_t: 1\n", "period: month or year"),
    ("budgets:\n  - team: a\n    project: b\n    period: month\n    co2e_t: 1\n", "exactly one of team or project"),
    ("budgets:\n  - team: a\n    period: month\n    cost: 10\n", "ISO 4217"),
    ("budgets:\n  - team: a\n    period: month\n    co2e_t: -1\n", "a number > 0"),
    ("budgets:\n  - team: a\n    period: month\n    co2_t: 1\n", "unknown key 'co2_t'"),
])
def test_a_bad_budgets_file_is_refused_whole_naming_the_entry(con, write, text, words):
    from wattledger.ingest.budgets_file import BudgetsFileError

    with pytest.raises(BudgetsFileError, match=words):
        load_budgets_file(con, write("budgets.yaml", text))
    assert con.execute("select count(*) from budgets").fetchone()[0] == 0
