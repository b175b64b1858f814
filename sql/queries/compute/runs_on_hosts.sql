-- grain: one row per stored run with hosts and times that overlaps the batch's time span
-- ($from_ts, $to_ts): the candidates for sharing a host with a run whose power telemetry is
-- being attributed.
select run_id, hosts, started_at, ended_at
from runs
where hosts is not null and started_at is not null and ended_at is not null
    and started_at <= $to_ts and ended_at >= $from_ts
