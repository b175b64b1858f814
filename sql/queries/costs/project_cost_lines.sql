-- grain: one row per cost item (the project_cost_lines view), by project, category, date;
-- only the items of kind $item_kind (run | ledger) when it is given: the report needs only the
-- ledger lines, and the per-run items of 10 M runs are 20 M rows (issue 20).
select * from project_cost_lines
where $item_kind is null or item_kind = $item_kind
order by project nulls last, category, item_date, run_id
