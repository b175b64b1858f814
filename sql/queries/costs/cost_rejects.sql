-- grain: one row per rejected cost-ledger problem of the current files: file, line, column, value, reason.
select f.path, r.line, r.column_name, r.value, r.reason, r.detail
from cost_rejects r
join cost_files f using (cost_file_id)
where f.replaced_by_cost_file_id is null
order by f.path, r.line, r.column_name
