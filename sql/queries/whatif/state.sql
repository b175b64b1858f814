-- grain: one row: the state of the what-if rows of window $window_hours against the footprints,
-- from aggregates only (no join, so it stays cheap at 10 M runs): how many rows the window
-- has, how many of them were computed under the factor set $factor_set, and whether the rows
-- name exactly the footprints that exist (each row's run_id and footprint_computed_at against
-- each footprint's run_id and computed_at: same count and same sum of their hashes; a row of a
-- run without a footprint, a missing row or a row behind its footprint changes the sum).
with

footprints as (
    select
        count(*) as runs,
        coalesce(sum(hash(run_id, computed_at)), 0) as fingerprint
    from footprint_values
),

whatif as (
    select
        count(*) as runs,
        count(*) filter (where factor_set = $factor_set) as runs_under_factor_set,
        coalesce(sum(hash(run_id, footprint_computed_at)), 0) as fingerprint,
        count(*) filter (where footprint_computed_at is null) as runs_unnamed
    from whatif_results
    where window_hours = $window_hours
),

final as (
    select
        whatif.runs,
        whatif.runs_under_factor_set,
        whatif.runs = footprints.runs
        and whatif.runs_unnamed = 0
        and whatif.fingerprint = footprints.fingerprint as matches_footprints
    from footprints, whatif
)

select * from final
