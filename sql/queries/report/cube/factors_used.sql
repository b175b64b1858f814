-- grain: one row per (factor, basis, source, year), from the cube.
select factor, basis, source, year, runs
from wl_report_factor_usage
order by factor, runs desc, basis, source
