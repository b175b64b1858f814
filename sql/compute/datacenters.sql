-- grain: one row per datacenter of the loaded site file: the columns factor resolution uses.
select
    datacenter,
    region,
    pue,
    monthly_pue,
    pue_source,
    tariff_id,
    price_per_kwh,
    currency,
    price_source,
    grid_intensity_kg_per_kwh,
    grid_intensity_source
from datacenters
order by datacenter
