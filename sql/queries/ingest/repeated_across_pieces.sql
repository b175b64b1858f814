-- grain: one row per record of a file read in pieces whose run_id another record of the file
-- repeats, shaped as its reject, exactly as runs_problems.sql rejects it within a whole file
-- (run_id normalised and trimmed, empty = missing, as runs_typed.sql does). Table `piece_run_ids`: (line,
-- run_id as written) of every record of every piece, valid or not.
with

ids as (
    select line, nullif(trim(wl_identity_text(run_id)), '') as run_id
    from piece_run_ids
),

final as (
    select
        line,
        'run_id' as column_name,
        run_id as value,
        'run_id repeated within this file' as reason,
        count(*) over (partition by run_id) || ' records with this run_id; all are rejected' as detail
    from ids
    where run_id is not null
    qualify count(*) over (partition by run_id) > 1
)

select * from final
