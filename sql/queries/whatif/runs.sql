-- grain: one row per run with a footprint (footprint_values): the run's own columns (as factor
-- resolution reads them, for placing it in another datacenter) and its footprint's energy, CO2e,
-- intensity and price (for shifting it in time), and when the footprint was computed. No
-- parameters: the what-if makes it the temp view whatif_runs of its reading cursor and streams
-- queue.sql over it; unordered (no result depends on the order).
with

runs as (
    select * from runs
),

-- the footprint tables themselves, not the views run_footprints / footprints over them: the
-- views join runs (and every column) a second time; at 10 M runs that doubled the what-if's
-- cost (reading them 63.7 s of 91.9 s at 10 M, measured 2026-12-05)
footprint_values as (
    select * from footprint_values
),

profiles as (
    select * from footprint_profiles
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
        footprint_values.energy_it_kwh,
        footprint_values.energy_kwh,
        footprint_values.co2e_kg,
        profiles.intensity_basis,
        profiles.intensity_region,
        footprint_values.price_per_kwh as run_price_per_kwh,
        profiles.price_basis as run_price_basis,
        profiles.tariff_id as run_tariff_id,
        profiles.currency as run_currency,
        footprint_values.energy_cost as run_energy_cost,
        runs.datacenter as run_datacenter,
        footprint_values.computed_at as footprint_computed_at
    from runs
    inner join footprint_values on footprint_values.run_id = runs.run_id
    inner join profiles on profiles.profile_id = footprint_values.profile_id
)

select * from final
