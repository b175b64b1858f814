-- grain: one row per run that needs work under the current factor set ($factor_set): no
-- footprint and no unresolved record for it (every run when $recompute_all), numbered into
-- batches of $batch_runs runs (by start time), noting the runs that have a footprint already
-- (computed under another factor set, or before their file was replaced).
with

runs as (
    select run_id, started_at from runs
),

current_footprints as (
    select run_id from footprints where factor_set = $factor_set
),

current_unresolved as (
    select run_id from unresolved_runs where factor_set = $factor_set
),

pending as (
    select run_id, started_at from runs
    where $recompute_all
        or (run_id not in (select run_id from current_footprints)
            and run_id not in (select run_id from current_unresolved))
),

final as (
    select
        run_id,
        -- by start time: a batch spans a short stretch of time, so the power samples it
        -- reads (attribution) stay bounded however many are stored
        (row_number() over (order by started_at nulls first, run_id) - 1) // $batch_runs as batch,
        run_id in (select run_id from footprints) as has_footprint  -- inputs to compare with
    from pending
)

select * from final
