-- grain: one row per (dimension, item) in the report's period: the datacenters, teams and input
-- formats of its runs, with runs and energy (see ../boundary.sql), from the report's cube (build.sql).
with

cube as (
    select * from wl_report_cube_months
),

items as (
    select 'datacenter' as dimension, datacenter as item, runs, energy_kwh from cube
    union all
    select 'team', team, runs, energy_kwh from cube
    union all
    select 'source_format', source_format, runs, energy_kwh from cube
),

final as (
    select
        dimension,
        item,
        (sum(runs))::bigint as runs,
        coalesce(wl_kwh_to_mwh(sum(energy_kwh)), 0) as energy_mwh
    from items
    group by all
)

select * from final order by dimension, energy_mwh desc, item nulls last
