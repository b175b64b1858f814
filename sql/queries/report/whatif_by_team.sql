-- grain: one row per team (null team: '(none)'): the CO2e that flexible timing (the best whole-hour
-- start within ±$window_hours) or placement (the best datacenter of the site file) would have
-- saved, over the runs of the period with a what-if row, and how many runs each compares; their
-- energy, and the part of it accounted hour by hour (intensity basis hourly or hourly_partial).
with

scoped as (
    select w.*
    from run_whatif as w
    where w.window_hours = $window_hours
        and ($period_start is null or w.started_at >= $period_start)
        and ($period_end is null or w.started_at < $period_end)
),

final as (
    select
        coalesce(team, '(none)') as team,
        count(*) as runs,
        sum(energy_kwh) as energy_kwh,
        sum(energy_kwh) filter (where intensity_basis in ('hourly', 'hourly_partial')) as energy_kwh_hourly,
        count(*) filter (where timing_status = 'compared') as runs_timed,
        sum(co2e_kg_now) filter (where timing_status = 'compared') as co2e_kg_timed,
        sum(co2e_kg_saved) filter (where timing_status = 'compared') as co2e_kg_saved_timing,
        count(*) filter (where datacenters_compared > 0) as runs_placed,
        sum(co2e_kg) filter (where datacenters_compared > 0) as co2e_kg_placed,
        sum(co2e_kg_saved_placement) filter (where datacenters_compared > 0) as co2e_kg_saved_placement
    from scoped
    group by all
)

select * from final order by co2e_kg_saved_timing desc nulls last, team
