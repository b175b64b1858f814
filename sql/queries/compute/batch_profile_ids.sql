-- The profile_id of each distinct provenance of a batch (batch_profiles, registered by the
-- writer; insert_footprint_profiles.sql has stored every one): a few hundred rows joined
-- null-safely on every provenance column.
select
    batch_profiles.batch_profile,
    footprint_profiles.profile_id
from batch_profiles
inner join footprint_profiles
    on batch_profiles.power_basis is not distinct from footprint_profiles.power_basis
    and batch_profiles.power_source is not distinct from footprint_profiles.power_source
    and batch_profiles.pue_basis is not distinct from footprint_profiles.pue_basis
    and batch_profiles.pue_source is not distinct from footprint_profiles.pue_source
    and batch_profiles.intensity_basis is not distinct from footprint_profiles.intensity_basis
    and batch_profiles.intensity_source is not distinct from footprint_profiles.intensity_source
    and batch_profiles.intensity_year is not distinct from footprint_profiles.intensity_year
    and batch_profiles.intensity_region is not distinct from footprint_profiles.intensity_region
    and batch_profiles.currency is not distinct from footprint_profiles.currency
    and batch_profiles.price_basis is not distinct from footprint_profiles.price_basis
    and batch_profiles.tariff_id is not distinct from footprint_profiles.tariff_id
    and batch_profiles.price_source is not distinct from footprint_profiles.price_source
    and batch_profiles.market_basis is not distinct from footprint_profiles.market_basis
    and batch_profiles.market_source is not distinct from footprint_profiles.market_source
    and batch_profiles.embodied_source is not distinct from footprint_profiles.embodied_source
    and batch_profiles.compute_currency is not distinct from footprint_profiles.compute_currency
    and batch_profiles.compute_cost_basis is not distinct from footprint_profiles.compute_cost_basis
    and batch_profiles.compute_price_source is not distinct from footprint_profiles.compute_price_source
    and batch_profiles.compute_price_id is not distinct from footprint_profiles.compute_price_id
    and batch_profiles.compute_price_date is not distinct from footprint_profiles.compute_price_date
    and batch_profiles.compute_price_date_rule is not distinct from footprint_profiles.compute_price_date_rule
    and batch_profiles.compute_provider is not distinct from footprint_profiles.compute_provider
    and batch_profiles.is_energy_in_compute_price is not distinct from footprint_profiles.is_energy_in_compute_price
    and batch_profiles.cost_note is not distinct from footprint_profiles.cost_note
    and batch_profiles.energy_cpu_basis is not distinct from footprint_profiles.energy_cpu_basis
    and batch_profiles.energy_cpu_source is not distinct from footprint_profiles.energy_cpu_source
    and batch_profiles.energy_ram_basis is not distinct from footprint_profiles.energy_ram_basis
    and batch_profiles.energy_ram_source is not distinct from footprint_profiles.energy_ram_source
    and batch_profiles.wue_basis is not distinct from footprint_profiles.wue_basis
    and batch_profiles.wue_source is not distinct from footprint_profiles.wue_source
    and batch_profiles.water_intensity_basis is not distinct from footprint_profiles.water_intensity_basis
    and batch_profiles.water_intensity_source is not distinct from footprint_profiles.water_intensity_source
