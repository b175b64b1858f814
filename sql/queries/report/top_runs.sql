-- grain: one row per run, the $limit runs of the period with the most CO2e.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

final as (
    select
        run_id,
        name,
        team,
        project,
        gpu_model,
        gpu_count,
        gpu_hours,
        energy_mwh,
        co2e_t,
        energy_cost,
        currency,
        power_basis,
        intensity_basis
    from scoped
)

select * from final order by co2e_t desc, run_id limit $limit
