"""Timestamps at the edge: local wall-clock text -> UTC text the validation SQL reads."""

from __future__ import annotations

import polars as pl

#: How adapters write a UTC instant for validation (ISO 8601 with an explicit offset).
ISO_UTC = "%Y-%m-%dT%H:%M:%S%.f+00:00"


def naive(expr: pl.Expr, fmt: str) -> pl.Expr:
    """Naive datetime of text in ``fmt`` (null when it does not parse)."""
    return expr.str.strptime(pl.Datetime("us"), fmt, strict=False)


def localize(naive_expr: pl.Expr, tz: str, ambiguous: str = "earliest") -> pl.Expr:
    """UTC datetime of a naive wall-clock time in ``tz``.

    A time skipped by a daylight-saving change becomes null; a time that occurs twice
    (the repeated hour) is resolved by ``ambiguous`` (``earliest`` or ``latest``).
    """
    return naive_expr.dt.replace_time_zone(tz, ambiguous=ambiguous, non_existent="null").dt.convert_time_zone("UTC")


def utc_text(expr: pl.Expr) -> pl.Expr:
    """ISO 8601 text with ``+00:00`` of a UTC datetime."""
    return expr.dt.to_string(ISO_UTC)
