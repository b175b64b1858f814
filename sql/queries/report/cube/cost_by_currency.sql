-- grain: one row per currency of electricity cost, from the report's cube (build.sql).
select
    currency,
    (sum(runs))::bigint as runs,
    sum(energy_cost) as energy_cost,
    sum(energy_cost_low) as energy_cost_low,
    sum(energy_cost_high) as energy_cost_high
from wl_report_cube
group by all
order by energy_cost desc
