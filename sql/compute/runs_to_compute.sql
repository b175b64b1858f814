-- grain: one row per run of batch $batch of the compute queue (compute_queue.sql).
with

runs as (
    select * from runs
),

queue as (
    select run_id from compute_queue where batch = $batch
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
        runs.measured_energy_source,
        runs.compute_price_per_gpu_hour,
        runs.compute_currency
    from runs
    inner join queue on queue.run_id = runs.run_id
)

select * from final order by run_id
