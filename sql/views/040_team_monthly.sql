-- grain: one row per team and month.
create or replace view team_monthly as
select key as team, * exclude (dimension, key) from monthly_by_dimension where dimension = 'team';
