-- grain: one row per (dimension, key, currency), from the report's cube (build.sql); see
-- ../breakdown.sql for the meaning.
with

grouped as (
    select
        case
            when grouping(team) = 0 then 'team'
            when grouping(project) = 0 then 'project'
            when grouping(gpu_model) = 0 then 'gpu_model'
            when grouping(grid_region) = 0 then 'region'
            else 'source_format'
        end as dimension,
        case
            when grouping(team) = 0 then team
            when grouping(project) = 0 then project
            when grouping(gpu_model) = 0 then gpu_model
            when grouping(grid_region) = 0 then grid_region
            else source_format
        end as key,
        currency,
        (sum(runs))::bigint as runs,
        sum(gpu_hours) as gpu_hours,
        wl_kwh_to_mwh(sum(energy_kwh)) as energy_mwh,
        wl_kwh_to_mwh(sum(energy_kwh_low)) as energy_mwh_low,
        wl_kwh_to_mwh(sum(energy_kwh_high)) as energy_mwh_high,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t,
        wl_kg_to_t(sum(co2e_kg_low)) as co2e_t_low,
        wl_kg_to_t(sum(co2e_kg_high)) as co2e_t_high,
        wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t,
        sum(energy_cost) as energy_cost,
        wl_household_years(sum(energy_kwh)) as household_years,
        wl_car_years(sum(co2e_kg)) as car_years
    from (select *, coalesce(region, intensity_region) as grid_region from wl_report_cube)
    group by grouping sets (
        (team, currency), (project, currency), (gpu_model, currency), (grid_region, currency), (source_format, currency)
    )
)

select * from grouped order by dimension, co2e_t desc, key nulls last, currency
