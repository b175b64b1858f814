-- grain: one row per power sample on a host of `batch_host_windows` (host, from_ts, to_ts:
-- the span of the batch's runs on that host), inside that span, ordered by device and time
-- (the kernel integrates sorted samples fastest). Only the batch's spans are read: memory
-- follows the batch, not the size of power_samples. A device is told by its UUID, else its
-- index (wattledger/compute/attribution.py: device_keys).
select s.host, s.gpu_index, s.gpu_uuid, s.sampled_at, s.power_w, s.energy_mj
from power_samples as s
inner join batch_host_windows as w
    on s.host = w.host and s.sampled_at between w.from_ts and w.to_ts
order by s.host, s.gpu_index, s.gpu_uuid, s.sampled_at  -- the order of devices_on_hosts.sql
