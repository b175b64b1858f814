-- grain: one row per run with a footprint (run_footprints): the run's own columns (as factor
-- resolution reads them, for placing it in another datacenter) and its footprint's energy, CO2e,
-- intensity and price (for shifting it in time). With $changed_only, only the runs whose what-if
-- row of window $window_hours is missing or older than their footprint.
with

runs as (
    select * from runs
),

footprints as (
    select * from run_footprints
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
        runs.gpu_hours,
        runs.avg_power_w,
        runs.cpu_model,
        runs.cpu_cores,
        runs.cpu_power_w,
        runs.ram_gb,
        runs.gpu_hours_basis,
        footprints.team,
        footprints.energy_it_kwh,
        footprints.energy_kwh,
        footprints.co2e_kg,
        footprints.intensity_basis,
        footprints.intensity_region,
        footprints.price_per_kwh as run_price_per_kwh,
        footprints.price_basis as run_price_basis,
        footprints.tariff_id as run_tariff_id,
        footprints.currency as run_currency,
        footprints.energy_cost as run_energy_cost,
        footprints.datacenter as run_datacenter
    from runs
    inner join footprints on footprints.run_id = runs.run_id
    where not $changed_only or not exists (
        select 1 from whatif_results as w
        where w.run_id = runs.run_id and w.window_hours = $window_hours and w.computed_at >= footprints.computed_at
    )
)

select * from final order by run_id
