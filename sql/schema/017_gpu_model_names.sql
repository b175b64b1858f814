-- The canonical GPU model of each name the runs log (issue 19): 'NVIDIA H100 80GB HBM3' and
-- 'H100-SXM' are one model, the row of hardware/gpu_power.csv whose name or alias matches
-- (case and punctuation ignored). Written by compute from the reference table in force; read by
-- the report to group "By GPU model" by the model, keeping the names logged.
-- grain: one row per distinct runs.gpu_model that the GPU table knows.
create table gpu_model_names (
    gpu_model varchar primary key,          -- as logged (runs.gpu_model)
    gpu_model_canonical varchar not null,   -- hardware/gpu_power.csv gpu_model
    source varchar not null,                -- the GPU table row's source
    updated_at timestamptz not null default now()
);
