-- The incoming valid runs that become runs: those whose run_id is not already stored
-- (`incoming_duplicates`: found by cross_file_duplicates.sql, rejected). One definition, read
-- by insert_runs.sql (what is inserted) and keep_unstored_run_ids.sql (what is not).
create or replace temp view incoming_new_runs as
select *
from incoming_runs
where run_id not in (select value from incoming_duplicates)
