-- grain: one row per project and currency (the project_costs view), largest total first.
select * from project_costs order by project nulls last, total_cost desc nulls last, currency
