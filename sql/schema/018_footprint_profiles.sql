-- Footprints narrowed (issue 20): the provenance of a footprint (bases, sources, keys, currencies:
-- 32 texts, dates and flags) is the same for every run of one resolved profile, so it is stored
-- once per distinct profile in footprint_profiles, and each run's row in footprint_values holds
-- its numbers and the profile's id. Writing a footprint moves about half the bytes (measured:
-- 1 M footprints in batches of 200 k, 5.6 s -> 2.6 s on 2 cores). The view `footprints`
-- (sql/views/005_footprints.sql) joins them back: every column, name, type and order of the
-- table it replaces, so readers see no change.

-- grain: one row per distinct provenance of footprints (never deleted: a few hundred rows)
create table footprint_profiles (
    profile_id integer primary key,
    power_basis varchar not null,
    power_source varchar not null,
    pue_basis varchar not null,
    pue_source varchar not null,
    intensity_basis varchar not null,
    intensity_source varchar not null,
    intensity_year integer,
    intensity_region varchar,
    currency varchar not null,
    price_basis varchar not null,
    tariff_id varchar,
    price_source varchar not null,
    market_basis varchar not null,
    market_source varchar not null,
    embodied_source varchar,
    compute_currency varchar,
    compute_cost_basis varchar,
    compute_price_source varchar,
    compute_price_id varchar,
    compute_price_date date,
    compute_price_date_rule varchar,
    compute_provider varchar,
    is_energy_in_compute_price boolean,
    cost_note varchar,
    energy_cpu_basis varchar,
    energy_cpu_source varchar,
    energy_ram_basis varchar,
    energy_ram_source varchar,
    wue_basis varchar,
    wue_source varchar,
    water_intensity_basis varchar,
    water_intensity_source varchar
);

-- grain: one row per run with a computed footprint: its numbers, its factor set, its inputs'
-- hash and its profile. No primary key (as footprints since migration 008): compute deletes a
-- run's footprint before writing a new one, in the same transaction.
create table footprint_values (
    run_id varchar not null,
    profile_id integer not null,
    factor_set varchar not null,
    computed_at timestamptz not null default current_timestamp,
    gpu_hours double not null,
    power_w double not null,
    power_low_w double not null,
    power_high_w double not null,
    pue double not null,
    pue_low double not null,
    pue_high double not null,
    intensity_kg_per_kwh double not null,
    intensity_low_kg_per_kwh double not null,
    intensity_high_kg_per_kwh double not null,
    intensity_hourly_coverage double,
    price_per_kwh double not null,
    energy_it_kwh double not null,
    energy_it_kwh_low double not null,
    energy_it_kwh_high double not null,
    energy_kwh double not null,
    energy_kwh_low double not null,
    energy_kwh_high double not null,
    co2e_kg double not null,
    co2e_kg_low double not null,
    co2e_kg_high double not null,
    co2e_market_kg double not null,
    co2e_market_kg_low double not null,
    co2e_market_kg_high double not null,
    market_factor_kg_per_kwh double not null,
    market_covered_share double not null,
    embodied_co2e_kg double,
    energy_cost double not null,
    energy_cost_low double not null,
    energy_cost_high double not null,
    compute_price_per_gpu_hour double,
    compute_cost double,
    total_cost double,
    energy_cost_share double,
    inputs_sha varchar,
    energy_gpu_kwh double,
    energy_gpu_kwh_low double,
    energy_gpu_kwh_high double,
    energy_cpu_kwh double,
    energy_cpu_kwh_low double,
    energy_cpu_kwh_high double,
    energy_ram_kwh double,
    energy_ram_kwh_low double,
    energy_ram_kwh_high double,
    wue_l_per_kwh double,
    wue_low_l_per_kwh double,
    wue_high_l_per_kwh double,
    water_intensity_l_per_kwh double,
    water_intensity_low_l_per_kwh double,
    water_intensity_high_l_per_kwh double,
    water_onsite_l double,
    water_onsite_l_low double,
    water_onsite_l_high double,
    water_offsite_l double,
    water_offsite_l_low double,
    water_offsite_l_high double,
    water_l double,
    water_l_low double,
    water_l_high double
);

