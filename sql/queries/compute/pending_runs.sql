-- grain: one row per run that needs work under the current factor set ($factor_set) when no
-- power samples are stored (compute_queue.sql otherwise): no footprint and no unresolved record
-- for it (every run when $recompute_all), with the run's columns (the temp view queue_runs,
-- queue_runs.sql) and whether it has a footprint already. Unordered and not materialised: compute
-- streams it in batches from a cursor of its own (no sort of 10 M wide rows by start time, which
-- only telemetry attribution needs; measured 45.6 s of a 124.5 s compute at 10 M, 2026-12-05).
select
    queue_runs.*,
    queue_runs.run_id in (select run_id from footprint_values) as has_footprint  -- inputs to compare with
from queue_runs
where $recompute_all
    or (queue_runs.run_id not in (select run_id from footprint_values where factor_set = $factor_set)
        and queue_runs.run_id not in (select run_id from unresolved_runs where factor_set = $factor_set))
