-- grain: one row per distinct default factor row or logged override used in the period,
-- with its source: the methodology section lists each.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

footprints as (
    select * from footprints
),

used as (
    select footprints.*
    from footprints
    inner join scoped on scoped.run_id = footprints.run_id
),

final as (
    select 'power' as factor, power_basis as basis, power_source as source, null::integer as year, count(*) as runs
    from used group by all
    union all
    select 'pue', pue_basis, pue_source, null, count(*) from used group by all
    union all
    select 'intensity', intensity_basis, intensity_source, intensity_year, count(*) from used group by all
    union all
    select 'price', price_basis, price_source || coalesce(' [' || tariff_id || ']', ''), null, count(*) from used group by all
)

select * from final order by factor, runs desc, basis, source
