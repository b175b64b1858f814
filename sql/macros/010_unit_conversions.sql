-- Unit conversions as macros, so SQL and Python agree: they mirror wattledger/units.py
-- (exact definitions, written once here). Re-applied on every writable connect.

create or replace macro wl_kwh_to_mwh(energy_kwh) as energy_kwh / 1000.0;
create or replace macro wl_mwh_to_kwh(energy_mwh) as energy_mwh * 1000.0;
create or replace macro wl_kg_to_t(mass_kg) as mass_kg / 1000.0;
create or replace macro wl_t_to_kg(mass_t) as mass_t * 1000.0;
