-- grain: one row per record of a file read in pieces whose run_id another record of the file
-- repeats, shaped as its reject, exactly as runs_problems.sql rejects it within a whole file
-- (run_id normalised and trimmed, empty = missing, as runs_typed.sql does).
-- Table `piece_run_ids`: (line, run_id as written) of the records that did not become runs
-- (keep_unstored_run_ids.sql); the file's runs ($source_file_id) are the others. Two copies of
-- one run id never both became runs (the primary key), so every repeated run id has a copy
-- in piece_run_ids: only those run ids are looked up among the runs.
with

unstored as (
    select line, nullif(trim(wl_identity_text(run_id)), '') as run_id
    from piece_run_ids
),

candidates as (
    select distinct run_id
    from unstored
    where run_id is not null
),

copies as (
    select line, run_id
    from unstored
    where run_id is not null

    union all

    select runs.source_line as line, runs.run_id
    from runs
    inner join candidates on candidates.run_id = runs.run_id
    where runs.source_file_id = $source_file_id
),

repeated as (
    select run_id, count(*) as records
    from copies
    group by run_id
    having count(*) > 1
),

final as (
    select
        copies.line,
        'run_id' as column_name,
        copies.run_id as value,
        'run_id repeated within this file' as reason,
        repeated.records || ' records with this run_id; all are rejected' as detail
    from copies
    inner join repeated on repeated.run_id = copies.run_id
)

select * from final
