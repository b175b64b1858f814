"""Compute cost: the price of a GPU-hour (explicit, amortised, negotiated, list), the total a budget
owner sees, the embedded-electricity and currency rules, and bad input (site file, price table,
run log)."""

import csv
import shutil
from datetime import datetime, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLES, REPO
from wattledger.compute import compute_footprints
from wattledger.factors import (
    FACTOR_FILES, FactorError, FactorLibrary, SiteFileError, load_sites, read_compute_prices, sites_frame,
)
from wattledger.kernel import amortised_price_per_gpu_hour, compute_cost, energy_cost_share, total_cost
from wattledger.pipeline import ingest_paths, load_site_file
from wattledger.report import write_period_report

COLUMNS = "run_id,team,project,started_at,ended_at,gpu_model,gpu_count,gpu_hours,avg_power_w,region,datacenter," \
          "compute_price_per_gpu_hour,compute_currency"

SITES = """
datacenters:
  tx-owned:
    region: US-TEX-ERCO
    owned_hardware:
      H100-SXM:
        purchase_price_per_server: 280000
        gpus_per_server: 8
        currency: USD
        life_years: 4
        utilisation: 0.8
        operations_cost_per_server_year: 15000
        source: "test purchase"
      NVIDIA L40S:
        purchase_price_per_gpu: 9000
        currency: USD
        life_years: 4
        utilisation: 0.6
        source: "test purchase, per GPU"
  fr-owned-usd:
    region: FR
    owned_hardware:
      H100:
        purchase_price_per_gpu: 30000
        currency: USD
        life_years: 3
        utilisation: 0.5
        source: "bought in USD, powered in EUR"
  aws-use1:
    region: aws:us-east-1
    compute_rates:
      - gpu_model: H100-SXM
        price_per_gpu_hour: 4.10
        currency: USD
        effective_date: 2026-01-01
        source: "test enterprise agreement"
  aws-usw2:
    region: aws:us-west-2
  runpod:
    region: US-TEX-ERCO
    compute_provider: runpod-secure
  gcp-euw1:
    region: gcp:europe-west1
"""

# hand-computed: 280,000 / 8 = 35,000 per GPU over 4 y x 8760 h x 0.8 = 28,032 busy hours;
# operations 15,000 / 8 = 1,875 per GPU-year over 7,008 busy hours
OWNED_H100_PER_GPU_HOUR = 35_000 / 28_032 + 1_875 / 7_008  # = 1.248573 + 0.267551 = 1.516124


def _run(run_id, *, start="2026-11-10T00:00:00Z", end="2026-11-10T10:00:00Z", model="H100-SXM", count=2, hours="",
         power=500, region="", dc="", price="", currency=""):
    return f"{run_id},t,p,{start},{end},{model},{count},{hours},{power},{region},{dc},{price},{currency}\n"


@pytest.fixture
def priced(con, write):
    """ingest(rows...) -> {run_id: row of run_footprints} after loading SITES and computing."""

    def _go(*rows):
        ingest_paths(con, [write("runs.csv", COLUMNS + "\n" + "".join(rows))])
        load_site_file(con, write("sites.yaml", SITES))
        compute_footprints(con)
        rel = con.sql("select * from run_footprints")
        return {r[0]: dict(zip(rel.columns, r)) for r in rel.fetchall()}

    return _go


