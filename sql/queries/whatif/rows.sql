-- grain: one row per run of the what-if window $window_hours (run_whatif), optionally one run
-- ($run_id) or the runs started in [$period_start, $period_end); most CO2e saved first.
select
    run_id,
    team,
    started_at,
    intensity_region,
    timing_status,
    candidates_covered,
    candidates,
    co2e_kg_now,
    best_started_at,
    best_shift_h,
    co2e_kg_best,
    co2e_kg_saved,
    energy_cost_now,
    energy_cost_best,
    currency,
    best_datacenter,
    co2e_kg,
    co2e_kg_best_datacenter,
    co2e_kg_saved_placement,
    energy_cost_best_datacenter,
    currency_best_datacenter
from run_whatif
where window_hours = $window_hours
    and ($run_id is null or run_id = $run_id)
    and ($period_start is null or started_at >= $period_start)
    and ($period_end is null or started_at < $period_end)
order by co2e_kg_saved desc nulls last, co2e_kg_saved_placement desc nulls last, run_id
