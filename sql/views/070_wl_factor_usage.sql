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
