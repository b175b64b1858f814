-- grain: one row per project and currency: the view project_costs (sql/views/160_project_costs.sql:
-- the same columns, figures and order as ../../costs/project_costs.sql) from the report's cube of
-- all runs (build.sql's set of projects, stages and job states): the runs' cost lines and figures summed per group of runs.
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

money as (
    select
        project,
        currency,
        sum(amount) filter (where category = 'compute') as compute_cost,
        sum(amount) filter (where category = 'electricity') as electricity_cost,
        sum(amount) filter (where category = 'data') as data_cost,
        sum(amount) filter (where category = 'people') as people_cost,
        sum(amount) filter (where category = 'hardware') as hardware_cost,
        sum(amount) filter (where category = 'infrastructure') as infrastructure_cost,
        sum(amount) filter (where category = 'other') as other_cost,
        sum(amount) as total_cost,
        sum(amount) filter (where category = 'compute' and is_failed) as failed_compute_cost,
        sum(amount) filter (where category = 'compute' and stage_class = 'final_training') as final_training_compute_cost,
        sum(amount) filter (where category = 'compute' and stage_class = 'experiment') as experiment_compute_cost,
        sum(amount) filter (where category = 'compute' and stage_class = 'evaluation') as evaluation_compute_cost,
        sum(amount) filter (where category = 'compute' and stage_class = 'unstaged') as unstaged_compute_cost,
        count(*) filter (where item_kind = 'ledger') as ledger_lines
    from lines
    group by all
),

by_stage as (
    select project, currency, list(struct_pack(stage := stage, compute_cost := amount) order by stage) as compute_cost_by_stage
    from (
        select project, currency, coalesce(stage, '(none)') as stage, sum(amount) as amount
        from lines
        where category = 'compute'
        group by all
    )
    group by all
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

currencies as (
    select project, count(distinct currency) as currencies_in_project
    from lines
    group by all
),

final as (
    select
        money.project,
        money.currency,
        money.compute_cost,
        money.electricity_cost,
        money.data_cost,
        money.people_cost,
        money.hardware_cost,
        money.infrastructure_cost,
        money.other_cost,
        money.total_cost,
        money.failed_compute_cost,
        money.failed_compute_cost / nullif(money.compute_cost, 0) as failed_compute_share,
        money.final_training_compute_cost,
        money.final_training_compute_cost / nullif(money.compute_cost, 0) as final_training_compute_share,
        money.experiment_compute_cost,
        money.evaluation_compute_cost,
        money.unstaged_compute_cost,
        by_stage.compute_cost_by_stage,
        money.ledger_lines,
        coalesce(physical.runs, 0) as runs,
        coalesce(physical.unpriced_runs, 0) as unpriced_runs,
        physical.gpu_hours,
        physical.energy_mwh,
        physical.co2e_t,
        physical.co2e_market_t,
        -- only where the project is paid in this one currency: a ratio to part of its cost says nothing
        case when currencies.currencies_in_project = 1
            then physical.co2e_t * 1000.0 * 1000.0 / nullif(money.total_cost, 0) end as co2e_kg_per_1000,
        currencies.currencies_in_project
    from money
    left join by_stage on by_stage.project is not distinct from money.project and by_stage.currency = money.currency
    left join physical on physical.project is not distinct from money.project
    left join currencies on currencies.project is not distinct from money.project
)

select * from final order by project nulls last, total_cost desc nulls last, currency
