"""Markdown building blocks: escaping text from the logs, tables, number formats.

Only the renderer formats numbers; everything upstream passes floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

# Log text only ever lands inside a table cell or mid-sentence, never at the start of a
# line, so block markers (#, -, 1.) cannot act; what can act inline is emphasis, code,
# links/images, strikethrough, HTML, entities, the cell separator, line breaks and `$...$`
# (GitHub renders it as mathematics).
#: Characters shown as a visible escape (``\u202e``) rather than raw: C0 controls (NUL, VT, FF,
#: ESC, ...) but tab and line breaks (spaces), DEL and C1 controls, the line and paragraph
#: separators, bidi controls (they reorder what follows: "Trojan Source") and the zero-width
#: characters (they hide text). NUL would make the report a binary file for git and grep.
INVISIBLE: tuple[int, ...] = (
    *(c for c in range(0x00, 0x20) if chr(c) not in "\t\n\r"),
    *range(0x7F, 0xA0),
    0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),  # bidi controls
    0x2028, 0x2029,  # line and paragraph separators
    0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,  # zero-width
)
_ESCAPE = str.maketrans(
    {c: "\\" + c for c in "\\`*_[]|~$"}
    | {"<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " ", "\t": " "}
    | {chr(c): f"\\u{c:04x}" for c in INVISIBLE}
)


def text(value: object) -> str:
    """Text from the logs (team, project, run names), safe inside markdown and table cells:
    markup escaped, ``$`` literal (not mathematics), invisible and control characters shown
    as ``\\uXXXX`` (docs/reliability.md, section 4)."""
    if value is None:
        return "*(none)*"
    return str(value).translate(_ESCAPE)


def num(value: float | None, digits: int = 1) -> str:
    """A number with thousands separators and ``digits`` decimals; em dash when unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}"


def sig(value: float | None, figures: int = 3) -> str:
    """A number to ``figures`` significant figures, with thousands separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value == 0:
        return "0"
    digits = max(0, figures - 1 - int(math.floor(math.log10(abs(value)))))
    return f"{round(value, digits):,.{digits}f}"


def pct(share: float | None) -> str:
    """A share as a percentage: one decimal, or two significant figures below 1 % (never a
    bare "0.0 %" for a share that is not zero)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    if share == 0:
        return "0 %"
    if abs(share) < 0.01:
        return f"{sig(100 * share, 2)} %"
    return f"{100 * share:.1f} %"


def bounds(low: float, high: float, figures: int = 3) -> str:
    return f"{sig(low, figures)}–{sig(high, figures)}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str | None = None) -> str:
    """A pipe table; ``align`` is one character per column, 'l' or 'r'."""
    align = align or "l" * len(headers)
    marks = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)