def test_amortised_owned_hardware_hand_computed(priced):
    rows = priced(_run("owned", dc="tx-owned"), _run("l40s", dc="tx-owned", model="L40S", count=1))
    r = rows["owned"]
    assert OWNED_H100_PER_GPU_HOUR == pytest.approx(1.516124429, rel=1e-9)
    assert r["compute_cost_basis"] == "amortised" and r["compute_currency"] == "USD"
    assert r["compute_price_per_gpu_hour"] == pytest.approx(OWNED_H100_PER_GPU_HOUR, rel=1e-12)
    assert r["compute_cost"] == pytest.approx(20 * OWNED_H100_PER_GPU_HOUR, rel=1e-12)  # 2 GPUs x 10 h
    assert r["is_energy_in_compute_price"] is False and r["currency"] == "USD"
    assert r["total_cost"] == pytest.approx(r["compute_cost"] + r["energy_cost"], rel=1e-12)  # electricity added
    assert r["energy_cost_share"] == pytest.approx(r["energy_cost"] / r["total_cost"], rel=1e-12)
    assert "280000" in r["compute_price_source"] and "test purchase" in r["compute_price_source"]
    # per-GPU form, no operations cost: 9,000 / (4 x 8760 x 0.6)
    assert rows["l40s"]["compute_price_per_gpu_hour"] == pytest.approx(9_000 / (4 * 8760 * 0.6), rel=1e-12)


def test_datacenter_names_match_ignoring_case_for_compute_prices(priced):
    """Issue 15: datacenter names are matched like regions (case and surrounding spaces ignored)."""
    rows = priced(_run("exact", dc="tx-owned"), _run("upper", dc="TX-OWNED"),
                  _run("neg", dc="aws-use1", start="2026-03-01T00:00:00Z", end="2026-03-01T10:00:00Z"),
                  _run("neg-upper", dc="AWS-Use1", start="2026-03-01T00:00:00Z", end="2026-03-01T10:00:00Z"))
    for a, b in (("exact", "upper"), ("neg", "neg-upper")):
        for column in ("compute_cost_basis", "compute_price_per_gpu_hour", "compute_cost", "intensity_basis", "co2e_kg"):
            assert rows[a][column] == rows[b][column], (b, column)
    assert rows["upper"]["compute_cost_basis"] == "amortised" and rows["neg-upper"]["compute_cost_basis"] == "negotiated"


def test_cloud_run_total_is_the_rental_energy_embedded_not_added(priced):
    r = priced(_run("cloud", region="aws:us-east-1"))["cloud"]
    assert (r["compute_cost_basis"], r["compute_provider"], r["compute_price_id"]) == (
        "cloud_list", "aws", "aws:p5.48xlarge:us-east-1:2026-11-09")
    assert r["compute_price_per_gpu_hour"] == pytest.approx(55.04 / 8)
    assert str(r["compute_price_date"]) == "2026-11-09" and r["compute_price_date_rule"] == "in_effect"
    assert r["compute_cost"] == pytest.approx(20 * 6.88)
    assert r["energy_cost"] > 0 and r["is_energy_in_compute_price"] is True
    assert r["total_cost"] == r["compute_cost"]  # no double counting of the electricity
    assert r["energy_cost_share"] == pytest.approx(r["energy_cost"] / r["compute_cost"])
    assert "inside" in r["cost_note"] and "not added" in r["cost_note"]


def test_explicit_rate_overrides_owned_and_cloud(priced):
    rows = priced(_run("x-owned", dc="tx-owned", price="2.5", currency="usd"),
                  _run("x-cloud", region="aws:us-east-1", price="1.25", currency="EUR"))
    for run_id, rate, currency in (("x-owned", 2.5, "USD"), ("x-cloud", 1.25, "EUR")):
        r = rows[run_id]
        assert (r["compute_cost_basis"], r["compute_price_per_gpu_hour"], r["compute_currency"]) == ("explicit", rate, currency)
        assert r["compute_cost"] == pytest.approx(20 * rate) and r["total_cost"] == r["compute_cost"]
        assert r["compute_provider"] is None and r["compute_price_id"] is None


def test_negotiated_rate_comes_before_the_list_price_from_its_date(priced):
    rows = priced(_run("after", region="", dc="aws-use1", start="2026-03-01T00:00:00Z", end="2026-03-01T10:00:00Z"),
                  _run("before", dc="aws-use1", start="2025-06-01T00:00:00Z", end="2025-06-01T10:00:00Z"))
    assert (rows["after"]["compute_cost_basis"], rows["after"]["compute_price_per_gpu_hour"]) == ("negotiated", 4.10)
    assert str(rows["after"]["compute_price_date"]) == "2026-01-01"
    # before the agreement: the list price in force on the run's date (AWS's reduced P5 price from June 2025)
    before = rows["before"]
    assert (before["compute_cost_basis"], before["compute_price_date_rule"]) == ("cloud_list", "in_effect")
    assert (before["compute_price_per_gpu_hour"], str(before["compute_price_date"])) == (6.88, "2025-06-01")
    assert before["is_energy_in_compute_price"] is True


