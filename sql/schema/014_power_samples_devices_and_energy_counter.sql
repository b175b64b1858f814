-- Power telemetry, issue 17 (docs/time_resolved.md, "Devices" and "Energy counter"):
--
-- 1. A device is told by its UUID when the log reports one, else by its index on the host:
--    nvidia-smi logs queried with `uuid` but not `index` have no index, so gpu_index may
--    be null (then gpu_uuid is not: the reader refuses a log with neither).
-- 2. The energy counter comes back (migration 009 dropped it while nothing used it): DCGM's
--    DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION [mJ since the driver loaded], folded into the
--    sample of its GPU and time. Compute measures a run's energy by its differences when a
--    device reports it, by the trapezoid of power_w otherwise (a sample may carry either).
alter table power_samples alter column gpu_index drop not null;
alter table power_samples add column energy_mj double;   -- energy counter [mJ], null when not reported
