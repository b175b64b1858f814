-- grain: one row per (host, gpu_index, gpu_uuid) that ever reported power samples on a host of
-- `batch_hosts`: a run's devices are all of them, whether or not they reported during the
-- run (so a run's device count does not depend on which runs share its compute batch). The
-- pairs also tell the UUID of an index reported without one (attribution.device_keys).
select distinct s.host, s.gpu_index, s.gpu_uuid
from power_samples as s
inner join batch_hosts as h on s.host = h.host
order by s.host, s.gpu_index, s.gpu_uuid