def test_a_run_is_priced_at_the_list_price_in_force_when_it_ran(priced):
    """Issue 16: an October 2024 P5 run was priced after the June 2025 cut (-44 %)."""
    rows = priced(_run("oct24", dc="aws-use1", start="2024-10-01T00:00:00Z", end="2024-10-01T10:00:00Z"),
                  _run("jun25", dc="aws-use1", start="2025-06-02T00:00:00Z", end="2025-06-02T10:00:00Z"),
                  _run("may25", dc="aws-use1", start="2025-05-31T23:00:00Z", end="2025-06-01T01:00:00Z"),
                  _run("pre", dc="aws-use1", start="2023-01-01T00:00:00Z", end="2023-01-01T10:00:00Z"))
    got = {k: (v["compute_price_per_gpu_hour"], v["compute_price_date_rule"], str(v["compute_price_date"])) for k, v in rows.items()}
    assert got == {
        "oct24": (12.29, "in_effect", "2023-07-26"),  # 98.32 USD per 8-GPU instance-hour until 2025-05-31
        "jun25": (6.88, "in_effect", "2025-06-01"),
        "may25": (12.29, "in_effect", "2023-07-26"),  # priced at its start
        "pre": (12.29, "later_than_run", "2023-07-26"),  # before P5 existed: the earliest row, flagged
    }


def test_list_price_in_effect_on_the_run_date(priced):
    rows = priced(
        _run("oct", dc="runpod", start="2026-10-01T00:00:00Z", end="2026-10-01T10:00:00Z"),
        _run("nov", dc="runpod", start="2026-11-20T00:00:00Z", end="2026-11-20T10:00:00Z"),
        _run("early", dc="runpod", start="2025-01-01T00:00:00Z", end="2025-01-01T10:00:00Z"),
        _run("undated", dc="runpod", start="", end="", count="", hours="20"),
    )
    got = {k: (v["compute_price_per_gpu_hour"], v["compute_price_date_rule"], str(v["compute_price_date"]))
           for k, v in rows.items()}
    assert got == {
        "oct": (3.49, "in_effect", "2026-09-25"),  # RunPod Secure H100, read 2026-09-25
        "nov": (3.99, "in_effect", "2026-11-09"),  # the later row, in effect from 2026-11-09
        "early": (3.49, "later_than_run", "2026-09-25"),
        "undated": (3.99, "latest_for_undated_run", "2026-11-09"),
    }
    assert rows["oct"]["compute_provider"] == "runpod-secure"


def test_unpriced_runs_are_recorded_with_the_reason_never_guessed(priced, con, tmp_path):
    rows = priced(_run("other-region", dc="aws-usw2"), _run("no-site", region="FR"),
                  _run("owned-other-gpu", dc="tx-owned", model="A100-SXM4-80GB"),
                  _run("priced", region="aws:us-east-1"))
    for run_id, words in (("other-region", ["no list price for H100-SXM from aws in us-west-2"]),
                          ("no-site", ["neither a cloud region nor a datacenter"]),
                          ("owned-other-gpu", ["tx-owned has owned_hardware, but none for A100-SXM4-80GB"])):
        r = rows[run_id]
        assert r["compute_cost_basis"] == "unpriced"
        assert r["compute_cost"] is None and r["total_cost"] is None and r["compute_price_per_gpu_hour"] is None
        assert r["energy_cost"] > 0  # the footprint itself is complete
        assert all(w in r["cost_note"] for w in words), r["cost_note"]
    text = write_period_report(con, tmp_path / "r.md", generated_at=datetime(2026, 11, 28, tzinfo=timezone.utc)).read_text()
    section = text.split("## Cost: compute and electricity")[1].split("\n## ")[0]
    assert "1 of 4 runs have a compute price; **3 runs are unpriced**" in section
    assert "no list price for H100-SXM from aws in us-west-2" in section
    assert "run without a compute price" in text.split("## Data quality")[1]


