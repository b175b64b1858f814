"""Charts are byte-stable: the same data gives the same PNG, even when a figure differs in its
last bit (DuckDB's parallel sums add in varying order); the PNG carries no software version;
plotted figures are rounded relative to their size, grams and kilotonnes alike."""

from __future__ import annotations

import io
import math
from datetime import datetime

import numpy as np
import polars as pl
import pytest

from wattledger.report import charts
from wattledger.report.significant import round_significant


def _last_bit_up(x: float) -> float:
    return float(np.nextafter(x, math.inf))


def _regions(co2e_t_first: float) -> pl.DataFrame:
    # 14 regions: the 4 beyond the top 10 summed as "other"; tonnes from grams to kilotonnes
    co2e_t = [co2e_t_first, 1234.567890123456, 0.000731, 2.5, 17.0, 0.3, 4.4, 8.8, 0.012, 55.5, 1e-6, 0.9, 3.3, 7.1]
    return pl.DataFrame({
        "region": [f"region-{i:02d}" for i in range(len(co2e_t))],
        "runs": [10] * len(co2e_t),
        "energy_mwh": [v * 2.718281828459045 for v in co2e_t],
        "co2e_t": co2e_t,
        "co2e_market_t": [v * 0.7071067811865476 for v in co2e_t],
    })


def _team_monthly(energy_mwh_first: float) -> pl.DataFrame:
    return pl.DataFrame({
        "team": ["alpha", "beta", "alpha", "gamma"],
        "month": [datetime(2024, 9, 1), datetime(2024, 9, 1), datetime(2024, 10, 1), datetime(2024, 10, 1)],
        "energy_mwh": [energy_mwh_first, 0.0421, 3.14159, 1e-5],
        "co2e_t": [1.1, 0.02, 0.9, 4e-6],
    })


def _png(chart, frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    chart(frame, buffer)
    return buffer.getvalue()


# 0.1 + 0.2 is 0.30000000000000004: a figure that already sits in its last bit
@pytest.mark.parametrize("value", [0.1 + 0.2, 987.6543210987654, 3.3e-7])
@pytest.mark.parametrize("chart", [charts.co2e_by_region, charts.intensity_by_region])
def test_region_charts_ignore_the_last_bit(chart, value):
    assert _last_bit_up(value) != value
    assert _png(chart, _regions(value)) == _png(chart, _regions(_last_bit_up(value)))


@pytest.mark.parametrize("value", [0.1 + 0.2, 987.6543210987654])
def test_monthly_chart_ignores_the_last_bit(value):
    assert _png(charts.monthly_by_team, _team_monthly(value)) == _png(charts.monthly_by_team,
                                                                       _team_monthly(_last_bit_up(value)))


def test_the_png_has_no_software_text():
    png = _png(charts.co2e_by_region, _regions(1.0))
    assert png.startswith(b"\x89PNG") and b"matplotlib" not in png and b"Software" not in png


@pytest.mark.parametrize("value", [3.0e-6, 0.30000000000000004, 1.0, 12345.678901234567, 6.02e23, -2.5e-9])
def test_rounding_is_relative_to_each_figure(value):
    (rounded,) = round_significant([value])
    assert rounded == pytest.approx(value, rel=5e-12, abs=0)  # half a unit of the 12th digit
    assert round_significant([_last_bit_up(value)]) == [rounded]


def test_rounding_keeps_none_nan_infinities_and_zero():
    out = round_significant([None, math.nan, math.inf, -math.inf, 0.0])
    assert out[0] is None and math.isnan(out[1]) and out[2:] == [math.inf, -math.inf, 0.0]
