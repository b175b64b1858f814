-- grain: one row: the footprint of run $run_id with every factor's basis and source.
select
    run_footprints.*,
    runs.hosts,
    source_files.path as source_path,
    runs.source_line
from run_footprints
inner join runs on runs.run_id = run_footprints.run_id
inner join source_files on source_files.source_file_id = runs.source_file_id
where run_footprints.run_id = $run_id
