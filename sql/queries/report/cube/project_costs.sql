-- grain: one row per project and currency: the view project_costs (sql/views/160_project_costs.sql:
-- the same columns, figures and order as ../../costs/project_costs.sql) from the report's cube of
-- all runs (build.sql's set of projects, stages and job states): the runs' cost lines and figures summed per group of runs,
-- turned into the project's figures by the same table macro as the view (sql/views/155_wl_project_costs.sql).
with

cube as (
    select * from wl_report_cube_project_stages
),

-- the lines of the view project_cost_lines (sql/views/150_project_cost_lines.sql), a run's ones
-- summed per group of the cube (project, stage, job state, profile: one currency, one compute
-- currency, one stage class)
lines as (
    select
        project, compute_currency as currency, 'compute' as category, compute_cost as amount, 'run' as item_kind,
        stage, wl_stage_class(stage, job_state) as stage_class, wl_did_not_complete(job_state) as is_failed
    from cube
    where has_compute_cost
    union all
    select
        project, currency, 'electricity', energy_cost, 'run', stage, wl_stage_class(stage, job_state),
        wl_did_not_complete(job_state)
    from cube
    where not coalesce(is_energy_in_compute_price, false)
    union all
    select l.project, l.currency, l.category, l.amount, 'ledger', null, null, false
    from cost_lines l
    join cost_files f using (cost_file_id)
    where f.replaced_by_cost_file_id is null
),

physical as (
    select
        project,
        (sum(runs))::bigint as runs,
        coalesce((sum(runs) filter (where not has_compute_cost))::bigint, 0) as unpriced_runs,
        sum(gpu_hours) as gpu_hours,
        wl_kwh_to_mwh(sum(energy_kwh)) as energy_mwh,
        wl_kg_to_t(sum(co2e_kg)) as co2e_t,
        wl_kg_to_t(sum(co2e_market_kg)) as co2e_market_t
    from cube
    group by all
),

final as (
    select * from wl_project_costs(lines, physical)
)

select * from final order by project nulls last, total_cost desc nulls last, currency
