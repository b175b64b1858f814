-- grain: one row per run the what-if of window $window_hours computes, from the temp view
-- whatif_runs (runs.sql): every run with a footprint, or with $changed_only those without a row
-- of the window computed from their current footprint under the factor set $factor_set.
-- Streamed in batches by the what-if; footprint_computed_at is stored with each row.
select *
from whatif_runs
where not $changed_only or not exists (
    select 1 from whatif_results as w
    where w.run_id = whatif_runs.run_id and w.window_hours = $window_hours
        and w.footprint_computed_at = whatif_runs.footprint_computed_at
        and w.factor_set = $factor_set
)
