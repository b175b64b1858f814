-- grain: one row per final job state other than COMPLETED, from the cube.
with

total as (
    select wl_kwh_to_mwh(sum(energy_kwh)) as total_energy_mwh from wl_report_cube
),

final as (
    select
        job_state,
        (sum(runs))::bigint as runs,
        sum(gpu_hours) as gpu_hours,
        wl_kwh_to_mwh(sum(energy_kwh)) as energy_mwh,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t,
        wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t,
        wl_kwh_to_mwh(sum(energy_kwh)) / nullif(any_value(total.total_energy_mwh), 0) as energy_share
    from wl_report_cube
    cross join total
    where job_state is not null and job_state <> 'COMPLETED'
    group by job_state
)

select * from final order by energy_mwh desc
