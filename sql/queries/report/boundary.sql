-- grain: one row per (dimension, item) in the report's period: the datacenters, teams and input
-- formats its runs come from, with runs and energy; the report's boundary statement lists them.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

items as (
    select 'datacenter' as dimension, datacenter as item, energy_mwh from scoped
    union all
    select 'team', team, energy_mwh from scoped
    union all
    select 'source_format', source_format, energy_mwh from scoped
),

final as (
    select
        dimension,
        item,
        count(*) as runs,
        coalesce(sum(energy_mwh), 0) as energy_mwh
    from items
    group by all
)

select * from final order by dimension, energy_mwh desc, item nulls last
