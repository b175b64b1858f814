-- grain: one row per project and currency: the full cost of the project in that currency, by
-- category (sql/views/150_project_cost_lines.sql), the compute split by stage class, and the
-- project's physical figures (the same on every currency row of a project: never add them up
-- across its rows). Currencies are never summed across each other: a project paid in two has
-- two rows (converted to one only on request, `wattledger project-costs --currency`).
create or replace view project_costs as
with

lines as (
    select * from project_cost_lines
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
        count(*) as runs,
        count(*) filter (where compute_cost is null) as unpriced_runs,
        sum(gpu_hours) as gpu_hours,
        sum(energy_mwh) as energy_mwh,
        sum(co2e_t) as co2e_t,
        sum(co2e_market_t) as co2e_market_t
    from run_footprints
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

select * from final;
