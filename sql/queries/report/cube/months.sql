-- grain: one row per team and month, up to the report's period end (all months when null), from
-- the report's cube (build.sql; read only when the cube holds every month before that end: a
-- cube of all runs); see ../months.sql (the view team_monthly): the same columns and order.
with

cube as (
    select *
    from wl_report_cube_months
    where month is not null
      and ($period_end is null or month < $period_end)
),

costs as (
    select team, month, currency, sum(energy_cost) as energy_cost
    from cube
    group by all
),

cost_maps as (
    select
        team,
        month,
        map_from_entries(list(struct_pack(k := currency, v := energy_cost) order by currency)) as energy_cost_by_currency,
        case when count(*) = 1 then sum(energy_cost) end as energy_cost
    from costs
    group by all
),

sized as (
    select
        team,
        month,
        (sum(runs))::bigint as runs,
        sum(gpu_hours) as gpu_hours,
        wl_kwh_to_mwh(sum(energy_kwh)) as energy_mwh,
        wl_kwh_to_mwh(sum(energy_kwh_low)) as energy_mwh_low,
        wl_kwh_to_mwh(sum(energy_kwh_high)) as energy_mwh_high,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t,
        wl_kg_to_t(sum(co2e_kg_low)) as co2e_t_low,
        wl_kg_to_t(sum(co2e_kg_high)) as co2e_t_high,
        wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t,
        wl_household_years(sum(energy_kwh)) as household_years,
        wl_car_years(sum(co2e_kg)) as car_years
    from cube
    group by all
),

final as (
    select
        sized.team,
        sized.month,
        sized.runs,
        sized.gpu_hours,
        sized.energy_mwh,
        sized.energy_mwh_low,
        sized.energy_mwh_high,
        sized.co2e_t,
        sized.co2e_t_low,
        sized.co2e_t_high,
        sized.co2e_market_t,
        cost_maps.energy_cost,
        cost_maps.energy_cost_by_currency,
        sized.household_years,
        sized.car_years
    from sized
    inner join cost_maps
        on cost_maps.team is not distinct from sized.team
        and cost_maps.month = sized.month
)

select * from final order by month, team
