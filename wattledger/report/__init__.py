"""Reports: markdown documents built from the store's views."""

from wattledger.report.period import Scope, gather, render, scope_for, top_runs, write_period_report

__all__ = ["Scope", "gather", "render", "scope_for", "top_runs", "write_period_report"]
