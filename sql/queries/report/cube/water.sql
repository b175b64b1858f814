-- grain: one row per (WUE basis, water-intensity basis) of runs with a water figure, from the cube.
with

scoped as (
    select * from wl_report_cube where has_water
),

final as (
    select
        wue_basis,
        water_intensity_basis,
        (sum(runs))::bigint as runs,
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
        wl_household_water_days(sum(water_l)) as household_water_days,
        coalesce((sum(runs) filter (where has_tracker_water))::bigint, 0) as tracker_runs,
        sum(tracker_water_l) as tracker_water_l,
        sum(water_l) filter (where has_tracker_water) as water_l_of_tracker_runs
    from scoped
    group by all
)

select * from final order by water_l desc, wue_basis, water_intensity_basis
