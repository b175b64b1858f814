-- grain: one row per run that has a computed footprint.
-- invariants (tested): energy_kwh = energy_it_kwh * pue; co2e_kg = energy_kwh * intensity;
-- every *_low <= value <= *_high.
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

-- grain: one row per run footprint whose run started in [period_start, period_end);
-- every run when both are null. Reports and exports read through this macro.
create or replace macro wl_period_footprints(period_start, period_end) as table
    select *
    from run_footprints
    where (period_start is null or started_at >= period_start)
      and (period_end is null or started_at < period_end);
