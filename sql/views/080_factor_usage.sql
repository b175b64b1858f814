-- grain: one row per (factor, basis, source, year) over all runs.
create or replace view factor_usage as
select * from wl_factor_usage(null, null);
