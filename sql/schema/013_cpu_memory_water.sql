-- Energy beyond the GPUs (CPU and memory) and water (docs/method.md, "CPU and memory", "Water").

-- runs: what a run log says about the run's CPUs and memory, the tracker's split of its energy,
-- its water figures. A run without GPUs has gpu_count null or 0, gpu_hours 0 and
-- gpu_hours_basis 'no_gpu'.
alter table runs add column cpu_model varchar;                -- e.g. 'AMD EPYC 7763', 'Intel(R) Xeon(R) Platinum 8480+'
alter table runs add column cpu_cores double;                 -- cores allocated to the run [cores]
alter table runs add column cpu_power_w double;               -- average power of the run's CPUs together [W]
alter table runs add column ram_gb double;                    -- memory allocated to the run [GB]
alter table runs add column measured_gpu_energy_kwh double;   -- a tracker's GPU energy, before PUE [kWh]
alter table runs add column measured_cpu_energy_kwh double;   -- a tracker's CPU energy, before PUE [kWh]
alter table runs add column measured_ram_energy_kwh double;   -- a tracker's memory energy, before PUE [kWh]
alter table runs add column wue_l_per_kwh double;             -- logged water usage effectiveness [L/kWh]
alter table runs add column tracker_water_l double;           -- the tracker's own water figure [L]; for comparison, never summed

-- datacenters: the site's water usage effectiveness (site file `wue`, `wue_source`)
alter table datacenters add column wue double;                -- [L/kWh]
alter table datacenters add column wue_source varchar;

-- footprints: IT energy split into GPU, CPU and memory parts (a part is null when unknown, with
-- its basis), and the water footprint. Null in footprints computed before this migration.
alter table footprints add column energy_gpu_kwh double;          -- gpu_hours x power_w / 1000 [kWh]
alter table footprints add column energy_gpu_kwh_low double;
alter table footprints add column energy_gpu_kwh_high double;
alter table footprints add column energy_cpu_kwh double;          -- [kWh]; null: unknown or inside another part (basis)
alter table footprints add column energy_cpu_kwh_low double;
alter table footprints add column energy_cpu_kwh_high double;
alter table footprints add column energy_cpu_basis varchar;       -- measured | measured_machine | measured_remainder | in_measured_it | logged | tdp_per_core | default:per_core | unknown
alter table footprints add column energy_cpu_source varchar;
alter table footprints add column energy_ram_kwh double;          -- [kWh]
alter table footprints add column energy_ram_kwh_low double;
alter table footprints add column energy_ram_kwh_high double;
alter table footprints add column energy_ram_basis varchar;       -- measured | included_in_cpu | in_measured_it | per_gb | unknown
alter table footprints add column energy_ram_source varchar;
alter table footprints add column wue_l_per_kwh double;           -- [L/kWh]
alter table footprints add column wue_low_l_per_kwh double;
alter table footprints add column wue_high_l_per_kwh double;
alter table footprints add column wue_basis varchar;              -- logged | datacenter | provider:<cloud> | default:unknown
alter table footprints add column wue_source varchar;
alter table footprints add column water_intensity_l_per_kwh double;      -- water consumed per kWh generated [L/kWh]
alter table footprints add column water_intensity_low_l_per_kwh double;
alter table footprints add column water_intensity_high_l_per_kwh double;
alter table footprints add column water_intensity_basis varchar;  -- country | default:WORLD
alter table footprints add column water_intensity_source varchar;
alter table footprints add column water_onsite_l double;          -- energy_it_kwh x WUE [L]
alter table footprints add column water_onsite_l_low double;
alter table footprints add column water_onsite_l_high double;
alter table footprints add column water_offsite_l double;         -- energy_kwh x water intensity [L]
alter table footprints add column water_offsite_l_low double;
alter table footprints add column water_offsite_l_high double;
alter table footprints add column water_l double;                 -- onsite + offsite [L]
alter table footprints add column water_l_low double;
alter table footprints add column water_l_high double;