def test_currencies_are_never_added(priced):
    rows = priced(_run("usd-hw-eur-power", dc="fr-owned-usd"),
                  _run("gcp-eur-power", dc="gcp-euw1", model="A100-SXM4-40GB"))
    owned = rows["usd-hw-eur-power"]
    assert (owned["compute_currency"], owned["currency"]) == ("USD", "EUR")
    assert owned["compute_cost"] == pytest.approx(20 * 30_000 / (3 * 8760 * 0.5))
    assert owned["total_cost"] is None and owned["energy_cost_share"] is None
    assert "EUR" in owned["cost_note"] and "USD" in owned["cost_note"] and "no currency conversion" in owned["cost_note"]
    cloud = rows["gcp-eur-power"]  # Google's USD price in europe-west1; Eurostat electricity in EUR
    assert cloud["compute_price_per_gpu_hour"] == pytest.approx(3.747369)
    assert cloud["total_cost"] == cloud["compute_cost"] and cloud["energy_cost_share"] is None


def test_view_invariants_over_the_demo_sites(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv", EXAMPLES / "cluster_logs", EXAMPLES / "slurm", EXAMPLES / "codecarbon"])
    load_site_file(con, EXAMPLES / "datacenters.yaml")
    compute_footprints(con)
    bad = con.sql("""
        select count(*) from run_footprints
        where compute_cost_basis is null
           or (compute_cost_basis = 'unpriced') <> (compute_cost is null)
           or abs(compute_cost - gpu_hours * compute_price_per_gpu_hour) > 1e-9 * compute_cost
           or (is_energy_in_compute_price and total_cost <> compute_cost)
           or (not is_energy_in_compute_price and currency = compute_currency
               and abs(total_cost - compute_cost - energy_cost) > 1e-9 * total_cost)
           or total_cost < compute_cost
           or (compute_cost_basis = 'cloud_list' and (compute_price_id is null or compute_price_date is null))
    """).fetchall()[0][0]
    assert bad == 0
    bases = {r[0] for r in con.sql("select distinct compute_cost_basis from run_footprints").fetchall()}
    assert {"explicit", "amortised", "cloud_list", "unpriced"} <= bases


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("block, message", [
    ("owned_hardware: {H100-SXM: {purchase_price_per_server: 1, currency: USD, life_years: 4, utilisation: 0.8, "
     "source: s}}", "a per-server price or cost needs gpus_per_server"),
    ("owned_hardware: {H100-SXM: {purchase_price_per_gpu: 1, currency: USD, life_years: 0, utilisation: 0.8, source: s}}",
     "datacenters.x.owned_hardware.H100-SXM.life_years"),
    ("owned_hardware: {H100-SXM: {purchase_price_per_gpu: 1, currency: USD, life_years: 4, utilisation: 1.5, source: s}}",
     "owned_hardware.H100-SXM.utilisation"),
    ("owned_hardware: {H100-SXM: {purchase_price_per_gpu: 1, purchase_price_per_server: 8, gpus_per_server: 8, "
     "currency: USD, life_years: 4, utilisation: 0.8, source: s}}", "one of them"),
    ("compute_provider: aws\n    owned_hardware: {H100-SXM: {purchase_price_per_gpu: 1, currency: USD, life_years: 4, "
     "utilisation: 0.8, source: s}}", "owned (owned_hardware) or rented"),
    ("region: aws:us-east-1\n    owned_hardware: {H100-SXM: {purchase_price_per_gpu: 1, currency: USD, life_years: 4, "
     "utilisation: 0.8, source: s}}", "a cloud region is rented"),
    ("compute_rates: [{gpu_model: H100-SXM, price_per_gpu_hour: -1, currency: USD, effective_date: 2026-01-01, source: s}]",
     "datacenters.x.compute_rates.0.price_per_gpu_hour"),
    ("compute_rates: [{gpu_model: H100-SXM, price_per_gpu_hour: 2, currency: USD, effective_date: 'soon', source: s}]",
     "compute_rates.0.effective_date"),
])
def test_site_file_errors_name_file_key_and_problem(write, block, message):
    path = write("sites.yaml", f"datacenters:\n  x:\n    {block}\n")
    with pytest.raises(SiteFileError) as err:
        load_sites(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_unknown_gpu_model_in_the_site_file_is_refused(con, write):
    path = write("sites.yaml", "datacenters:\n  x:\n    owned_hardware: {Quantum-X9000: {purchase_price_per_gpu: 1, "
                               "currency: USD, life_years: 4, utilisation: 0.8, source: s}}\n")
    with pytest.raises(FactorError, match=r"datacenters\.x\.owned_hardware\.Quantum-X9000: GPU model 'Quantum-X9000'"):
        load_site_file(con, path)
    twice = write("twice.yaml", "datacenters:\n  x:\n    owned_hardware:\n" + "".join(
        f"      {m}: {{purchase_price_per_gpu: 1, currency: USD, life_years: 4, utilisation: 0.8, source: s}}\n"
        for m in ("H100", "NVIDIA H100 80GB HBM3")))
    with pytest.raises(FactorError, match="are both H100-SXM"):
        load_site_file(con, twice)


def _price_table(tmp_path, edit):
    rows = list(csv.DictReader(open(REPO / "tariffs" / "compute_prices.csv", encoding="utf-8")))
    rows = edit(rows)
    path = tmp_path / "compute_prices.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda rows: [{**rows[0], "price_per_gpu_hour": "-1"}] + rows[1:], "line 2: price_per_gpu_hour -1 is not in (0, 100]"),
    (lambda rows: rows[:2] + [{**rows[2], "source": ""}] + rows[3:], "line 4: source is empty"),
    (lambda rows: [{**rows[0], "gpu_model": "Quantum-X9000"}] + rows[1:], "line 2: GPU model 'Quantum-X9000'"),
    (lambda rows: [{**rows[0], "effective_from": "9/11/2026"}] + rows[1:], "line 2: effective_from is not an ISO date"),
    (lambda rows: [{**rows[0], "effective_to": "2020-01-01"}] + rows[1:], "line 2: effective_to is not an ISO date on or after"),
    (lambda rows: rows + [{**rows[0], "price_id": "copy"}], "two prices for one provider, region, GPU model and effective_from"),
    (lambda rows: [{k: v for k, v in r.items() if k != "url"} for r in rows], "missing column(s) url"),
])
def test_price_table_errors_name_file_line_and_problem(tmp_path, edit, message):
    path = _price_table(tmp_path, edit)
    with pytest.raises(FactorError) as err:
        read_compute_prices(path, FactorLibrary().gpu_aliases)
    assert "tariffs/compute_prices.csv" in str(err.value) and message in str(err.value)


