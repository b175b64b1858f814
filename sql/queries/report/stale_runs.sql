-- grain: one row: the runs started in [$period_start, $period_end) (every run when both are
-- null; the same rule as wl_period_footprints) that have no current footprint, so that the
-- report's figures leave them out or show their old figures:
--   never_computed: no footprint and no unresolved record (compute has not reached them);
--   stale: a footprint computed before its file changed (factor set 'replaced:<file>'), or,
--          when $factor_set (the current factor set) is given, under another factor set
--          and not re-checked since. Unresolved runs (no footprint for a reason, whatever
--          their factor set) are in the data-quality section, not counted here.
with

runs as (
    select run_id, started_at from runs
    where ($period_start is null or started_at >= $period_start)
        and ($period_end is null or started_at < $period_end)
),

footprints as (
    select run_id, factor_set from footprint_values
),

unresolved as (
    select run_id, factor_set from unresolved_runs
),

checked as (
    select
        runs.run_id,
        footprints.factor_set as footprint_set,
        unresolved.factor_set as unresolved_set
    from runs
    left join footprints using (run_id)
    left join unresolved using (run_id)
),

final as (
    select
        count(*) filter (where footprint_set is null and unresolved_set is null) as never_computed,
        count(*) filter (
            where (footprint_set like 'replaced:%'
                   or ($factor_set is not null and footprint_set <> $factor_set::varchar))
        ) as stale
    from checked
)

select never_computed, stale from final
