-- grain: one row per distinct region string written in the runs of the given source files
-- (the runs of this ingest): how many runs, and up to five of their ids (for the warning about
-- region strings the reference tables do not know, wattledger.pipeline.region_check)
with

file_runs as (
    select run_id, region
    from runs
    where source_file_id in (select unnest($source_file_ids::bigint[])) and region is not null
),

final as (
    select region, count(*) as runs, list(run_id order by run_id)[1:5] as example_runs
    from file_runs
    group by all
)

select * from final order by region
