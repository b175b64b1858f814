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
        date_trunc('month', run_footprints.started_at) as month,
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

-- grain: one row per team and month.
create or replace view team_monthly as
select key as team, * exclude (dimension, key) from monthly_by_dimension where dimension = 'team';

-- grain: one row per project and month.
create or replace view project_monthly as
select key as project, * exclude (dimension, key) from monthly_by_dimension where dimension = 'project';

-- grain: one row per grid region whose factor was used (intensity_region; null when the
-- intensity was logged or came from the site file).
create or replace view region_summary as
with

run_footprints as (
    select * from run_footprints
),

final as (
    select
        intensity_region,
        count(*) as runs,
        sum(energy_mwh) as energy_mwh,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t,
        sum(co2e_kg) / nullif(sum(energy_kwh), 0) as intensity_kg_per_kwh,
        list(distinct intensity_basis order by intensity_basis) as intensity_bases,
        list(distinct intensity_year order by intensity_year) as intensity_years
    from run_footprints
    group by all
)

select * from final;

-- grain: one row per (factor, basis, source, year) among the runs started in [period_start,
-- period_end) (all runs when both are null): how often each factor row was used.
-- factor in power | pue | intensity | price | market.
create or replace macro wl_factor_usage(period_start, period_end) as table
with

scoped as (
    select * from wl_period_footprints(period_start, period_end)
),

uses as (
    select 'power' as factor, power_basis as basis, power_source as source, null::integer as year, energy_kwh from scoped
    union all
    select 'pue', pue_basis, pue_source, null, energy_kwh from scoped
    union all
    select 'intensity', intensity_basis, intensity_source, intensity_year, energy_kwh from scoped
    union all
    select 'price', price_basis, price_source || coalesce(' [' || tariff_id || ']', ''), null, energy_kwh from scoped
    union all
    select 'market', market_basis, market_source, null, energy_kwh from scoped
),

final as (
    select
        factor,
        basis,
        source,
        year,
        count(*) as runs,
        sum(energy_kwh) as energy_kwh,
        sum(energy_kwh) / nullif(sum(sum(energy_kwh)) over (partition by factor), 0) as energy_share
    from uses
    group by factor, basis, source, year  -- explicit: group by all would take the window too
)

select * from final;

-- grain: one row per (factor, basis, source, year) over all runs.
create or replace view factor_usage as
select * from wl_factor_usage(null, null);
