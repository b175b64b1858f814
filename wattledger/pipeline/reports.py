"""Where reports are written by default."""

from __future__ import annotations

from pathlib import Path


def default_report_path(period: str | None) -> Path:
    """``reports/wattledger-<period>.md`` (or ``-all``) under the working folder."""
    return Path("reports") / f"wattledger-{period or 'all'}.md"
