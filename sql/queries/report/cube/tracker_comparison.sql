-- grain: one row per source format with a tracker's own CO2e, from the cube.
select
    source_format,
    (sum(runs))::bigint as runs,
    sum(tracker_co2e_kg) / 1000.0 as tracker_co2e_t,
    wl_kg_to_t(sum(co2e_kg)) as co2e_t,
    wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t
from wl_report_cube
where has_tracker_co2e
group by all
order by source_format
