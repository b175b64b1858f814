-- grain: one row per run footprint of the period: what `wattledger export` writes.
select * exclude (source_file_id)
from wl_period_footprints($period_start, $period_end)
order by started_at nulls first, run_id
