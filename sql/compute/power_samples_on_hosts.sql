-- grain: one row per power sample on the hosts $hosts, ordered by device and time (the kernel
-- integrates sorted samples fastest).
select host, gpu_index, gpu_uuid, sampled_at, power_w, energy_mj
from power_samples
where host in (select unnest($hosts))
order by host, gpu_index, sampled_at
