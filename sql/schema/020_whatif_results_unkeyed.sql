-- What-if rows without a primary key (issue 20). Replacing one window's rows for 10 M runs in
-- one transaction (a factor change, `compute --all`) rebuilt the (run_id, window_hours) index
-- and ran out of DuckDB's memory (1 GB by default: "failed to pin block", measured 2026-12-05
-- on 10 M rows). As footprints since migration 008, uniqueness is kept by the only writer
-- (wattledger/store/whatif.py: a window's rows, or the queued runs' rows, are deleted in the
-- same transaction before the new ones are inserted) and checked by tests. Same columns, order
-- and types; the view run_whatif is re-applied from sql/views/ after migrations.

create table whatif_results_unkeyed (
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
    computed_at timestamptz not null
);

insert into whatif_results_unkeyed select * from whatif_results;

drop table whatif_results;

alter table whatif_results_unkeyed rename to whatif_results;
