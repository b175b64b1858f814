-- grain: one row per datacenter of the loaded site file: the columns factor resolution uses.
select
    datacenter,
    region,
    pue,
    monthly_pue,
    pue_source,
    tariff_id,
    timezone,
    price_per_kwh,
    currency,
    price_source,
    grid_intensity_kg_per_kwh,
    grid_intensity_source,
    renewable_coverage_share,
    supplier_factor_kg_per_kwh,
    residual_mix_kg_per_kwh,
    market_source,
    market_vintage_year,
    compute_provider,
    owned_hardware,
    compute_rates,
    wue,
    wue_source,
    price_market,
    price_adder_per_kwh
from datacenters
order by datacenter
