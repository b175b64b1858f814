-- Equivalences as macros: each reads its constant from the constants table, which the
-- store fills from wattledger/units.py and which a user may override. Re-applied on every
-- writable connect.

create or replace macro wl_constant(constant_name) as
    (select value from constants where name = constant_name);

-- US household-years of electricity [household-year] from energy [kWh]
create or replace macro wl_household_years(energy_kwh) as
    energy_kwh / wl_constant('us_household_kwh_per_year');

-- typical passenger-car-years of CO2e [vehicle-year] from emissions [kgCO2e]
create or replace macro wl_car_years(co2e_kg) as
    co2e_kg / wl_constant('passenger_vehicle_kg_co2e_per_year');

-- US household-days of home water use [household-day] from water consumed [L]
create or replace macro wl_household_water_days(water_l) as
    water_l / wl_constant('us_household_water_l_per_day');
