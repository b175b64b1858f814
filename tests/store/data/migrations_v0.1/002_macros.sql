-- Unit conversions and equivalences as macros, so SQL and Python agree.
-- Conversions mirror wattledger/units.py (exact definitions, written once here);
-- equivalences read their constant from the constants table, which the store fills
-- from wattledger/units.py and which a user may override.

create or replace macro wl_kwh_to_mwh(energy_kwh) as energy_kwh / 1000.0;
create or replace macro wl_mwh_to_kwh(energy_mwh) as energy_mwh * 1000.0;
create or replace macro wl_kg_to_t(mass_kg) as mass_kg / 1000.0;
create or replace macro wl_t_to_kg(mass_t) as mass_t * 1000.0;

create or replace macro wl_constant(constant_name) as
    (select value from constants where name = constant_name);

-- US household-years of electricity [household-year] from energy [kWh]
create or replace macro wl_household_years(energy_kwh) as
    energy_kwh / wl_constant('us_household_kwh_per_year');

-- typical passenger-car-years of CO2e [vehicle-year] from emissions [kgCO2e]
create or replace macro wl_car_years(co2e_kg) as
    co2e_kg / wl_constant('passenger_vehicle_kg_co2e_per_year');
