-- grain (used when power samples are stored; pending_runs.sql otherwise): one row per run
-- that needs work under the current factor set ($factor_set): no
-- footprint and no unresolved record for it (every run when $recompute_all), or a run whose
-- telemetry neighbours may have changed (below), numbered into
-- batches of $batch_runs runs (by start time), with the run's columns the compute reads and
-- whether the run has a footprint already (computed under another factor set, or before its
-- file was replaced). Stored in batch order, so reading one batch (runs_to_compute.sql)
-- skips the others' row groups instead of joining the whole runs table again.
with

-- the run's columns compute reads (the temp view queue_runs, queue_runs.sql)
runs as (
    select * from queue_runs
),

current_footprints as (
    select run_id from footprint_values where factor_set = $factor_set
),

current_unresolved as (
    select run_id from unresolved_runs where factor_set = $factor_set
),

pending as (
    select * from runs
    where $recompute_all
        or (run_id not in (select run_id from current_footprints)
            and run_id not in (select run_id from current_unresolved))
),

-- windows in which the runs sharing a host may have changed: new or changed runs with hosts,
-- and removed ones (compute_rechecks); only when power samples exist ($has_samples), since
-- only telemetry attribution looks at a run's neighbours
changed_windows as (
    select started_at, ended_at from pending
    where $has_samples and hosts is not null and started_at is not null and ended_at is not null
    union all
    select started_at, ended_at from compute_rechecks where $has_samples
),

-- runs with a current footprint that overlap such a window in time (hosts are compared by
-- attribution itself): re-checked; unchanged inputs cost no kernel work
neighbours as (
    select distinct r.*
    from runs as r
    inner join changed_windows as w
        on r.started_at < w.ended_at and w.started_at < r.ended_at
    where r.hosts is not null
        and r.run_id not in (select run_id from pending)
),

queued as (
    select * from pending
    union all
    select * from neighbours
),

numbered as (
    select
        *,
        -- by start time: a batch spans a short stretch of time, so the power samples it
        -- reads (attribution) stay bounded however many are stored
        (row_number() over (order by started_at nulls first, run_id) - 1) // $batch_runs as batch
    from queued
),

final as (
    select
        batch,
        * exclude (batch),
        run_id in (select run_id from footprint_values) as has_footprint  -- inputs to compare with
    from numbered
)

select * from final order by batch, run_id
