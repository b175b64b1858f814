-- What-if timing and placement (issue 18), and electricity indexed to a wholesale market.
-- Method: docs/whatif.md. The view over the table is sql/views/180_run_whatif.sql.

-- a datacenter whose electricity is indexed to an hourly day-ahead market (site file
-- ``price: {market: US-TEX-ERCO, adder_per_kwh: 0.03}``): its runs are priced hour by hour at
-- the market price (tariffs/wholesale_prices_2024.csv) plus the adder
alter table datacenters add column price_market varchar;             -- a market of tariffs/wholesale_markets.csv
alter table datacenters add column price_adder_per_kwh double;       -- [currency/kWh] on top of the market price

-- grain: one row per run with a footprint and window (hours either side of its start), as
-- compute wrote it last (every run of the database, replaced whole for that window, with the
-- factor set it was computed under). Timing: the same run (duration, energy, PUE, datacenter)
-- started at each whole-hour shift within ±window_hours, integrated exactly over the hourly
-- series of its region; placement: the same run in each datacenter of the site file, at its own time.
create table whatif_results (
    run_id varchar not null,
    window_hours integer not null,           -- [h]
    factor_set varchar not null,
    timing_status varchar not null,          -- 'compared', or why not (no hourly series, not fully covered, ...)
    candidates integer not null,             -- shifts tried: 2 × window_hours + 1
    candidates_covered integer not null,     -- shifts fully inside the series with no missing hour (the rest are skipped)
    co2e_kg_now double,                      -- at its own start, on the what-if basis (constant power) [kgCO2e]
    best_shift_h integer,                    -- [h] (0: its own start was the best)
    best_started_at timestamptz,
    co2e_kg_best double,                     -- at the best start [kgCO2e]
    energy_cost_now double,                  -- [currency]
    energy_cost_best double,                 -- at the best start [currency]
    currency varchar,
    cost_basis varchar,                      -- how energy_cost_best was priced (hourly market price, or the run's own price)
    datacenters_compared integer not null,   -- site-file datacenters the run was placed in
    best_datacenter varchar,                 -- the one with the least CO2e at the run's own time
    co2e_kg_best_datacenter double,          -- [kgCO2e]
    energy_kwh_best_datacenter double,       -- facility energy there (the run's IT energy × its PUE) [kWh]
    energy_cost_best_datacenter double,      -- [currency_best_datacenter]
    currency_best_datacenter varchar,
    intensity_basis_best_datacenter varchar, -- e.g. hourly, region (annual)
    computed_at timestamptz not null,
    primary key (run_id, window_hours)
);
