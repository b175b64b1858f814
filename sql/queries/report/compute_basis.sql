-- grain: one row per (compute cost basis, date rule, source) among the period's runs: how many
-- runs and GPU-hours rest on each price row, rate or amortisation, and why runs are unpriced
-- (the reason is the source of an unpriced row).
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        compute_cost_basis as basis,
        compute_price_date_rule as date_rule,
        case when compute_cost_basis = 'unpriced' then cost_note else compute_price_source end as source,
        compute_price_date as price_date,
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(gpu_hours) / nullif(sum(sum(gpu_hours)) over (), 0) as gpu_hours_share
    from scoped
    group by compute_cost_basis, compute_price_date_rule, 3, compute_price_date  -- explicit: the window
)

select * from final order by basis, gpu_hours desc, source
