"""Exports: CSV/Parquet of run_footprints (safe for spreadsheets), model-card block, run card."""

import polars as pl
import pytest
import yaml

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths
from wattledger.report.export import RunNotFound, export_footprints, model_card_block, run_card


@pytest.fixture
def published(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    compute_footprints(con)
    return con


def test_model_card_block(published):
    block = yaml.safe_load(model_card_block(published, "patterson2021-gpt3", "pre-training"))["co2_eq_emissions"]
    assert set(block) == {"emissions", "source", "training_type", "geographical_location", "hardware_used"}
    assert block["emissions"] == pytest.approx(553.14e6, rel=1e-3)  # grams
    assert block["hardware_used"] == "10000 x V100-SXM2-32GB" and block["training_type"] == "pre-training"
    with pytest.raises(RunNotFound):
        model_card_block(published, "no-such-run")


def test_run_card(published):
    card = run_card(published, "bloom-176b")
    assert card.startswith("# Footprint of run bloom-176b")
    assert "| Facility energy | 433.2 | MWh" in card and "| CO2e, location-based | 24.69 | t" in card


def test_csv_cells_that_start_a_formula_are_neutralised(con, write, tmp_path):
    rows = ('f1,"=HYPERLINK(""http://x"")","+1","-cmd",2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n'
            'f2,"@SUM(A1)",ok,p,2024-10-01T00:00:00Z,2024-10-01T01:00:00Z,H100-SXM,8,,,FR\n')
    header = "run_id,name,team,project,started_at,ended_at,gpu_model,gpu_count,avg_power_w,pue,region"
    ingest_paths(con, [write("evil.csv", header + "\n" + rows)])
    compute_footprints(con)
    out = tmp_path / "fp.csv"
    assert export_footprints(con, out, "csv") == 2
    back = pl.read_csv(out, infer_schema=False)
    assert back.filter(pl.col("run_id") == "f1").select("name", "team", "project").row(0) == (
        "'=HYPERLINK(\"http://x\")", "'+1", "'-cmd")
    assert back.filter(pl.col("run_id") == "f2")["name"][0] == "'@SUM(A1)"
    assert float(back["energy_mwh"][0]) > 0  # numbers stay numbers
    pq = tmp_path / "fp.parquet"
    export_footprints(con, pq, "parquet")
    assert pl.read_parquet(pq).filter(pl.col("run_id") == "f1")["name"][0] == '=HYPERLINK("http://x")'
    with pytest.raises(ValueError, match="unknown export format"):
        export_footprints(con, tmp_path / "x.xlsx", "xlsx")
