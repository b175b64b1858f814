-- grain: one row per final job state other than COMPLETED (FAILED, CANCELLED, TIMEOUT,
-- OUT_OF_MEMORY, ...) among the period's runs: the energy and CO2e of work that did not finish.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

total as (
    select sum(energy_mwh) as total_energy_mwh from scoped
),

final as (
    select
        job_state,
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(energy_mwh) as energy_mwh,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t,
        sum(scoped.energy_mwh) / nullif(any_value(total.total_energy_mwh), 0) as energy_share
    from scoped
    cross join total
    where job_state is not null and job_state <> 'COMPLETED'
    group by job_state
)

select * from final order by energy_mwh desc
