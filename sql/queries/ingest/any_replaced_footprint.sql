-- Whether any footprint is marked replaced ($1: the factor set prefix 'replaced:'): when none
-- is, no footprint can have lost its run, and drop_orphan_footprints.sql is not run.
select exists (
    select 1
    from footprint_values
    where starts_with(factor_set, $1)
)
