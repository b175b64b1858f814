"""Expand host lists as Slurm writes them: ``gpu[001-004,010],login2`` -> five host names.

Used to attribute power telemetry (per host) to runs (whose ``hosts`` column may hold a
Slurm nodelist or a comma-separated list).
"""

from __future__ import annotations

import re

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


class HostlistError(ValueError):
    pass


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise HostlistError(f"unbalanced ']' in host list {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise HostlistError(f"unbalanced '[' in host list {text!r}")
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _expand_one(item: str) -> list[str]:
    m = re.search(r"\[([^\[\]]*)\]", item)
    if not m:
        return [item]
    prefix, suffix = item[: m.start()], item[m.end() :]
    names = []
    for piece in m.group(1).split(","):
        r = _RANGE.match(piece.strip())
        if not r:
            raise HostlistError(f"bad range {piece!r} in host list item {item!r}")
        lo, hi = r.group(1), r.group(2) or r.group(1)
        if int(hi) < int(lo):
            raise HostlistError(f"descending range {piece!r} in host list item {item!r}")
        if int(hi) - int(lo) > 100_000:
            raise HostlistError(f"range {piece!r} is implausibly large")
        width = len(lo)  # zero padding as written: gpu[001-010]
        for n in range(int(lo), int(hi) + 1):
            names.extend(_expand_one(f"{prefix}{n:0{width}d}{suffix}"))
    return names


def expand_hostlist(text: str | None) -> list[str]:
    """Host names of a Slurm nodelist or comma list, in order, without duplicates.

    >>> expand_hostlist("gpu[001-003,010],login2")
    ['gpu001', 'gpu002', 'gpu003', 'gpu010', 'login2']
    """
    if text is None or not text.strip():
        return []
    seen: dict[str, None] = {}
    for item in _split_top_level(text.strip()):
        for name in _expand_one(item):
            seen.setdefault(name, None)
    return list(seen)
