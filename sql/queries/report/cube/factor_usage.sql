-- grain: one row per (factor, basis, source, year), from the report's cube (build.sql): what
-- the macro wl_factor_usage gives for the period (basis.sql and factors_used.sql read it).
with

uses as (
    select 'power' as factor, power_basis as basis, power_source as source, null::integer as year, runs, energy_kwh
    from wl_report_cube
    union all
    select 'pue', pue_basis, pue_source, null, runs, energy_kwh from wl_report_cube
    union all
    select 'intensity', intensity_basis, intensity_source, intensity_year, runs, energy_kwh from wl_report_cube
    union all
    select 'price', price_basis, price_source || coalesce(' [' || tariff_id || ']', ''), null, runs, energy_kwh
    from wl_report_cube
    union all
    select 'market', market_basis, market_source, null, runs, energy_kwh from wl_report_cube
)

select
    factor,
    basis,
    source,
    year,
    (sum(runs))::bigint as runs,
    sum(energy_kwh) as energy_kwh,
    sum(energy_kwh) / nullif(sum(sum(energy_kwh)) over (partition by factor), 0) as energy_share
from uses
group by factor, basis, source, year  -- explicit: group by all would take the window too
