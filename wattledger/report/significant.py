"""Figures rounded to significant digits, relative to each figure's own size, so that charts
are the same bytes for the same data.

DuckDB's parallel sums add in an order that changes between runs, so a sum may differ in its
last bit from one run to the next; drawn as it is, that bit can move an anti-aliased pixel or
the ticks of an axis, and the PNG changes. Rounded to 12 significant digits (far below what a
chart shows, far above a double's last bit: ~16 digits) both sums draw alike. Relative, not to
fixed decimals: one chart holds grams and kilotonnes. Only charts use this; tables show the
figures as computed.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

#: Significant digits kept in a plotted figure.
PLOT_DIGITS = 12


def round_significant(values: Iterable[float | None], digits: int = PLOT_DIGITS) -> list[float | None]:
    """``values`` each rounded to ``digits`` significant digits (decimal, round half to even on
    the exact binary value); None, NaN, infinities and zero stay as they are. [same unit as
    ``values``]"""
    if digits < 1:
        raise ValueError(f"digits must be at least 1, not {digits}")
    return [None if v is None else float(f"{v:.{digits}g}") for v in values]


def rounded_columns(frame: pl.DataFrame, columns: Iterable[str], digits: int = PLOT_DIGITS) -> pl.DataFrame:
    """``frame`` with each of ``columns`` (floats) rounded by :func:`round_significant`."""
    return frame.with_columns(
        pl.Series(c, round_significant(frame[c].to_list(), digits), dtype=pl.Float64) for c in columns)
