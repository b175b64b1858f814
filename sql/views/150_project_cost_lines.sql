-- grain: one row per cost item of a project, in its own currency, with its basis:
--   a run's compute cost (GPU-hours x its price; category 'compute'),
--   a run's electricity cost where no rental price already pays for it (category 'electricity'),
--   a current cost-ledger line (categories data, people, hardware, infrastructure, other).
-- Amounts of different currencies are never added here or anywhere (docs/costs.md).
create or replace view project_cost_lines as
with

footprints as (
    select f.*, runs.stage
    from run_footprints f
    join runs using (run_id)
),

compute_items as (
    select
        project, team, compute_currency as currency, 'compute' as category, compute_cost as amount,
        'run' as item_kind, run_id, stage, wl_stage_class(stage, job_state) as stage_class, job_state,
        wl_did_not_complete(job_state) as is_failed, started_at::date as item_date,
        'compute_cost = gpu_hours x ' || compute_price_per_gpu_hour::varchar || ' ' || compute_currency
            || '/GPU-hour (' || compute_cost_basis || ': ' || compute_price_source || ')' as basis
    from footprints
    where compute_cost is not null
),

electricity_items as (
    select
        project, team, currency, 'electricity' as category, energy_cost as amount,
        'run' as item_kind, run_id, stage, wl_stage_class(stage, job_state) as stage_class, job_state,
        wl_did_not_complete(job_state) as is_failed, started_at::date as item_date,
        'energy_cost = facility energy x ' || price_per_kwh::varchar || ' ' || currency || '/kWh ('
            || price_basis || ': ' || price_source || ')'
            || case when compute_cost is null then '; the run has no compute price' else '; owned hardware' end
            as basis
    from footprints
    where not coalesce(is_energy_in_compute_price, false)
),

ledger_items as (
    select
        l.project, null::varchar as team, l.currency, l.category, l.amount,
        'ledger' as item_kind, null::varchar as run_id, null::varchar as stage, null::varchar as stage_class,
        null::varchar as job_state, false as is_failed, l.cost_date as item_date,
        'ledger ' || f.path || ':' || l.line::varchar || ' (' || l.source
            || coalesce('; ' || l.description, '') || ')' as basis
    from cost_lines l
    join cost_files f using (cost_file_id)
    where f.replaced_by_cost_file_id is null
),

final as (
    select * from compute_items
    union all by name
    select * from electricity_items
    union all by name
    select * from ledger_items
)

select
    project, team, currency, category, amount, item_kind, run_id, stage, stage_class, job_state, is_failed,
    item_date, basis
from final;
