-- Insert the incoming valid runs of one source file ($1 = source_file_id), skipping run_ids
-- already stored (incoming_new_runs.sql; one scan of runs per piece, not two; the primary key
-- of runs still refuses any duplicate).
insert into runs (
    run_id, source_file_id, source_line, name, team, project, started_at, ended_at,
    gpu_model, gpu_count, gpu_hours, gpu_hours_basis, avg_power_w, pue, region, datacenter,
    hosts, grid_intensity_kg_per_kwh, price_per_kwh, currency, source_format, job_state,
    measured_it_energy_kwh, measured_energy_source, tracker_co2e_kg, compute_price_per_gpu_hour, compute_currency,
    cpu_model, cpu_cores, cpu_power_w, ram_gb, measured_gpu_energy_kwh, measured_cpu_energy_kwh, measured_ram_energy_kwh,
    wue_l_per_kwh, tracker_water_l, stage
)
select
    run_id, $1, source_line, name, team, project, started_at, ended_at,
    gpu_model, gpu_count, gpu_hours, gpu_hours_basis, avg_power_w, pue, region, datacenter,
    hosts, grid_intensity_kg_per_kwh, price_per_kwh, currency, source_format, job_state,
    measured_it_energy_kwh, measured_energy_source, tracker_co2e_kg, compute_price_per_gpu_hour, compute_currency,
    cpu_model, cpu_cores, cpu_power_w, ram_gb, measured_gpu_energy_kwh, measured_cpu_energy_kwh, measured_ram_energy_kwh,
    wue_l_per_kwh, tracker_water_l, stage
from incoming_new_runs
