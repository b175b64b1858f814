-- Calendar buckets of the reports, defined once. Re-applied on every writable connect.

-- the calendar month (UTC: the session time zone) a run started in [timestamp]; null when
-- started_at is null. Used by the monthly views (030_monthly_by_dimension.sql) and the report's
-- cube (queries/report/cube/build.sql), so that both put a run in the same month.
create or replace macro wl_month_of(started_at) as date_trunc('month', started_at);
