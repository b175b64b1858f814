-- grain: one row per device (host, gpu_index) that ever reported power samples on a host of
-- `batch_hosts`: a run's devices are all of them, whether or not they reported during the
-- run (so a run's device count does not depend on which runs share its compute batch).
select distinct s.host, s.gpu_index
from power_samples as s
inner join batch_hosts as h on s.host = h.host
order by s.host, s.gpu_index
