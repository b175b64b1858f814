-- grain: one row per factor row or logged override used in the period, with its source:
-- the methodology section lists each.
select factor, basis, source, year, runs
from wl_factor_usage($period_start, $period_end)
order by factor, runs desc, basis, source
