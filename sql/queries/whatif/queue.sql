-- grain: one row per run the what-if of window $window_hours computes, from the temp view
-- whatif_runs (runs.sql): every run with a footprint, or with $changed_only those whose row of
-- the window is missing or older than their footprint. Streamed in batches by the what-if.
select * exclude (footprint_computed_at)
from whatif_runs
where not $changed_only or not exists (
    select 1 from whatif_results as w
    where w.run_id = whatif_runs.run_id and w.window_hours = $window_hours
        and w.computed_at >= whatif_runs.footprint_computed_at
)
