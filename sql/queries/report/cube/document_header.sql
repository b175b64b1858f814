-- grain: one row: the report's header figures (see ../document_header.sql), from the report's
-- cube (build.sql): its groups carry the factor set, the month of the start (null: undated) and
-- the latest run end.
with

cube as (
    select * from wl_report_cube_months
),

files as (
    select max(ingested_at) as last_ingested_at from source_files
),

final as (
    select
        files.last_ingested_at,
        max(cube.last_ended_at) as last_run_ended_at,
        string_agg(distinct cube.factor_set, ', ' order by cube.factor_set) as factor_sets,
        coalesce((sum(cube.runs) filter (where cube.month is null))::bigint, 0) as undated_runs,
        coalesce(wl_kwh_to_mwh(sum(cube.energy_kwh) filter (where cube.month is null)), 0) as undated_energy_mwh,
        coalesce(wl_kg_to_t(sum(cube.co2e_kg) filter (where cube.month is null)), 0) as undated_co2e_t
    from files
    left join cube on true
    group by all
)

select * from final
