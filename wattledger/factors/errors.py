"""The error of the factor package."""

from __future__ import annotations


class FactorError(Exception):
    """The reference data is missing or inconsistent (the message names the file and the problem)."""
