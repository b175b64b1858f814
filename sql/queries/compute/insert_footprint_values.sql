-- A batch's footprints (new_footprints, registered by the writer): each run's numbers with the
-- id of its provenance (insert_footprint_profiles.sql has stored every one).
insert into footprint_values by name
select
    new_footprints.* exclude (
        power_basis,
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
        water_intensity_source
    ),
    footprint_profiles.profile_id
from new_footprints
inner join footprint_profiles
    on new_footprints.power_basis is not distinct from footprint_profiles.power_basis
    and new_footprints.power_source is not distinct from footprint_profiles.power_source
    and new_footprints.pue_basis is not distinct from footprint_profiles.pue_basis
    and new_footprints.pue_source is not distinct from footprint_profiles.pue_source
    and new_footprints.intensity_basis is not distinct from footprint_profiles.intensity_basis
    and new_footprints.intensity_source is not distinct from footprint_profiles.intensity_source
    and new_footprints.intensity_year is not distinct from footprint_profiles.intensity_year
    and new_footprints.intensity_region is not distinct from footprint_profiles.intensity_region
    and new_footprints.currency is not distinct from footprint_profiles.currency
    and new_footprints.price_basis is not distinct from footprint_profiles.price_basis
    and new_footprints.tariff_id is not distinct from footprint_profiles.tariff_id
    and new_footprints.price_source is not distinct from footprint_profiles.price_source
    and new_footprints.market_basis is not distinct from footprint_profiles.market_basis
    and new_footprints.market_source is not distinct from footprint_profiles.market_source
    and new_footprints.embodied_source is not distinct from footprint_profiles.embodied_source
    and new_footprints.compute_currency is not distinct from footprint_profiles.compute_currency
    and new_footprints.compute_cost_basis is not distinct from footprint_profiles.compute_cost_basis
    and new_footprints.compute_price_source is not distinct from footprint_profiles.compute_price_source
    and new_footprints.compute_price_id is not distinct from footprint_profiles.compute_price_id
    and new_footprints.compute_price_date is not distinct from footprint_profiles.compute_price_date
    and new_footprints.compute_price_date_rule is not distinct from footprint_profiles.compute_price_date_rule
    and new_footprints.compute_provider is not distinct from footprint_profiles.compute_provider
    and new_footprints.is_energy_in_compute_price is not distinct from footprint_profiles.is_energy_in_compute_price
    and new_footprints.cost_note is not distinct from footprint_profiles.cost_note
    and new_footprints.energy_cpu_basis is not distinct from footprint_profiles.energy_cpu_basis
    and new_footprints.energy_cpu_source is not distinct from footprint_profiles.energy_cpu_source
    and new_footprints.energy_ram_basis is not distinct from footprint_profiles.energy_ram_basis
    and new_footprints.energy_ram_source is not distinct from footprint_profiles.energy_ram_source
    and new_footprints.wue_basis is not distinct from footprint_profiles.wue_basis
    and new_footprints.wue_source is not distinct from footprint_profiles.wue_source
    and new_footprints.water_intensity_basis is not distinct from footprint_profiles.water_intensity_basis
    and new_footprints.water_intensity_source is not distinct from footprint_profiles.water_intensity_source
