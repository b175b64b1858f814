-- grain: one row: the totals of the report's period, from the report's cube (build.sql).
select
    coalesce((sum(runs))::bigint, 0) as runs,
    count(distinct team) as teams,
    (select count(distinct project) from wl_report_cube_projects) as projects,
    min(first_started_at) as first_started_at,
    max(last_started_at) as last_started_at,
    coalesce(sum(gpu_hours), 0) as gpu_hours,
    coalesce(wl_kwh_to_mwh(sum(energy_kwh)), 0) as energy_mwh,
    coalesce(wl_kwh_to_mwh(sum(energy_kwh_low)), 0) as energy_mwh_low,
    coalesce(wl_kwh_to_mwh(sum(energy_kwh_high)), 0) as energy_mwh_high,
    coalesce(wl_kg_to_t(sum(co2e_kg)), 0) as co2e_t,
    coalesce(wl_kg_to_t(sum(co2e_kg_low)), 0) as co2e_t_low,
    coalesce(wl_kg_to_t(sum(co2e_kg_high)), 0) as co2e_t_high,
    coalesce(wl_kg_to_t(sum(co2e_market_kg)), 0) as co2e_market_t,
    coalesce(wl_kg_to_t(sum(co2e_market_kg_low)), 0) as co2e_market_t_low,
    coalesce(wl_kg_to_t(sum(co2e_market_kg_high)), 0) as co2e_market_t_high,
    coalesce(wl_kg_to_t(sum(embodied_co2e_kg)), 0) as embodied_co2e_t,
    coalesce((sum(embodied_runs))::bigint, 0) as embodied_runs,
    coalesce(wl_household_years(sum(energy_kwh)), 0) as household_years,
    coalesce(wl_car_years(sum(co2e_kg)), 0) as car_years
from wl_report_cube
