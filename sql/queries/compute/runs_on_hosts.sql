-- grain: one row per stored run with hosts and times that overlaps the batch's time span
-- ($from_ts, $to_ts): the candidates for sharing a host with a run whose power telemetry is
-- being attributed. A run without GPUs (gpu_hours_basis 'no_gpu': a CPU job) uses none of a
-- host's GPUs, so it shares no power samples with a GPU run.
select run_id, hosts, started_at, ended_at
from runs
where hosts is not null and started_at is not null and ended_at is not null
    and gpu_hours_basis <> 'no_gpu'
    and started_at <= $to_ts and ended_at >= $from_ts
