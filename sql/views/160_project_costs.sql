-- grain: one row per project and currency: the full cost of the project in that currency, by
-- category (sql/views/150_project_cost_lines.sql), the compute split by stage class, and the
-- project's physical figures (the same on every currency row of a project: never add them up
-- across its rows). Currencies are never summed across each other: a project paid in two has
-- two rows (converted to one only on request, `wattledger project-costs --currency`).
-- The figures are defined once, in the table macro wl_project_costs (155_wl_project_costs.sql).
create or replace view project_costs as
with

lines as (
    select * from project_cost_lines
),

physical as (
    select
        project,
        count(*) as runs,
        count(*) filter (where compute_cost is null) as unpriced_runs,
        sum(gpu_hours) as gpu_hours,
        sum(energy_mwh) as energy_mwh,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t
    from run_footprints
    group by all
),

final as (
    select * from wl_project_costs(lines, physical)
)

select * from final;
