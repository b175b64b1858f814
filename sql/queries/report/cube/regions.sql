-- grain: one row per grid region (logged region, else the factor row's key), from the cube.
select
    coalesce(region, intensity_region) as region,
    (sum(runs))::bigint as runs,
    wl_kwh_to_mwh(sum(energy_kwh)) as energy_mwh,
    wl_kg_to_t(sum(co2e_kg)) as co2e_t,
    wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t,
    sum(co2e_kg) / nullif(sum(energy_kwh), 0) as intensity_kg_per_kwh
from wl_report_cube
group by all
order by co2e_t desc
