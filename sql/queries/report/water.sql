-- grain: one row per (WUE basis, water-intensity basis) of the report's period ($period_start,
-- $period_end): runs, IT and facility energy [kWh], water on site and off site [L] with bounds,
-- the tracker's own water figure where one was logged [L], and household-days of home water.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
    where water_l is not null
),

final as (
    select
        wue_basis,
        water_intensity_basis,
        count(*) as runs,
        sum(energy_it_kwh) as energy_it_kwh,
        sum(energy_kwh) as energy_kwh,
        sum(water_onsite_l) as water_onsite_l,
        sum(water_onsite_l_low) as water_onsite_l_low,
        sum(water_onsite_l_high) as water_onsite_l_high,
        sum(water_offsite_l) as water_offsite_l,
        sum(water_offsite_l_low) as water_offsite_l_low,
        sum(water_offsite_l_high) as water_offsite_l_high,
        sum(water_l) as water_l,
        sum(water_l_low) as water_l_low,
        sum(water_l_high) as water_l_high,
        sum(household_water_days) as household_water_days,
        count(tracker_water_l) as tracker_runs,
        sum(tracker_water_l) as tracker_water_l,
        sum(water_l) filter (where tracker_water_l is not null) as water_l_of_tracker_runs
    from scoped
    group by all
)

select * from final order by water_l desc, wue_basis, water_intensity_basis
