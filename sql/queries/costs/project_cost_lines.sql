-- grain: one row per cost item (the project_cost_lines view), by project, category, date.
select * from project_cost_lines order by project nulls last, category, item_date, run_id
