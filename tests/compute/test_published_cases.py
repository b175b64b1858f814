"""The published training runs in examples/public_runs.csv reproduce their papers within 1 %.

Inputs are the papers' own (GPU-hours, W per device, PUE, kgCO2e/kWh); see DESIGN.md.
"""

import pytest

from conftest import EXAMPLES
from wattledger.compute import compute_footprints
from wattledger.pipeline import ingest_paths

# run_id -> (published energy MWh or None, published tCO2e)
PUBLISHED = {
    "patterson2021-t5": (85.7, 46.7),  # Patterson et al. 2021, Table 4
    "patterson2021-meena": (232.0, 96.4),
    "patterson2021-gpt3": (1287.0, 552.0),
    "llama2-7b": (None, 31.22),  # Touvron et al. 2023 (Llama 2), Table 2
    "llama2-13b": (None, 62.44),
    "llama2-34b": (None, 153.90),
    "llama2-70b": (None, 291.42),
    "bloom-176b": (433.196, 24.69),  # Luccioni et al. 2022, dynamic consumption
}


@pytest.fixture
def footprints(con):
    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    compute_footprints(con)
    rows = con.sql("select run_id, energy_mwh, co2e_t, household_years from run_footprints").fetchall()
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("run_id", sorted(PUBLISHED))
def test_published_case_within_one_percent(footprints, run_id):
    energy_mwh, co2e_t, _ = footprints[run_id]
    published_mwh, published_t = PUBLISHED[run_id]
    assert co2e_t == pytest.approx(published_t, rel=0.01)
    if published_mwh is not None:
        assert energy_mwh == pytest.approx(published_mwh, rel=0.01)


def test_gpt3_equivalence_in_household_years(footprints):
    # ~1,289 MWh from the paper's inputs: about 119 US household-years of electricity.
    assert footprints["patterson2021-gpt3"][2] == pytest.approx(119.5, rel=0.01)


def test_bloom_with_idle_and_embodied_terms(con, write):
    """Luccioni et al. 2022: dynamic 24.69 t + idle 256,646 kWh at 0.057 + embodied 11.2 t = ~50.5 t."""
    idle = write("bloom_idle.csv", "run_id,gpu_model,gpu_hours,measured_it_energy_kwh,measured_energy_source,pue,"
                                   "grid_intensity_kg_per_kwh\n"
                                   "bloom-idle,A100-SXM4-80GB,1082990,256646,BLOOM paper idle consumption,1.0,0.057\n")
    ingest_paths(con, [EXAMPLES / "public_runs.csv", idle])
    compute_footprints(con)
    (dynamic, embodied), (idle_t,) = (
        con.sql("select co2e_t, embodied_co2e_t from run_footprints where run_id = 'bloom-176b'").fetchall()[0],
        con.sql("select co2e_t from run_footprints where run_id = 'bloom-idle'").fetchall()[0],
    )
    assert dynamic == pytest.approx(24.69, rel=0.01)
    assert idle_t == pytest.approx(256_646 * 0.057 / 1000, rel=1e-9)  # 14.63 t
    assert embodied == pytest.approx(11.2, rel=0.01)  # 150 kg GPU + 2.5 t/8 server, 6 y, 85 %
    assert dynamic + idle_t + embodied == pytest.approx(50.5, rel=0.01)


def test_deepseek_v3_training_cost(con):
    """DeepSeek-AI 2024 (arXiv:2412.19437), Table 1: 2.788 M H800 GPU-hours x 2 USD = 5.576 M USD."""
    ingest_paths(con, [EXAMPLES / "public_runs.csv"])
    compute_footprints(con)
    row = con.sql("""
        select gpu_hours, compute_price_per_gpu_hour, compute_currency, compute_cost_basis, compute_cost, total_cost,
               is_energy_in_compute_price
        from run_footprints where run_id = 'deepseek-v3'
    """).fetchall()[0]
    assert row == (2_788_000.0, 2.0, "USD", "explicit", 5_576_000.0, 5_576_000.0, True)  # exactly
