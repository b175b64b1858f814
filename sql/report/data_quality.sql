-- grain: one row per (kind, reason): rejected source records (all time), runs without a
-- footprint, and runs left out of a period because they have no started_at.
with

rejected as (
    select 'rejected record' as kind, coalesce(column_name || ': ', '') || reason as reason,
        count(distinct (source_file_id, line)) as records
    from rejects
    group by all
),

unresolved as (
    select 'run without footprint' as kind, reason, count(*) as records
    from unresolved_runs
    group by all
),

undated as (
    select 'run without started_at, outside any period' as kind,
        'only gpu_hours logged' as reason, count(*) as records
    from run_footprints
    where started_at is null and $period_start is not null
    having count(*) > 0
),

final as (
    select * from rejected
    union all
    select * from unresolved
    union all
    select * from undated
)

select * from final order by kind, records desc, reason
