"""The known names nearest to an unknown one (a region, a datacenter), to say with the warning.

Pure text similarity (difflib's ratio, case-insensitive), best first; no factor is chosen
from it: a suggestion for the person, never a silent substitution."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: Names suggested at most, and the least similarity (difflib ratio, 0-1) a suggestion needs.
SUGGESTIONS = 5
CUTOFF = 0.5


def nearest_names(name: str, known: Iterable[str], n: int = SUGGESTIONS, cutoff: float = CUTOFF) -> list[str]:
    """Up to ``n`` of ``known`` most like ``name`` (case-insensitive), best first, as spelled in ``known``."""
    by_fold: dict[str, str] = {}
    for k in known:
        by_fold.setdefault(k.casefold(), k)
    hits = difflib.get_close_matches(name.strip().casefold(), list(by_fold), n=n, cutoff=cutoff)
    return [by_fold[h] for h in hits]


def nearest_regions(region: str, known_keys: Iterable[str], aliases: Iterable[str]) -> list[str]:
    """Region keys and their other spellings (``eia:ciso``, ``FRANCE``) nearest to ``region``."""
    return nearest_names(region, [*known_keys, *aliases])
