-- grain: one row per currency of compute cost among the period's runs with a compute price
-- (runs without one are counted in compute_basis.sql). Electricity inside a rental price
-- (cloud list, negotiated, explicit) is its embedded part; electricity of owned hardware is
-- added to the total. The electricity share is taken over the runs whose electricity is priced
-- in the compute currency (no conversion); CO2e per 1,000 units is per unit of compute cost.
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
    where compute_cost is not null
),

final as (
    select
        compute_currency as currency,
        count(*) as runs,
        sum(gpu_hours) as gpu_hours,
        sum(compute_cost) as compute_cost,
        coalesce(sum(compute_cost) filter (where is_energy_in_compute_price), 0) as rented_compute_cost,
        coalesce(sum(compute_cost) filter (where not is_energy_in_compute_price), 0) as owned_compute_cost,
        coalesce(sum(energy_cost) filter (where not is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_added,
        coalesce(sum(energy_cost) filter (where is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_embedded,
        sum(total_cost) as total_cost,
        count(*) filter (where total_cost is null) as runs_without_total,
        count(*) filter (where energy_cost_share is not null) as runs_in_share,
        sum(energy_cost) filter (where energy_cost_share is not null)
            / nullif(sum(total_cost) filter (where energy_cost_share is not null), 0) as energy_cost_share,
        -- rentals alone: the electricity embedded in the rental and explicit prices
        sum(energy_cost) filter (where is_energy_in_compute_price and energy_cost_share is not null)
            / nullif(sum(total_cost) filter (where is_energy_in_compute_price and energy_cost_share is not null), 0)
            as rented_energy_cost_share,
        -- owned hardware alone: the electricity the budget pays beside the amortised servers
        sum(energy_cost) filter (where not is_energy_in_compute_price and energy_cost_share is not null)
            / nullif(sum(total_cost) filter (where not is_energy_in_compute_price and energy_cost_share is not null), 0)
            as owned_energy_cost_share,
        sum(co2e_kg) / nullif(sum(compute_cost) / 1000.0, 0) as co2e_kg_per_1000_compute,
        sum(co2e_market_t) * 1000.0 / nullif(sum(compute_cost) / 1000.0, 0) as co2e_market_kg_per_1000_compute,
        sum(co2e_t) as co2e_t
    from scoped
    group by all
)

select * from final order by total_cost desc nulls last, currency
