-- grain: one row per grid region of the period (the run's region, else the factor's key).
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        coalesce(region, intensity_region) as region,
        count(*) as runs,
        sum(energy_mwh) as energy_mwh,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t,
        sum(co2e_kg) / nullif(sum(energy_kwh), 0) as intensity_kg_per_kwh
    from scoped
    group by all
)

select * from final order by co2e_t desc
