-- The ledger rule (docs/reliability.md): runs are never deleted implicitly.
--
-- A run whose file is replaced by a version without it stays, with its footprint, flagged:
-- `absent_since` (when the file's new version left it out); its `source_file_id` stays the
-- version it was read from (a replaced row of source_files: the file it left). A run that
-- reappears in a current file is taken from there (absent_since back to null).
alter table runs add column absent_since timestamptz;

-- A stored file's identity is its content and the side files that shaped it (the mapping,
-- cluster.yaml, telemetry.yaml, codecarbon.yaml): a hash of their contents, '' when none.
-- When it changes, the file is read again on the next ingest.
alter table source_files add column side_sha256 varchar;

-- Runs removed explicitly (`wattledger forget`): what, why, who, when; the row as it was.
create sequence if not exists forgotten_run_id_seq;
create table forgotten_runs (
    forget_id bigint primary key default nextval('forgotten_run_id_seq'),
    run_id varchar not null,
    source_file_id bigint,
    path varchar,                -- the file the run was read from
    gpu_hours double,
    was_absent boolean not null,  -- the run was already absent from its file
    request varchar not null,    -- '--run <id>' or '--file <path>'
    reason varchar not null,
    forgotten_by varchar not null,
    forgotten_at timestamptz not null default current_timestamp
);
