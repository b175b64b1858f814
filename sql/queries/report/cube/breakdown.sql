-- grain: one row per (dimension, key, currency), from the report's cube (build.sql): projects
-- from their own grouping set, the other dimensions from the main one; see ../breakdown.sql.
with

cube as (
    select *, coalesce(region, intensity_region) as grid_region, false as from_projects from wl_report_cube
    union all by name
    select *, true as from_projects from wl_report_cube_projects
),

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
        from_projects,
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
    from cube
    group by grouping sets (
        (team, currency, from_projects), (project, currency, from_projects), (gpu_model, currency, from_projects),
        (grid_region, currency, from_projects), (source_format, currency, from_projects)
    )
),

final as (
    -- each dimension from its own set: projects from the project set, the rest from the main one
    select * exclude (from_projects) from grouped where (dimension = 'project') = from_projects
)

select * from final order by dimension, co2e_t desc, key nulls last, currency