@pytest.mark.parametrize("value, currency, reason", [
    ("-2", "USD", "must be at least 0"),
    ("NaN", "USD", "not a finite number"),
    ("2,5", "USD", "not a number"),
    ("250", "USD", "above the sanity ceiling of 100"),
    ("2", "", "compute_price_per_gpu_hour needs compute_currency (ISO 4217, e.g. USD)"),
    ("2", "dollars", "not an ISO 4217 currency code (three letters)"),
])
def test_run_log_compute_price_is_validated(con, write, value, currency, reason):
    text = COLUMNS + "\n" + _run("bad", region="FR", price=f'"{value}"', currency=currency)
    summary = ingest_paths(con, [write("runs.csv", text)])
    assert summary.loaded == 0
    reasons = [r[0] for r in con.sql("select reason from rejects where column_name like 'compute_%'").fetchall()]
    assert reason in reasons


# --- reference data and factor set -----------------------------------------------------


def test_shipped_price_table_is_valid_cited_and_covers_the_clouds():
    table = read_compute_prices(REPO / "tariffs" / "compute_prices.csv", FactorLibrary().gpu_aliases)
    assert table["price_id"].n_unique() == table.height
    for r in table.iter_rows(named=True):
        assert r["source"] and r["url"].startswith("http") and r["effective_date"] and r["pricing"] == "on-demand", r
        assert r["effective_to"] is None or r["effective_to"] >= r["effective_date"], r
        if r["price_per_instance_hour"]:
            assert float(r["price_per_instance_hour"]) / r["gpus_per_instance"] == pytest.approx(r["price_per_gpu_hour"], rel=1e-9)
    have = {(r["provider"], r["gpu_model"]) for r in table.iter_rows(named=True)}
    for cloud in ("aws", "gcp", "azure"):
        assert {(cloud, "H100-SXM")} <= have and any(p == cloud and m.startswith("A100") for p, m in have)
    assert {("aws", "H200-SXM"), ("gcp", "H200-SXM")} <= have
    assert {"lambda", "nebius", "runpod-secure"} <= {p for p, _ in have}


