-- grain: one row per budget and period (the budget_status view); $period_start/$period_end
-- (both null: every period) keep the periods that overlap [period_start, period_end).
select *
from budget_status
where ($period_start is null or period_end > $period_start)
  and ($period_end is null or period_start < $period_end)
order by status = 'within', scope, name, period_start, figure
