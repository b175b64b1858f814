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


@contextmanager
def report_cube(con: duckdb.DuckDBPyConnection, period_start: datetime | None,
                period_end: datetime | None) -> Iterator[None]:
    """Build the cube of [period_start, period_end) (all runs when both are None) on ``con``;
    the sections of that period read it until the block ends. Not nested on one connection."""
    if id(con) in _ACTIVE:
        raise RuntimeError("a report cube is already open on this connection")
    con.execute(sql_text("queries/report/cube/build.sql"), {"period_start": period_start, "period_end": period_end})
    # each view: its set's keys first, then the sums (every key column of any set left out: null
    # in the sets it does not key)
    con.execute("create or replace temp view wl_report_cube as select team, gpu_model, region, source_format, "
                "job_state, profile_id, has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, "
                "has_energy_cost_share, has_energy_gpu, "
                "* exclude (cube_set, team, project, stage, gpu_model, region, source_format, job_state, datacenter, month, "
                "factor_set, "
                "profile_id, has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, "
                "has_energy_cost_share, has_energy_gpu) "
                "from wl_report_cube_sets where cube_set = 'main'")
    con.execute("create or replace temp view wl_report_cube_projects as select project, profile_id, has_compute_cost, "
                "has_total_cost, has_energy_cost_share, "
                "* exclude (cube_set, team, project, stage, gpu_model, region, source_format, job_state, datacenter, month, "
                "factor_set, "
                "profile_id, has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, "
                "has_energy_cost_share, has_energy_gpu) "
                "from wl_report_cube_sets where cube_set = 'projects'")
    con.execute("create or replace temp view wl_report_cube_project_stages as select project, stage, job_state, "
                "profile_id, has_compute_cost, has_total_cost, has_energy_cost_share, "
                "* exclude (cube_set, team, project, stage, gpu_model, region, source_format, job_state, datacenter, month, "
                "factor_set, "
                "profile_id, has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, "
                "has_energy_cost_share, has_energy_gpu) "
                "from wl_report_cube_sets where cube_set = 'project_stages'")
    con.execute("create or replace temp view wl_report_cube_months as select team, month, datacenter, source_format, "
                "factor_set, profile_id, "
                "* exclude (cube_set, team, project, stage, gpu_model, region, source_format, job_state, datacenter, month, "
                "factor_set, "
                "profile_id, has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, "
                "has_energy_cost_share, has_energy_gpu) "
                "from wl_report_cube_sets where cube_set = 'months'")
    con.execute("create or replace temp view wl_report_factor_usage as "
                + sql_text("queries/report/cube/factor_usage.sql"))
    _ACTIVE[id(con)] = (period_start, period_end)
    try:
        yield
    finally:
        del _ACTIVE[id(con)]
        con.execute("drop view if exists wl_report_factor_usage")
        con.execute("drop view if exists wl_report_cube_months")
        con.execute("drop view if exists wl_report_cube_project_stages")
        con.execute("drop view if exists wl_report_cube_projects")
        con.execute("drop view if exists wl_report_cube")
        con.execute("drop table if exists wl_report_cube_sets")


def reads_cube(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> bool:
    """Whether section ``name`` reads the cube (sql/queries/report/cube/<name>.sql): ``con``
    holds one for the period of ``params``; else the caller runs the section's own query."""
    if name not in CUBE_SECTIONS or id(con) not in _ACTIVE:
        return False
    return _ACTIVE[id(con)] == (params.get("period_start"), params.get("period_end"))
