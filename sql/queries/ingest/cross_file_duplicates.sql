-- grain: one row per incoming run whose run_id is already stored: from another current file,
-- or (a large file read in pieces) from an earlier piece of this file ($source_file_id).
-- Not a duplicate (the ledger rule): the copy of the version this file replaces ($previous,
-- the same path) and a copy absent from its file (a run that moved): this file takes them.
-- Shaped as a reject: line, column_name, value, reason, detail.
with

incoming_runs as (
    select * from incoming_runs
),

stored as (
    select runs.run_id, runs.source_line, runs.source_file_id, source_files.path
    from runs
    inner join source_files on source_files.source_file_id = runs.source_file_id
    where runs.absent_since is null
      and runs.source_file_id is distinct from $previous
),

final as (
    select
        incoming_runs.source_line as line,
        'run_id' as column_name,
        incoming_runs.run_id as value,
        case when stored.source_file_id = $source_file_id
            then 'run_id repeated within this file'
            else 'run_id already loaded from another file'
        end as reason,
        case when stored.source_file_id = $source_file_id
            then 'also at line ' || stored.source_line || '; all are rejected'
            else stored.path || ' line ' || stored.source_line
        end as detail
    from incoming_runs
    inner join stored on stored.run_id = incoming_runs.run_id
)

select * from final
