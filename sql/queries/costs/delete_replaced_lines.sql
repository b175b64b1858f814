-- The lines of a replaced cost-ledger file version ($old) go (retire_cost_file.sql).
delete from cost_lines where cost_file_id = $old
