-- grain: one row per power sample of one GPU (host, gpu_index) at one time, from nvidia-smi
-- logs or DCGM exporter scrapes (wattledger/ingest/telemetry.py).
create table power_samples (
    source_file_id bigint not null references source_files (source_file_id),
    line bigint not null,                 -- line in the source file
    host varchar not null,
    gpu_index integer not null,
    gpu_uuid varchar,
    sampled_at timestamptz not null,      -- UTC
    power_w double,                       -- instantaneous board power [W]
    energy_mj double                      -- DCGM total energy counter since boot [mJ]
);
