-- Views for analysts, built on run_footprints. Months are calendar months of started_at (UTC);
-- runs without started_at have a null month.

-- grain: one row per dimension (team | project), key and month: the shared body of
-- team_monthly and project_monthly. energy_cost is the cost when the runs share one
-- currency, else null; energy_cost_by_currency always holds every currency's total.
create or replace view monthly_by_dimension as
with

run_footprints as (
    select * from run_footprints
),

keyed as (
    select
        dimensions.dimension,
        case dimensions.dimension when 'team' then run_footprints.team else run_footprints.project end as key,
        wl_month_of(run_footprints.started_at) as month,
        run_footprints.*
    from run_footprints
    cross join (values ('team'), ('project')) as dimensions(dimension)
),

costs as (
    select dimension, key, month, currency, sum(energy_cost) as energy_cost
    from keyed
    group by all
),

cost_maps as (
    select
        dimension,
        key,
        month,
        map_from_entries(list(struct_pack(k := currency, v := energy_cost))) as energy_cost_by_currency,
        case when count(*) = 1 then sum(energy_cost) end as energy_cost
    from costs
    group by all
),

sized as (
    select
        dimension,
        key,
        month,
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(energy_mwh) as energy_mwh,
        sum(energy_mwh_low) as energy_mwh_low,
        sum(energy_mwh_high) as energy_mwh_high,
        sum(co2e_t) as co2e_t,
        sum(co2e_t_low) as co2e_t_low,
        sum(co2e_t_high) as co2e_t_high,
        sum(co2e_market_t) as co2e_market_t,
        sum(household_years) as household_years,
        sum(car_years) as car_years
    from keyed
    group by all
),

final as (
    select
        sized.dimension,
        sized.key,
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
        on cost_maps.dimension = sized.dimension
        and cost_maps.key is not distinct from sized.key
        and cost_maps.month is not distinct from sized.month
)

select * from final;
