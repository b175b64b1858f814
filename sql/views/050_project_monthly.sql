-- grain: one row per project and month.
create or replace view project_monthly as
select key as project, * exclude (dimension, key) from monthly_by_dimension where dimension = 'project';
