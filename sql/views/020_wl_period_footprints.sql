-- grain: one row per run footprint whose run started in [period_start, period_end);
-- every run when both are null. Reports and exports read through this macro.
create or replace macro wl_period_footprints(period_start, period_end) as table
    select *
    from run_footprints
    where (period_start is null or started_at >= period_start)
      and (period_end is null or started_at < period_end);
