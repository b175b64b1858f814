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
