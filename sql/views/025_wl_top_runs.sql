-- grain: one row per run: the top_n runs of footprints_of with the most CO2e, largest first (ties
-- by run_id), with the columns the report's top-runs section shows. footprints_of names a
-- relation (table, view or the caller's CTE) with those columns of run_footprints: the period's
-- footprints (sql/queries/report/top_runs.sql) or only the candidates among them
-- (top_runs_from_candidates.sql); both read this one definition.
create or replace macro wl_top_runs(footprints_of, top_n) as table
select
    run_id,
    name,
    team,
    project,
    gpu_model,
    gpu_count,
    gpu_hours,
    energy_mwh,
    co2e_t,
    energy_cost,
    currency,
    power_basis,
    intensity_basis
from query_table(footprints_of)
order by co2e_t desc, run_id
limit top_n;
