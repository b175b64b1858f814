-- grain: one row per compute currency, from the cube; see ../cost_totals.sql for each figure.
with

scoped as (
    select * from wl_report_cube where has_compute_cost
),

final as (
    select
        compute_currency as currency,
        (sum(runs))::bigint as runs,
        sum(gpu_hours) as gpu_hours,
        sum(compute_cost) as compute_cost,
        coalesce(sum(compute_cost) filter (where is_energy_in_compute_price), 0) as rented_compute_cost,
        coalesce(sum(compute_cost) filter (where not is_energy_in_compute_price), 0) as owned_compute_cost,
        coalesce(sum(energy_cost) filter (where not is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_added,
        coalesce(sum(energy_cost) filter (where is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_embedded,
        sum(total_cost) as total_cost,
        coalesce((sum(runs) filter (where not has_total_cost))::bigint, 0) as runs_without_total,
        coalesce((sum(runs) filter (where has_energy_cost_share))::bigint, 0) as runs_in_share,
        sum(energy_cost) filter (where has_energy_cost_share)
            / nullif(sum(total_cost) filter (where has_energy_cost_share), 0) as energy_cost_share,
        sum(energy_cost) filter (where is_energy_in_compute_price and has_energy_cost_share)
            / nullif(sum(total_cost) filter (where is_energy_in_compute_price and has_energy_cost_share), 0)
            as rented_energy_cost_share,
        sum(energy_cost) filter (where not is_energy_in_compute_price and has_energy_cost_share)
            / nullif(sum(total_cost) filter (where not is_energy_in_compute_price and has_energy_cost_share), 0)
            as owned_energy_cost_share,
        sum(co2e_kg) / nullif(sum(compute_cost) / 1000.0, 0) as co2e_kg_per_1000_compute,
        wl_kg_to_t(sum(co2e_market_kg)) * 1000.0 / nullif(sum(compute_cost) / 1000.0, 0)
            as co2e_market_kg_per_1000_compute,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t
    from scoped
    group by all
)

select * from final order by total_cost desc nulls last, currency
