-- A batch's footprints: each run's numbers with the id of its provenance (new_footprint_values,
-- registered by the writer: the footprints without their provenance columns, with the
-- profile_id batch_profile_ids.sql gave their provenance).
insert into footprint_values by name
select *
from new_footprint_values
