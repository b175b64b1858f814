-- The report's cube (issue 20): the period's footprints aggregated once, so that every
-- section reads a few thousand rows instead of joining runs and footprints again.
-- grain: four sets, told apart by cube_set:
--   'main': one row per (team, GPU model, region, format, job state, profile of provenance, and
--          the flags the sections filter on), read through the temp view wl_report_cube;
--   'projects': one row per (project, profile, cost flags), read through wl_report_cube_projects
--          (projects are kept out of the first set: crossed with teams, models and regions
--          they make a group per few runs, more than DuckDB's memory limit holds at 10 M runs);
--   'project_stages': one row per (project, stage, job state, profile, cost flags), read through
--          wl_report_cube_project_stages (the project costs: compute by stage class);
--   'months': one row per (team, month of the start (null: undated), datacenter, format,
--          factor set, profile), read through wl_report_cube_months (the by-month chart, the
--          header and the boundary statement).
-- The join of runs and footprints is aggregated twice only (grouping sets: each set is a hash
-- aggregate over all joined rows): 'project_stages', and 'fine', the keys of 'main' and
-- 'months' together (some ten thousand rows at 10 M runs); 'projects', 'main' and 'months' are
-- rolled up from those (measured at 10 M runs, 2 cores, 1 GB: 21.8 -> 17.8 s; most of the rest
-- is the join's build side of 10 M runs spilling to disk: 7.0 s with 4 GB).
-- Each row has the run count, the first and last start and the sum of every additive figure;
-- the profile's texts are joined back at the end. Sums of sums equal the sums over runs up to
-- rounding (relative 1e-15): the sections over it return what the per-section queries over
-- run_footprints return (tested: tests/report/test_report_cube.py).
create or replace temp table wl_report_cube_sets as
with

runs as (
    select run_id, team, project, stage, gpu_model, region, source_format, job_state, datacenter, started_at, ended_at,
        wl_month_of(started_at) as month, tracker_co2e_kg, tracker_water_l
    from runs
    where ($period_start is null or started_at >= $period_start)
      and ($period_end is null or started_at < $period_end)
),

footprint_values as (
    select * from footprint_values
),

grouped as (
    select
        runs.team,
        runs.project,
        runs.stage,
        runs.gpu_model,
        runs.region,
        runs.source_format,
        runs.job_state,
        runs.datacenter,
        runs.month,
        footprint_values.factor_set,
        footprint_values.profile_id,
        case when grouping(runs.stage) = 0 then 'project_stages' else 'fine' end as cube_set,
        runs.tracker_co2e_kg is not null as has_tracker_co2e,
        runs.tracker_water_l is not null as has_tracker_water,
        footprint_values.water_l is not null as has_water,
        footprint_values.compute_cost is not null as has_compute_cost,
        footprint_values.total_cost is not null as has_total_cost,
        footprint_values.energy_cost_share is not null as has_energy_cost_share,
        footprint_values.energy_gpu_kwh is not null as has_energy_gpu,
        count(*) as runs,
        count(footprint_values.embodied_co2e_kg) as embodied_runs,
        min(runs.started_at) as first_started_at,
        max(runs.started_at) as last_started_at,
        max(runs.ended_at) as last_ended_at,
        sum(footprint_values.gpu_hours) as gpu_hours,
        sum(footprint_values.energy_it_kwh) as energy_it_kwh,
        sum(footprint_values.energy_gpu_kwh) as energy_gpu_kwh,
        sum(footprint_values.energy_gpu_kwh_low) as energy_gpu_kwh_low,
        sum(footprint_values.energy_gpu_kwh_high) as energy_gpu_kwh_high,
        sum(footprint_values.energy_cpu_kwh) as energy_cpu_kwh,
        sum(footprint_values.energy_cpu_kwh_low) as energy_cpu_kwh_low,
        sum(footprint_values.energy_cpu_kwh_high) as energy_cpu_kwh_high,
        sum(footprint_values.energy_ram_kwh) as energy_ram_kwh,
        sum(footprint_values.energy_ram_kwh_low) as energy_ram_kwh_low,
        sum(footprint_values.energy_ram_kwh_high) as energy_ram_kwh_high,
        sum(footprint_values.energy_kwh) as energy_kwh,
        sum(footprint_values.energy_kwh_low) as energy_kwh_low,
        sum(footprint_values.energy_kwh_high) as energy_kwh_high,
        sum(footprint_values.co2e_kg) as co2e_kg,
        sum(footprint_values.co2e_kg_low) as co2e_kg_low,
        sum(footprint_values.co2e_kg_high) as co2e_kg_high,
        sum(footprint_values.co2e_market_kg) as co2e_market_kg,
        sum(footprint_values.co2e_market_kg_low) as co2e_market_kg_low,
        sum(footprint_values.co2e_market_kg_high) as co2e_market_kg_high,
        sum(footprint_values.embodied_co2e_kg) as embodied_co2e_kg,
        sum(footprint_values.energy_cost) as energy_cost,
        sum(footprint_values.energy_cost_low) as energy_cost_low,
        sum(footprint_values.energy_cost_high) as energy_cost_high,
        sum(footprint_values.compute_cost) as compute_cost,
        sum(footprint_values.total_cost) as total_cost,
        sum(footprint_values.water_l) as water_l,
        sum(footprint_values.water_l_low) as water_l_low,
        sum(footprint_values.water_l_high) as water_l_high,
        sum(footprint_values.water_onsite_l) as water_onsite_l,
        sum(footprint_values.water_onsite_l_low) as water_onsite_l_low,
        sum(footprint_values.water_onsite_l_high) as water_onsite_l_high,
        sum(footprint_values.water_offsite_l) as water_offsite_l,
        sum(footprint_values.water_offsite_l_low) as water_offsite_l_low,
        sum(footprint_values.water_offsite_l_high) as water_offsite_l_high,
        sum(runs.tracker_co2e_kg) as tracker_co2e_kg,
        sum(runs.tracker_water_l) as tracker_water_l
    from footprint_values
    inner join runs on runs.run_id = footprint_values.run_id
    group by grouping sets (
        (team, gpu_model, region, source_format, job_state, datacenter, month, factor_set, profile_id,
         has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, has_energy_cost_share, has_energy_gpu),
        (project, stage, job_state, profile_id, has_compute_cost, has_total_cost, has_energy_cost_share)
    )
),

-- the other sets rolled up from the two above (a few ten thousand rows, not 10 M): counts and
-- sums added, first and last starts kept; every other column a sum of sums
rolled as (
    select *
    from grouped
    where cube_set = 'project_stages'

    union all by name

    select
        'main' as cube_set,
        team, gpu_model, region, source_format, job_state, profile_id,
        has_tracker_co2e, has_tracker_water, has_water, has_compute_cost, has_total_cost, has_energy_cost_share, has_energy_gpu,
        sum(runs)::bigint as runs,
        sum(embodied_runs)::bigint as embodied_runs,
        min(first_started_at) as first_started_at,
        max(last_started_at) as last_started_at,
        max(last_ended_at) as last_ended_at,
        sum(columns('^(gpu_hours|energy_|co2e_|embodied_co2e_kg$|compute_cost$|total_cost$|water_|tracker_)'))
    from grouped
    where cube_set = 'fine'
    group by all

    union all by name

    select
        'months' as cube_set,
        team, month, datacenter, source_format, factor_set, profile_id,
        sum(runs)::bigint as runs,
        sum(embodied_runs)::bigint as embodied_runs,
        min(first_started_at) as first_started_at,
        max(last_started_at) as last_started_at,
        max(last_ended_at) as last_ended_at,
        sum(columns('^(gpu_hours|energy_|co2e_|embodied_co2e_kg$|compute_cost$|total_cost$|water_|tracker_)'))
    from grouped
    where cube_set = 'fine'
    group by all

    union all by name

    select
        'projects' as cube_set,
        project, profile_id, has_compute_cost, has_total_cost, has_energy_cost_share,
        sum(runs)::bigint as runs,
        sum(embodied_runs)::bigint as embodied_runs,
        min(first_started_at) as first_started_at,
        max(last_started_at) as last_started_at,
        max(last_ended_at) as last_ended_at,
        sum(columns('^(gpu_hours|energy_|co2e_|embodied_co2e_kg$|compute_cost$|total_cost$|water_|tracker_)'))
    from grouped
    where cube_set = 'project_stages'
    group by all
),

final as (
    select rolled.*, footprint_profiles.* exclude (profile_id)
    from rolled
    inner join footprint_profiles on footprint_profiles.profile_id = rolled.profile_id
)

select * from final
