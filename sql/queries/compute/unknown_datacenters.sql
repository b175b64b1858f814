-- grain: one row per datacenter name of the runs (as written) that the loaded site file does not
-- have, with its run count. Names are matched ignoring case and surrounding spaces, as factor
-- resolution matches them (wattledger/factors/keys.py); such runs get their region's factors,
-- else the documented defaults.
select
    runs.datacenter,
    count(*) as runs
from runs
where runs.datacenter is not null
    and lower(trim(runs.datacenter)) not in (select lower(trim(datacenters.datacenter)) from datacenters)
group by runs.datacenter
order by runs desc, runs.datacenter
