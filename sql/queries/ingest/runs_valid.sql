-- grain: one row per valid record (no row in `problems`), shaped as the runs table.
with

typed as (
    select * from typed
),

problems as (
    select * from problems
),

final as (
    select
        run_id,
        _line as source_line,
        name,
        team,
        project,
        started_at,
        ended_at,
        gpu_model,
        gpu_count::integer as gpu_count,
        coalesce(gpu_hours_logged, gpu_count * duration_s / 3600.0, case when has_machine then 0.0 end) as gpu_hours,
        case when gpu_hours_logged is not null then 'logged'
             when has_machine and coalesce(gpu_count, 0) = 0 then 'no_gpu'
             else 'timestamps' end as gpu_hours_basis,
        avg_power_w,
        pue,
        region,
        datacenter,
        hosts,
        grid_intensity_kg_per_kwh,
        price_per_kwh,
        currency,
        source_format,
        job_state,
        measured_it_energy_kwh,
        measured_energy_source,
        tracker_co2e_kg,
        compute_price_per_gpu_hour,
        compute_currency,
        cpu_model,
        cpu_cores,
        cpu_power_w,
        ram_gb,
        measured_gpu_energy_kwh,
        measured_cpu_energy_kwh,
        measured_ram_energy_kwh,
        wue_l_per_kwh,
        tracker_water_l,
        stage
    from typed
    anti join problems on problems.line = typed._line
)

select * from final order by source_line
