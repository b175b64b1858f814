-- grain: one row: the footprint of run $run_id with every factor's basis and source.
-- $run_id is normalised as ingest stores run ids (sql/queries/ingest/runs_typed.sql): an NFD
-- spelling, or one with a zero-width or control character, finds the run stored.
select
    run_footprints.*,
    runs.hosts,
    source_files.path as source_path,
    runs.source_line
from run_footprints
inner join runs on runs.run_id = run_footprints.run_id
inner join source_files on source_files.source_file_id = runs.source_file_id
where run_footprints.run_id = trim(nfc_normalize(regexp_replace(regexp_replace($run_id::varchar,
    '[\x{00}-\x{1F}\x{7F}-\x{9F}\x{2028}\x{2029}]+', ' ', 'g'),
    '[\x{200B}-\x{200F}\x{202A}-\x{202E}\x{2060}\x{2066}-\x{2069}\x{FEFF}]', '', 'g')))
