-- grain: one row per host of `batch_host_windows` (host, from_ts, to_ts): how many power
-- samples it has inside its window, to read the samples a group of hosts at a time.
select w.host, count(s.host) as samples
from batch_host_windows as w
left join power_samples as s
    on s.host = w.host and s.sampled_at between w.from_ts and w.to_ts
group by w.host
order by w.host
