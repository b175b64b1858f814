-- grain: one row per (kind, reason), from the cube for the period's runs; see ../data_quality.sql.
with

rejected as (
    select 'rejected record' as kind, coalesce(column_name || ': ', '') || reason as reason,
        count(distinct (source_file_id, line)) as records, null::double as energy_share
    from rejects
    group by all
),

unresolved as (
    select 'run without footprint' as kind, reason, count(*) as records, null::double as energy_share
    from unresolved_runs
    group by all
),

period_energy as (
    select sum(energy_kwh) as energy_kwh from wl_report_cube
),

fallbacks as (
    select 'run with a fallback factor' as kind, factor || ': ' || basis as reason, (sum(f.runs))::bigint as records,
        sum(f.energy_kwh) / nullif(any_value(period_energy.energy_kwh), 0) as energy_share
    from (
        select 'grid intensity' as factor, intensity_basis as basis, runs, energy_kwh
        from wl_report_cube
        where intensity_basis like 'default:%' or intensity_basis like '%_year' or intensity_basis like 'country_for_zone%'
        union all
        select 'PUE', pue_basis, runs, energy_kwh from wl_report_cube where pue_basis like 'default:%'
        union all
        select 'price', price_basis, runs, energy_kwh from wl_report_cube
        where price_basis like 'default:%' or price_basis like '%_year' or price_basis like '%not_in_force'
        union all
        select 'market instruments', market_basis, runs, energy_kwh from wl_report_cube
        where market_basis like '%not_applied%' or market_basis like '%vintage_unstated'
        union all
        select 'power', power_basis, runs, energy_kwh from wl_report_cube where power_basis = 'tdp'
        union all
        select 'compute price', compute_cost_basis || ' ' || compute_price_date_rule, runs, energy_kwh
        from wl_report_cube
        where compute_price_date_rule in ('later_than_run', 'expired_before_run', 'latest_for_undated_run')
    ) as f, period_energy
    group by all
),

unknown_regions as (
    select 'region not in the reference tables (world default)' as kind, region as reason, (sum(c.runs))::bigint as records,
        sum(c.energy_kwh) / nullif(any_value(period_energy.energy_kwh), 0) as energy_share
    from wl_report_cube as c, period_energy
    where c.intensity_basis = 'default:WORLD' and c.region is not null
    group by all
),

unpriced as (
    select 'run without a compute price' as kind, cost_note as reason, (sum(runs))::bigint as records,
        null::double as energy_share
    from wl_report_cube
    where compute_cost_basis = 'unpriced'
    group by all
),

undated as (
    select 'run without started_at, outside any period' as kind,
        'only gpu_hours logged' as reason, count(*) as records, null::double as energy_share
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
    select * from unknown_regions
    union all
    select * from unpriced
    union all
    select * from undated
)

select * from final order by kind, records desc, reason
