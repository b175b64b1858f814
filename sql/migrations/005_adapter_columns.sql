-- Run-level columns of the input adapters (Slurm sacct, CodeCarbon, mapping files).
-- Rows stored before this migration all came from canonical run logs.

-- canonical | sacct | codecarbon | mapping:<name>; set by ingest, never null for new rows
alter table runs add column source_format varchar;
-- the scheduler's final state: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ...
-- (sacct's "CANCELLED by <uid>" is stored as CANCELLED); null when the source has none
alter table runs add column job_state varchar;
-- IT energy measured by a tracker for the whole run [kWh], before PUE
alter table runs add column measured_it_energy_kwh double;
-- which tracker or meter measured it, e.g. 'codecarbon 2.8.3 energy_consumed'
alter table runs add column measured_energy_source varchar;
-- the tracker's own emissions figure [kgCO2e], kept for comparison, never used in sums
alter table runs add column tracker_co2e_kg double;

update runs set source_format = 'canonical' where source_format is null;
