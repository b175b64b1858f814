-- grain: one row per (part gpu | cpu | ram, basis), from the cube; see ../energy_split.sql.
with

parts as (
    select 'gpu' as part, power_basis as basis, runs, energy_gpu_kwh as kwh, energy_gpu_kwh_low as kwh_low,
        energy_gpu_kwh_high as kwh_high, energy_it_kwh, energy_gpu_kwh
    from wl_report_cube
    where has_energy_gpu
    union all
    select 'cpu', energy_cpu_basis, runs, energy_cpu_kwh, energy_cpu_kwh_low, energy_cpu_kwh_high, energy_it_kwh,
        energy_gpu_kwh
    from wl_report_cube
    where energy_cpu_basis is not null
    union all
    select 'ram', energy_ram_basis, runs, energy_ram_kwh, energy_ram_kwh_low, energy_ram_kwh_high, energy_it_kwh,
        energy_gpu_kwh
    from wl_report_cube
    where energy_ram_basis is not null
),

final as (
    select
        part,
        basis,
        (sum(runs))::bigint as runs,
        coalesce(sum(kwh), 0) as energy_kwh,
        coalesce(sum(kwh_low), 0) as energy_kwh_low,
        coalesce(sum(kwh_high), 0) as energy_kwh_high,
        coalesce(sum(kwh), 0) / nullif((select sum(energy_it_kwh) from wl_report_cube), 0) as it_share,
        coalesce(sum(energy_it_kwh), 0) as it_kwh,
        coalesce(sum(energy_gpu_kwh), 0) as gpu_kwh
    from parts
    group by all
)

select * from final order by part, energy_kwh desc, basis
