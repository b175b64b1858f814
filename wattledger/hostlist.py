"""Expand host lists as Slurm writes them: ``gpu[001-004,010],login2`` -> five host names.

Used to attribute power telemetry (per host) to runs (whose ``hosts`` column may hold a
Slurm nodelist or a comma-separated list).
"""

from __future__ import annotations

import re

_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
#: Most host names one list may expand to: the largest GPU clusters have tens of thousands of
#: nodes; a list beyond this is a typo or hostile (``n[0-99999]x[0-99999]`` is 10^10 names).
MAX_HOSTS = 100_000


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


def _count_one(item: str) -> int:
    """How many names ``item`` expands to, without expanding it."""
    m = re.search(r"\[([^\[\]]*)\]", item)
    if not m:
        return 1
    n = 0
    for piece in m.group(1).split(","):
        r = _RANGE.match(piece.strip())
        if not r:
            raise HostlistError(f"bad range {piece!r} in host list item {item!r}")
        lo, hi = int(r.group(1)), int(r.group(2) or r.group(1))
        n += max(hi - lo + 1, 0)
    rest = item[: m.start()] + "0" + item[m.end():]  # the later brackets multiply each name
    return n * _count_one(rest)


def expand_hostlist(text: str | None) -> list[str]:
    """Host names of a Slurm nodelist or comma list, in order, without duplicates.

    Raises :class:`HostlistError` for a malformed list or one of more than MAX_HOSTS names
    (counted before anything is expanded).

    >>> expand_hostlist("gpu[001-003,010],login2")
    ['gpu001', 'gpu002', 'gpu003', 'gpu010', 'login2']
    """
    if text is None or not text.strip():
        return []
    items = _split_top_level(text.strip())
    total = sum(_count_one(item) for item in items)
    if total > MAX_HOSTS:
        raise HostlistError(f"host list of {total:,} names, more than the {MAX_HOSTS:,} accepted")
    seen: dict[str, None] = {}
    for item in items:
        for name in _expand_one(item):
            seen.setdefault(name, None)
    return list(seen)
