-- The provenance columns of a footprint, in the schema's order: those of footprint_profiles
-- (sql/schema/018_footprint_profiles.sql) but its id. The writer splits a batch's footprints
-- by them, so the list lives in the schema only.
select column_name
from duckdb_columns()
where schema_name = 'main'
    and table_name = 'footprint_profiles'
    and column_name <> 'profile_id'
order by column_index
