-- grain: one row per datacenter of the user's site file (datacenters.yaml); the whole table
-- is replaced each time a site file is loaded (wattledger sites FILE).
create table datacenters (
    datacenter varchar primary key,
    region varchar,
    pue double,                            -- [-]
    monthly_pue double[],                  -- 12 values, January..December [-]
    pue_source varchar,
    tariff_id varchar,                     -- a tariff_id of tariffs/flat_prices.csv or tariffs/tou/
    timezone varchar,                      -- IANA time zone of the site (time-of-use schedules are local)
    price_per_kwh double,                  -- [currency/kWh]
    currency varchar,
    price_source varchar,
    grid_intensity_kg_per_kwh double,      -- location-based override [kgCO2e/kWh]
    grid_intensity_source varchar,
    renewable_coverage_share double,       -- REC/PPA-covered share of consumption [-]
    supplier_factor_kg_per_kwh double,     -- [kgCO2e/kWh]
    residual_mix_kg_per_kwh double,        -- [kgCO2e/kWh]
    market_source varchar,
    site_file_path varchar not null,
    site_file_sha256 varchar not null,
    loaded_at timestamptz not null default current_timestamp
);
