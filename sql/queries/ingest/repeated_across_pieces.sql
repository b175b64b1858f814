-- grain: one row per run stored from an earlier piece of file $1 whose run_id a later piece
-- repeats: shaped as its reject (the later copies were rejected when their piece was stored).
with

repeated as (
    select value as run_id, min(line) as other_line
    from rejects
    where source_file_id = $1 and reason = 'run_id repeated within this file'
    group by value
),

final as (
    select
        runs.source_line as line,
        'run_id' as column_name,
        runs.run_id as value,
        'run_id repeated within this file' as reason,
        'also at line ' || repeated.other_line || '; all are rejected' as detail
    from runs
    inner join repeated on repeated.run_id = runs.run_id
    where runs.source_file_id = $1
)

select * from final
