-- Insert the problems of one cost-ledger file version ($1 = cost_file_id) from `incoming_problems`.
insert into cost_rejects (cost_file_id, line, column_name, value, reason, detail)
select $1, line, column_name, value, reason, detail
from incoming_problems
