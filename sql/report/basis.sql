-- grain: one row per (factor, basis, source, year): how much of the period's energy and
-- CO2e rests on each basis. factor in power | pue | intensity | price | market.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

bases as (
    select 'power' as factor, power_basis as basis, null as source, null::integer as year, energy_kwh, co2e_kg from scoped
    union all
    select 'pue', pue_basis, null, null, energy_kwh, co2e_kg from scoped
    union all
    select 'intensity', intensity_basis, intensity_source, intensity_year, energy_kwh, co2e_kg from scoped
    union all
    select 'price', price_basis, null, null, energy_kwh, co2e_kg from scoped
    union all
    select 'market', market_basis, market_source, null, energy_kwh, co2e_market_t * 1000.0 from scoped
),

final as (
    select
        factor,
        basis,
        source,
        year,
        count(*) as runs,
        sum(energy_kwh) as energy_kwh,
        sum(energy_kwh) / nullif(sum(sum(energy_kwh)) over (partition by factor), 0) as energy_share,
        sum(co2e_kg) as co2e_kg
    from bases
    group by factor, basis, source, year  -- explicit: group by all would take the window too
)

select * from final order by factor, energy_kwh desc, basis
