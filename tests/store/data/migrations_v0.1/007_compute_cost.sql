-- Compute cost (issue #9): what a run's GPU-hours cost (a cloud rental, owned hardware
-- amortised, or an explicit rate) beside its electricity, the total a budget owner sees and the
-- electricity share of it. Rules: docs/method.md (Compute cost) and docs/factors.md.

-- the run log's optional explicit rate: an all-in price of a GPU-hour (electricity included)
alter table runs add column compute_price_per_gpu_hour double;   -- [compute_currency/GPU-hour]
alter table runs add column compute_currency varchar;            -- ISO 4217, with compute_price_per_gpu_hour

-- the site file: who runs the GPUs (rented from a provider, or owned and amortised)
alter table datacenters add column compute_provider varchar;     -- a provider of tariffs/compute_prices.csv
-- one entry per GPU model of owned servers; purchase_price_per_gpu is the given one or
-- purchase_price_per_server / gpus_per_server; operations_cost_per_gpu_year likewise (0 when none)
alter table datacenters add column owned_hardware struct(
    gpu_model varchar, purchase_price_per_server double, purchase_price_per_gpu double, gpus_per_server integer,
    currency varchar, life_years double, utilisation double, operations_cost_per_server_year double,
    operations_cost_per_gpu_year double, source varchar
)[];
-- negotiated rates of a rented datacenter, each from its effective_date on
alter table datacenters add column compute_rates struct(
    gpu_model varchar, price_per_gpu_hour double, currency varchar, effective_date date, source varchar
)[];

-- the footprint's cost columns; a run without a compute price has compute_cost_basis
-- 'unpriced' and the reason in cost_note (never a guessed price)
alter table footprints add column compute_price_per_gpu_hour double;  -- [compute_currency/GPU-hour]
alter table footprints add column compute_currency varchar;
alter table footprints add column compute_cost_basis varchar;          -- explicit | negotiated | cloud_list | amortised | unpriced
alter table footprints add column compute_price_source varchar;        -- the price row, rate or amortisation parameters used
alter table footprints add column compute_price_id varchar;            -- price_id of tariffs/compute_prices.csv (cloud_list)
alter table footprints add column compute_price_date date;             -- the date a list or negotiated price applies from
alter table footprints add column compute_price_date_rule varchar;     -- in_effect | later_than_run | latest_for_undated_run
alter table footprints add column compute_provider varchar;            -- the provider rented from; null when owned or unknown
alter table footprints add column is_energy_in_compute_price boolean;  -- the rate pays for the electricity (rental, explicit)
alter table footprints add column compute_cost double;                 -- gpu_hours x compute_price_per_gpu_hour [compute_currency]
alter table footprints add column total_cost double;                   -- [compute_currency] compute_cost, + energy_cost when owned
alter table footprints add column energy_cost_share double;            -- energy_cost / total_cost [-]
alter table footprints add column cost_note varchar;                   -- why a cost figure is null, or what it leaves out

-- grain: one row per run that has a computed footprint: 003's view with the cost columns.
-- invariants (tested): compute_cost = gpu_hours * compute_price_per_gpu_hour;
-- total_cost = compute_cost when is_energy_in_compute_price, else compute_cost + energy_cost.
-- The views of 005 read it by name and keep working.
create or replace view run_footprints as
with

runs as (
    select * from runs
),

footprints as (
    select * from footprints
),

final as (
    select
        runs.run_id,
        runs.name,
        runs.team,
        runs.project,
        runs.started_at,
        runs.ended_at,
        runs.gpu_model,
        runs.gpu_count,
        footprints.gpu_hours,
        runs.gpu_hours_basis,
        runs.region,
        runs.datacenter,
        runs.source_format,
        runs.job_state,
        footprints.power_w,
        footprints.power_basis,
        footprints.power_source,
        footprints.pue,
        footprints.pue_basis,
        footprints.pue_source,
        footprints.intensity_kg_per_kwh,
        footprints.intensity_basis,
        footprints.intensity_source,
        footprints.intensity_year,
        footprints.intensity_region,
        footprints.intensity_hourly_coverage,
        footprints.energy_it_kwh,
        footprints.energy_kwh,
        wl_kwh_to_mwh(footprints.energy_kwh) as energy_mwh,
        wl_kwh_to_mwh(footprints.energy_kwh_low) as energy_mwh_low,
        wl_kwh_to_mwh(footprints.energy_kwh_high) as energy_mwh_high,
        footprints.co2e_kg,
        wl_kg_to_t(footprints.co2e_kg) as co2e_t,
        wl_kg_to_t(footprints.co2e_kg_low) as co2e_t_low,
        wl_kg_to_t(footprints.co2e_kg_high) as co2e_t_high,
        wl_kg_to_t(footprints.co2e_market_kg) as co2e_market_t,
        wl_kg_to_t(footprints.co2e_market_kg_low) as co2e_market_t_low,
        wl_kg_to_t(footprints.co2e_market_kg_high) as co2e_market_t_high,
        footprints.market_covered_share,
        footprints.market_factor_kg_per_kwh,
        footprints.market_basis,
        footprints.market_source,
        wl_kg_to_t(footprints.embodied_co2e_kg) as embodied_co2e_t,
        footprints.embodied_source,
        footprints.energy_cost,
        footprints.energy_cost_low,
        footprints.energy_cost_high,
        footprints.currency,
        footprints.price_per_kwh,
        footprints.price_basis,
        footprints.tariff_id,
        footprints.price_source,
        footprints.compute_price_per_gpu_hour,
        footprints.compute_currency,
        footprints.compute_cost_basis,
        footprints.compute_price_source,
        footprints.compute_price_id,
        footprints.compute_price_date,
        footprints.compute_price_date_rule,
        footprints.compute_provider,
        footprints.is_energy_in_compute_price,
        footprints.compute_cost,
        footprints.total_cost,
        footprints.energy_cost_share,
        footprints.cost_note,
        wl_household_years(footprints.energy_kwh) as household_years,
        wl_car_years(footprints.co2e_kg) as car_years,
        runs.tracker_co2e_kg,
        footprints.factor_set,
        footprints.computed_at,
        runs.source_file_id
    from runs
    inner join footprints on footprints.run_id = runs.run_id
)

select * from final;
