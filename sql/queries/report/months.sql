-- grain: one row per team and month, up to the report's period end (all months when null).
select *
from team_monthly
where month is not null
  and ($period_end is null or month < $period_end)
order by month, team