def test_factor_set_follows_the_price_table_and_owned_hardware(tmp_path, write):
    assert ("tariffs", "compute_prices.csv") in FACTOR_FILES
    frame = sites_frame(load_sites(write("a.yaml", SITES)))
    other = sites_frame(load_sites(write("b.yaml", SITES.replace("life_years: 4", "life_years: 5", 1))))
    assert FactorLibrary(sites=frame).version != FactorLibrary(sites=other).version
    dirs = {d: REPO / d for d, _ in FACTOR_FILES}
    copy = tmp_path / "tariffs"
    shutil.copytree(REPO / "tariffs", copy)
    before = FactorLibrary(dirs=dirs | {"tariffs": copy}).version
    (copy / "compute_prices.csv").write_text((copy / "compute_prices.csv").read_text().replace(",55.04,6.88,", ",56.00,7.0,"))
    assert FactorLibrary(dirs=dirs | {"tariffs": copy}).version != before


# --- kernel properties ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    hours=st.floats(0, 1e7), factor=st.floats(0, 1e3), price=st.floats(0, 100), energy=st.floats(0, 1e7),
    embedded=st.booleans(),
)
def test_compute_cost_is_linear_in_gpu_hours_and_total_at_least_compute(hours, factor, price, energy, embedded):
    assert compute_cost(hours * factor, price) == pytest.approx(factor * compute_cost(hours, price), rel=1e-12, abs=1e-9)
    compute = compute_cost(hours, price)
    total = total_cost(compute, energy, embedded, True)
    assert total >= compute
    assert total == (compute if embedded else compute + energy)
    share = energy_cost_share(energy, total, True)
    assert np.isnan(share) or (not embedded and 0 <= share <= 1) or embedded
    assert np.isnan(total_cost(compute, energy, False, False))  # two currencies: never added


def test_amortisation_kernel_is_straight_line():
    price = amortised_price_per_gpu_hour(np.array([35_000.0, 70_000.0]), np.array([4.0, 4.0]), 0.8, 0.0, 8760.0)
    assert price[1] == pytest.approx(2 * price[0])  # linear in the purchase price
    assert amortised_price_per_gpu_hour(35_000.0, 8.0, 0.8, 0.0, 8760.0) == pytest.approx(price[0] / 2)  # twice the life
    assert amortised_price_per_gpu_hour(35_000.0, 4.0, 0.8, 1_875.0, 8760.0) == pytest.approx(OWNED_H100_PER_GPU_HOUR)


def test_run_card_shows_compute_and_total_cost(con):
    from wattledger.report.export import run_card

    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    compute_footprints(con)
    card = run_card(con, "deepseek-v3")
    assert "| Compute cost | 5,576,000.00 | USD (explicit:" in card
    assert "| Total cost | 5,576,000.00 | USD (electricity inside the compute price, not added) |" in card
    assert "| Compute cost | — | unpriced: neither a cloud region" in run_card(con, "llama2-70b")
