"""Kernel: unit tests on scalars, arrays, NaN and zero, and property tests of the physics."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from wattledger import units
from wattledger.kernel import (
    FootprintInputs,
    car_years,
    co2e_kg,
    energy_cost,
    facility_energy_kwh,
    footprints,
    household_years,
    it_energy_kwh,
    market_co2e_kg,
)

pos = st.floats(min_value=1e-6, max_value=1e7, allow_nan=False, allow_infinity=False)
arrays = st.lists(pos, min_size=1, max_size=20).map(np.array)


def test_it_energy_scalar_array_nan_zero():
    assert it_energy_kwh(10.0, 400.0) == pytest.approx(4.0)
    assert_allclose(it_energy_kwh([1.0, 2.0], [1000.0, 500.0]), [1.0, 1.0])
    assert np.isnan(it_energy_kwh(np.nan, 400.0))
    assert it_energy_kwh(0.0, 400.0) == 0.0


def test_facility_emissions_cost_equivalences():
    assert facility_energy_kwh(100.0, 1.1) == pytest.approx(110.0, rel=1e-12)
    assert co2e_kg(1000.0, 0.4) == pytest.approx(400.0, rel=1e-12)
    assert energy_cost(1000.0, 0.08) == pytest.approx(80.0, rel=1e-12)
    assert household_years(units.US_HOUSEHOLD_KWH_PER_YEAR.value) == pytest.approx(1.0)
    assert car_years(4600.0) == pytest.approx(1.0)
    assert np.isnan(co2e_kg(np.nan, 0.4))
    assert co2e_kg(0.0, 0.4) == 0.0


def test_market_based_hierarchy():
    # 40 % covered by RECs, the rest at the supplier's 0.2 kg/kWh
    assert market_co2e_kg(1000.0, 0.4, 0.2) == pytest.approx(120.0, rel=1e-12)
    assert market_co2e_kg(1000.0, 1.0, 0.2) == 0.0
    assert_allclose(market_co2e_kg([10.0, 20.0], [0.0, 0.5], [0.3, 0.3]), [3.0, 3.0])


def test_gpt3_is_119_household_years_not_three_years():
    # Patterson et al. 2021: GPT-3 used 1,287 MWh.
    assert household_years(units.mwh_to_kwh(1287.0)) == pytest.approx(119.3, rel=1e-3)


def _inputs(gpu_hours, power, pue, intensity, price):
    n = len(gpu_hours)
    power = np.broadcast_to(power, n)
    return FootprintInputs(
        gpu_hours=gpu_hours,
        power_w=power,
        power_low_w=power * 0.5,
        power_high_w=power,
        pue=np.broadcast_to(pue, n),
        pue_low=np.broadcast_to(pue, n),
        pue_high=np.broadcast_to(pue, n),
        intensity_kg_per_kwh=np.broadcast_to(intensity, n),
        intensity_low_kg_per_kwh=np.broadcast_to(intensity, n) * 0.9,
        intensity_high_kg_per_kwh=np.broadcast_to(intensity, n) * 1.1,
        price_per_kwh=np.broadcast_to(price, n),
        market_covered_share=np.broadcast_to(0.25, n),
        market_factor_kg_per_kwh=np.broadcast_to(intensity, n),
    )


@given(arrays, pos, st.floats(1.0, 3.0), st.floats(0.0, 2.0), st.floats(0.0, 10.0))
def test_footprint_non_negative_and_bounded(hours, power, pue, intensity, price):
    out = footprints(_inputs(hours, power, pue, intensity, price))
    for name in ("energy_it_kwh", "energy_kwh", "co2e_kg", "co2e_market_kg", "energy_cost"):
        assert (out[name] >= 0).all()
        assert (out[name + "_low"] <= out[name] * (1 + 1e-12)).all()
        assert (out[name] <= out[name + "_high"] * (1 + 1e-12)).all()
    assert_allclose(out["energy_kwh"], out["energy_it_kwh"] * pue, rtol=1e-12)


@given(arrays, pos, st.floats(1.0, 3.0), st.floats(0.01, 2.0), st.floats(0.1, 100.0))
def test_linear_in_power_and_hours(hours, power, pue, intensity, k):
    base = footprints(_inputs(hours, power, pue, intensity, 0.1))
    more_power = footprints(_inputs(hours, power * k, pue, intensity, 0.1))
    more_hours = footprints(_inputs(hours * k, power, pue, intensity, 0.1))
    for out in (more_power, more_hours):
        assert_allclose(out["energy_kwh"], base["energy_kwh"] * k, rtol=1e-9)
        assert_allclose(out["co2e_kg"], base["co2e_kg"] * k, rtol=1e-9)


@given(arrays, pos, st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_monotone_in_intensity(hours, power, a, b):
    lo, hi = sorted((a, b))
    assert (footprints(_inputs(hours, power, 1.2, lo, 0.1))["co2e_kg"]
            <= footprints(_inputs(hours, power, 1.2, hi, 0.1))["co2e_kg"]).all()


@given(arrays, arrays)
def test_additive_over_split_hours(h1, h2):
    n = min(len(h1), len(h2))
    h1, h2 = h1[:n], h2[:n]
    whole = it_energy_kwh(h1 + h2, 300.0)
    assert_allclose(whole, it_energy_kwh(h1, 300.0) + it_energy_kwh(h2, 300.0), rtol=1e-12)


@given(pos)
def test_kwh_mwh_round_trip(x):
    assert units.mwh_to_kwh(units.kwh_to_mwh(x)) == pytest.approx(x, rel=1e-15)
    assert units.kg_to_tonnes(x) * units.KG_PER_TONNE == pytest.approx(x, rel=1e-15)


@pytest.mark.parametrize("n, threads", [(1, 1), (1000, 1), (50_000, 1), (50_000, 2)])
def test_sliced_kernel_is_the_formulas_bit_for_bit(n, threads):
    """footprints() runs the formulas over cache-sized slices (and threads): every element
    must equal composing the documented functions over whole arrays, exactly."""
    from wattledger.kernel import FootprintInputs, co2e_kg, energy_cost, facility_energy_kwh, market_co2e_kg

    rng = np.random.default_rng(n)
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    x = FootprintInputs(
        gpu_hours=u(0, 5000), power_w=u(50, 700), power_low_w=u(10, 50), power_high_w=u(700, 900), pue=u(1, 1.6),
        pue_low=u(1, 1.1), pue_high=u(1.6, 2), intensity_kg_per_kwh=u(0, 0.9), intensity_low_kg_per_kwh=u(0, 0.1),
        intensity_high_kg_per_kwh=u(0.9, 1.2), price_per_kwh=u(0, 0.4), market_covered_share=u(0, 1),
        market_factor_kg_per_kwh=u(0, 0.9),
    )
    out = footprints(x, threads=threads)
    for suffix, power, pue, intensity in (("", x.power_w, x.pue, x.intensity_kg_per_kwh),
                                          ("_low", x.power_low_w, x.pue_low, x.intensity_low_kg_per_kwh),
                                          ("_high", x.power_high_w, x.pue_high, x.intensity_high_kg_per_kwh)):
        it = it_energy_kwh(x.gpu_hours, power)
        facility = facility_energy_kwh(it, pue)
        np.testing.assert_array_equal(out["energy_it_kwh" + suffix], it)
        np.testing.assert_array_equal(out["energy_kwh" + suffix], facility)
        np.testing.assert_array_equal(out["co2e_kg" + suffix], co2e_kg(facility, intensity))
        np.testing.assert_array_equal(out["co2e_market_kg" + suffix],
                                      market_co2e_kg(facility, x.market_covered_share, x.market_factor_kg_per_kwh))
        np.testing.assert_array_equal(out["energy_cost" + suffix], energy_cost(facility, x.price_per_kwh))


_OPTIONAL = ("cpu_kwh", "cpu_low_kwh", "cpu_high_kwh", "ram_kwh", "ram_low_kwh", "ram_high_kwh", "wue_l_per_kwh",
             "wue_low_l_per_kwh", "wue_high_l_per_kwh", "water_intensity_l_per_kwh", "water_intensity_low_l_per_kwh",
             "water_intensity_high_l_per_kwh", "market_factor_low_kg_per_kwh", "market_factor_high_kg_per_kwh")
#: values an input may take, edge cases included: zeros of both signs, a subnormal, infinity
_VALUES = st.one_of(st.floats(0.0, 1e4), st.sampled_from([0.0, -0.0, 5e-324, -5e-324, np.inf]))


def _same_bits(a, b) -> bool:
    """Equal bit for bit (the sign of a zero included); any NaN equals any NaN (payloads aside)."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    return a.shape == b.shape and bool(((a.view(np.uint64) == b.view(np.uint64)) | (np.isnan(a) & np.isnan(b))).all())


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**32 - 1), st.sets(st.sampled_from(_OPTIONAL)), st.data())
def test_an_absent_input_is_its_documented_value_bit_for_bit(n, seed, absent, data):
    """None for an optional input gives exactly what an array of its documented value gives
    (0.0 for a CPU or memory part, NaN for a water input, the central factor for a market
    bound), though the kernel then reads and writes less (written_outputs)."""
    from wattledger.kernel.footprint import OUTPUTS, written_outputs

    rng = np.random.default_rng(seed)
    special = np.array(data.draw(st.lists(_VALUES, min_size=n, max_size=n)))
    arrays = {f.name: rng.permutation(special) * (1.0 if i % 3 else rng.uniform(0.5, 2.0, n))
              for i, f in enumerate(dataclasses.fields(FootprintInputs))}
    given_x = FootprintInputs(**arrays | {name: None for name in absent})
    documented = {name: (arrays["market_factor_kg_per_kwh"] if name.startswith("market") else
                         np.full(n, np.nan if name.startswith("w") else 0.0)) for name in absent}
    with np.errstate(all="ignore"):  # inf x 0 is NaN, on both sides
        expected = footprints(FootprintInputs(**arrays | documented))
        got = footprints(given_x, threads=2)
    assert list(got) == list(OUTPUTS)
    for name in OUTPUTS:
        assert _same_bits(got[name], expected[name]), name
    assert len(written_outputs(given_x)) <= len(OUTPUTS)
