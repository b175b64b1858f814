-- grain: one row per run that needs a footprint: none yet, or one computed with another
-- factor set ($factor_set), or every run when $recompute_all.
with

runs as (
    select * from runs
),

footprints as (
    select run_id, factor_set from footprints
),

final as (
    select
        runs.run_id,
        runs.started_at,
        runs.ended_at,
        runs.region,
        runs.datacenter,
        runs.gpu_model,
        runs.gpu_count,
        runs.hosts,
        runs.gpu_hours,
        runs.avg_power_w,
        runs.pue,
        runs.grid_intensity_kg_per_kwh,
        runs.price_per_kwh,
        runs.currency,
        runs.measured_it_energy_kwh,
        runs.measured_energy_source
    from runs
    left join footprints on footprints.run_id = runs.run_id
    where $recompute_all
        or footprints.run_id is null
        or footprints.factor_set <> $factor_set
)

select * from final order by run_id
