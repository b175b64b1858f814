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

-- (the run_footprints view with these cost columns: sql/views/010_run_footprints.sql)
