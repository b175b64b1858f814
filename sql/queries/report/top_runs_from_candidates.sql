-- grain: one row per run, the $limit runs of the period with the most CO2e, found among the
-- candidates: the footprints with at least $cut_t t CO2e (top_run_cut.sql: the least of the
-- footprints with the most CO2e of all; ties at the cut kept), so only they are joined with
-- their runs, not every footprint (issue 20). Every footprint left out has less CO2e (in t, as
-- the order is) than every candidate: when $limit candidates fall in the period, these are the
-- period's top runs, the same rows and order as top_runs.sql; when fewer do, the caller runs
-- top_runs.sql (store.report_queries.top_runs). $cut_kg, a little under $cut_t in kg, lets the
-- scan skip row groups; the test on co2e_t decides.
with

candidates as (
    select *
    from footprint_values
    where co2e_kg >= $cut_kg and wl_kg_to_t(co2e_kg) >= $cut_t
),

-- the columns of run_footprints (sql/views/010_run_footprints.sql) that wl_top_runs shows
-- (sql/views/025_wl_top_runs.sql)
scoped as (
    select
        runs.run_id,
        runs.name,
        runs.team,
        runs.project,
        runs.gpu_model,
        runs.gpu_count,
        candidates.gpu_hours,
        wl_kwh_to_mwh(candidates.energy_kwh) as energy_mwh,
        wl_kg_to_t(candidates.co2e_kg) as co2e_t,
        candidates.energy_cost,
        profiles.currency,
        profiles.power_basis,
        profiles.intensity_basis
    from candidates
    inner join runs on runs.run_id = candidates.run_id
    inner join footprint_profiles as profiles on profiles.profile_id = candidates.profile_id
    where ($period_start is null or runs.started_at >= $period_start)
      and ($period_end is null or runs.started_at < $period_end)
),

final as (
    select * from wl_top_runs(scoped, $limit)
)

select * from final
