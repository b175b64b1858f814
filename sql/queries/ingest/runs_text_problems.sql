-- grain: statements over the temp tables `typed` (runs_typed.sql) and `problems` (runs_problems.sql):
-- a record whose run_id held only control and invisible characters (zero-width, bidi) has no
-- run_id once normalised; runs_problems.sql says 'missing run_id', this says why, with the
-- text as written (its invisible characters stay in the stored reject's value).
delete from problems
where column_name = 'run_id' and reason = 'missing run_id'
    and line in (select _line from typed where run_id is null and run_id_raw is not null);

insert into problems
select _line, 'run_id', run_id_raw,
    'run_id is empty once control and invisible characters are removed',
    'identity text is NFC without control, zero-width or bidi characters (docs/reliability.md)'
from typed
where run_id is null and run_id_raw is not null;
