-- grain: one row per (compute cost basis, date rule, source, price date), from the cube.
select
    compute_cost_basis as basis,
    compute_price_date_rule as date_rule,
    case when compute_cost_basis = 'unpriced' then cost_note else compute_price_source end as source,
    compute_price_date as price_date,
    (sum(runs))::bigint as runs,
    sum(gpu_hours) as gpu_hours,
    sum(gpu_hours) / nullif(sum(sum(gpu_hours)) over (), 0) as gpu_hours_share
from wl_report_cube
group by compute_cost_basis, compute_price_date_rule, 3, compute_price_date  -- explicit: the window
order by basis, gpu_hours desc, source
