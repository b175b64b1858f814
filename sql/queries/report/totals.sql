-- grain: one row: the totals of the report's period ($period_start, $period_end).
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        count(*) as runs,
        count(distinct team) as teams,
        count(distinct project) as projects,
        min(started_at) as first_started_at,
        max(started_at) as last_started_at,
        coalesce(sum(gpu_hours), 0) as gpu_hours,
        coalesce(sum(energy_mwh), 0) as energy_mwh,
        coalesce(sum(energy_mwh_low), 0) as energy_mwh_low,
        coalesce(sum(energy_mwh_high), 0) as energy_mwh_high,
        coalesce(sum(co2e_t), 0) as co2e_t,
        coalesce(sum(co2e_t_low), 0) as co2e_t_low,
        coalesce(sum(co2e_t_high), 0) as co2e_t_high,
        coalesce(sum(co2e_market_t), 0) as co2e_market_t,
        coalesce(sum(co2e_market_t_low), 0) as co2e_market_t_low,
        coalesce(sum(co2e_market_t_high), 0) as co2e_market_t_high,
        coalesce(sum(embodied_co2e_t), 0) as embodied_co2e_t,
        count(embodied_co2e_t) as embodied_runs,
        coalesce(sum(household_years), 0) as household_years,
        coalesce(sum(car_years), 0) as car_years
    from scoped
)

select * from final
