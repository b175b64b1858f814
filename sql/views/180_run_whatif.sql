-- grain: one row per run and what-if window (whatif_results), with the run's team and project.
-- What the same run would have emitted started at the best whole hour within ±window_hours
-- (timing) or in the best datacenter of the site file at its own time (placement).
-- Invariants: co2e_kg_saved >= 0, co2e_kg_saved_placement >= 0 (docs/whatif.md).
create or replace view run_whatif as
with

results as (
    select * from whatif_results
),

runs as (
    select run_id, team, project, started_at, ended_at, datacenter, intensity_region, intensity_basis, co2e_kg, energy_kwh,
        energy_cost
    from run_footprints
),

final as (
    select
        results.run_id,
        runs.team,
        runs.project,
        runs.started_at,
        runs.ended_at,
        runs.datacenter,
        runs.intensity_region,
        runs.intensity_basis,
        runs.energy_kwh,
        results.window_hours,
        results.timing_status,
        results.candidates,
        results.candidates_covered,
        runs.co2e_kg,
        results.co2e_kg_now,
        results.best_shift_h,
        results.best_started_at,
        results.co2e_kg_best,
        greatest(results.co2e_kg_now - results.co2e_kg_best, 0) as co2e_kg_saved,
        results.energy_cost_now,
        results.energy_cost_best,
        results.currency,
        results.cost_basis,
        results.datacenters_compared,
        results.best_datacenter,
        results.co2e_kg_best_datacenter,
        greatest(runs.co2e_kg - results.co2e_kg_best_datacenter, 0) as co2e_kg_saved_placement,
        results.energy_kwh_best_datacenter,
        results.energy_cost_best_datacenter,
        results.currency_best_datacenter,
        results.intensity_basis_best_datacenter,
        results.factor_set,
        results.computed_at
    from results
    inner join runs on runs.run_id = results.run_id
)

select * from final
