-- A piece of a file read in pieces: (line, run_id as written) of its records that did not
-- become runs (rejected, or repeating a run id already stored: not in incoming_new_runs.sql),
-- kept in `piece_run_ids` for repeated_across_pieces.sql. The records that became runs are not
-- kept: `runs` holds them (a 10 M-run file kept every record's id here, and that copy
-- with the file's uncommitted rows outgrew DuckDB's 1 GB memory limit).
insert into piece_run_ids
select incoming_run_ids.line, incoming_run_ids.run_id
from incoming_run_ids
where not exists (
    select 1
    from incoming_new_runs
    where incoming_new_runs.source_line = incoming_run_ids.line
)
