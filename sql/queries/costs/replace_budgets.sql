-- Replace every budget with those of `incoming_budgets` (a budgets file is the whole list).
delete from budgets;
insert into budgets (budget_id, scope, name, period, figure, budget, currency, source, loaded_at)
select budget_id, scope, name, period, figure, budget, currency, source, current_timestamp
from incoming_budgets;
