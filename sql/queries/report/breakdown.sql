-- grain: one row per (dimension, key, currency), dimension in team | project | gpu_model | region
-- | source_format.
-- Energy and CO2e of a key are split across its currencies only when its runs were priced
-- in several; the renderer adds them up per key.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
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
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(energy_mwh) as energy_mwh,
        sum(energy_mwh_low) as energy_mwh_low,
        sum(energy_mwh_high) as energy_mwh_high,
        sum(co2e_t) as co2e_t,
        sum(co2e_t_low) as co2e_t_low,
        sum(co2e_t_high) as co2e_t_high,
        sum(co2e_market_t) as co2e_market_t,
        sum(energy_cost) as energy_cost,
        sum(household_years) as household_years,
        sum(car_years) as car_years
    from (select *, coalesce(region, intensity_region) as grid_region from scoped)
    group by grouping sets (
        (team, currency), (project, currency), (gpu_model, currency), (grid_region, currency), (source_format, currency)
    )
),

final as (
    select * from grouped
)

select * from final order by dimension, co2e_t desc, key nulls last, currency
