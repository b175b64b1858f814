-- grain: one row per staged record of a canonical run log (table `staged`: text columns + _line),
-- read from a canonical file or mapped to canonical columns by an adapter (sacct, CodeCarbon, mapping).
-- Trims text, turns empty text into null and casts each value, keeping the raw text beside it
-- so that runs_problems.sql can say what was wrong. Timestamps without an offset are read as
-- UTC (the session time zone is UTC). Only ISO-8601 text is cast: DuckDB's own cast also takes
-- zone names and abbreviations ('PST' read as America/Los_Angeles, daylight time included),
-- 'infinity', 'epoch', a cut-off '2024-10-01T01:0' and offsets like +25:00, none of which a
-- run log means; those stay null and are rejected as not ISO-8601.
-- Identity text (run_id, team, project, gpu_model, region, datacenter, hosts) is normalised so
-- that spellings which look the same are one key (wl_identity_text, sql/macros/030_identity_text.sql),
-- then trimmed. A run_id left empty is rejected (runs_text_problems.sql).
-- Other text (name, the tracker's source) is stored as written; the report escapes it.
with

staged as (
    select * from staged
),

identity as (
    select
        * replace (
            wl_identity_text(run_id) as run_id,
            wl_identity_text(team) as team,
            wl_identity_text(project) as project,
            wl_identity_text(gpu_model) as gpu_model,
            wl_identity_text(region) as region,
            wl_identity_text(datacenter) as datacenter,
            wl_identity_text(hosts) as hosts
        ),
        nullif(trim(run_id), '') as run_id_raw  -- as written: said when the normalised run_id is empty
    from staged
),

cleaned as (
    select
        _line,
        nullif(trim(run_id), '') as run_id,
        nullif(trim(name), '') as name,
        nullif(trim(team), '') as team,
        nullif(trim(project), '') as project,
        nullif(trim(started_at), '') as started_at_raw,
        nullif(trim(ended_at), '') as ended_at_raw,
        nullif(trim(gpu_model), '') as gpu_model,
        nullif(trim(gpu_count), '') as gpu_count_raw,
        nullif(trim(gpu_hours), '') as gpu_hours_raw,
        nullif(trim(avg_power_w), '') as avg_power_w_raw,
        nullif(trim(pue), '') as pue_raw,
        nullif(trim(region), '') as region,
        nullif(trim(datacenter), '') as datacenter,
        nullif(trim(hosts), '') as hosts,
        nullif(trim(grid_intensity_kg_per_kwh), '') as grid_intensity_raw,
        nullif(trim(price_per_kwh), '') as price_raw,
        nullif(upper(trim(currency)), '') as currency,
        nullif(upper(trim(job_state)), '') as job_state,
        nullif(trim(measured_it_energy_kwh), '') as measured_energy_raw,
        nullif(trim(measured_energy_source), '') as measured_energy_source,
        nullif(trim(tracker_co2e_kg), '') as tracker_co2e_raw,
        nullif(trim(compute_price_per_gpu_hour), '') as compute_price_raw,
        nullif(upper(trim(compute_currency)), '') as compute_currency,
        nullif(trim(cpu_model), '') as cpu_model,
        nullif(trim(cpu_cores), '') as cpu_cores_raw,
        nullif(trim(cpu_power_w), '') as cpu_power_raw,
        nullif(trim(ram_gb), '') as ram_gb_raw,
        nullif(trim(measured_gpu_energy_kwh), '') as measured_gpu_energy_raw,
        nullif(trim(measured_cpu_energy_kwh), '') as measured_cpu_energy_raw,
        nullif(trim(measured_ram_energy_kwh), '') as measured_ram_energy_raw,
        nullif(trim(wue_l_per_kwh), '') as wue_raw,
        nullif(trim(tracker_water_l), '') as tracker_water_raw,
        nullif(trim(stage), '') as stage,
        nullif(trim(source_format), '') as source_format,
        run_id_raw
    from identity
),

typed as (
    -- ISO-8601: a date, optionally a time (T or space; minutes, seconds, fraction) with Z or +hh[:mm] within +-14:00
    -- (real zones span -12:00 to +14:00; +14:59 is a typo)
    select
        *,
        case when regexp_full_match(started_at_raw, '\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-](?:(?:0\d|1[0-3])(?::?[0-5]\d)?|14(?::?00)?))?)?')
             then try_cast(started_at_raw as timestamptz) end as started_at,
        case when regexp_full_match(ended_at_raw, '\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-](?:(?:0\d|1[0-3])(?::?[0-5]\d)?|14(?::?00)?))?)?')
             then try_cast(ended_at_raw as timestamptz) end as ended_at,
        try_cast(gpu_count_raw as double) as gpu_count_num,
        try_cast(gpu_hours_raw as double) as gpu_hours_logged,
        try_cast(avg_power_w_raw as double) as avg_power_w,
        try_cast(pue_raw as double) as pue,
        try_cast(grid_intensity_raw as double) as grid_intensity_kg_per_kwh,
        try_cast(price_raw as double) as price_per_kwh,
        try_cast(measured_energy_raw as double) as measured_it_energy_kwh,
        try_cast(tracker_co2e_raw as double) as tracker_co2e_kg,
        try_cast(compute_price_raw as double) as compute_price_per_gpu_hour,
        try_cast(cpu_cores_raw as double) as cpu_cores,
        try_cast(cpu_power_raw as double) as cpu_power_w,
        try_cast(ram_gb_raw as double) as ram_gb,
        try_cast(measured_gpu_energy_raw as double) as measured_gpu_energy_kwh,
        try_cast(measured_cpu_energy_raw as double) as measured_cpu_energy_kwh,
        try_cast(measured_ram_energy_raw as double) as measured_ram_energy_kwh,
        try_cast(wue_raw as double) as wue_l_per_kwh,
        try_cast(tracker_water_raw as double) as tracker_water_l,
        -- a run described beyond its GPUs (cores, CPU power, memory, measured CPU or memory
        -- energy) needs no GPU: gpu_count may be 0 or absent (contract.MACHINE_COLUMNS)
        -- or that says gpu_count 0 beside a measured energy (a tracker's machine run, e.g. CodeCarbon 1.x)
        coalesce(cpu_cores_raw, cpu_power_raw, ram_gb_raw, measured_cpu_energy_raw, measured_ram_energy_raw) is not null
            or (try_cast(gpu_count_raw as double) = 0 and measured_energy_raw is not null) as has_machine
    from cleaned
),

final as (
    select
        *,
        -- only whole numbers that fit a bigint are cast (1e20 would fail the cast, not be rejected)
        case when isfinite(gpu_count_num) and gpu_count_num = round(gpu_count_num) and abs(gpu_count_num) < 1e15
             then gpu_count_num::bigint end as gpu_count,
        epoch(ended_at) - epoch(started_at) as duration_s
    from typed
)

select * from final
