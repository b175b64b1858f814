-- grain: one row per project and currency: the full cost of the project in that currency, by
-- category, the compute split by stage class, and the project's physical figures (the same on
-- every currency row of a project). The one definition of these figures, read by the view
-- project_costs (160_project_costs.sql, from every run) and by the report's cube
-- (sql/queries/report/cube/project_costs.sql, from sums per group of runs).
-- Arguments are the names of two relations (tables, views or the caller's CTEs):
--   cost_lines_of: the columns of project_cost_lines (150_project_cost_lines.sql) that are used:
--       project, currency, category, amount, item_kind, stage, stage_class, is_failed;
--   physical_of: one row per project: runs, unpriced_runs, gpu_hours, energy_mwh, co2e_t,
--       co2e_market_t.
create or replace macro wl_project_costs(cost_lines_of, physical_of) as table
with

items as (
    select * from query_table(cost_lines_of)
),

figures as (
    select * from query_table(physical_of)
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
    from items
    group by all
),

by_stage as (
    select project, currency, list(struct_pack(stage := stage, compute_cost := amount) order by stage) as compute_cost_by_stage
    from (
        select project, currency, coalesce(stage, '(none)') as stage, sum(amount) as amount
        from items
        where category = 'compute'
        group by all
    )
    group by all
),

currencies as (
    select project, count(distinct currency) as currencies_in_project
    from items
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
        coalesce(figures.runs, 0) as runs,
        coalesce(figures.unpriced_runs, 0) as unpriced_runs,
        figures.gpu_hours,
        figures.energy_mwh,
        figures.co2e_t,
        figures.co2e_market_t,
        -- only where the project is paid in this one currency: a ratio to part of its cost says nothing
        case when currencies.currencies_in_project = 1
            then figures.co2e_t * 1000.0 * 1000.0 / nullif(money.total_cost, 0) end as co2e_kg_per_1000,
        currencies.currencies_in_project
    from money
    left join by_stage on by_stage.project is not distinct from money.project and by_stage.currency = money.currency
    left join figures on figures.project is not distinct from money.project
    left join currencies on currencies.project is not distinct from money.project
)

select * from final;
