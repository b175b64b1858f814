-- Core tables: source files, runs, rejected rows, footprints, constants.

-- grain: one row per ingested source file (identified by the SHA-256 of its bytes)
create sequence source_file_id_seq start 1;
create table source_files (
    source_file_id bigint primary key default nextval('source_file_id_seq'),
    path varchar not null,                -- absolute path when ingested
    content_sha256 varchar not null unique,
    format varchar not null,              -- csv | parquet | ndjson | sacct | codecarbon | mapping:<name>
    detected varchar not null,            -- what was detected and how the file was read, for people
    size_bytes bigint not null,
    records bigint not null,              -- data records seen (blank lines excluded)
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    folded_records bigint not null,       -- records merged into another record of the same run (job steps, ...)
    ignored_columns varchar[] not null,   -- columns present in the file but not in the contract
    ingested_at timestamptz not null default current_timestamp
);

-- grain: one row per training run (run_id unique across the whole database)
create table runs (
    run_id varchar primary key,
    source_file_id bigint not null references source_files (source_file_id),
    source_line bigint not null,          -- line (CSV, NDJSON) or 1-based row (Parquet)
    name varchar,
    team varchar,
    project varchar,
    started_at timestamptz,               -- UTC; a timestamp without offset is read as UTC
    ended_at timestamptz,
    gpu_model varchar,
    gpu_count integer,                    -- devices; null only when gpu_hours was logged
    gpu_hours double not null,            -- device-hours [h]
    gpu_hours_basis varchar not null,     -- logged | timestamps (gpu_count x duration)
    avg_power_w double,                   -- logged average power per device [W]
    pue double,                           -- logged PUE [-]
    region varchar,
    datacenter varchar,
    hosts varchar,
    grid_intensity_kg_per_kwh double,     -- explicit override [kgCO2e/kWh]
    price_per_kwh double,                 -- explicit override [currency/kWh]
    currency varchar,                     -- ISO 4217, with price_per_kwh
    source_format varchar not null,       -- canonical | sacct | codecarbon | mapping:<name> (docs/formats.md)
    job_state varchar,                    -- scheduler's final state: COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ...
    measured_it_energy_kwh double,        -- IT energy measured by a tracker for the whole run, before PUE [kWh]
    measured_energy_source varchar,       -- which tracker or meter measured it, e.g. 'codecarbon 2.8.3 energy_consumed'
    tracker_co2e_kg double                -- the tracker's own emissions figure [kgCO2e]; for comparison, never summed
);

-- grain: one row per problem found in a source record (a record may have several)
create table rejects (
    source_file_id bigint not null references source_files (source_file_id),
    line bigint,                          -- line (CSV, NDJSON) or 1-based row (Parquet)
    column_name varchar,                  -- null when the whole record is malformed
    value varchar,                        -- the offending text, or the raw record
    reason varchar not null,              -- a fixed phrase, to count rejects by reason
    detail varchar                        -- context for this record (other line, expected count, ...)
);

-- grain: one row per run: its computed footprint and the basis of every factor
create table footprints (
    run_id varchar primary key references runs (run_id),
    factor_set varchar not null,          -- version (hash) of the factor tables used
    computed_at timestamptz not null default current_timestamp,
    gpu_hours double not null,            -- [h]
    power_w double not null,              -- per device [W]
    power_low_w double not null,
    power_high_w double not null,
    power_basis varchar not null,         -- measured (tracker energy / GPU-hours) | logged | tdp
    power_source varchar not null,        -- e.g. the GPU table row used for tdp
    pue double not null,
    pue_low double not null,
    pue_high double not null,
    pue_basis varchar not null,           -- logged | datacenter | datacenter_monthly | provider:<cloud> | default:unknown
    pue_source varchar not null,
    intensity_kg_per_kwh double not null,
    intensity_low_kg_per_kwh double not null,
    intensity_high_kg_per_kwh double not null,
    intensity_basis varchar not null,     -- logged | datacenter | region | region_earlier_year | country | country_earlier_year | default:WORLD
    intensity_source varchar not null,
    intensity_year integer,               -- vintage year of the factor row used
    intensity_region varchar,             -- key of the factor row used (region, country or WORLD)
    intensity_hourly_coverage double,     -- share of the run covered by an hourly series (bases hourly, hourly_partial)
    price_per_kwh double not null,
    currency varchar not null,
    price_basis varchar not null,         -- logged | datacenter | datacenter_tariff | region | country | default:<tariff>
    tariff_id varchar,
    price_source varchar not null,
    energy_it_kwh double not null,
    energy_it_kwh_low double not null,
    energy_it_kwh_high double not null,
    energy_kwh double not null,           -- facility energy, after PUE
    energy_kwh_low double not null,
    energy_kwh_high double not null,
    co2e_kg double not null,              -- location-based
    co2e_kg_low double not null,
    co2e_kg_high double not null,
    co2e_market_kg double not null,       -- market-based (GHG Protocol Scope 2 Guidance, ch. 6-7)
    co2e_market_kg_low double not null,
    co2e_market_kg_high double not null,
    market_factor_kg_per_kwh double not null, -- factor applied to the share not covered by instruments
    market_covered_share double not null, -- share of energy covered by RECs/PPAs [-]
    market_basis varchar not null,        -- instruments:supplier | instruments:residual_mix | instruments:full_coverage | no_instruments:grid_average
    market_source varchar not null,
    embodied_co2e_kg double,              -- manufacture amortised over GPU-hours; a separate line, never in co2e_kg
    embodied_source varchar,
    energy_cost double not null,          -- electricity, in currency
    energy_cost_low double not null,
    energy_cost_high double not null
);

-- grain: one row per run that could not be given a footprint, with the reason
-- (e.g. no logged power and a GPU model missing from hardware/gpu_power.csv)
create table unresolved_runs (
    run_id varchar primary key references runs (run_id),
    factor_set varchar not null,
    reason varchar not null,
    checked_at timestamptz not null default current_timestamp
);

-- grain: one row per named constant (equivalences); defaults come from wattledger/units.py
create table constants (
    name varchar primary key,
    value double not null,
    unit varchar not null,
    description varchar not null,
    source varchar not null,
    vintage_year integer,
    url varchar,
    is_override boolean not null default false,
    updated_at timestamptz not null default current_timestamp
);
