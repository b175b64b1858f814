-- Insert the valid lines of one cost-ledger file version ($1 = cost_file_id) from `incoming_lines`.
insert into cost_lines (cost_file_id, line, project, category, amount, currency, cost_date, description, source)
select $1, line, project, category, amount, currency, cost_date, description, source
from incoming_lines
