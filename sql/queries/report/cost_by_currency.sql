-- grain: one row per currency of the period's electricity cost.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        currency,
        count(*) as runs,
        sum(energy_cost) as energy_cost,
        sum(energy_cost_low) as energy_cost_low,
        sum(energy_cost_high) as energy_cost_high
    from scoped
    group by all
)

select * from final order by energy_cost desc
