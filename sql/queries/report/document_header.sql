-- grain: one row: what the report's figures rest on, for its header and the charts' notes: the
-- latest file ingested (the data cut-off), the latest run end in the period, the factor sets of
-- the period's footprints, and the runs without a start time (no month: left out of the by-month
-- chart, kept in every total of an all-runs report).
with

scoped as (
    select * from wl_period_footprints($period_start, $period_end)
),

files as (
    select max(ingested_at) as last_ingested_at from source_files
),

final as (
    select
        files.last_ingested_at,
        max(scoped.ended_at) as last_run_ended_at,
        string_agg(distinct scoped.factor_set, ', ' order by scoped.factor_set) as factor_sets,
        count(*) filter (where scoped.started_at is null) as undated_runs,
        coalesce(sum(scoped.energy_mwh) filter (where scoped.started_at is null), 0) as undated_energy_mwh,
        coalesce(sum(scoped.co2e_t) filter (where scoped.started_at is null), 0) as undated_co2e_t
    from files
    left join scoped on true
    group by all
)

select * from final
