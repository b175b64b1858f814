-- grain: one row per (kind, reason): rejected source records (all time), runs without a
-- footprint, runs of the period resting on a fallback factor (a default, an earlier year's
-- factor, a TDP estimate, a compute list price dated after the run), runs of the period without a
-- compute price (the reason), and runs left out of a period because they have no started_at.
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

fallbacks as (
    select 'run with a fallback factor' as kind, factor || ': ' || basis as reason, count(*) as records
    from (
        select 'grid intensity' as factor, intensity_basis as basis
        from wl_period_footprints($period_start, $period_end)
        where intensity_basis like 'default:%' or intensity_basis like '%earlier_year'
        union all
        select 'PUE', pue_basis from wl_period_footprints($period_start, $period_end) where pue_basis like 'default:%'
        union all
        select 'price', price_basis from wl_period_footprints($period_start, $period_end) where price_basis like 'default:%'
        union all
        select 'power', power_basis from wl_period_footprints($period_start, $period_end) where power_basis = 'tdp'
        union all
        select 'compute price', compute_cost_basis || ' ' || compute_price_date_rule
        from wl_period_footprints($period_start, $period_end)
        where compute_price_date_rule in ('later_than_run', 'latest_for_undated_run')
    )
    group by all
),

unpriced as (
    select 'run without a compute price' as kind, cost_note as reason, count(*) as records
    from wl_period_footprints($period_start, $period_end)
    where compute_cost_basis = 'unpriced'
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
    select * from fallbacks
    union all
    select * from unpriced
    union all
    select * from undated
)

select * from final order by kind, records desc, reason
