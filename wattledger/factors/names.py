"""How names are compared: GPU models and regions, whatever their spelling."""

from __future__ import annotations

import polars as pl


def normalise_model(expr: pl.Expr) -> pl.Expr:
    """GPU model names compared case- and punctuation-insensitively: 'NVIDIA A100_80GB' ~ 'nvidia-a100-80gb'."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


def normalise_region(expr: pl.Expr) -> pl.Expr:
    """Cloud regions (``provider:name``) in lower case, grid zones and countries in upper case."""
    s = expr.str.strip_chars()
    return pl.when(s.str.contains(":") & ~s.str.to_uppercase().str.starts_with("OWID:")).then(s.str.to_lowercase()).otherwise(
        s.str.to_uppercase()
    )
