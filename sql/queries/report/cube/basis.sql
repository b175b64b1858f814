-- grain: one row per (factor, basis[, source, year for intensity and market]), from the cube.
with

usage as (
    select * from wl_report_factor_usage
),

final as (
    select
        factor,
        basis,
        case when factor in ('intensity', 'market') then source end as source,
        case when factor in ('intensity', 'market') then year end as year,
        sum(runs) as runs,
        sum(energy_kwh) as energy_kwh,
        sum(energy_kwh) / nullif(sum(sum(energy_kwh)) over (partition by factor), 0) as energy_share
    from usage
    group by 1, 2, 3, 4  -- explicit: group by all would take the window too
)

select * from final order by factor, energy_kwh desc, basis
