-- grain: one row per (dimension, key, compute currency) among the period's runs with a
-- compute price; dimension in team | project. Same measures as cost_totals.sql.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
    where compute_cost is not null
),

grouped as (
    select
        case when grouping(team) = 0 then 'team' else 'project' end as dimension,
        case when grouping(team) = 0 then team else project end as key,
        compute_currency as currency,
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(compute_cost) as compute_cost,
        coalesce(sum(energy_cost) filter (where not is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_added,
        sum(total_cost) as total_cost,
        count(*) filter (where total_cost is null) as runs_without_total,
        sum(energy_cost) filter (where energy_cost_share is not null)
            / nullif(sum(total_cost) filter (where energy_cost_share is not null), 0) as energy_cost_share,
        sum(co2e_kg) / nullif(sum(compute_cost) / 1000.0, 0) as co2e_kg_per_1000_compute,
        sum(co2e_t) as co2e_t
    from scoped
    group by grouping sets ((team, compute_currency), (project, compute_currency))
),

final as (
    select * from grouped
)

select * from final order by dimension, total_cost desc nulls last, key nulls last, currency
