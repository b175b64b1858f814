-- Single-writer integrity, and files that change.
--
-- DuckDB checks foreign keys eagerly and cannot delete a referenced row in the same
-- transaction as the rows that reference it, nor update a referenced row (see its
-- "foreign key limitations"). A changed source file must replace its runs, their
-- footprints and its rejects in ONE transaction, so the foreign keys of runs, rejects,
-- power_samples, footprints and unresolved_runs go: each table is re-created as a copy
-- (CTAS keeps every column, also those added by later-numbered work) with its primary key
-- and NOT NULL constraints restated. The references are kept by the single writer
-- (wattledger/store/writes.py) and checked by tests (tests/test_incremental.py,
-- tests/test_crash_safety.py).

-- (the default of source_files.ingested_at is dropped while the references go and restored
-- after: replaying those drops from the WAL after a crash re-binds source_files, and with
-- extension autoloading off DuckDB 2.0 cannot bind current_timestamp there)
alter table source_files alter column ingested_at drop default;
create table footprints_next as select * from footprints;
create table unresolved_runs_next as select * from unresolved_runs;
create table runs_next as select * from runs;
create table rejects_next as select * from rejects;
create table power_samples_next as select * from power_samples;
-- referencing tables first (source_files, referenced, is re-created below)
drop table footprints;
drop table unresolved_runs;
drop table runs;
drop table rejects;
drop table power_samples;

alter table runs_next rename to runs;
alter table runs add primary key (run_id);
alter table runs alter column source_file_id set not null;
alter table runs alter column source_line set not null;
alter table runs alter column gpu_hours set not null;
alter table runs alter column gpu_hours_basis set not null;
alter table runs alter column source_format set not null;

alter table rejects_next rename to rejects;
alter table rejects alter column source_file_id set not null;
alter table rejects alter column reason set not null;

alter table power_samples_next rename to power_samples;
alter table power_samples alter column source_file_id set not null;
alter table power_samples alter column line set not null;
alter table power_samples alter column host set not null;
alter table power_samples alter column gpu_index set not null;
alter table power_samples alter column sampled_at set not null;

alter table unresolved_runs_next rename to unresolved_runs;
alter table unresolved_runs add primary key (run_id);
alter table unresolved_runs alter column factor_set set not null;
alter table unresolved_runs alter column reason set not null;
alter table unresolved_runs alter column checked_at set not null;
alter table unresolved_runs alter column checked_at set default current_timestamp;

alter table footprints_next rename to footprints;
-- no primary key: footprints are derived, written only by compute, which deletes a run's
-- footprint before inserting its new one in the same transaction (tests check one row per
-- run). The ART index cost 2-3 s per 500k inserted footprints.
alter table footprints alter column factor_set set not null;
alter table footprints alter column computed_at set not null;
alter table footprints alter column gpu_hours set not null;
alter table footprints alter column power_w set not null;
alter table footprints alter column power_low_w set not null;
alter table footprints alter column power_high_w set not null;
alter table footprints alter column power_basis set not null;
alter table footprints alter column power_source set not null;
alter table footprints alter column pue set not null;
alter table footprints alter column pue_low set not null;
alter table footprints alter column pue_high set not null;
alter table footprints alter column pue_basis set not null;
alter table footprints alter column pue_source set not null;
alter table footprints alter column intensity_kg_per_kwh set not null;
alter table footprints alter column intensity_low_kg_per_kwh set not null;
alter table footprints alter column intensity_high_kg_per_kwh set not null;
alter table footprints alter column intensity_basis set not null;
alter table footprints alter column intensity_source set not null;
alter table footprints alter column price_per_kwh set not null;
alter table footprints alter column currency set not null;
alter table footprints alter column price_basis set not null;
alter table footprints alter column price_source set not null;
alter table footprints alter column energy_it_kwh set not null;
alter table footprints alter column energy_it_kwh_low set not null;
alter table footprints alter column energy_it_kwh_high set not null;
alter table footprints alter column energy_kwh set not null;
alter table footprints alter column energy_kwh_low set not null;
alter table footprints alter column energy_kwh_high set not null;
alter table footprints alter column co2e_kg set not null;
alter table footprints alter column co2e_kg_low set not null;
alter table footprints alter column co2e_kg_high set not null;
alter table footprints alter column co2e_market_kg set not null;
alter table footprints alter column co2e_market_kg_low set not null;
alter table footprints alter column co2e_market_kg_high set not null;
alter table footprints alter column market_factor_kg_per_kwh set not null;
alter table footprints alter column market_covered_share set not null;
alter table footprints alter column market_basis set not null;
alter table footprints alter column market_source set not null;
alter table footprints alter column energy_cost set not null;
alter table footprints alter column energy_cost_low set not null;
alter table footprints alter column energy_cost_high set not null;
alter table footprints alter column computed_at set default current_timestamp;
-- the run's own inputs after factor resolution (a hash): a footprint is recomputed only
-- when they change (wattledger/compute.py)
alter table footprints add column inputs_sha varchar;

-- source_files: a file at a path already ingested, with new content, replaces the old
-- version's runs (wattledger/store/writes.py). The old row stays, marked replaced; the same
-- content may come back later (a revert), so content_sha256 is unique only among the
-- current versions (checked by the writer), no longer across the table.
create table source_files_next as select * from source_files;
drop table source_files;
alter table source_files_next rename to source_files;
alter table source_files add primary key (source_file_id);
alter table source_files alter column source_file_id set default nextval('source_file_id_seq');
alter table source_files alter column path set not null;
alter table source_files alter column content_sha256 set not null;
alter table source_files alter column format set not null;
alter table source_files alter column detected set not null;
alter table source_files alter column size_bytes set not null;
alter table source_files alter column records set not null;
alter table source_files alter column rows_loaded set not null;
alter table source_files alter column rows_rejected set not null;
alter table source_files alter column folded_records set not null;
alter table source_files alter column ignored_columns set not null;
alter table source_files alter column ingested_at set not null;
alter table source_files alter column ingested_at set default current_timestamp;
alter table source_files add column replaces_source_file_id bigint;    -- the version it replaced
alter table source_files add column replaced_by_source_file_id bigint; -- set when a newer version arrives
alter table source_files add column replaced_at timestamptz;
