-- grain: one row per (dimension team | project, key, compute currency), from the cube: teams
-- from its main grouping set, projects from the project set.
with

scoped as (
    select *, false as from_projects from wl_report_cube where has_compute_cost
    union all by name
    select *, true as from_projects from wl_report_cube_projects where has_compute_cost
),

grouped as (
    select
        case when grouping(team) = 0 then 'team' else 'project' end as dimension,
        case when grouping(team) = 0 then team else project end as key,
        compute_currency as currency,
        from_projects,
        (sum(runs))::bigint as runs,
        sum(gpu_hours) as gpu_hours,
        sum(compute_cost) as compute_cost,
        coalesce(sum(energy_cost) filter (where not is_energy_in_compute_price and currency = compute_currency), 0)
            as energy_cost_added,
        sum(total_cost) as total_cost,
        coalesce((sum(runs) filter (where not has_total_cost))::bigint, 0) as runs_without_total,
        sum(energy_cost) filter (where has_energy_cost_share)
            / nullif(sum(total_cost) filter (where has_energy_cost_share), 0) as energy_cost_share,
        sum(co2e_kg) / nullif(sum(compute_cost) / 1000.0, 0) as co2e_kg_per_1000_compute,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t
    from scoped
    group by grouping sets ((team, compute_currency, from_projects), (project, compute_currency, from_projects))
),

final as (
    select * exclude (from_projects) from grouped where (dimension = 'project') = from_projects
)

select * from final order by dimension, total_cost desc nulls last, key nulls last, currency
