-- After a file's runs are stored, in its transaction: the footprints marked replaced ($1: the
-- factor set prefix 'replaced:') whose run the new version did not store again go. Only those
-- footprints are looked at, each run looked up by run_id (not a list of every stored run: at
-- 10 M runs in one file that list alone outgrew the 1 GB memory limit).
delete from footprint_values
where starts_with(factor_set, $1)
    and not exists (
        select 1
        from runs
        where runs.run_id = footprint_values.run_id
    )