insert into footprint_profiles
select row_number() over (order by power_basis,
    power_source,
    pue_basis,
    pue_source,
    intensity_basis,
    intensity_source,
    intensity_year,
    intensity_region,
    currency,
    price_basis,
    tariff_id,
    price_source,
    market_basis,
    market_source,
    embodied_source,
    compute_currency,
    compute_cost_basis,
    compute_price_source,
    compute_price_id,
    compute_price_date,
    compute_price_date_rule,
    compute_provider,
    is_energy_in_compute_price,
    cost_note,
    energy_cpu_basis,
    energy_cpu_source,
    energy_ram_basis,
    energy_ram_source,
    wue_basis,
    wue_source,
    water_intensity_basis,
    water_intensity_source) as profile_id, *
from (select distinct power_basis,
    power_source,
    pue_basis,
    pue_source,
    intensity_basis,
    intensity_source,
    intensity_year,
    intensity_region,
    currency,
    price_basis,
    tariff_id,
    price_source,
    market_basis,
    market_source,
    embodied_source,
    compute_currency,
    compute_cost_basis,
    compute_price_source,
    compute_price_id,
    compute_price_date,
    compute_price_date_rule,
    compute_provider,
    is_energy_in_compute_price,
    cost_note,
    energy_cpu_basis,
    energy_cpu_source,
    energy_ram_basis,
    energy_ram_source,
    wue_basis,
    wue_source,
    water_intensity_basis,
    water_intensity_source from footprints);

insert into footprint_values by name
select f.* exclude (power_basis,
    power_source,
    pue_basis,
    pue_source,
    intensity_basis,
    intensity_source,
    intensity_year,
    intensity_region,
    currency,
    price_basis,
    tariff_id,
    price_source,
    market_basis,
    market_source,
    embodied_source,
    compute_currency,
    compute_cost_basis,
    compute_price_source,
    compute_price_id,
    compute_price_date,
    compute_price_date_rule,
    compute_provider,
    is_energy_in_compute_price,
    cost_note,
    energy_cpu_basis,
    energy_cpu_source,
    energy_ram_basis,
    energy_ram_source,
    wue_basis,
    wue_source,
    water_intensity_basis,
    water_intensity_source), p.profile_id
from footprints as f
join footprint_profiles as p
    on f.power_basis is not distinct from p.power_basis
    and f.power_source is not distinct from p.power_source
    and f.pue_basis is not distinct from p.pue_basis
    and f.pue_source is not distinct from p.pue_source
    and f.intensity_basis is not distinct from p.intensity_basis
    and f.intensity_source is not distinct from p.intensity_source
    and f.intensity_year is not distinct from p.intensity_year
    and f.intensity_region is not distinct from p.intensity_region
    and f.currency is not distinct from p.currency
    and f.price_basis is not distinct from p.price_basis
    and f.tariff_id is not distinct from p.tariff_id
    and f.price_source is not distinct from p.price_source
    and f.market_basis is not distinct from p.market_basis
    and f.market_source is not distinct from p.market_source
    and f.embodied_source is not distinct from p.embodied_source
    and f.compute_currency is not distinct from p.compute_currency
    and f.compute_cost_basis is not distinct from p.compute_cost_basis
    and f.compute_price_source is not distinct from p.compute_price_source
    and f.compute_price_id is not distinct from p.compute_price_id
    and f.compute_price_date is not distinct from p.compute_price_date
    and f.compute_price_date_rule is not distinct from p.compute_price_date_rule
    and f.compute_provider is not distinct from p.compute_provider
    and f.is_energy_in_compute_price is not distinct from p.is_energy_in_compute_price
    and f.cost_note is not distinct from p.cost_note
    and f.energy_cpu_basis is not distinct from p.energy_cpu_basis
    and f.energy_cpu_source is not distinct from p.energy_cpu_source
    and f.energy_ram_basis is not distinct from p.energy_ram_basis
    and f.energy_ram_source is not distinct from p.energy_ram_source
    and f.wue_basis is not distinct from p.wue_basis
    and f.wue_source is not distinct from p.wue_source
    and f.water_intensity_basis is not distinct from p.water_intensity_basis
    and f.water_intensity_source is not distinct from p.water_intensity_source;

drop table footprints;
