-- grain: one row per part of IT energy (gpu, cpu, ram) for the report's period ($period_start,
-- $period_end), and per basis of that part: its energy [kWh] with bounds and the runs. A part
-- that is unknown (or inside another part, its basis says) has no energy and counts its runs.
-- it_kwh, gpu_kwh: the IT and GPU energy of the group's runs (the share outside GPUs of the
-- runs whose CPU part is known is sum(it_kwh - gpu_kwh) / sum(it_kwh) over their cpu rows).
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

parts as (
    select 'gpu' as part, power_basis as basis, energy_gpu_kwh as kwh, energy_gpu_kwh_low as kwh_low,
        energy_gpu_kwh_high as kwh_high, energy_it_kwh, energy_gpu_kwh
    from scoped
    where energy_gpu_kwh is not null
    union all
    select 'cpu', energy_cpu_basis, energy_cpu_kwh, energy_cpu_kwh_low, energy_cpu_kwh_high, energy_it_kwh, energy_gpu_kwh
    from scoped
    where energy_cpu_basis is not null
    union all
    select 'ram', energy_ram_basis, energy_ram_kwh, energy_ram_kwh_low, energy_ram_kwh_high, energy_it_kwh, energy_gpu_kwh
    from scoped
    where energy_ram_basis is not null
),

final as (
    select
        part,
        basis,
        count(*) as runs,
        coalesce(sum(kwh), 0) as energy_kwh,
        coalesce(sum(kwh_low), 0) as energy_kwh_low,
        coalesce(sum(kwh_high), 0) as energy_kwh_high,
        coalesce(sum(kwh), 0) / nullif((select sum(energy_it_kwh) from scoped), 0) as it_share,
        coalesce(sum(energy_it_kwh), 0) as it_kwh,
        coalesce(sum(energy_gpu_kwh), 0) as gpu_kwh
    from parts
    group by all
)

select * from final order by part, energy_kwh desc, basis
