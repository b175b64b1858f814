"""How names are compared: GPU models and regions, whatever their spelling."""

from __future__ import annotations

import polars as pl


def normalise_model(expr: pl.Expr) -> pl.Expr:
    """GPU model names compared case- and punctuation-insensitively: 'NVIDIA A100_80GB' ~ 'nvidia-a100-80gb'."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


def datacenter_key(name: str) -> str:
    """How a datacenter name is matched between runs and the site file: surrounding spaces
    ignored, case ignored (``' PAR-DC '`` is ``par-dc``); the polars form is :func:`normalise_datacenter`."""
    return name.strip().lower()


def normalise_datacenter(expr: pl.Expr) -> pl.Expr:
    """:func:`datacenter_key` of each name (null stays null)."""
    return expr.str.strip_chars().str.to_lowercase()


def normalise_region(expr: pl.Expr) -> pl.Expr:
    """Cloud regions (``provider:name``) in lower case, grid zones and countries in upper case."""
    s = expr.str.strip_chars()
    return pl.when(s.str.contains(":") & ~s.str.to_uppercase().str.starts_with("OWID:")).then(s.str.to_lowercase()).otherwise(
        s.str.to_uppercase()
    )
