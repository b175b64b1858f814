-- The provenances of a batch's footprints that footprint_profiles does not hold yet, each under
-- a new profile_id (one writer: no race). batch_profiles (registered by the writer) holds the
-- batch's distinct provenances, found in polars (store/footprint_writes.py): a few hundred rows,
-- so these comparisons cost nothing. Texts are compared null-safely: a null tariff_id is a
-- provenance like any other.
insert into footprint_profiles by name
with

new_profiles as (
    select
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
    from batch_profiles
),

unseen as (
    select new_profiles.*
    from new_profiles
    where not exists (
        select 1
        from footprint_profiles
        where new_profiles.power_basis is not distinct from footprint_profiles.power_basis
    and new_profiles.power_source is not distinct from footprint_profiles.power_source
    and new_profiles.pue_basis is not distinct from footprint_profiles.pue_basis
    and new_profiles.pue_source is not distinct from footprint_profiles.pue_source
    and new_profiles.intensity_basis is not distinct from footprint_profiles.intensity_basis
    and new_profiles.intensity_source is not distinct from footprint_profiles.intensity_source
    and new_profiles.intensity_year is not distinct from footprint_profiles.intensity_year
    and new_profiles.intensity_region is not distinct from footprint_profiles.intensity_region
    and new_profiles.currency is not distinct from footprint_profiles.currency
    and new_profiles.price_basis is not distinct from footprint_profiles.price_basis
    and new_profiles.tariff_id is not distinct from footprint_profiles.tariff_id
    and new_profiles.price_source is not distinct from footprint_profiles.price_source
    and new_profiles.market_basis is not distinct from footprint_profiles.market_basis
    and new_profiles.market_source is not distinct from footprint_profiles.market_source
    and new_profiles.embodied_source is not distinct from footprint_profiles.embodied_source
    and new_profiles.compute_currency is not distinct from footprint_profiles.compute_currency
    and new_profiles.compute_cost_basis is not distinct from footprint_profiles.compute_cost_basis
    and new_profiles.compute_price_source is not distinct from footprint_profiles.compute_price_source
    and new_profiles.compute_price_id is not distinct from footprint_profiles.compute_price_id
    and new_profiles.compute_price_date is not distinct from footprint_profiles.compute_price_date
    and new_profiles.compute_price_date_rule is not distinct from footprint_profiles.compute_price_date_rule
    and new_profiles.compute_provider is not distinct from footprint_profiles.compute_provider
    and new_profiles.is_energy_in_compute_price is not distinct from footprint_profiles.is_energy_in_compute_price
    and new_profiles.cost_note is not distinct from footprint_profiles.cost_note
    and new_profiles.energy_cpu_basis is not distinct from footprint_profiles.energy_cpu_basis
    and new_profiles.energy_cpu_source is not distinct from footprint_profiles.energy_cpu_source
    and new_profiles.energy_ram_basis is not distinct from footprint_profiles.energy_ram_basis
    and new_profiles.energy_ram_source is not distinct from footprint_profiles.energy_ram_source
    and new_profiles.wue_basis is not distinct from footprint_profiles.wue_basis
    and new_profiles.wue_source is not distinct from footprint_profiles.wue_source
    and new_profiles.water_intensity_basis is not distinct from footprint_profiles.water_intensity_basis
    and new_profiles.water_intensity_source is not distinct from footprint_profiles.water_intensity_source
    )
),

final as (
    select
        (select coalesce(max(profile_id), 0) from footprint_profiles) + row_number() over () as profile_id,
        unseen.*
    from unseen
)

select * from final
