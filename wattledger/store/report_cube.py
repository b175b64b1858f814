"""The report's cube: the period's footprints aggregated once per report (issue 20).

Inside ``with report_cube(con, start, end):`` the named reads of ``report_queries`` for that
same period read the temp views ``wl_report_cube`` and ``wl_report_cube_projects``
(sql/queries/report/cube/build.sql: one row per team, GPU model, region, format, job state,
profile of provenance and flags, one per project, profile and cost flags, and, in
``wl_report_cube_months``, one per team, month, datacenter, format, factor set and profile, with
the run count and the sum of every additive figure) instead of joining the
10 M-row ``runs`` and ``footprints`` once per section. Outside it, or for another period,
they run their own query over ``run_footprints`` as before: the same figures (tested).

The cube is a snapshot: it holds the data of the moment it was built, so it lives only as
long as the ``with`` block, on that connection, and is dropped at its end.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb

from wattledger.resources import sql_text

#: (id of the connection) -> (period_start, period_end) of the cube it holds now.
_ACTIVE: dict[int, tuple[datetime | None, datetime | None]] = {}

#: The sections read from the cube, each sql/queries/report/cube/<name>.sql.
CUBE_SECTIONS = frozenset({
    "totals", "cost_by_currency", "breakdown", "basis", "factors_used", "data_quality", "regions", "waste",
    "tracker_comparison", "cost_totals", "cost_breakdown", "compute_basis", "energy_split", "water",
    "months", "document_header", "boundary", "project_costs",
})


#: The columns that key each grouping set of build.sql (the sums follow them), by its view.
_VIEWS: dict[str, tuple[str, ...]] = {
    "wl_report_cube": ("team", "gpu_model", "region", "source_format", "job_state", "profile_id", "has_tracker_co2e",
                       "has_tracker_water", "has_water", "has_compute_cost", "has_total_cost", "has_energy_cost_share",
                       "has_energy_gpu"),
    "wl_report_cube_projects": ("project", "profile_id", "has_compute_cost", "has_total_cost", "has_energy_cost_share"),
    "wl_report_cube_project_stages": ("project", "stage", "job_state", "profile_id", "has_compute_cost", "has_total_cost",
                                      "has_energy_cost_share"),
    "wl_report_cube_months": ("team", "month", "datacenter", "source_format", "factor_set", "profile_id"),
}
_SET_OF = {"wl_report_cube": "main", "wl_report_cube_projects": "projects",
           "wl_report_cube_project_stages": "project_stages", "wl_report_cube_months": "months"}
#: Every key column of any set (null in the sets it does not key).
_KEYS = frozenset(c for columns in _VIEWS.values() for c in columns)


@contextmanager
def report_cube(con: duckdb.DuckDBPyConnection, period_start: datetime | None,
                period_end: datetime | None) -> Iterator[None]:
    """Build the cube of [period_start, period_end) (all runs when both are None) on ``con``;
    the sections of that period read it until the block ends. Not nested on one connection."""
    if id(con) in _ACTIVE:
        raise RuntimeError("a report cube is already open on this connection")
    con.execute(sql_text("queries/report/cube/build.sql"), {"period_start": period_start, "period_end": period_end})
    for view, key_columns in _VIEWS.items():  # names of this module only, no outside text
        con.execute(f"create or replace temp view {view} as select {', '.join(key_columns)}, * exclude "
                    f"({', '.join(sorted(_KEYS | {'cube_set'}))}) from wl_report_cube_sets where cube_set = '{_SET_OF[view]}'")
    con.execute("create or replace temp view wl_report_factor_usage as "
                + sql_text("queries/report/cube/factor_usage.sql"))
    _ACTIVE[id(con)] = (period_start, period_end)
    try:
        yield
    finally:
        del _ACTIVE[id(con)]
        con.execute("drop view if exists wl_report_factor_usage")
        for view in _VIEWS:
            con.execute(f"drop view if exists {view}")
        con.execute("drop table if exists wl_report_cube_sets")


def reads_cube(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> bool:
    """Whether section ``name`` reads the cube (sql/queries/report/cube/<name>.sql): ``con``
    holds one for the period of ``params``; else the caller runs the section's own query."""
    if name not in CUBE_SECTIONS or id(con) not in _ACTIVE:
        return False
    return _ACTIVE[id(con)] == (params.get("period_start"), params.get("period_end"))
